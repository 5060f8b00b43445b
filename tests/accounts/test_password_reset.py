"""Password reset by e-mail, read back from a real SMTP server."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase 7"


def request_reset(client, address):
    return client.post(reverse("account_reset_password"), {"email": address})


def log_in(client, address, password):
    client.post(reverse("account_login"), {"login": address, "password": password})
    return "_auth_user_id" in client.session


def test_reset_by_the_emailed_link_then_log_in_with_the_new_password(client, owner, smtp_server):
    response = request_reset(client, owner.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")

    message = smtp_server.wait_for(owner.email)
    assert message["Subject"].startswith("[Wealth Ratio] ")
    link = smtp_server.path(message, "/accounts/password/reset/key/")

    # The key moves from the URL into the session, so it does not leak via Referer.
    response = client.get(link)
    assert response.status_code == 302
    form_url = response["Location"]
    assert form_url.endswith("-set-password/")
    response = client.get(form_url)
    assert response.status_code == 200
    assert 'name="password1"' in response.text

    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_from_key_done")
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)

    assert not log_in(client, owner.email, PASSWORD)
    assert log_in(client, owner.email, NEW_PASSWORD)

    # The link works once.
    client.post(reverse("account_logout"))
    response = client.get(link, follow=True)
    assert "The password reset link was invalid" in response.text


def test_a_weak_new_password_is_refused_and_the_old_one_kept(client, owner, smtp_server):
    request_reset(client, owner.email)
    link = smtp_server.path(smtp_server.wait_for(owner.email), "/accounts/password/reset/key/")
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"password1": "12345678", "password2": "12345678"})
    assert response.status_code == 200
    assert "This password is entirely numeric." in response.text
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_a_forged_link_is_refused(client, owner):
    url = reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "forged"})
    response = client.get(url, follow=True)
    assert "The password reset link was invalid" in response.text


def test_an_unknown_address_reveals_nothing_and_sends_no_reset_link(client, smtp_server, owner):
    response = request_reset(client, "nobody@example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    for message in smtp_server.messages:
        assert "/accounts/password/reset/key/" not in smtp_server.text(message)
    assert smtp_server.to(owner.email) == []


def test_reset_requests_are_rate_limited(client, owner, settings):
    assert "5/m/key" in settings.ACCOUNT_RATE_LIMITS["reset_password"]
    for _ in range(5):
        assert request_reset(client, owner.email).status_code == 302
    response = request_reset(client, owner.email)
    assert response.status_code == 429
