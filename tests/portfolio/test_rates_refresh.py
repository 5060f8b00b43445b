"""The daily refresh of the ECB's rates, against a real HTTP server on this machine.

The server serves a sample file in the ECB's daily format; the test's "today" is
11 April 2024, the day the file brings (1 EUR = 1.0745 USD = 0.85405 GBP).
"""

from __future__ import annotations

import http.server
import threading
from datetime import date
from decimal import Decimal
from unittest import mock
from urllib.error import URLError

import pytest
import time_machine

from portfolio import snapshots, tasks
from portfolio.models import Rate, Snapshot, SnapshotQueue
from portfolio.rates import fetch
from tests.factories import HoldingFactory, StreamFactory, UserFactory, ValuationFactory
from tests.helpers import store_ecb_rates

pytestmark = pytest.mark.django_db
D = Decimal

SAMPLE = b"Date, USD, JPY, GBP, \n11 April 2024, 1.0745, 164.37, 0.85405, \n"


@pytest.fixture
def ecb_server():
    """A local server answering every GET with ``SAMPLE``; yields its address."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(len(SAMPLE)))
            self.end_headers()
            self.wfile.write(SAMPLE)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/eurofxref.csv"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def sent():
    """The recomputes queued, as (args, options), instead of published to the broker."""
    calls: list[tuple] = []
    with mock.patch.object(
        tasks.recompute_user, "apply_async", lambda args, **kw: calls.append((args, kw))
    ):
        yield calls


@pytest.fixture
def today():
    with time_machine.travel("2024-04-11 18:00", tick=False):
        yield


def net_worth_in_april(user):
    return Snapshot.objects.get(owner=user, portfolio=None, month=date(2024, 4, 1)).net_worth


@pytest.mark.usefixtures("today")
@pytest.mark.django_db(transaction=True)  # the refresh's marks are queued once it commits
def test_a_new_day_recomputes_the_snapshots_of_those_it_concerns(settings, ecb_server, owner, sent):
    store_ecb_rates()
    settings.FX_RATES_URL = ecb_server
    cash = HoldingFactory(portfolio=owner.portfolios.get(), kind="cash", currency="GBP")
    ValuationFactory(holding=cash, date=date(2024, 1, 31), value=D("10000"))
    dollars_only = UserFactory()
    StreamFactory(portfolio=dollars_only.portfolios.get(), first_date=date(2024, 1, 31))
    snapshots.snapshots_recompute(user_ids=[owner.pk, dollars_only.pk])
    SnapshotQueue.objects.all().delete()
    sent.clear()
    # Before: 10 April's rates, 10000 x 1.086 / 0.85515 = 12699.5264
    assert net_worth_in_april(owner) == D("12699.53")

    assert tasks.refresh_rates.apply().get() == 3  # USD, JPY and GBP got 11 April
    assert Rate.objects.get(currency="GBP", date=date(2024, 4, 11)).units_per_euro == D("0.85405")
    marker = SnapshotQueue.objects.get()  # the dollar-only user needs no rate
    assert (marker.user_id, marker.dirty_since) == (owner.pk, date(2024, 4, 1))
    ((args, _),) = sent
    assert args == (owner.pk, marker.version)

    tasks.recompute_user.apply(args=args).get()  # what the worker does with it
    # 10000 x 1.0745 / 0.85405 = 12581.2306
    assert net_worth_in_april(owner) == D("12581.23")
    computed = list(Snapshot.objects.values_list("pk", "computed_at"))

    # The same file again: nothing new, nothing marked, nothing recomputed.
    sent.clear()
    assert tasks.refresh_rates.apply().get() == 0
    assert not SnapshotQueue.objects.exists()
    assert sent == []
    assert list(Snapshot.objects.values_list("pk", "computed_at")) == computed


def test_an_empty_address_turns_the_refresh_off(settings):
    settings.FX_RATES_URL = ""
    assert tasks.refresh_rates.apply().get() == 0
    assert not Rate.objects.exists()


def test_an_unreachable_server_is_an_error_to_retry():
    # Nothing listens on port 9 (discard) of this machine.
    with pytest.raises(URLError):
        fetch("http://127.0.0.1:9/eurofxref.csv")
    assert URLError in tasks.refresh_rates.transient


def test_an_address_that_is_not_http_is_refused():
    with pytest.raises(ValueError, match="http"):
        fetch("file:///etc/passwd")


def test_the_refresh_is_on_beats_schedule_daily_after_the_ecb_publishes():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="rates.refresh")
    assert task.enabled
    crontab = task.crontab
    assert (crontab.hour, crontab.minute, str(crontab.timezone)) == ("16", "30", "Europe/Berlin")


def test_the_beat_job_through_a_real_worker_recomputes_the_owner(start_worker, ecb_server, owner):
    # Today is the real one here (the worker is another process); its balance takes the
    # latest rate stored, 10 April 2024's before the refresh and 11 April's after it.
    store_ecb_rates()
    cash = HoldingFactory(portfolio=owner.portfolios.get(), kind="cash", currency="GBP")
    ValuationFactory(holding=cash, date=date(2024, 1, 31), value=D("10000"))
    month = date.today().replace(day=1)

    def net_worth_now():
        row = Snapshot.objects.filter(owner=owner, portfolio=None, month=month).first()
        return row and row.net_worth

    worker = start_worker(FX_RATES_URL=ecb_server)
    # The recompute queued by the new valuation: 10000 x 1.086 / 0.85515
    worker.wait_until(lambda: net_worth_now() == D("12699.53"), 60, "the first recompute")

    tasks.refresh_rates.delay()
    # 10000 x 1.0745 / 0.85405, through the marker and the debounced recompute
    worker.wait_until(lambda: net_worth_now() == D("12581.23"), 60, "the recompute after it")
    assert Rate.objects.filter(date=date(2024, 4, 11)).count() == 3
