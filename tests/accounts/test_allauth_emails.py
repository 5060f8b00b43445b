"""allauth's e-mails speak as Wealth Ratio and link to SITE_URL.

Each e-mail the product can send through allauth is read back from the real SMTP
server: the greeting names the product (not the request's host), allauth's stock
sentences are gone, and the link keeps allauth's path on the host of SITE_URL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from allauth.account.adapter import get_adapter
from allauth.core.context import request_context
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
SITE_URL = "https://wealth.example.org"
NEW = "new.person@example.com"
STOCK_SENTENCES = (
    "Hello from",
    "You're receiving this email",
    "You are receiving this email",
    "has given your email address to register",
    "Thank you for using",
    "example.com!",
    "127.0.0.1:8000!",
    "testserver",
)


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE_URL


def assert_speaks_as_wealth_ratio(text: str) -> None:
    text = text.replace("\r\n", "\n")  # as SMTP carries it
    assert text.startswith("Hello from Wealth Ratio,\n"), text
    for sentence in STOCK_SENTENCES[1:]:
        assert sentence not in text, text
    assert text.count("Hello from") == 1
    assert text.rstrip().endswith(f"Wealth Ratio\n{SITE_URL}/"), text


def assert_on_site(link: str, path: str) -> None:
    bits = urlsplit(link)
    assert (bits.scheme, bits.netloc) == ("https", "wealth.example.org"), link
    assert bits.path.startswith(path), link


def sign_up(client, address: str = NEW):
    data = {
        "email": address,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "currency": "EUR",
        "time_zone": "Europe/Paris",
    }
    return client.post(reverse("account_signup"), data)


def test_the_verification_email_at_sign_up(client, smtp_server):
    assert sign_up(client).status_code == 302
    message = smtp_server.wait_for(NEW)
    text = smtp_server.text(message)
    assert message["Subject"] == "[Wealth Ratio] Confirm your e-mail address to get started"
    assert_speaks_as_wealth_ratio(text)
    assert "signed up for Wealth Ratio" in text
    assert NEW in text
    link = smtp_server.link(message, "/accounts/confirm-email/")
    assert_on_site(link, "/accounts/confirm-email/")
    # The link works: its path, on this server, confirms the address.
    path = urlsplit(link).path
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 302
    assert (
        client.post(reverse("account_login"), {"login": NEW, "password": PASSWORD}).status_code
        == 302
    )
    assert "_auth_user_id" in client.session


def test_signing_up_again_with_a_known_address(client, owner, smtp_server):
    assert sign_up(client, owner.email).status_code == 302
    message = smtp_server.wait_for(owner.email)
    text = smtp_server.text(message)
    assert message["Subject"] == "[Wealth Ratio] You already have an account"
    assert_speaks_as_wealth_ratio(text)
    assert "you already have an account" in text
    assert_on_site(smtp_server.link(message, "/accounts/password/reset/"), "/accounts/password/")


def test_the_confirmation_of_a_new_address(client_owner, smtp_server):
    address = "owner.new@example.com"
    client_owner.post(reverse("account_email"), {"action_add": "", "email": address})
    message = smtp_server.wait_for(address)
    text = smtp_server.text(message)
    assert message["Subject"] == "[Wealth Ratio] Confirm your e-mail address"
    assert_speaks_as_wealth_ratio(text)
    assert f"asked to use {address} for their Wealth Ratio account" in text
    assert_on_site(
        smtp_server.link(message, "/accounts/confirm-email/"), "/accounts/confirm-email/"
    )


def test_the_password_reset(client, owner, smtp_server):
    client.post(reverse("account_reset_password"), {"email": owner.email})
    message = smtp_server.wait_for(owner.email)
    text = smtp_server.text(message)
    assert message["Subject"] == "[Wealth Ratio] Reset your password"
    assert_speaks_as_wealth_ratio(text)
    assert "To choose a new password, open this link" in text
    link = smtp_server.link(message, "/accounts/password/reset/key/")
    assert_on_site(link, "/accounts/password/reset/key/")
    # allauth's key survives the move to SITE_URL's host.
    assert client.get(urlsplit(link).path).status_code == 302


def test_a_password_reset_for_an_unknown_address(client, smtp_server):
    client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})
    message = smtp_server.wait_for("nobody@example.com")
    text = smtp_server.text(message)
    assert message["Subject"] == "[Wealth Ratio] No account with this address"
    assert_speaks_as_wealth_ratio(text)
    assert "there is no account with this address" in text
    assert_on_site(smtp_server.link(message, "/accounts/signup/"), "/accounts/signup/")


@pytest.mark.parametrize(
    "template",
    [
        "account/email/email_changed",
        "account/email/password_changed",
        "account/email/password_reset",
        "mfa/email/totp_activated",
        "mfa/email/totp_deactivated",
        "mfa/email/recovery_codes_generated",
    ],
)
def test_security_notices_if_turned_on(owner, settings, rf, mailoutbox, template):
    # Off today (ACCOUNT_EMAIL_NOTIFICATIONS); should an operator turn them on,
    # they speak as Wealth Ratio too.
    settings.ACCOUNT_EMAIL_NOTIFICATIONS = True
    with request_context(rf.get("/")):
        get_adapter().send_notification_mail(
            template, owner, {"from_email": "a@example.com", "to_email": "b@example.com"}
        )
    [message] = mailoutbox
    assert_speaks_as_wealth_ratio(message.body)
    assert "A change was just made to your Wealth Ratio account" in message.body


@pytest.mark.parametrize(
    ("port", "expected"), [(None, "http://127.0.0.1:8000"), ("8123", "http://127.0.0.1:8123")]
)
def test_site_url_defaults_to_the_address_make_run_serves(tmp_path, port, expected):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LOCAL_DIR": str(tmp_path / "local"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **({"PORT": port} if port else {}),
    }
    code = (
        "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
