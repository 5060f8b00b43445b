"""Validation of a user's base currency (ISO 4217) and time zone (IANA)."""

from __future__ import annotations

import zoneinfo
from datetime import date
from functools import cache

from babel import Locale
from babel.numbers import get_currency_name, get_territory_currencies, list_currencies
from django.core.exceptions import ValidationError


@cache
def current_currencies() -> frozenset[str]:
    """ISO 4217 codes that are legal tender in some territory today, per CLDR.

    This leaves out withdrawn currencies (the Soviet rouble SUR, the Andorran
    peseta ADP, the German mark DEM...), codes for testing and for no currency
    (XTS, XXX), precious metals (XAU, XAG, XPT, XPD), fund and accounting units
    (XDR, XSU, XUA, BOV, CLF...) and the European bond units (XBA to XBD). Built
    once per process: a currency is withdrawn a few times a decade.
    """
    today = date.today()
    return frozenset(
        code
        for territory in Locale("en").territories
        for code in get_territory_currencies(territory, today, tender=True)
    )


@cache
def currency_choices() -> list[tuple[str, str]]:
    """Every current ISO 4217 currency, as (code, "CODE — name")."""
    return [(code, currency_label(code)) for code in sorted(current_currencies())]


def currency_label(code: str) -> str:
    """ "EUR — Euro"."""
    return f"{code} — {get_currency_name(code, locale='en')}"


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    names = sorted(
        name
        for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(("Etc/", "posix/", "right/", "SystemV/"))
    )
    return [("UTC", "UTC"), *((name, name.replace("_", " ")) for name in names)]


def validate_currency(value: str) -> None:
    """A currency in use today (``current_currencies``); a user who chose one that
    has since been withdrawn keeps it (see ``AccountSettingsForm``)."""
    if value in current_currencies():
        return
    if value in list_currencies():
        raise ValidationError(
            "%(value)s is not a currency in use today (for example EUR, USD, GBP).",
            code="withdrawn_currency",
            params={"value": value},
        )
    raise ValidationError(
        "%(value)s is not an ISO 4217 currency code (for example EUR, USD, GBP).",
        code="invalid_currency",
        params={"value": value},
    )


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "%(value)s is not a known time zone (for example Europe/Paris or America/New_York).",
            code="invalid_time_zone",
            params={"value": value},
        )
