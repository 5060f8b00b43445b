"""The account settings page: base currency, time zone and assumed yield."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = reverse("accounts:settings")
VALID = {"currency": "GBP", "time_zone": "America/New_York", "assumed_yield": "3.5%"}


def preferences(user):
    user.refresh_from_db()
    return (user.currency, user.time_zone, user.assumed_yield)


def test_the_page_shows_the_current_values(client_owner):
    response = client_owner.get(URL)
    assert response.status_code == 200
    assert '<option value="USD" selected>' in response.text
    assert '<option value="UTC" selected>' in response.text
    assert 'value="4%"' in response.text


def test_save_new_values(client_owner, owner):
    response = client_owner.post(URL, VALID, follow=True)
    assert response.redirect_chain == [(URL, 302)]
    assert "Your settings were saved." in response.text
    assert preferences(owner) == ("GBP", "America/New_York", Decimal("0.035"))
    assert 'value="3.5%"' in response.text


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("4%", "0.04"), ("0.05", "0.05"), ("2,75 %", "0.0275"), ("100%", "1")],
)
def test_the_yield_as_a_percentage_or_a_fraction(client_owner, owner, typed, stored):
    client_owner.post(URL, {**VALID, "assumed_yield": typed})
    assert preferences(owner)[2] == Decimal(stored)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("currency", "XYZ", "Select a valid choice. XYZ is not one of the available choices."),
        ("currency", "", "This field is required."),
        ("time_zone", "Mars/Base", "Select a valid choice. Mars/Base is not one of the"),
        ("assumed_yield", "abc", "Enter a percentage such as 4% or a fraction such as 0.04."),
        ("assumed_yield", "NaN", "Enter a percentage such as 4% or a fraction such as 0.04."),
        ("assumed_yield", "inf", "Enter a percentage such as 4% or a fraction such as 0.04."),
        ("assumed_yield", "150%", "Enter at most 100%."),
        ("assumed_yield", "1e30", "“1e30” has an exponent"),
        ("assumed_yield", "\uff14%", "“\uff14%” has digits other than 0 to 9"),
        ("assumed_yield", "0.0_4", "“0.0_4” has a space or separator between its digits"),
        ("assumed_yield", "0", "Enter at least 0.01%."),
        ("assumed_yield", "-4%", "Enter at least 0.01%."),
        ("assumed_yield", "4.125%", "Use at most 2 decimal places in the percentage."),
        ("assumed_yield", "", "This field is required."),
    ],
)
def test_bad_input_gets_a_message_and_changes_nothing(client_owner, owner, field, value, message):
    before = preferences(owner)
    response = client_owner.post(URL, {**VALID, field: value})
    assert response.status_code == 200
    assert message in response.text
    assert response.context["form"].errors[field]
    assert preferences(owner) == before
    assert "Your settings were saved." not in response.text


def test_the_currency_list_holds_current_currencies_only(client_owner):
    response = client_owner.get(URL)
    assert '<option value="EUR">EUR — Euro</option>' in response.text
    for code in ["SUR", "ADP", "XTS", "XXX", "XAU", "XDR", "XBA"]:
        assert f'<option value="{code}"' not in response.text


@pytest.mark.parametrize("code", ["SUR", "XAU"])
def test_a_withdrawn_currency_cannot_be_chosen(client_owner, owner, code):
    before = preferences(owner)
    response = client_owner.post(URL, {**VALID, "currency": code})
    assert response.status_code == 200
    assert f"Select a valid choice. {code} is not one of the available choices." in response.text
    assert preferences(owner) == before


def test_a_user_keeps_a_currency_no_longer_offered(client_owner, owner):
    # Chosen when the list was longer (or set before it was checked).
    owner.currency = "HRK"
    owner.save(update_fields=["currency"])

    page = client_owner.get(URL)
    assert (
        '<option value="HRK" selected>HRK — Croatian Kuna (no longer in use)</option>' in page.text
    )

    response = client_owner.post(URL, {**VALID, "currency": "HRK"}, follow=True)
    assert "Your settings were saved." in response.text
    assert preferences(owner) == ("HRK", "America/New_York", Decimal("0.035"))

    # Once they move to a current currency, the old one is no longer offered.
    client_owner.post(URL, {**VALID, "currency": "EUR"})
    assert preferences(owner)[0] == "EUR"
    assert '<option value="HRK"' not in client_owner.get(URL).text


def test_a_user_with_a_withdrawn_currency_may_not_pick_another_withdrawn_one(client_owner, owner):
    owner.currency = "HRK"
    owner.save(update_fields=["currency"])
    response = client_owner.post(URL, {**VALID, "currency": "DEM"})
    assert "Select a valid choice. DEM is not one of the available choices." in response.text
    assert preferences(owner)[0] == "HRK"


def test_the_fields_keep_their_order(client_owner):
    form = client_owner.get(URL).context["form"]
    assert list(form.fields) == ["currency", "time_zone", "assumed_yield", "emails"]


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_get_405(client_owner, owner, method):
    before = preferences(owner)
    response = getattr(client_owner, method)(URL, VALID, content_type="application/json")
    assert response.status_code == 405
    assert preferences(owner) == before


def test_anonymous_is_sent_to_log_in(client):
    for method in ("get", "post"):
        response = getattr(client, method)(URL, VALID)
        assert response.status_code == 302
        assert response["Location"].startswith(f"{reverse('account_login')}?next={URL}")


def test_only_ones_own_settings_change(client_owner, owner, stranger):
    before = preferences(stranger)
    client_owner.post(URL, VALID)
    assert preferences(stranger) == before


def test_posting_without_the_csrf_token_is_refused(owner):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    before = preferences(owner)
    assert client.post(URL, VALID).status_code == 403
    assert preferences(owner) == before
