"""Snapshot histories growing at known yearly rates, for the trend's page and e-mail tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from portfolio.models import Snapshot
from portfolio.months import add_months
from tests.factories import SnapshotFactory

CENT = Decimal("0.01")


def growing_snapshots(
    owner,
    last: dt.date,
    months: int = 24,
    *,
    passive_growth: float = 0.10,
    earned_growth: float = 0.05,
    ratio_now: float = 0.25,
    portfolio=None,
    skip: tuple[int, ...] = (),
    balance_unknown: tuple[int, ...] = (),
) -> None:
    """Monthly snapshot rows to ``last`` whose twelve-month totals grow at the given
    rates (earned 60,000 a year at ``last``). ``skip``: months back with no row;
    ``balance_unknown``: months back with no liquid assets recorded."""
    for back in range(months):
        if back in skip:
            continue
        earned = 60000 * (1 + earned_growth) ** (-back / 12)
        passive = ratio_now * 60000 * (1 + passive_growth) ** (-back / 12)
        row = SnapshotFactory(
            owner=owner,
            portfolio=portfolio,
            month=add_months(last, -back),
            earned=Decimal(earned).quantize(CENT),
            passive=Decimal(passive).quantize(CENT),
            spending=Decimal(36000),
            liquid_assets=Decimal(30000),
        )
        if back in balance_unknown:
            # No valuation yet that month: balances and runways unknown, flows known.
            Snapshot.objects.filter(pk=row.pk).update(
                liquid_assets=None,
                net_worth=None,
                runway_months=None,
                runway_months_infinite=False,
                runway_with_passive_months=None,
                runway_with_passive_months_infinite=False,
            )
