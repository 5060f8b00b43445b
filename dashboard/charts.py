"""The dashboard's history charts, built from snapshots only.

Three queries whatever the length of the history: the owner's snapshots, their
wealth ratio goals of this and past years, and whether a recompute is pending.
Nothing is recomputed during a page request: a month not yet snapshotted is
simply not drawn.

``dashboard_charts`` returns ``data`` for ``json_script`` (money and figures as
decimal strings, "Infinity" for an unbounded figure, null for an undefined one;
``static/js/charts.js`` draws it) and ``rows`` for the tables that sit beside the
charts, holding the same numbers as Decimals for the template's filters.

Below ``MIN_MONTHS`` of history the template says when the history starts instead
of drawing axes around a single point (``Charts.too_short``). ``pending`` says that
the user's snapshots are being recomputed (a ``SnapshotQueue`` marker exists): the
page shows a note, and ``static/js/charts.js`` asks ``dashboard:status`` until the
marker is gone, then redraws the charts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from django.core.cache import cache
from django.db.models import Count, Max
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.dateformat import format as format_date
from django.utils.safestring import SafeString, mark_safe

from goals import progress
from goals.models import Goal, Metric
from portfolio import categories
from portfolio.history_trend import TrendSummary, own_trend
from portfolio.models import Portfolio, Snapshot, SnapshotQueue
from portfolio.months import month_end, user_today

CENT = Decimal("0.01")
# A line needs two points: with fewer months the charts would be empty axes.
MIN_MONTHS = 2
# The rendered section is kept in the cache under what it is made of (``charts_section``);
# a new version of this module or its template changes SECTION_VERSION.
SECTION_VERSION = 1
SECTION_SECONDS = 24 * 3600


def _money(value: Decimal | None) -> str | None:
    """An amount for JSON: a decimal string, or None (unknown: a gap in the line)."""
    if value is None:
        return None
    return format(value.quantize(CENT, rounding=ROUND_HALF_EVEN), "f")


def _figure(value: Decimal | None) -> str | None:
    """A figure for JSON: a decimal string, "Infinity", or None (undefined)."""
    if value is None:
        return None
    if value.is_infinite():
        return "Infinity"
    return format(value.normalize(), "f")


@dataclass
class MonthRow:
    """One month of every chart's table."""

    month: date
    wealth_ratio: Decimal | None
    goal_path: Decimal | None
    goal_target: Decimal | None
    passive_by_category: list[Decimal]  # monthly, in the order of ``passive_categories``
    monthly_passive: Decimal
    runway_months: Decimal | None
    runway_with_passive_months: Decimal | None
    net_worth: Decimal | None  # None: no balance recorded yet
    liquid_assets: Decimal | None


@dataclass
class Charts:
    data: dict
    rows: list[MonthRow] = field(default_factory=list)
    passive_categories: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    has_goals: bool = False
    pending: bool = False  # the user's snapshots are being recomputed

    def __bool__(self) -> bool:
        return bool(self.rows)

    @property
    def too_short(self) -> bool:
        """Some history, but too little to draw: the template says when it starts."""
        return 0 < len(self.rows) < MIN_MONTHS

    @property
    def first_month(self) -> date | None:
        return self.rows[0].month if self.rows else None

    @property
    def has_passive(self) -> bool:
        """Whether any month has passive income to draw (else the bars are an empty axis)."""
        return bool(self.passive_categories)

    @property
    def has_balance(self) -> bool:
        """Whether any month has a recorded balance (before the first valuation, none)."""
        return any(r.liquid_assets is not None or r.net_worth is not None for r in self.rows)


def recompute_pending(user) -> bool:
    """Whether ``user``'s snapshots are stale and a recompute is queued."""
    return SnapshotQueue.objects.filter(user=user).exists()


def _goal_lines(goal: Goal, months: list[date]) -> tuple[list, list]:
    """A goal's straight path and target at every month end of its year, else None."""
    path: list[Decimal | None] = []
    target: list[Decimal | None] = []
    for month in months:
        last_day = month_end(month)
        if month.year != goal.year or last_day < goal.baseline_date:
            path.append(None)
            target.append(None)
            continue
        path.append(
            progress.expected_value(goal.baseline, goal.target, goal.baseline_date, last_day)
        )
        target.append(goal.target)
    return path, target


def dashboard_charts(*, user, portfolio: Portfolio | None = None, household=None) -> Charts:
    """The history of ``user`` (all portfolios), of one ``portfolio``, or of what the
    members of ``household`` share with it, month by month."""
    if household is not None:
        snapshots = list(Snapshot.objects.filter(household=household).order_by("month"))
        pending = SnapshotQueue.objects.filter(
            user__household_membership__household=household
        ).exists()
    else:
        # A portfolio shared with ``user`` has its owner's rows.
        owner = portfolio.owner if portfolio is not None else user
        snapshots = list(
            Snapshot.objects.filter(owner=owner, portfolio=portfolio).order_by("month")
        )  # uses the partial unique index of (owner, month) or (portfolio, month)
        pending = recompute_pending(owner)
    if not snapshots:
        return Charts(data={}, pending=pending)
    months = [s.month for s in snapshots]
    this_year = user_today(user).year
    goals = (
        []
        if household is not None
        else list(
            Goal.objects.filter(
                owner=user,
                household=None,
                portfolio=portfolio,
                metric=Metric.WEALTH_RATIO,
                year__gte=months[0].year,
                year__lte=this_year,
            )
        )
    )  # the current year's goal and past ones, in one query
    # One line per goal, so one year's path never joins the next one's.
    lines = [(goal.year, *_goal_lines(goal, months)) for goal in goals]
    # Goals never overlap (one per year), so the tables show them in one column.
    path = [next((p[i] for _, p, _ in lines if p[i] is not None), None) for i in range(len(months))]
    target = [
        next((t[i] for _, _, t in lines if t[i] is not None), None) for i in range(len(months))
    ]

    present = {category for s in snapshots for category, amount in s.by_category.items() if amount}
    passive_categories = [
        (value, categories.LABEL_OF[value])
        for value in categories.CATEGORIES_IN[categories.PASSIVE]
        if value in present
    ]
    rows = []
    for snapshot, goal_path, goal_target in zip(snapshots, path, target, strict=True):
        by_category = [snapshot.monthly_of(value) for value, _ in passive_categories]
        rows.append(
            MonthRow(
                month=snapshot.month,
                wealth_ratio=snapshot.figure("wealth_ratio"),
                goal_path=goal_path,
                goal_target=goal_target,
                passive_by_category=by_category,
                monthly_passive=snapshot.monthly_passive,
                runway_months=snapshot.figure("runway_months"),
                runway_with_passive_months=snapshot.figure("runway_with_passive_months"),
                net_worth=snapshot.net_worth,
                liquid_assets=snapshot.liquid_assets,
            )
        )

    data = {
        "currency": user.currency,
        "months": [m.isoformat()[:7] for m in months],
        "labels": [format_date(m, "M Y") for m in months],
        "ratio": [_figure(r.wealth_ratio) for r in rows],
        "goals": [
            {"year": year, "path": [_figure(v) for v in p], "target": [_figure(v) for v in t]}
            for year, p, t in sorted(lines, key=lambda line: line[0])
        ],
        "passive": [
            {
                "category": value,
                "label": label,
                "values": [_money(r.passive_by_category[i]) for r in rows],
            }
            for i, (value, label) in enumerate(passive_categories)
        ],
        "runway": [_figure(r.runway_months) for r in rows],
        "runway_with_passive": [_figure(r.runway_with_passive_months) for r in rows],
        "net_worth": [_money(r.net_worth) for r in rows],
        "liquid_assets": [_money(r.liquid_assets) for r in rows],
    }
    return Charts(
        data=data,
        rows=rows,
        passive_categories=passive_categories,
        has_goals=bool(goals),
        pending=pending,
    )


def _scope_rows(*, user, portfolio, household):
    if household is not None:
        return Snapshot.objects.filter(household=household)
    owner = portfolio.owner if portfolio is not None else user
    return Snapshot.objects.filter(owner=owner, portfolio=portfolio)


@dataclass(frozen=True)
class HistorySection:
    """What the dashboard reads from the snapshots: the rendered history section and,
    for a user or a portfolio, the trend of the last months (``own_trend``)."""

    html: SafeString
    trend: TrendSummary | None = None


def history_section(
    *,
    user,
    today: date,
    portfolio: Portfolio | None = None,
    household=None,
    start_portfolio=None,
) -> HistorySection:
    """The rendered history section (``dashboard/_charts.html`` of ``dashboard_charts``)
    and the trend, kept in the cache under what they are made of.

    They change only with: the scope's snapshot rows (a recompute writes every row it
    writes with a new ``computed_at``, and deleting rows changes their count), the
    wealth ratio goals drawn on the charts, whether a recompute is pending, the
    user's day, currency and language, and the portfolio the section links to.
    Three small queries make that key; only when it is new are the snapshots loaded
    and the tables rendered, so a dashboard costs the same whatever the length of
    the history. The cache failing open (Redis down) only costs the rendering.
    """
    stamp = _scope_rows(user=user, portfolio=portfolio, household=household).aggregate(
        rows=Count("pk"), computed=Max("computed_at")
    )
    if household is not None:
        goals = []
        pending = SnapshotQueue.objects.filter(
            user__household_membership__household=household
        ).exists()
    else:
        goals = list(
            Goal.objects.filter(
                owner=user,
                household=None,
                portfolio=portfolio,
                metric=Metric.WEALTH_RATIO,
                year__lte=today.year,
            )
            .order_by("pk")
            .values_list("pk", "year", "baseline", "baseline_date", "target")
        )
        pending = recompute_pending(portfolio.owner if portfolio is not None else user)
    key = repr(
        (
            SECTION_VERSION,
            user.pk,
            portfolio and portfolio.pk,
            household and household.pk,
            start_portfolio and start_portfolio.pk,
            stamp["rows"],
            stamp["computed"] and stamp["computed"].isoformat(),
            goals,
            pending,
            today.isoformat(),
            user.currency,
            translation.get_language(),
        )
    )
    cache_key = "dashboard-history:" + hashlib.sha256(key.encode()).hexdigest()
    section = cache.get(cache_key)
    if section is None:
        charts = dashboard_charts(user=user, portfolio=portfolio, household=household)
        html = render_to_string(
            "dashboard/_charts.html",
            {"charts": charts, "user": user, "start_portfolio": start_portfolio},
        )
        trend = None
        if household is None:
            trend = own_trend(user, portfolio=portfolio, today=today)
        section = HistorySection(mark_safe(html), trend)  # noqa: S308 (our own template)
        cache.set(cache_key, section, SECTION_SECONDS)
    return section
