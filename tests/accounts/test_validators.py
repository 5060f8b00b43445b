"""Currency (ISO 4217) and time zone (IANA) validators and the choices built on them."""

from __future__ import annotations

import zoneinfo

import pytest
from django.core.exceptions import ValidationError

from accounts.validators import (
    currency_choices,
    current_currencies,
    time_zone_choices,
    validate_currency,
    validate_time_zone,
)


@pytest.mark.parametrize("code", ["EUR", "USD", "GBP", "JPY", "CHF", "XOF", "XAF", "XCD"])
def test_known_currencies_pass(code):
    validate_currency(code)


@pytest.mark.parametrize("code", ["XYZ", "eur", "EURO", "", "€", " EUR"])
def test_unknown_currencies_are_refused_with_a_message(code):
    with pytest.raises(ValidationError) as caught:
        validate_currency(code)
    assert caught.value.messages == [
        f"{code} is not an ISO 4217 currency code (for example EUR, USD, GBP)."
    ]
    assert caught.value.error_list[0].code == "invalid_currency"


WITHDRAWN_OR_SPECIAL = [
    "SUR",  # Soviet rouble
    "ADP",  # Andorran peseta
    "DEM",  # German mark
    "HRK",  # Croatian kuna, replaced by the euro in 2023
    "XTS",  # for testing
    "XXX",  # no currency
    "XAU",  # gold
    "XAG",  # silver
    "XPT",  # platinum
    "XPD",  # palladium
    "XDR",  # special drawing rights
    "XBA",  # European bond units
    "XBB",
    "XBC",
    "XBD",
    "XSU",  # sucre
    "XUA",  # ADB unit of account
    "BOV",  # funds codes
    "CLF",
    "USN",
]


@pytest.mark.parametrize("code", WITHDRAWN_OR_SPECIAL)
def test_withdrawn_and_special_codes_are_refused_with_a_message(code):
    with pytest.raises(ValidationError) as caught:
        validate_currency(code)
    assert caught.value.messages == [
        f"{code} is not a currency in use today (for example EUR, USD, GBP)."
    ]
    assert caught.value.error_list[0].code == "withdrawn_currency"


def test_currency_choices_offer_current_currencies_only():
    codes = {code for code, _label in currency_choices()}
    assert codes == current_currencies()
    assert not codes & set(WITHDRAWN_OR_SPECIAL)
    assert {"EUR", "USD", "GBP", "JPY", "INR", "BRL", "ZAR", "XOF"} <= codes
    assert all(len(code) == 3 and code.isupper() for code in codes)


@pytest.mark.parametrize("name", ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"])
def test_known_time_zones_pass(name):
    validate_time_zone(name)


@pytest.mark.parametrize("name", ["Mars/Base", "europe/paris", "", "Paris", "UTC+2"])
def test_unknown_time_zones_are_refused_with_a_message(name):
    with pytest.raises(ValidationError) as caught:
        validate_time_zone(name)
    assert caught.value.messages == [
        f"{name} is not a known time zone (for example Europe/Paris or America/New_York)."
    ]
    assert caught.value.error_list[0].code == "invalid_time_zone"


def test_currency_choices_are_sorted_codes_with_names():
    choices = currency_choices()
    codes = [code for code, _label in choices]
    assert codes == sorted(codes)
    assert ("EUR", "EUR — Euro") in choices
    assert ("USD", "USD — US Dollar") in choices
    for code in codes:
        validate_currency(code)


def test_time_zone_choices_start_with_utc_and_are_all_valid():
    choices = time_zone_choices()
    assert choices[0] == ("UTC", "UTC")
    names = [name for name, _label in choices]
    assert ("America/New_York", "America/New York") in choices
    assert not any(name.startswith(("Etc/", "posix/", "right/")) for name in names)
    assert len(names) == len(set(names))
    # validate_time_zone accepts exactly zoneinfo's names (checked once, not per
    # name: listing the zones reads the tz database from disk).
    assert set(names) <= zoneinfo.available_timezones()
