"""Behind a reverse proxy, rate limits count the client's address, not the proxy's."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"


def behind_proxy(client_address: str) -> Client:
    """A browser at ``client_address`` whose requests reach us through one proxy."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_address)


def post_login(client, login, password):
    return client.post(reverse("account_login"), {"login": login, "password": password})


def test_two_clients_behind_one_proxy_are_limited_separately(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    assert settings.ACCOUNT_RATE_LIMITS["login"] == "30/m/ip"
    noisy, quiet = behind_proxy("203.0.113.5"), behind_proxy("198.51.100.7")
    for n in range(30):
        assert post_login(noisy, f"nobody{n}@example.com", "wrong").status_code == 200
    assert post_login(noisy, "nobody@example.com", "wrong").status_code == 429
    user = UserFactory()
    response = post_login(quiet, user.email, PASSWORD)
    assert response.status_code == 302
    assert quiet.session["_auth_user_id"] == str(user.pk)


def test_a_client_cannot_escape_the_limit_by_prepending_addresses(settings):
    # The proxy appends the address it saw; anything before it is the client's say-so.
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for n in range(30):
        spoofing = behind_proxy(f"192.0.2.{n}, 203.0.113.5")
        post_login(spoofing, f"nobody{n}@example.com", "wrong")
    assert post_login(behind_proxy("203.0.113.5"), "x@example.com", "wrong").status_code == 429


def test_a_header_set_by_the_proxy_names_the_client(settings):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    noisy = Client(REMOTE_ADDR=PROXY, HTTP_X_REAL_IP="203.0.113.5")
    quiet = Client(REMOTE_ADDR=PROXY, HTTP_X_REAL_IP="198.51.100.7")
    for n in range(30):
        post_login(noisy, f"nobody{n}@example.com", "wrong")
    assert post_login(noisy, "nobody@example.com", "wrong").status_code == 429
    assert post_login(quiet, "nobody@example.com", "wrong").status_code == 200


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(settings):
    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == 0
    for n in range(30):
        post_login(behind_proxy(f"203.0.113.{n}"), f"nobody{n}@example.com", "wrong")
    assert post_login(behind_proxy("198.51.100.7"), "x@example.com", "wrong").status_code == 429
