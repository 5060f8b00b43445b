"""The status the dashboard's charts ask while a recompute is pending (dashboard:status)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from portfolio.models import SnapshotQueue

pytestmark = pytest.mark.django_db

STATUS = "dashboard:status"


def mark(user) -> None:
    now = dt.datetime.now(dt.UTC)
    SnapshotQueue.objects.create(
        user=user, dirty_since=dt.date(2026, 3, 1), first_requested_at=now, requested_at=now
    )


def test_pending_while_the_owner_has_a_marker(client_owner, owner):
    mark(owner)
    response = client_owner.get(reverse(STATUS))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"pending": True}
    # Polled every few seconds: no cache may answer for the server.
    assert "no-store" in response["Cache-Control"]


def test_not_pending_without_a_marker(client_owner):
    response = client_owner.get(reverse(STATUS))
    assert response.json() == {"pending": False}
    assert "no-store" in response["Cache-Control"]


def test_a_stranger_gets_their_own_state(client, owner, stranger):
    mark(owner)
    client.force_login(stranger)
    assert client.get(reverse(STATUS)).json() == {"pending": False}
    mark(stranger)
    SnapshotQueue.objects.filter(user=owner).delete()
    assert client.get(reverse(STATUS)).json() == {"pending": True}


def test_anonymous_is_sent_to_log_in(client, owner):
    mark(owner)
    response = client.get(reverse(STATUS))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_post_is_not_allowed(client_owner):
    assert client_owner.post(reverse(STATUS)).status_code == 405
