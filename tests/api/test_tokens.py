"""Personal access tokens: made in account settings, shown once, stored as a hash,
revoked in one click; a revoked, expired or unknown token gets 401."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from api.models import AccessToken
from api.tokens import token_create

pytestmark = pytest.mark.django_db

NEW = reverse("api:token_new")
SETTINGS = reverse("accounts:settings")
ME = "/api/v1/portfolios/"


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_making_a_token_shows_it_once_and_stores_only_its_hash(client_owner, owner):
    response = client_owner.post(NEW, {"name": "Spreadsheet", "scope": "read", "lifetime": "30"})
    assert response.status_code == 200
    secret = re.search(r'<code id="token-secret">([^<]+)</code>', response.text).group(1)
    token = AccessToken.objects.get(user=owner)
    assert token.name == "Spreadsheet" and token.scope == "read"
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {getattr(token, f.attname) for f in AccessToken._meta.concrete_fields}
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    # The settings page lists it, never with its secret.
    page = client_owner.get(SETTINGS)
    assert "Spreadsheet" in page.text and secret not in page.text
    assert f"…{secret[-4:]}" in page.text


def test_a_token_that_never_expires(client_owner, owner):
    client_owner.post(NEW, {"name": "Home dashboard", "scope": "read-write", "lifetime": ""})
    assert AccessToken.objects.get(user=owner).expires_at is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "scope": "read"}, "This field is required."),
        ({"name": "x", "scope": "admin"}, "Select a valid choice."),
        ({"name": "x", "scope": "read", "lifetime": "7"}, "Select a valid choice."),
    ],
)
def test_bad_input_makes_no_token(client_owner, owner, data, message):
    response = client_owner.post(NEW, data)
    assert response.status_code == 200
    assert message in response.text
    assert not AccessToken.objects.exists()


def test_a_second_token_of_the_same_name_is_refused(client_owner, owner):
    token_create(user=owner, name="Script", scope="read", expires_at=None)
    response = client_owner.post(NEW, {"name": "Script", "scope": "read"})
    assert "You already have a token with this name." in response.text
    assert AccessToken.objects.count() == 1


def test_revoking_takes_one_click_and_the_token_stops_working(client_owner, owner, client):
    token, secret = token_create(user=owner, name="Script", scope="read", expires_at=None)
    assert client.get(ME, **bearer(secret)).status_code == 200
    response = client_owner.post(reverse("api:token_revoke", args=[token.pk]), follow=True)
    assert response.redirect_chain == [(SETTINGS, 302)]
    assert "was revoked" in response.text
    assert not AccessToken.objects.exists()
    client_owner.logout()
    response = client.get(ME, **bearer(secret))
    assert response.status_code == 401


def test_a_stranger_cannot_revoke_anothers_token(client, owner, stranger):
    token, _ = token_create(user=owner, name="Script", scope="read", expires_at=None)
    client.force_login(stranger)
    assert client.post(reverse("api:token_revoke", args=[token.pk])).status_code == 404
    assert AccessToken.objects.filter(pk=token.pk).exists()


def test_revoke_by_get_is_405(client_owner, owner):
    token, _ = token_create(user=owner, name="Script", scope="read", expires_at=None)
    assert client_owner.get(reverse("api:token_revoke", args=[token.pk])).status_code == 405
    assert AccessToken.objects.filter(pk=token.pk).exists()


def test_an_expired_token_gets_401(client, owner):
    _, secret = token_create(
        user=owner, name="Old", scope="read", expires_at=timezone.now() + timedelta(days=1)
    )
    assert client.get(ME, **bearer(secret)).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        response = client.get(ME, **bearer(secret))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("header", ["Bearer wr_not-a-token", "Bearer ", "Bearer"])
def test_an_unknown_token_gets_401(client, owner, header):
    assert client.get(ME, HTTP_AUTHORIZATION=header).status_code == 401


def test_no_credentials_gets_401(client):
    assert client.get(ME).status_code == 401


def test_use_is_recorded(client, owner):
    token, secret = token_create(user=owner, name="Script", scope="read", expires_at=None)
    assert token.last_used_at is None
    client.get(ME, **bearer(secret))
    token.refresh_from_db()
    assert timezone.now() - token.last_used_at < timedelta(minutes=1)


def test_a_read_token_cannot_write(client, owner):
    _, secret = token_create(user=owner, name="Reader", scope="read", expires_at=None)
    response = client.post(ME, {"name": "New"}, content_type="application/json", **bearer(secret))
    assert response.status_code == 403
    assert owner.portfolios.count() == 1


def test_the_browser_session_needs_csrf_to_write(owner):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    assert browser.get(ME).status_code == 200
    response = browser.post(ME, {"name": "New"}, content_type="application/json")
    assert response.status_code == 403
    assert owner.portfolios.count() == 1
