"""Unsubscribe without logging in: the link of a real e-mail, GET + POST, and RFC 8058 one-click."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from notifications.emails import unsubscribe_token
from notifications.jobs import emails_send_month_start
from tests.notifications.helpers import add_snapshots, at, member

pytestmark = pytest.mark.django_db

JANUARY = dt.date(2026, 1, 1)


@pytest.fixture
def csrf_client() -> Client:
    """A client that checks CSRF tokens like a browser would be checked."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def message(mail, owner):
    # An account older than the month reported on: no e-mail is about a month before it.
    owner.date_joined = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
    owner.save(update_fields=["date_joined"])
    add_snapshots(owner, [JANUARY])
    with at(dt.datetime(2026, 2, 1, 8, 1, tzinfo=dt.UTC)):
        emails_send_month_start(user_ids=[owner.pk], month=JANUARY)
    mail.wait_for("owner@example.com", count=2)  # the monthly e-mail and the log reminder
    (monthly,) = [m for m in mail.to("owner@example.com") if "wealth ratio" in m["Subject"]]
    return monthly


def switches(user) -> tuple[bool, bool, bool, bool]:
    user.refresh_from_db()
    return (
        user.email_monthly_progress,
        user.email_log_reminder,
        user.email_milestones,
        user.email_new_year,
    )


def path(url: str) -> str:
    return urlsplit(url).path


def test_the_link_shows_a_confirmation_and_the_post_unsubscribes(mail, message, owner, csrf_client):
    url = path(mail.link(message, "/unsubscribe/"))

    page = csrf_client.get(url)
    assert page.status_code == 200
    assert "Stop monthly progress e-mails?" in page.text
    assert "owner@example.com" not in page.text  # the kind of e-mail, not whose it is
    # Opening the link (a mail scanner does) changes nothing.
    assert switches(owner) == (True, True, True, True)

    done = csrf_client.post(url)  # the page's own form: no CSRF token, no login
    assert done.status_code == 200
    assert "You are unsubscribed" in done.text
    # Only that kind of e-mail stops.
    assert switches(owner) == (False, True, True, True)
    # Opening it again says so.
    assert "already receives no monthly progress e-mails" in csrf_client.get(url).text


def test_one_click_post_from_the_list_unsubscribe_header(message, owner, csrf_client):
    """RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" to the header's URL."""
    url = message["List-Unsubscribe"].strip().strip("<>")

    response = csrf_client.post(
        path(url),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert switches(owner) == (False, True, True, True)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("reminder", (True, False, True, True)),
        ("milestone", (True, True, False, True)),
        ("new_year", (True, True, True, False)),
    ],
)
def test_each_kind_has_its_own_token(client, owner, kind, expected):
    client.post(reverse("notifications:unsubscribe", args=[unsubscribe_token(owner.pk, kind)]))
    assert switches(owner) == expected


def test_a_token_for_another_user_is_refused(client, owner, stranger):
    """Swapping the user inside a token breaks its signature; nothing changes."""
    theirs = unsubscribe_token(stranger.pk, "monthly")
    mine = unsubscribe_token(owner.pk, "monthly")
    forged = mine.split(":", 1)[0] + ":" + theirs.split(":", 1)[1]

    for token in (forged, theirs.split(":", 1)[0] + ":" + mine.split(":", 1)[1]):
        response = client.post(reverse("notifications:unsubscribe", args=[token]))
        assert response.status_code == 400
        assert "This unsubscribe link is not valid" in response.text
    assert switches(owner) == (True, True, True, True)
    assert switches(stranger) == (True, True, True, True)


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        "eyJ1IjoxLCJrIjoibW9udGhseSJ9:1vmSqG:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        # Signed with the site's key, but for something else (another salt).
        signing.TimestampSigner(salt="accounts.other").sign_object({"u": 1, "k": "monthly"}),
        # Signed for unsubscribing, but of a kind that does not exist.
        signing.TimestampSigner(salt="goals.emails.unsubscribe").sign_object(
            {"u": 1, "k": "everything"}
        ),
    ],
    ids=["garbage", "bad-signature", "other-salt", "unknown-kind"],
)
def test_a_tampered_or_foreign_token_gets_a_clear_page_and_changes_nothing(client, owner, token):
    for method in (client.get, client.post):
        response = method(reverse("notifications:unsubscribe", args=[token]))
        assert response.status_code == 400
        assert "This unsubscribe link is not valid" in response.text
        assert "Nothing was changed." in response.text
    assert switches(owner) == (True, True, True, True)


def test_an_expired_token_says_so(client, owner):
    with at(dt.datetime(2025, 1, 1, tzinfo=dt.UTC)):
        token = unsubscribe_token(owner.pk, "monthly")
    with at(dt.datetime(2026, 1, 2, tzinfo=dt.UTC)):
        response = client.post(reverse("notifications:unsubscribe", args=[token]))
    assert response.status_code == 400
    assert "This unsubscribe link has expired" in response.text
    assert switches(owner) == (True, True, True, True)


def test_a_token_of_a_deleted_account(client):
    user = member(email="gone@example.com")
    token = unsubscribe_token(user.pk, "monthly")
    user.delete()
    response = client.post(reverse("notifications:unsubscribe", args=[token]))
    assert response.status_code == 400


def test_other_methods_get_405(client, owner):
    url = reverse("notifications:unsubscribe", args=[unsubscribe_token(owner.pk, "monthly")])
    assert client.put(url).status_code == 405
    assert client.delete(url).status_code == 405
    assert switches(owner) == (True, True, True, True)


def test_the_pages_hold_the_content_security_policy(client, owner):
    url = reverse("notifications:unsubscribe", args=[unsubscribe_token(owner.pk, "monthly")])
    response = client.get(url)
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "<script>" not in response.text


# --- A link is bound to the e-mail choices it was sent with ---------------------------

SETTINGS = {"currency": "USD", "time_zone": "UTC", "assumed_yield": "4%"}
ALL_EMAILS = ["email_monthly_progress", "email_log_reminder", "email_milestones", "email_new_year"]


def unsubscribe_path(token: str) -> str:
    return reverse("notifications:unsubscribe", args=[token])


def current_token(user, kind: str = "monthly") -> str:
    user.refresh_from_db()
    return unsubscribe_token(user.pk, kind, user.email_preferences_version)


def test_an_old_link_after_turning_emails_back_on_is_refused_and_changes_nothing(client, owner):
    old = unsubscribe_path(current_token(owner))
    assert client.post(old).status_code == 200
    assert switches(owner) == (False, True, True, True)
    # The user changes their mind, in the settings.
    settings_client = Client()
    settings_client.force_login(owner)
    settings_client.post(reverse("accounts:settings"), {**SETTINGS, "emails": ALL_EMAILS})
    assert switches(owner) == (True, True, True, True)

    for method in (client.get, client.post):
        response = method(old)
        assert response.status_code == 400
        assert "This link is from before a newer choice" in response.text
        assert "Nothing was changed." in response.text
    assert switches(owner) == (True, True, True, True)


def test_a_link_from_before_another_kind_was_changed_is_refused_too(client, owner):
    reminder = unsubscribe_path(current_token(owner, "reminder"))
    client.post(unsubscribe_path(current_token(owner, "monthly")))
    response = client.post(reminder)
    assert response.status_code == 400
    assert switches(owner) == (False, True, True, True)


def test_a_current_link_works(client, owner):
    client.post(unsubscribe_path(current_token(owner)))
    settings_client = Client()
    settings_client.force_login(owner)
    settings_client.post(reverse("accounts:settings"), {**SETTINGS, "emails": ALL_EMAILS})

    response = client.post(unsubscribe_path(current_token(owner)))
    assert response.status_code == 200
    assert "You are unsubscribed" in response.text
    assert switches(owner) == (False, True, True, True)


def test_the_same_link_posted_again_still_says_unsubscribed(client, owner):
    """A mail client may repeat a one-click POST: that kind is off, nothing to refuse."""
    url = unsubscribe_path(current_token(owner))
    assert client.post(url).status_code == 200
    assert client.post(url).status_code == 200
    assert "already receives no monthly progress e-mails" in client.get(url).text


def _unversioned(user_id: int, kind: str) -> str:
    """A token as links were made before they carried the version of the choices."""
    return signing.TimestampSigner(salt="goals.emails.unsubscribe").sign_object(
        {"u": user_id, "k": kind}, compress=False
    )


def test_a_link_without_a_version_works_while_the_choices_never_changed(client, owner):
    assert owner.email_preferences_version == 0
    response = client.post(unsubscribe_path(_unversioned(owner.pk, "monthly")))
    assert response.status_code == 200
    assert switches(owner) == (False, True, True, True)


def test_a_link_without_a_version_is_refused_once_the_choices_changed(client, owner):
    settings_client = Client()
    settings_client.force_login(owner)
    settings_client.post(reverse("accounts:settings"), {**SETTINGS, "emails": ALL_EMAILS[1:]})
    settings_client.post(reverse("accounts:settings"), {**SETTINGS, "emails": ALL_EMAILS})
    response = client.post(unsubscribe_path(_unversioned(owner.pk, "monthly")))
    assert response.status_code == 400
    assert switches(owner) == (True, True, True, True)


@pytest.mark.parametrize("version", [-1, True, "1", 1.5])
def test_a_token_with_a_bad_version_is_refused(client, owner, version):
    token = signing.TimestampSigner(salt="goals.emails.unsubscribe").sign_object(
        {"u": owner.pk, "k": "monthly", "v": version}, compress=False
    )
    response = client.post(unsubscribe_path(token))
    assert response.status_code == 400
    assert "This unsubscribe link is not valid" in response.text
    assert switches(owner) == (True, True, True, True)


def test_only_a_change_of_an_email_choice_raises_the_version(owner):
    settings_client = Client()
    settings_client.force_login(owner)
    settings_client.post(reverse("accounts:settings"), {**SETTINGS, "emails": ALL_EMAILS})
    settings_client.post(
        reverse("accounts:settings"),
        {**SETTINGS, "time_zone": "Europe/Paris", "emails": ALL_EMAILS},
    )
    owner.refresh_from_db()
    assert owner.email_preferences_version == 0
    settings_client.post(reverse("accounts:settings"), {**SETTINGS, "emails": ALL_EMAILS[:2]})
    owner.refresh_from_db()
    assert owner.email_preferences_version == 1
