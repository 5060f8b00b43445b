"""Validation of a user's base currency (ISO 4217) and time zone (IANA)."""

from __future__ import annotations

import zoneinfo
from functools import cache

from babel.numbers import get_currency_name, list_currencies
from django.core.exceptions import ValidationError


@cache
def currency_choices() -> list[tuple[str, str]]:
    """Every ISO 4217 currency CLDR knows, as (code, "CODE — name")."""
    return [
        (code, f"{code} — {get_currency_name(code, locale='en')}")
        for code in sorted(list_currencies())
    ]


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    names = sorted(
        name
        for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(("Etc/", "posix/", "right/", "SystemV/"))
    )
    return [("UTC", "UTC"), *((name, name.replace("_", " ")) for name in names)]


def validate_currency(value: str) -> None:
    if value not in list_currencies():
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
