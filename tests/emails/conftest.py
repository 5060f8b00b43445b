"""Helpers of the e-mail tests: users with figures, a controllable SMTP server, workers.

``investor()`` builds a user whose snapshots come from the real recompute;
``add_snapshots()`` writes snapshot rows directly (no streams, so no recompute is
queued: the worker tests stay quiet). ``mail`` is a real aiosmtpd server that a
test can stop and start again on the same port, or make answer 4xx/5xx.
``start_worker(**env)`` starts real ``celery worker`` processes, as many as a test
needs (the shared ``celery_worker`` fixture starts one).
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings as django_settings

from config.celery import app as celery_app
from portfolio import metrics
from portfolio.models import Snapshot
from portfolio.snapshots import snapshots_recompute
from tests.conftest import (
    BASE_DIR,
    CONFIGURED_CACHES,
    RUN_ID,
    SMTPServer,
    WorkerProcess,
    _wait_for_heartbeat,
    free_port,
    test_database_url,
)
from tests.factories import (
    EntryFactory,
    HoldingFactory,
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
    rows = []
    for month in months:
        runway = metrics.runway_months(liquid, metrics.monthly(spending))
        with_passive = metrics.runway_months(
            liquid, metrics.monthly(spending), metrics.monthly(passive)
        )
        ratio = metrics.wealth_ratio(passive, earned)
        coverage = metrics.passive_coverage(passive, spending)
        rows.append(
            Snapshot(
                owner=user,
                portfolio=None,
                month=month,
                earned=earned,
                passive=passive,
                spending=spending,
                liquid_assets=liquid,
                net_worth=liquid,
                passive_hours=D(0),
                **_metric("wealth_ratio", ratio),
                **_metric("runway_months", runway),
                **_metric("runway_with_passive_months", with_passive),
                **_metric("passive_coverage", coverage),
                savings_rate=metrics.savings_rate(earned, passive, spending).quantize(D("1e-6")),
                computed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            )
        )
    Snapshot.objects.bulk_create(rows)


def _metric(name: str, value: Decimal | None) -> dict:
    if value is not None and value.is_infinite():
        return {name: None, f"{name}_infinite": True}
    return {name: None if value is None else value.quantize(D("1e-6"))}


# --- A real SMTP server that can go away and come back -------------------------------


class Mail(SMTPServer):
    """``SMTPServer`` of the shared conftest, with ``stop()``/``start()`` on one port and
    ``refuse_rcpt``: an SMTP reply such as "451 4.3.0 Try later" for the next RCPT."""

    controller = None
    refuse_rcpt: list[str]
    on_data = None  # called with the message before it is accepted

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname=self.host, port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt:
            return self.refuse_rcpt.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        reply = await super().handle_DATA(server, session, envelope)
        if self.on_data is not None:
            self.on_data(self.messages[-1])
        return reply


@pytest.fixture
def mail(settings):
    """A real SMTP server (aiosmtpd) for this process; ``mail.url`` for a worker's EMAIL_URL."""
    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    server = Mail()
    server.refuse_rcpt = []
    for _attempt in range(5):
        server.port = free_port()
        try:
            server.start()
            break
        except (OSError, RuntimeError):
            server.controller = None
    assert server.controller is not None, "could not start the SMTP server"
    server.url = f"smtp://{server.host}:{server.port}"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = server.host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


@pytest.fixture
def eager():
    """Tasks queued by the code under test run at once, in this process (no broker)."""
    keys = ("task_always_eager", "task_eager_propagates")
    saved = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(dict.fromkeys(keys, True))
    yield
    celery_app.conf.update(saved)


# --- Real workers --------------------------------------------------------------------


@pytest.fixture
def start_worker(transactional_db, settings, tmp_path):
    """``start_worker(**env)``: a real worker process on the test database and broker."""
    from django.core.cache import cache

    from config.celery import HEARTBEAT_CACHE_KEY, heartbeat

    settings.CACHES = copy.deepcopy(CONFIGURED_CACHES)
    started: list[WorkerProcess] = []

    def start(**extra_env: str) -> WorkerProcess:
        import time

        env = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "SECRET_KEY": django_settings.SECRET_KEY,
            "PYTHONUNBUFFERED": "1",
            **extra_env,
        }
        log = tmp_path / f"worker-{len(started)}.log"
        with log.open("wb") as log_file:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--pool=solo",
                    "--without-mingle",
                    "--without-gossip",
                    "-l",
                    "WARNING",
                    "-n",
                    f"test-{RUN_ID}-{len(started)}@%h",
                ],
                cwd=BASE_DIR,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        worker = WorkerProcess(process, log)
        started.append(worker)
        cache.delete(HEARTBEAT_CACHE_KEY)
        sent_at = time.time()
        heartbeat.delay()
        _wait_for_heartbeat(worker, sent_at, timeout=60)
        cache.delete(HEARTBEAT_CACHE_KEY)
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.process.terminate()
            try:
                worker.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait(timeout=10)
