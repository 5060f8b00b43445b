"""A person in a real browser: sign up, verify by e-mail, log in, turn on 2FA.

Playwright drives Debian's Chromium (never a downloaded build) against the live
server; the verification e-mail is read back from a real SMTP server. Screenshots
go to ``ARTIFACTS_DIR`` (default ``artifacts/`` in the repository).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from tests.e2e.helpers import artifacts_dir
from tests.factories import PASSWORD, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "browser.person@example.com"


def test_sign_up_verify_log_in_and_turn_on_two_factor(
    live_server, smtp_server, settings, page, capsys
):
    settings.SITE_URL = live_server.url  # where the e-mail's links point
    shots: list[Path] = []

    def screenshot(name: str) -> None:
        path = artifacts_dir() / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        shots.append(path)

    def submit(field: str) -> None:
        with page.expect_navigation():
            page.press(f"main [name={field}]", "Enter")

    def log_in() -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("main [name=login]", EMAIL)
        page.fill("main [name=password]", PASSWORD)
        submit("password")

    def log_out() -> None:
        with page.expect_navigation():
            page.get_by_role("button", name=re.compile("log out", re.I)).first.click()
        assert page.url.rstrip("/") == live_server.url
        assert page.get_by_role("link", name=re.compile("log in", re.I)).first.is_visible()

    # Sign up.
    page.goto(f"{live_server.url}/accounts/signup/")
    page.fill("main [name=email]", EMAIL)
    page.fill("main [name=password1]", PASSWORD)
    page.fill("main [name=password2]", PASSWORD)
    page.select_option("main [name=currency]", "EUR")
    page.select_option("main [name=time_zone]", "Europe/Paris")
    screenshot("01-signup")
    submit("password2")
    assert page.url.endswith("/accounts/confirm-email/")
    user = get_user_model().objects.get(email=EMAIL)
    assert (user.currency, user.time_zone) == ("EUR", "Europe/Paris")

    # Verify: the link from the real e-mail shows a page; the button confirms.
    link = smtp_server.link(smtp_server.wait_for(EMAIL), "/accounts/confirm-email/")
    assert link.startswith(live_server.url)
    page.goto(link)
    assert EMAIL in page.inner_text("main")
    screenshot("02-confirm-email")
    with page.expect_navigation():
        page.locator("main form [type=submit]").first.click()
    assert user.emailaddress_set.get(email=EMAIL).verified

    # Log in and see the dashboard.
    log_in()
    assert page.url == f"{live_server.url}/dashboard/"
    assert page.title().startswith("Dashboard")
    screenshot("dashboard")

    # Turn on two-factor authentication: allauth asks for the password first.
    page.goto(f"{live_server.url}/accounts/2fa/totp/activate/")
    if "/reauthenticate/" in page.url:
        page.fill("main [name=password]", PASSWORD)
        submit("password")
    secret = page.input_value("#authenticator_secret")
    assert re.fullmatch(r"[A-Z2-7]+=*", secret)
    screenshot("03-totp-activate")
    page.fill("main [name=code]", totp_code(secret))
    submit("code")
    assert page.url.endswith("/accounts/2fa/recovery-codes/")
    screenshot("04-recovery-codes")
    log_out()

    # Log in again: the password is not enough any more.
    log_in()
    assert page.url.endswith("/accounts/2fa/authenticate/")
    screenshot("05-two-factor-code")
    page.fill("main [name=code]", totp_code(secret))
    submit("code")
    assert page.url == f"{live_server.url}/dashboard/"
    screenshot("06-dashboard-after-2fa")
    log_out()

    with capsys.disabled():
        print()
        for path in shots:
            print(f"screenshot: {path}")
