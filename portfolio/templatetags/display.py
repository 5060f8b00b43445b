"""``{% load display %}``: the formatting functions of ``portfolio.formatting`` as filters."""

from __future__ import annotations

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from portfolio import formatting

register = template.Library()

register.filter("money", formatting.money)
register.filter("money_whole", formatting.money_whole)
register.filter("converted", formatting.converted)
register.filter("percent", formatting.percent)
register.filter("ratio", formatting.ratio)
register.filter("months", formatting.months)
register.filter("years", formatting.years)
register.filter("number", formatting.number)
register.filter("window", formatting.window)
register.filter("runway", formatting.runway)
register.filter("spending_figure", formatting.spending_figure)


@register.filter
def address(value) -> str:
    """An e-mail address that a narrow column breaks after its "@" or a dot of its
    name (``<wbr>``) rather than in the middle of a name or of the domain."""
    local, at, domain = str(value).partition("@")
    name = mark_safe(".<wbr>".join(escape(part) for part in local.split(".")))  # noqa: S308 - each part escaped
    return format_html("{}{}<wbr>{}", name, at, domain)


@register.filter
def address_label(value) -> str:
    """An e-mail address for a ``data-label``, which CSS shows as text (no ``<wbr>``):
    a zero-width space after each dot of its name and after its "@", so that a
    narrow card breaks it there rather than in the middle of a name or domain."""
    local, at, domain = str(value).partition("@")
    return local.replace(".", ".\u200b") + at + "\u200b" * bool(at) + domain
