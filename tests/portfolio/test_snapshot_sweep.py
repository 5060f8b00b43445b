"""Work lost while the broker is down: publishing gives up fast, and the sweep re-sends it."""

from __future__ import annotations

import logging
import time
from datetime import date, timedelta
from unittest import mock

import pytest
from django.utils import timezone

from config.celery import app as celery_app
from portfolio import snapshots, tasks
from portfolio.models import Entry, SnapshotQueue
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def marker(user, *, age: timedelta, version: int = 3) -> SnapshotQueue:
    at = timezone.now() - age
    return SnapshotQueue.objects.update_or_create(
        user=user,
        defaults={
            "dirty_since": date(2026, 1, 1),
            "version": version,
            "first_requested_at": at,
            "requested_at": at,
        },
    )[0]


@pytest.fixture
def sent():
    calls: list[tuple] = []
    with mock.patch.object(
        tasks.recompute_user, "apply_async", lambda args, **kw: calls.append((args, kw))
    ):
        yield calls


def test_the_sweep_resends_stale_markers_only(sent):
    stale = UserFactory()
    fresh = UserFactory()
    inactive = UserFactory(is_active=False)
    SnapshotQueue.objects.all().delete()
    marker(stale, age=snapshots.STALE_AFTER + timedelta(seconds=1), version=7)
    marker(fresh, age=timedelta(seconds=snapshots.DEBOUNCE_SECONDS))
    marker(inactive, age=timedelta(hours=1))

    assert tasks.sweep_stale_markers.apply().get() == 1

    (((user_id, version), kw),) = sent
    assert (user_id, version) == (stale.pk, 7)  # its current version: it will run
    assert kw["countdown"] == 0


def test_the_resent_task_recomputes_and_clears_the_marker(owner, portfolio, sent):
    SnapshotQueue.objects.all().delete()
    marker(owner, age=timedelta(minutes=10), version=2)
    tasks.sweep_stale_markers.apply().get()
    ((args, _),) = sent
    tasks.recompute_user.apply(args=args).get()
    assert not SnapshotQueue.objects.filter(user=owner).exists()


def test_the_sweep_is_on_beats_schedule():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="snapshots.sweep_stale_markers")
    assert task.enabled
    assert (task.interval.every, task.interval.period) == (5, "minutes")


@pytest.fixture
def broker_down(monkeypatch):
    """The Celery app publishing to a Redis broker that is not there."""
    monkeypatch.setattr(celery_app.conf, "broker_url", DEAD_BROKER)
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    yield
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()


def test_publishing_gives_up_fast_when_the_broker_is_down(owner, broker_down, caplog):
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="portfolio.snapshots"):
        assert snapshots.enqueue(owner.pk, 1) is False
    assert time.monotonic() - started < 0.5
    assert "Could not queue the snapshot recompute" in caplog.text


def test_an_entry_saved_while_the_broker_is_down(
    owner, portfolio, broker_down, django_capture_on_commit_callbacks
):
    from tests.factories import EntryFactory

    SnapshotQueue.objects.all().delete()
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        entry = EntryFactory(portfolio=portfolio)
    assert time.monotonic() - started < 0.5
    assert Entry.objects.filter(pk=entry.pk).exists()
    assert SnapshotQueue.objects.filter(user=owner).exists()  # for the sweep


# Real commits: the task is published when the request's change commits.
@pytest.mark.django_db(transaction=True)
def test_the_user_is_told_the_charts_update_later(client_owner, portfolio, broker_down):
    from django.urls import reverse

    from portfolio.middleware import CHARTS_LATER

    data = {"date": "2026-10-03", "amount": "42.10", "category": "dividends", "stream": ""}
    response = client_owner.post(
        reverse("portfolio:entry_create", args=[portfolio.pk]), {**data, "note": ""}, follow=True
    )
    assert response.status_code == 200
    assert Entry.objects.filter(portfolio=portfolio).exists()
    assert CHARTS_LATER in response.text


# Real commits: the task is published when the request's change commits.
@pytest.mark.django_db(transaction=True)
def test_no_note_when_the_task_was_queued(client_owner, portfolio, sent):
    from django.urls import reverse

    from portfolio.middleware import CHARTS_LATER

    data = {"date": "2026-10-03", "amount": "42.10", "category": "dividends", "stream": ""}
    response = client_owner.post(
        reverse("portfolio:entry_create", args=[portfolio.pk]), {**data, "note": ""}, follow=True
    )
    assert sent
    assert CHARTS_LATER not in response.text
