"""Yearly goals on a figure of the dashboard, and the milestones worth celebrating."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from portfolio.limits import GOAL_DIGITS, GOAL_PLACES

# A figure: rates as fractions (0.05 = 5%), money in the base currency, months.
FIGURE = {"max_digits": GOAL_DIGITS, "decimal_places": GOAL_PLACES}


class Metric(models.TextChoices):
    WEALTH_RATIO = "wealth_ratio", "Wealth ratio"
    MONTHLY_PASSIVE = "monthly_passive", "Monthly passive income"
    RUNWAY_MONTHS = "runway_months", "Runway (months)"
    PASSIVE_COVERAGE = "passive_coverage", "Passive coverage"
    SAVINGS_RATE = "savings_rate", "Savings rate"


# Metrics entered and shown as percentages; the others are money or months.
RATE_METRICS = frozenset({Metric.WEALTH_RATIO, Metric.PASSIVE_COVERAGE, Metric.SAVINGS_RATE})

# The one dispatch on a goal's metric: the figure it follows (by that name in
# ``portfolio.figures.Figures`` and ``portfolio.models.Snapshot``, through their
# ``figure(name)``) and how it is shown (a function of ``portfolio.formatting``).
METRIC_FIGURE = {
    Metric.WEALTH_RATIO: "wealth_ratio",
    Metric.MONTHLY_PASSIVE: "monthly_passive",
    Metric.RUNWAY_MONTHS: "runway_months",
    Metric.PASSIVE_COVERAGE: "passive_coverage",
    Metric.SAVINGS_RATE: "savings_rate",
}
METRIC_FORMAT = {
    Metric.WEALTH_RATIO: "ratio",
    Metric.MONTHLY_PASSIVE: "money",
    Metric.RUNWAY_MONTHS: "months",
    Metric.PASSIVE_COVERAGE: "percent",
    Metric.SAVINGS_RATE: "percent",
}


def metric_value(source, metric: str):
    """The figure a goal on ``metric`` follows, from a ``Figures`` or a ``Snapshot``.

    None (not enough data) where the figure rests on spending and none is recorded:
    a runway goal is not achieved, nor a baseline taken, by spending nothing.
    """
    name = METRIC_FIGURE[metric]
    return None if source.rests_on_no_spending(name) else source.figure(name)


class Goal(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="goals"
    )
    portfolio = models.ForeignKey(
        "portfolio.Portfolio",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="goals",
        help_text="Leave empty for all your portfolios together.",
    )
    # A household's goal: on what its members share, seen and changed by every member;
    # ``owner`` is the member who set it.
    household = models.ForeignKey(
        "households.Household",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="goals",
    )
    year = models.PositiveSmallIntegerField()
    metric = models.CharField(max_length=20, choices=Metric, default=Metric.WEALTH_RATIO)
    baseline = models.DecimalField(**FIGURE, help_text="Where you start from.")
    baseline_date = models.DateField(help_text="The straight path starts on this day.")
    target = models.DecimalField(**FIGURE)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by the year-end job: the figure on 31 December, kept as history.
    closed_at = models.DateTimeField(null=True, blank=True)
    final_value = models.DecimalField(**FIGURE, null=True, blank=True)
    # A final figure can be unbounded (a fully passive ratio, a runway that is free),
    # which no decimal column holds; None with this flag off means undefined.
    final_infinite = models.BooleanField(default=False)

    class Meta:
        ordering = ["-year", "portfolio_id", "metric"]
        constraints = [
            # NULL portfolio means "all portfolios": a plain unique constraint would let
            # two such goals coexist, since NULLs are distinct; hence two conditions.
            models.UniqueConstraint(
                fields=["owner", "year", "metric"],
                condition=Q(portfolio__isnull=True, household__isnull=True),
                name="goal_unique_overall",
            ),
            models.UniqueConstraint(
                fields=["household", "year", "metric"],
                condition=Q(household__isnull=False),
                name="goal_unique_per_household",
            ),
            models.CheckConstraint(
                condition=Q(household__isnull=True) | Q(portfolio__isnull=True),
                name="goal_household_or_portfolio",
            ),
            models.UniqueConstraint(
                fields=["owner", "portfolio", "year", "metric"],
                condition=Q(portfolio__isnull=False),
                name="goal_unique_per_portfolio",
            ),
            models.CheckConstraint(
                condition=Q(target__gt=models.F("baseline")), name="goal_target_above_baseline"
            ),
        ]
        indexes = [
            # The dashboard and the year-end job: a user's goals of a year.
            models.Index(fields=["owner", "year"], name="goal_owner_year"),
        ]

    def __str__(self) -> str:
        return f"{self.get_metric_display()} {self.year}"

    @property
    def is_rate(self) -> bool:
        return self.metric in RATE_METRICS


class Milestone(models.Model):
    """Something worth celebrating, recorded once so that it is e-mailed once."""

    class Kind(models.TextChoices):
        GOAL_ACHIEVED = "goal_achieved", "Goal achieved"
        RATIO_100 = "ratio_100", "Wealth ratio reached 100%"
        PASSIVE_COVERS_SPENDING = "passive_covers_spending", "Passive income covers spending"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="milestones"
    )
    kind = models.CharField(max_length=30, choices=Kind)
    # What makes it unique: the goal's id for a goal, empty for the once-only ones.
    key = models.CharField(max_length=50, blank=True)
    goal = models.ForeignKey(Goal, on_delete=models.SET_NULL, null=True, blank=True)
    value = models.DecimalField(**FIGURE, null=True, blank=True)
    occurred_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "key"], name="milestone_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.occurred_on})"
