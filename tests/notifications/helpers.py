"""Helpers of the e-mail tests: users with figures, the SMTP server, eager tasks.

``investor()`` builds a user whose snapshots come from the real recompute;
``add_snapshots()`` writes snapshot rows with ``SnapshotFactory`` (no streams, so no
recompute is queued: the worker tests stay quiet). ``mail`` is the shared ``smtp_server``, which
a test can stop and start again on the same port, or make answer 4xx/5xx; the
shared ``start_worker(**env)`` starts as many real workers as a test needs.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import time_machine

from notifications.smtp import EmailBackend as SMTPBackend
from portfolio.snapshots import snapshots_recompute
from tests.factories import (
    EntryFactory,
    HoldingFactory,
    SnapshotFactory,
    StreamFactory,
    UserFactory,
    ValuationFactory,
)

D = Decimal
# 08:30 on 1 February 2026 in London (UTC): the monthly e-mails about January are due.
FEB_1_0830 = dt.datetime(2026, 2, 1, 8, 30, tzinfo=dt.UTC)
JOINED = dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC)


def at(moment: dt.datetime, tick: bool = False):
    return time_machine.travel(moment, tick=tick)


def member(**kwargs):
    """A user who signed up in June 2025 (long before the months the tests report on)."""
    with at(JOINED):
        return UserFactory(**kwargs)


def investor(**kwargs):
    """Salary 5,000 and dividends 250 a month since 2020, rent 500 from December 2025,
    spending 3,000 a month, 30,000 in cash; January's dividend recorded as an entry.

    In January 2026 (TTM): earned 60,000, passive 4,000, a wealth ratio of 6.7%
    (5.8% in December), a runway of 10 months. No reminder is due (January has an entry).
    """
    user = member(**kwargs)
    portfolio = user.portfolios.get()
    StreamFactory(portfolio=portfolio, category="salary", amount=D("5000"))
    dividends = StreamFactory(portfolio=portfolio, category="dividends", amount=D("250"))
    EntryFactory(
        portfolio=portfolio,
        stream=dividends,
        category="dividends",
        date=dt.date(2026, 1, 15),
        amount=D("250"),
    )
    StreamFactory(
        portfolio=portfolio, category="rent", amount=D("500"), first_date=dt.date(2025, 12, 1)
    )
    StreamFactory(portfolio=portfolio, category="living_expenses", amount=D("3000"))
    cash = HoldingFactory(portfolio=portfolio, kind="cash", name="Savings")
    ValuationFactory(holding=cash, date=dt.date(2020, 1, 1), value=D("30000"))
    return user


def recompute(*users, moment: dt.datetime = FEB_1_0830) -> None:
    with at(moment):
        snapshots_recompute(user_ids=[u.pk for u in users])


def add_snapshots(
    user,
    months: list[dt.date],
    *,
    earned: Decimal = D("60000"),
    passive: Decimal = D("3000"),
    spending: Decimal = D("36000"),
    liquid: Decimal = D("30000"),
) -> None:
    """User-level snapshot rows with consistent figures (a ratio of 5% by default)."""
    for month in months:
        SnapshotFactory(
            owner=user,
            month=month,
            earned=earned,
            passive=passive,
            spending=spending,
            liquid_assets=liquid,
        )


class WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs."""


class DiesAfterSendingBackend(SMTPBackend):
    """The app's SMTP backend in a worker killed the moment the server took the e-mail,
    before anything could record that it was sent (``EMAIL_BACKEND`` of a test)."""

    def send_messages(self, email_messages):
        super().send_messages(email_messages)
        raise WorkerKilled
