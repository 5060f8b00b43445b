"""Template filters of the statement pages."""

from __future__ import annotations

from django import template

from dataport.forms import column_letter

register = template.Library()

register.filter("column_letter", column_letter)


@register.filter
def negated(amount):
    """Money out without its minus sign, where the words already say "out"."""
    return -amount
