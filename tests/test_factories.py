"""The snapshot factory stores figures as the recompute does."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portfolio.metrics import INFINITY
from tests.factories import SnapshotFactory

D = Decimal


def test_the_metrics_follow_from_the_figures():
    row = SnapshotFactory.build(owner=None)
    assert row.month == date(2026, 1, 1) and row.portfolio is None
    assert row.figure("wealth_ratio") == D("0.05")  # 3,000 / 60,000
    assert row.figure("runway_months") == D("10")  # 30,000 / 3,000 a month
    assert row.figure("runway_with_passive_months") == D("10.909091")  # 30,000 / 2,750
    assert row.figure("passive_coverage") == D("0.083333")
    assert row.figure("savings_rate") == D("0.428571")  # 27,000 / 63,000
    assert row.figure("passive_per_hour") == INFINITY  # no hours
    assert row.passive_per_hour is None and row.passive_per_hour_infinite


def test_a_metric_given_overrides_and_its_flag_follows():
    row = SnapshotFactory.build(owner=None, wealth_ratio=INFINITY, runway_months=D("1.23456789"))
    assert (row.wealth_ratio, row.wealth_ratio_infinite) == (None, True)
    assert (row.runway_months, row.runway_months_infinite) == (D("1.234568"), False)


def test_no_income_leaves_the_ratio_undefined():
    row = SnapshotFactory.build(owner=None, earned=D(0), passive=D(0), spending=D(0))
    assert row.figure("wealth_ratio") is None and not row.wealth_ratio_infinite
    assert row.figure("runway_months") == INFINITY


def test_savings_rate_is_never_unbounded():
    with pytest.raises(ValueError, match="savings_rate"):
        SnapshotFactory.build(owner=None, savings_rate=INFINITY)


@pytest.mark.django_db
def test_rows_are_saved(owner):
    SnapshotFactory(owner=owner, month=date(2026, 2, 1))
    assert owner.snapshots.get().figure("wealth_ratio") == D("0.05")
