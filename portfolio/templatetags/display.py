"""``{% load display %}``: the formatting functions of ``portfolio.formatting`` as filters."""

from __future__ import annotations

from django import template
from django.utils.html import escape
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


def _address_pieces(value) -> list[str]:
    """An e-mail address cut where a narrow column may break it: after each dot of its
    name and after its "@", never in the middle of a name or of the domain."""
    local, at, domain = str(value).partition("@")
    *named, last = local.split(".")
    return [f"{part}." for part in named] + [last + at] + ([domain] if at else [])


@register.filter
def address(value) -> str:
    """An e-mail address that breaks only at ``_address_pieces``' places (``<wbr>``)."""
    return mark_safe("<wbr>".join(escape(piece) for piece in _address_pieces(value)))  # noqa: S308 - each piece escaped


@register.filter
def address_label(value) -> str:
    """An address for a ``data-label``, which CSS shows as text (no ``<wbr>``): a
    zero-width space at each of ``_address_pieces``' places."""
    return "\u200b".join(_address_pieces(value))
