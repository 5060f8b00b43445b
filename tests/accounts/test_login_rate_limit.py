"""Failed log-ins are rate limited per address (and per IP), with a clear message."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOO_MANY = "Too many failed attempts to log in. Try again later."


def attempt(client, login, password):
    return client.post(reverse("account_login"), {"login": login, "password": password})


def test_after_five_failures_even_the_right_password_is_refused(client, owner, settings):
    assert settings.ACCOUNT_RATE_LIMITS["login_failed"] == "10/m/ip,5/5m/key"
    for _ in range(5):
        response = attempt(client, owner.email, "not my password")
        assert response.status_code == 200
        assert TOO_MANY not in response.text
    response = attempt(client, owner.email, PASSWORD)
    assert response.status_code == 200
    assert TOO_MANY in response.text
    assert "_auth_user_id" not in client.session


def test_the_limit_is_per_address(client, owner):
    other = UserFactory()
    for _ in range(5):
        attempt(client, owner.email, "not my password")
    response = attempt(client, other.email, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(other.pk)


def test_ten_failures_from_one_ip_block_every_address(client):
    users = UserFactory.create_batch(3)
    for n in range(10):
        attempt(client, f"nobody{n}@example.com", "not my password")
    response = attempt(client, users[0].email, PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_the_block_lifts_after_five_minutes(client, owner, time_machine):
    time_machine.move_to("2030-01-01 12:00", tick=False)
    for _ in range(6):
        attempt(client, owner.email, "not my password")
    assert TOO_MANY in attempt(client, owner.email, PASSWORD).text
    time_machine.move_to("2030-01-01 12:06", tick=False)
    response = attempt(client, owner.email, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)
