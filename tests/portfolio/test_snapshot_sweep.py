"""Work lost while the broker is down: the sweep re-sends it.

A save while Redis is down, through the real web process, and the sweep through a
real worker once Redis is back, are in the fault suite (tests/faults/test_redis_down.py).
"""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

import pytest
from django.utils import timezone

from portfolio import snapshots, tasks
from portfolio.models import SnapshotQueue
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


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
