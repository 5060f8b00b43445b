"""One wording for getting in: "Sign up" and "Log in" (and "Log out"), on the product's
pages and on allauth's, in its messages and in its e-mails."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from accounts.adapter import AccountAdapter
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

# Any other way to say it: "Sign in", "Sign In", "signin", "Login", "Log In", "Signup",
# "Sign-up", "Sign Up", "Register", "Sign out", "Log Out".
OTHER_WORDING = re.compile(
    r"\bsign[ -]?in\b|\blog-?in\b|\bLog In\b|\bsign-?up\b|\bSign Up\b|\bregist\w*"
    r"|\bsign[ -]?out\b|\bLog Out\b|\blogin\b",
    re.IGNORECASE,
)
LOG_IN = re.compile(r"\bLog in\b")
SIGN_UP = re.compile(r"\bSign up\b")


def _other_wording(text: str) -> list[str]:
    """Words for getting in other than "Sign up", "Log in" and "Log out"."""
    return [
        match.group(0)
        for match in OTHER_WORDING.finditer(text)
        if match.group(0) not in ("Log in", "log in", "Sign up", "sign up", "Log out", "log out")
    ]


class _VisibleText(HTMLParser):
    """The text a person sees or hears: text nodes (not scripts nor styles), page
    titles, and the labels a screen reader reads (aria-label, alt, placeholder,
    title, button values)."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        for name, value in attrs:
            if value and (
                name in ("aria-label", "alt", "placeholder", "title")
                or (name == "value" and dict(attrs).get("type") in ("submit", "button"))
            ):
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def test_the_check_sees_the_other_wordings():
    text = visible_text(
        "<title>Sign In</title><p>Signup, Login, Log In, Sign-up, Register, Sign Up, "
        'Sign Out</p><input placeholder="Sign in"><script>login()</script>'
    )
    assert _other_wording(text) == [
        "Sign In",
        "Signup",
        "Login",
        "Log In",
        "Sign-up",
        "Register",
        "Sign Up",
        "Sign Out",
        "Sign in",
    ]
    assert _other_wording("Log in, Sign up, log out, signing up") == []


@pytest.mark.parametrize(
    "name",
    [
        "landing",
        "account_login",
        "account_signup",
        "account_reset_password",
        "account_reset_password_done",
        "account_email_verification_sent",
    ],
)
def test_pages_for_visitors_say_sign_up_and_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    text = visible_text(response.text)
    assert _other_wording(text) == []
    assert LOG_IN.search(text)
    assert SIGN_UP.search(text)


def test_the_log_in_page_says_log_in_and_offers_to_sign_up(client):
    response = client.get(reverse("account_login"))
    assert "<title>Log in · Wealth Ratio</title>" in response.text
    assert re.search(r"<h1[^>]*>\s*Log in\s*</h1>", response.text)
    assert re.search(r'<button[^>]*type="submit"[^>]*>\s*Log in\s*</button>', response.text)
    assert f'<a href="{reverse("account_signup")}">Sign up</a>' in response.text


def test_the_sign_up_page_says_sign_up_and_offers_to_log_in(client):
    response = client.get(reverse("account_signup"))
    assert "<title>Sign up · Wealth Ratio</title>" in response.text
    assert re.search(r"<h1[^>]*>\s*Sign up\s*</h1>", response.text)
    assert re.search(r"<button[^>]*>\s*Sign up\s*</button>", response.text)
    assert f'<a href="{reverse("account_login")}">Log in</a>' in response.text


@pytest.mark.parametrize(
    "name",
    [
        "dashboard:dashboard",
        "account_logout",
        "account_change_password",
        "account_email",
        "accounts:settings",
        "mfa_index",
        "account_reauthenticate",
    ],
)
def test_pages_for_a_member_say_log_out(client_owner, name):
    response = client_owner.get(reverse(name))
    assert response.status_code == 200
    text = visible_text(response.text)
    assert _other_wording(text) == []
    assert re.search(r"\bLog out\b", text)


def test_logging_in_and_out_is_told_in_the_same_words(owner):
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": owner.email, "password": PASSWORD}, follow=True
    )
    assert f"Logged in as {owner.email}." in response.text
    response = client.post(reverse("account_logout"), follow=True)
    assert "You have logged out." in response.text
    assert _other_wording(visible_text(response.text)) == []


def test_the_second_step_of_logging_in_says_log_in(owner):
    Authenticator.objects.create(
        user=owner, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    client = Client()
    response = client.post(reverse("account_login"), {"login": owner.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.get(reverse("mfa_authenticate"))
    assert response.status_code == 200
    text = visible_text(response.text)
    assert _other_wording(text) == []
    assert re.search(r"<button[^>]*>\s*Log in\s*</button>", response.text)


def test_the_e_mails_of_signing_up_say_sign_up(client, smtp_server):
    data = {"password1": PASSWORD, "password2": PASSWORD, "currency": "EUR", "time_zone": "UTC"}
    client.post(reverse("account_signup"), {"email": "new@example.com", **data})
    verify = smtp_server.text(smtp_server.wait_for("new@example.com"))
    assert "has just signed up for Wealth Ratio" in verify
    assert _other_wording(verify) == []

    taken = UserFactory(email="taken@example.com")
    Client().post(reverse("account_signup"), {"email": taken.email, **data})
    already = smtp_server.text(smtp_server.wait_for(taken.email))
    assert "has just tried to sign up for Wealth Ratio" in already
    assert _other_wording(already) == []


def test_a_closed_sign_up_says_so_in_the_same_words(client, settings):
    settings.SIGNUPS_OPEN = False
    response = client.get(reverse("account_signup"))
    text = visible_text(response.text)
    assert "Signing up is closed" in text
    assert _other_wording(text) == []


def test_too_many_attempts_to_log_in_is_told_in_the_same_words():
    message = str(AccountAdapter.error_messages["too_many_login_attempts"])
    assert message == "Too many failed attempts to log in. Try again later."
    assert _other_wording(message) == []
