"""``{% load display %}``: the formatting functions of ``portfolio.formatting`` as filters."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

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
    """An e-mail address that a narrow column breaks after its "@" (``<wbr>``) rather
    than in the middle of the domain."""
    local, at, domain = str(value).partition("@")
    return format_html("{}{}<wbr>{}", local, at, domain)
