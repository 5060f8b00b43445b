"""Show a goal's figures in the goal metric's own unit."""

from __future__ import annotations

from decimal import Decimal

from django import template

from goals.models import Metric
from portfolio.templatetags import figures

register = template.Library()


@register.simple_tag
def goal_figure(value, goal, currency: str) -> str:
    if goal.metric == Metric.WEALTH_RATIO:
        return figures.ratio(value)
    if goal.metric == Metric.MONTHLY_PASSIVE:
        return figures.money(value, currency)
    if goal.metric == Metric.RUNWAY_MONTHS:
        return figures.months(value)
    return figures.percent(value)


@register.simple_tag
def goal_final(goal, currency: str) -> str:
    """The figure a closed goal ended the year with."""
    if goal.final_infinite:
        return goal_figure(Decimal("Infinity"), goal, currency)
    return goal_figure(goal.final_value, goal, currency)
