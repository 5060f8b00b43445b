"""The trend of an owner's own snapshot history, for the dashboard and the e-mails.

The fit is ``portfolio.trend``; this module feeds it the stored monthly figures
and words the result once, so that the dashboard and the monthly e-mail say the
same sentence and link to the same projection.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse

from portfolio.limits import TREND_MAX_MONTHS
from portfolio.models import Snapshot
from portfolio.months import add_months, month_start
from portfolio.trend import MonthPoint, Trend, fit_trend

# The projection form takes rates as fractions with four places, from 0 to 100%.
RATE_PLACES = Decimal("0.0001")


def _form_rate(rate: Decimal | None) -> str:
    """A fitted growth as the projection form takes it: shrinking income is 0%."""
    rate = min(max(rate if rate is not None else Decimal(0), Decimal(0)), Decimal(1))
    return str(rate.quantize(RATE_PLACES))


@dataclass(frozen=True)
class TrendSummary:
    trend: Trend
    month: date  # the month it is told in
    reaches_full: date | None  # the month the fitted ratio reaches 100%; None: never
    portfolio_id: int | None

    @property
    def sentence(self) -> str:
        pace = f"At the pace of the last {self.trend.months} months, your ratio"
        if self.reaches_full is None:
            return f"{pace} does not reach 100%: not at this pace."
        if self.reaches_full == self.month:
            return f"{pace} is at 100% or more."
        return f"{pace} reaches 100% in {self.reaches_full.year}."

    @property
    def projection_url(self) -> str:
        """The what-if projection with the fitted growth rates filled in."""
        return f"{reverse('portfolio:projection')}?{self.projection_query}"

    @property
    def projection_query(self) -> str:
        """The query of ``projection_url``: for a caller that has the page's address."""
        query = {
            "wage_growth": _form_rate(self.trend.earned_growth),
            "passive_growth": _form_rate(self.trend.passive_growth),
        }
        if self.portfolio_id is not None:
            query = {"portfolio": self.portfolio_id, **query}
        return urlencode(query)


def summarize(
    snapshots: Iterable[Snapshot], *, month: date, portfolio_id: int | None = None
) -> TrendSummary | None:
    """The trend of ``snapshots`` (one owner's, one scope) up to ``month``; None
    without enough history."""
    points = [MonthPoint(s.month, s.monthly_passive, s.monthly_earned) for s in snapshots]
    trend = fit_trend(points, last_month=month)
    if trend is None:
        return None
    month = month_start(month)
    return TrendSummary(trend, month, trend.month_reaching(Decimal(1), month), portfolio_id)


def own_trend(owner, *, portfolio=None, household=None, today: date) -> TrendSummary | None:
    """The trend at ``today`` of the user (all their portfolios), of one portfolio
    (its owner's rows: a portfolio shared with the user has no rows of the user's),
    or of a household (what its members share): one query."""
    last = month_start(today)
    rows = Snapshot.objects.filter(month__range=(add_months(last, 1 - TREND_MAX_MONTHS), last))
    if household is not None:
        rows = rows.filter(household=household)
    elif portfolio is not None:
        rows = rows.filter(portfolio=portfolio)
    else:
        rows = rows.filter(owner=owner, portfolio__isnull=True)
    return summarize(rows, month=last, portfolio_id=None if portfolio is None else portfolio.pk)
