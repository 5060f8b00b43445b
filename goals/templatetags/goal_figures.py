"""Show a goal's figures in the goal metric's own unit."""

from __future__ import annotations

from decimal import Decimal

from django import template

from goals.models import METRIC_FORMAT
from portfolio import formatting

register = template.Library()


@register.simple_tag
def goal_figure(value, goal, currency: str) -> str:
    shown_as = METRIC_FORMAT[goal.metric]
    if shown_as == "money":
        return formatting.money(value, currency)
    return getattr(formatting, shown_as)(value)


@register.simple_tag
def goal_final(goal, currency: str) -> str:
    """The figure a closed goal ended the year with."""
    if goal.final_infinite:
        return goal_figure(Decimal("Infinity"), goal, currency)
    return goal_figure(goal.final_value, goal, currency)
