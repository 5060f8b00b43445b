"""The e-mail switches on the account settings page: one form with the other settings."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = reverse("accounts:settings")
VALID = {"currency": "USD", "time_zone": "UTC", "assumed_yield": "4%"}
SWITCHES = ["email_monthly_progress", "email_log_reminder", "email_milestones", "email_new_year"]


def switches(user) -> list[bool]:
    user.refresh_from_db()
    return [getattr(user, name) for name in SWITCHES]


def test_every_email_is_on_by_default_and_shown_checked(client_owner, owner):
    assert switches(owner) == [True, True, True, True]
    page = client_owner.get(URL).text
    assert "<legend>E-mails" in page
    for name in SWITCHES:
        assert f'value="{name}"' in page
    # The four kinds, and the household's figures in the monthly one: off until asked.
    assert page.count('name="emails"') == 5
    assert page.count("checked") == 4
    assert not owner.email_monthly_household


def test_turn_some_off_and_back_on(client_owner, owner):
    response = client_owner.post(URL, {**VALID, "emails": ["email_milestones"]})
    assert response.status_code == 302
    assert switches(owner) == [False, False, True, False]
    page = client_owner.get(URL).text
    assert page.count("checked") == 1

    client_owner.post(URL, {**VALID, "emails": SWITCHES})
    assert switches(owner) == [True, True, True, True]


def test_an_unknown_choice_changes_nothing(client_owner, owner):
    response = client_owner.post(URL, {**VALID, "emails": ["email_spam"], "currency": "EUR"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    owner.refresh_from_db()
    assert owner.currency == "USD"
    assert switches(owner) == [True, True, True, True]
