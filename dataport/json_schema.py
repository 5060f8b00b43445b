"""What a document may hold: the fields of each list, each value's type and range.

A reader turns one JSON value into its Python value or raises ``BadValue`` saying
why, for the user. The ranges are those of the forms and of the database
constraints, taken from ``portfolio.limits``, the models' lengths and choices:
amounts are decimal strings with at most 12 digits before the point and 2 after,
read by the one grammar of ``portfolio.numbers`` (no NaN, infinity, exponent,
leading zeros or digits other than 0 to 9). ``FIELDS`` lists every field of every list
(``dataport.export.TABLES`` writes the same ones), ``preference`` checks one of
the user's preferences. The format, for users: docs/data-format.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models

from accounts.validators import validate_currency
from goals.models import Goal, Metric, Milestone
from portfolio import categories, numbers
from portfolio.limits import (
    FIRST_YEAR,
    GOAL_DIGITS,
    GOAL_FIGURE_WHOLE_DIGITS,
    GOAL_PLACES,
    HOURS_PLACES,
    HOURS_WHOLE_DIGITS,
    LAST_YEAR,
    MONEY_PLACES,
    MONEY_WHOLE_DIGITS,
    RATE_PLACES,
    RATE_WHOLE_DIGITS,
)
from portfolio.models import Entry, Holding, Portfolio, Stream

_SHOWN_CHARS = 40


# --- Values ----------------------------------------------------------------------------


class BadValue(Exception):
    """A value is wrong; the message says why, for the user."""


Reader = Callable[[Any], Any]
# The default of a field that must be in every record.
REQUIRED = object()


# A lone surrogate ("\ud800" in JSON) is valid JSON but no character: neither UTF-8
# nor PostgreSQL can hold it.
_SURROGATE = re.compile("[\ud800-\udfff]")


def shown(text: str) -> str:
    """``text`` to quote in a message: shortened, a lone surrogate shown as \ufffd."""
    text = _SURROGATE.sub("\ufffd", text)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


def kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | Decimal):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise BadValue(f"expected a whole number of 1 or more, got {kind_of(value)}")
    return value


def _ref(value: Any) -> int | None:
    return None if value is None else _id(value)


def _text(max_length: int | None, *, blank: bool) -> Reader:
    """Text of at most ``max_length`` characters (None: as long as the document)."""

    def read(value: Any) -> str:
        if not isinstance(value, str):
            raise BadValue(f"expected text, got {kind_of(value)}")
        if "\x00" in value:
            raise BadValue("contains a NUL character")
        if _SURROGATE.search(value):
            raise BadValue("contains a lone surrogate (such as \\ud800), which is not a character")
        if max_length is not None and len(value) > max_length:
            raise BadValue(f"is longer than {max_length} characters")
        if not blank and not value.strip():
            raise BadValue("is empty")
        return value

    return read


def _choice(choices: list[tuple[str, str]], what: str) -> Reader:
    allowed = [value for value, _label in choices]

    def read(value: Any) -> str:
        if not isinstance(value, str):
            raise BadValue(f"expected text, got {kind_of(value)}")
        if value not in allowed:
            raise BadValue(f"“{shown(value)}” is not {what} (one of {', '.join(allowed)})")
        return value

    return read


def _currency(value: Any) -> str:
    """An amount's currency, as the forms take it (``accounts.validators``)."""
    if not isinstance(value, str):
        raise BadValue(f"expected a currency code such as “EUR”, got {kind_of(value)}")
    try:
        validate_currency(value)
    except ValidationError as error:
        raise BadValue(" ".join(error.messages)) from None
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise BadValue(f"expected true or false, got {kind_of(value)}")
    return value


def _year(value: Any) -> int:
    # The years a goal may have from today on (goal_import_years) are checked by
    # dataport.json_reader, which knows the importing user's today.
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadValue(f"expected a year as a whole number, got {kind_of(value)}")
    if not FIRST_YEAR <= value <= LAST_YEAR:
        raise BadValue(f"{value} is not between {FIRST_YEAR} and {LAST_YEAR}")
    return value


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date(value: Any) -> date:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        got = f"“{shown(value)}”" if isinstance(value, str) else kind_of(value)
        raise BadValue(f"expected a date as YYYY-MM-DD, got {got}")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise BadValue(f"“{value}” is not a date of the calendar") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise BadValue(f"{value} is not between {FIRST_YEAR} and {LAST_YEAR}")
    return day


def _datetime(value: Any) -> datetime:
    example = "e.g. 2026-12-31T23:00:00Z"
    if not isinstance(value, str) or len(value) > 40:
        raise BadValue(f"expected a date and time ({example}), got {kind_of(value)}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadValue(f"“{shown(value)}” is not a date and time ({example})") from None
    if moment.tzinfo is None:
        raise BadValue(f"“{value}” needs its offset from UTC ({example})")
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise BadValue(f"{value} is not between {FIRST_YEAR} and {LAST_YEAR}")
    return moment


def _decimal(*, whole: int, places: int, example: str) -> Reader:
    """A decimal string with at most ``whole`` digits before the point, ``places`` after.

    The grammar is the forms' (``portfolio.numbers``), as strict as a JSON number:
    no plus sign and no leading zeros ("007.50"), which no export writes.
    """

    def read(value: Any) -> Decimal:
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            raise BadValue(
                f'write it as a string, e.g. "{example}", not as a JSON number '
                "(which readers may turn into an inexact float)"
            )
        if not isinstance(value, str):
            raise BadValue(f'expected a decimal string such as "{example}", got {kind_of(value)}')
        try:
            number = numbers.parse_decimal(value, plus_sign=False, leading_zeros=False)
        except numbers.NotANumber as error:
            if error.code == "not_finite":
                raise BadValue(str(error)) from None
            raise BadValue(
                f"{error}: write a plain decimal number such as “{example}” "
                "(digits 0 to 9, an optional minus sign and point; no exponent, spaces or "
                "separators)"
            ) from None
        if (digits := numbers.whole_digits(number)) > whole:
            raise BadValue(
                f"“{shown(value)}” has {digits} digits before the decimal point; "
                f"at most {whole} are allowed"
            )
        if numbers.places(number) > places:
            raise BadValue(f"“{shown(value)}” has more than {places} decimal places")
        return number.quantize(Decimal(1).scaleb(-places))

    return read


def _nullable(read: Reader) -> Reader:
    return lambda value: None if value is None else read(value)


MONEY = _decimal(whole=MONEY_WHOLE_DIGITS, places=MONEY_PLACES, example="1250.50")
HOURS = _decimal(whole=HOURS_WHOLE_DIGITS, places=HOURS_PLACES, example="2.5")
# A target or baseline: strictly inside (-GOAL_FIGURE_LIMIT, GOAL_FIGURE_LIMIT), as
# in the goal form, so an imported goal can be edited. A final or milestone value,
# computed by the year-end job, may fill the column.
GOAL_FIGURE = _decimal(whole=GOAL_FIGURE_WHOLE_DIGITS, places=GOAL_PLACES, example="0.25")
FIGURE = _decimal(whole=GOAL_DIGITS - GOAL_PLACES, places=GOAL_PLACES, example="0.25")
# Units of a currency one euro buys, with the ECB's places.
RATE = _decimal(whole=RATE_WHOLE_DIGITS, places=RATE_PLACES, example="950.000000")


def _max_length(model: type[models.Model], name: str) -> int:
    return model._meta.get_field(name).max_length


# --- The lists of a document ---------------------------------------------------------

# name -> (reader, default when the key is missing; REQUIRED if it must be there)
FIELDS: dict[str, dict[str, tuple[Reader, Any]]] = {
    "portfolios": {
        "id": (_id, REQUIRED),
        "name": (_text(_max_length(Portfolio, "name"), blank=False), REQUIRED),
    },
    "holdings": {
        "id": (_id, REQUIRED),
        "portfolio": (_id, REQUIRED),
        "name": (_text(_max_length(Holding, "name"), blank=False), REQUIRED),
        "kind": (_choice(Holding.Kind.choices, "a holding kind"), REQUIRED),
        "liquid": (_bool, REQUIRED),
        "note": (_text(_max_length(Holding, "note"), blank=True), ""),
        "secured_against": (_ref, None),  # absent from older exports
        # Version 2; None (version 1, or left out): the importing user's base currency.
        "currency": (_currency, None),
    },
    "valuations": {
        "holding": (_id, REQUIRED),
        "date": (_date, REQUIRED),
        "value": (MONEY, REQUIRED),
    },
    "streams": {
        "id": (_id, REQUIRED),
        "portfolio": (_id, REQUIRED),
        "name": (_text(_max_length(Stream, "name"), blank=False), REQUIRED),
        "category": (_choice(categories.CATEGORY_CHOICES, "a category"), REQUIRED),
        "amount": (MONEY, REQUIRED),
        "frequency": (_choice(categories.FREQUENCY_CHOICES, "a frequency"), REQUIRED),
        "first_date": (_date, REQUIRED),
        "end_date": (_nullable(_date), None),
        "holding": (_ref, None),
        "hours_per_month": (HOURS, Decimal("0.0")),
        "note": (_text(_max_length(Stream, "note"), blank=True), ""),
        "currency": (_currency, None),
    },
    "entries": {
        "portfolio": (_id, REQUIRED),
        "date": (_date, REQUIRED),
        "amount": (MONEY, REQUIRED),
        "category": (_choice(categories.CATEGORY_CHOICES, "a category"), REQUIRED),
        "stream": (_ref, None),
        "note": (_text(_max_length(Entry, "note"), blank=True), ""),
        "currency": (_currency, None),
    },
    "goals": {
        "id": (_id, REQUIRED),
        "portfolio": (_ref, None),
        "year": (_year, REQUIRED),
        "metric": (_choice(Metric.choices, "a goal metric"), REQUIRED),
        "baseline": (GOAL_FIGURE, REQUIRED),
        "baseline_date": (_date, REQUIRED),
        "target": (GOAL_FIGURE, REQUIRED),
        "note": (_text(_max_length(Goal, "note"), blank=True), ""),
        "closed_at": (_nullable(_datetime), None),
        "final_value": (_nullable(FIGURE), None),
        "final_infinite": (_bool, False),
    },
    "milestones": {
        "kind": (_choice(Milestone.Kind.choices, "a milestone kind"), REQUIRED),
        "goal": (_ref, None),
        "value": (_nullable(FIGURE), None),
        "occurred_on": (_date, REQUIRED),
    },
    # Version 2; the user's own rates of currencies the ECB does not publish.
    "manual_rates": {
        "currency": (_currency, REQUIRED),
        "date": (_date, REQUIRED),
        "units_per_euro": (RATE, REQUIRED),
    },
}


# --- Preferences -----------------------------------------------------------------------


def preference(name: str, value: Any) -> Any:
    """A preference checked by its User field: its type, choices and validators."""
    field = get_user_model()._meta.get_field(name)
    if isinstance(field, models.BooleanField):
        value = _bool(value)
    elif isinstance(field, models.DecimalField):
        value = _decimal(
            whole=field.max_digits - field.decimal_places,
            places=field.decimal_places,
            example=format(field.get_default(), "f"),
        )(value)
    elif isinstance(field, models.IntegerField):
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadValue(f"expected a whole number, got {kind_of(value)}")
    elif isinstance(field, models.DateField):
        value = _date(value)
    elif isinstance(field, models.CharField | models.TextField):
        value = _text(field.max_length, blank=field.blank)(value)
    else:
        raise BadValue("cannot be imported")  # a new kind of preference: teach this function
    try:
        return field.clean(value, None)
    except ValidationError as error:
        raise BadValue(" ".join(error.messages)) from None
