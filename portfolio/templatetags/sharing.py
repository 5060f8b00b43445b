"""``{% if portfolio|changeable_by:user %}``: show a change only to who may make it."""

from __future__ import annotations

from django import template

from portfolio import access

register = template.Library()


@register.filter
def changeable_by(portfolio, user) -> bool:
    return access.may_change(user, portfolio)
