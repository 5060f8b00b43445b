"""Two-factor authentication: an authenticator app (TOTP) and recovery codes."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, totp_code

pytestmark = pytest.mark.django_db

INCORRECT = "Incorrect code."


def log_in(client, user) -> str:
    """Post the log-in form; return where it sends the browser."""
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return response["Location"]


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def secret_on_page(html: str) -> str:
    match = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7=]+)"', html) or re.search(
        r'value="([A-Z2-7=]+)"[^>]*id="authenticator_secret"', html
    )
    assert match, "the activation page shows the secret"
    return match.group(1)


def recovery_codes_on_page(html: str) -> list[str]:
    match = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S)
    assert match, "the recovery codes page lists the codes"
    return match.group(1).split()


def reauthenticate(client) -> None:
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


@pytest.fixture
def totp_client(owner):
    """A client logged in, who just confirmed the password (as allauth asks before MFA)."""
    client = Client()
    assert log_in(client, owner) == reverse("dashboard:dashboard")
    reauthenticate(client)
    return client


def activate(client) -> tuple[str, list[str]]:
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    secret = secret_on_page(response.text)
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    codes = recovery_codes_on_page(client.get(response["Location"]).text)
    return secret, codes


def test_activate_with_a_code_from_the_secret_then_log_in_needs_a_code(totp_client, owner):
    secret, codes = activate(totp_client)
    assert Authenticator.objects.filter(user=owner, type=Authenticator.Type.TOTP).exists()
    assert len(codes) == 10

    totp_client.post(reverse("account_logout"))
    client = Client()
    assert log_in(client, owner) == reverse("mfa_authenticate")
    assert not is_logged_in(client)

    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200
    assert INCORRECT in response.text
    assert not is_logged_in(client)

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:dashboard")
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_a_wrong_code_does_not_activate(totp_client, owner):
    response = totp_client.get(reverse("mfa_activate_totp"))
    secret = secret_on_page(response.text)
    wrong = f"{(int(totp_code(secret)) + 1) % 1_000_000:06d}"
    response = totp_client.post(reverse("mfa_activate_totp"), {"code": wrong})
    assert response.status_code == 200
    assert INCORRECT in response.text
    assert not Authenticator.objects.filter(user=owner).exists()


def test_a_code_works_only_once(totp_client, owner, time_machine):
    time_machine.move_to(time.time(), tick=False)  # the same 30-second window throughout
    secret, _codes = activate(totp_client)
    code = totp_code(secret)

    first = Client()
    log_in(first, owner)
    assert first.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert is_logged_in(first)

    second = Client()
    log_in(second, owner)
    response = second.post(reverse("mfa_authenticate"), {"code": code})
    assert INCORRECT in response.text
    assert not is_logged_in(second)


def test_a_code_from_another_window_is_refused(totp_client, owner):
    secret, _codes = activate(totp_client)
    client = Client()
    log_in(client, owner)
    stale = totp_code(secret, at=time.time() - 120)
    if stale != totp_code(secret):  # one chance in a million that they match
        response = client.post(reverse("mfa_authenticate"), {"code": stale})
        assert INCORRECT in response.text
        assert not is_logged_in(client)


def test_a_recovery_code_works_once(totp_client, owner):
    _secret, codes = activate(totp_client)

    client = Client()
    log_in(client, owner)
    response = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)
    client.post(reverse("account_logout"))

    client = Client()
    log_in(client, owner)
    response = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert INCORRECT in response.text
    assert not is_logged_in(client)
    # Another code still works.
    assert client.post(reverse("mfa_authenticate"), {"code": codes[1]}).status_code == 302
    assert is_logged_in(client)


def test_activation_asks_for_the_password_again(owner):
    client = Client()
    log_in(client, owner)
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))

    response = client.post(reverse("account_reauthenticate"), {"password": "wrong password 1"})
    assert response.status_code == 200
    assert client.get(reverse("mfa_activate_totp")).status_code == 302

    reauthenticate(client)
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


def test_deactivate_then_log_in_with_the_password_alone(totp_client, owner):
    activate(totp_client)
    response = totp_client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=owner, type=Authenticator.Type.TOTP).exists()
    assert log_in(Client(), owner) == reverse("dashboard:dashboard")


def test_anonymous_is_sent_to_log_in(client):
    for name in ("mfa_index", "mfa_activate_totp", "mfa_view_recovery_codes"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login")), name
