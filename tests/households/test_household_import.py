"""A member's CSV import into a portfolio shared with them for editing: written only
while they may still change it."""

from __future__ import annotations

import pytest

from dataport import import_jobs
from dataport.models import ImportJob
from households import services as households
from portfolio.models import Entry, Portfolio
from portfolio.services import portfolio_share

pytestmark = pytest.mark.django_db

CSV = b"date,amount,category\r\n2025-01-31,4200,salary\r\n"


@pytest.fixture
def confirmed(alice, bob, couple):
    """Bob's import into Alice's portfolio shared for editing, confirmed, not yet written."""
    joint = Portfolio.objects.create(owner=alice, name="Joint")
    portfolio_share(portfolio=joint, sharing=Portfolio.Sharing.EDIT)
    job = import_jobs.job_start(
        owner=bob, portfolio=joint, kind=ImportJob.Kind.ENTRIES_CSV, data=CSV, file_name="e.csv"
    )
    import_jobs.entries_csv_stage(job.pk)
    assert import_jobs.job_confirm(job=job, allow_duplicate=False)
    return job


def test_the_write_goes_into_the_shared_portfolio(confirmed):
    import_jobs.entries_csv_write(confirmed.pk)
    confirmed.refresh_from_db()
    assert confirmed.state == ImportJob.State.DONE
    assert Entry.objects.filter(portfolio=confirmed.portfolio).count() == 1


@pytest.mark.parametrize(
    "change",
    [
        lambda job: households.member_leave(user=job.owner),
        lambda job: portfolio_share(portfolio=job.portfolio, sharing=Portfolio.Sharing.VIEW),
    ],
    ids=["member left", "now view only"],
)
def test_a_member_who_may_no_longer_change_it_writes_nothing(confirmed, change):
    change(confirmed)
    import_jobs.entries_csv_write(confirmed.pk)
    confirmed.refresh_from_db()
    assert confirmed.state == ImportJob.State.FAILED
    assert confirmed.problems == ["You may no longer change this portfolio. Nothing was imported."]
    assert not Entry.objects.filter(portfolio=confirmed.portfolio).exists()
