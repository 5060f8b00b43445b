"""The pace a user is actually going at, pure Python (no Django import).

From monthly figures (the snapshots' monthly passive and earned income) this fits
the growth of each, log-linearly, and says when the fitted ratio reaches a target
(docs/metrics.md, "Your own trend"):

- ``ln(income) = level + slope x month`` by least squares, separately for passive
  and for earned income, over the months of the last ``TREND_MAX_MONTHS`` in which
  the figure is known and above zero (a logarithm of zero does not exist, and a
  month without any passive income tells nothing about its growth rate);
- at least ``TREND_MIN_MONTHS`` months with both figures known, else no trend;
- the ratio at a month is ``exp(passive line - earned line)``; it reaches a target
  in the first month at or after the start month where the fitted lines say so,
  and never ("not at this pace") when passive income grows no faster than earned
  income, or only beyond the projection's reach.

The least squares are computed in floats (an estimate needs no more digits); the
fitted lines, the ratios and the months they give are Decimal (``ln`` and ``exp``
of Python's decimal module).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Context, Decimal, localcontext

from portfolio.limits import MAX_PROJECTION_YEARS, TREND_MAX_MONTHS, TREND_MIN_MONTHS
from portfolio.months import from_index, month_index

__all__ = ["ROUND_RATIOS", "MonthPoint", "Trend", "fit_trend", "next_round_ratio"]

_CTX = Context(prec=28)
# The ratios the calendar page names as the next milestone of the trend.
ROUND_RATIOS = (Decimal("0.10"), Decimal("0.25"), Decimal("0.50"), Decimal(1))


@dataclass(frozen=True)
class MonthPoint:
    """One month's monthly figures; None where the figure is unknown."""

    month: date
    passive: Decimal | None
    earned: Decimal | None


@dataclass(frozen=True)
class _Line:
    """``ln(value) = level + slope x t``, t in months from the fit's last month."""

    level: Decimal
    slope: Decimal

    def at(self, t: int) -> Decimal:
        return self.level + self.slope * t

    @property
    def yearly_growth(self) -> Decimal:
        with localcontext(_CTX):
            return (self.slope * 12).exp() - 1


def _fit(points: list[tuple[int, Decimal]]) -> _Line | None:
    if len(points) < TREND_MIN_MONTHS:
        return None
    # The least squares are computed in floats: the fit is an estimate, from figures
    # of a few significant digits, and 28-digit logarithms (about 20 µs each, two
    # dozen for every e-mail and page that shows a trend) changed nothing but its time.
    xs = [float(t) for t, _ in points]
    ys = [math.log(value) for _, value in points]
    x_mean = sum(xs) / len(xs)
    y_mean = sum(ys) / len(ys)
    spread = sum((x - x_mean) ** 2 for x in xs)
    slope = sum((x - x_mean) * (y - y_mean) for x, y in zip(xs, ys, strict=True)) / spread
    # What follows (the ratio in a month, the month a target is reached) is Decimal again.
    return _Line(level=Decimal(repr(y_mean - slope * x_mean)), slope=Decimal(repr(slope)))


@dataclass(frozen=True)
class Trend:
    """Fitted growth of passive and earned income over ``first_month``..``last_month``.

    ``passive`` is None when fewer than ``TREND_MIN_MONTHS`` months had any passive
    income (the ratio then reaches nothing); ``earned`` is None when as few had
    earned income (the ratio is then unbounded: every target is reached).
    """

    first_month: date
    last_month: date
    passive: _Line | None
    earned: _Line | None

    @property
    def months(self) -> int:
        """How many calendar months the fit spans: "the pace of the last N months"."""
        return month_index(self.last_month) - month_index(self.first_month) + 1

    @property
    def passive_growth(self) -> Decimal | None:
        """Fitted growth of passive income a year (0.10 = 10%)."""
        return None if self.passive is None else self.passive.yearly_growth

    @property
    def earned_growth(self) -> Decimal | None:
        return None if self.earned is None else self.earned.yearly_growth

    def _log_ratio(self, t: int) -> Decimal | None:
        if self.passive is None or self.earned is None:
            return None
        return self.passive.at(t) - self.earned.at(t)

    def ratio_in(self, month: date) -> Decimal | None:
        """The fitted ratio in ``month``; Infinity without earned income, None without
        passive income."""
        if self.earned is None:
            return Decimal("Infinity")
        log_ratio = self._log_ratio(month_index(month) - month_index(self.last_month))
        if log_ratio is None:
            return None
        with localcontext(_CTX):
            return log_ratio.exp()

    def month_reaching(self, target: Decimal, start: date) -> date | None:
        """The first month from ``start``'s on in which the fitted ratio is at least
        ``target`` (> 0); None when that is never, or beyond the projection's years."""
        begin = month_index(start) - month_index(self.last_month)
        if self.earned is None:
            return from_index(month_index(start))
        if self.passive is None:
            return None
        with localcontext(_CTX):
            wanted = target.ln()
            if self._log_ratio(begin) >= wanted:
                return from_index(month_index(start))
            closing = self.passive.slope - self.earned.slope
            if closing <= 0:
                return None
            needed = (wanted - (self.passive.level - self.earned.level)) / closing
            t = int(needed.to_integral_value(rounding=ROUND_CEILING))
        if t - begin > 12 * MAX_PROJECTION_YEARS:
            return None
        return from_index(month_index(self.last_month) + t)


def fit_trend(points: Iterable[MonthPoint], *, last_month: date) -> Trend | None:
    """The trend of ``points`` up to ``last_month``, over at most the last
    ``TREND_MAX_MONTHS``; None with fewer than ``TREND_MIN_MONTHS`` known months."""
    last = month_index(last_month)
    kept = [
        p
        for p in points
        if last - TREND_MAX_MONTHS < month_index(p.month) <= last
        and p.passive is not None
        and p.earned is not None
    ]
    if len(kept) < TREND_MIN_MONTHS:
        return None
    kept.sort(key=lambda p: p.month)
    end = month_index(kept[-1].month)

    def series(name: str) -> list[tuple[int, Decimal]]:
        return [
            (month_index(p.month) - end, getattr(p, name)) for p in kept if getattr(p, name) > 0
        ]

    return Trend(
        first_month=from_index(month_index(kept[0].month)),
        last_month=from_index(month_index(kept[-1].month)),
        passive=_fit(series("passive")),
        earned=_fit(series("earned")),
    )


def next_round_ratio(trend: Trend, start: date) -> tuple[Decimal, date | None] | None:
    """The first of ``ROUND_RATIOS`` above the fitted ratio in ``start``'s month, and the
    month the trend reaches it (None: not at this pace); None once all are behind."""
    now = trend.ratio_in(start)
    for target in ROUND_RATIOS:
        if now is None or now < target:
            return target, trend.month_reaching(target, start)
    return None
