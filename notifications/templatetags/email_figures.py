"""Changes of a figure in words for the progress e-mails: "+1.2 points", "-0.5 months"."""

from __future__ import annotations

from decimal import Decimal

from django import template

from portfolio import formatting

register = template.Library()

MINUS = "\u2212"


def _signed(value: Decimal, unit: str) -> str:
    shown = formatting.number(abs(value), 1)
    if shown == formatting.number(Decimal(0), 1):
        return "no change"
    return f"{'+' if value > 0 else MINUS}{shown} {unit}"


@register.filter
def points_change(value: Decimal | None) -> str:
    """A change of a rate (a fraction) in percentage points."""
    if value is None or not value.is_finite():
        return formatting.DASH
    return _signed(value * 100, "points")


@register.filter
def months_change(value: Decimal | None) -> str:
    if value is None or not value.is_finite():
        return formatting.DASH
    return _signed(value, "months")
