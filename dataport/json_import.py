"""Import of an export document (``dataport.export``) into an empty account.

Two steps, so that a bad document writes nothing at all:

1. ``read_document(data)`` parses the JSON and checks all of it before anything is
   written: format and version, every field's type and range (the limits of the
   forms and of the database constraints: amounts are decimal strings with at most
   12 digits before the point and 2 after; no NaN, infinity or exponent), and every
   reference inside the document (a stream's holding must be a holding of the
   document, in the stream's portfolio). Every problem found, up to
   ``MAX_PROBLEMS``, is raised at once in ``DataImportError``.
2. ``user_data_import(user=..., document=...)`` writes it in one transaction, then
   recomputes the user's snapshots in the same transaction.

The ids in a document only link its records to each other: every row is created
anew for the importing user, with the database's own keys. A document from another
user's export, or written by hand, therefore becomes this user's data and cannot
reach any other user's rows.

The account must be empty: no holdings, streams, entries, goals or milestones.
Its portfolios are then empty too (the "Personal" one made at sign-up, perhaps
others) and are *replaced* by the document's portfolios, so that an export
imported into a new account gives back exactly the portfolios it had, names
included. A document without portfolios keeps the account's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import IntegrityError, models, transaction

from dataport.export import FORMAT, PREFERENCE_FIELDS, TABLES, VERSION
from goals.models import Goal, Metric, Milestone
from portfolio import categories, snapshots
from portfolio.forms import FIRST_YEAR, LAST_YEAR
from portfolio.models import Entry, Holding, Portfolio, Stream, Valuation

MAX_BYTES = 20 * 1024 * 1024
MAX_PROBLEMS = 20
BATCH_SIZE = 2000
_SHOWN_CHARS = 40


class DataImportError(ValueError):
    """The document cannot be imported; ``problems`` say why, for the user."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(" ".join(self.problems))


@dataclass(frozen=True)
class Document:
    """A checked document: preferences and records with Python values."""

    preferences: dict[str, Any]
    tables: dict[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class ImportSummary:
    counts: dict[str, int]

    def __str__(self) -> str:
        parts = [f"{count} {_NOUNS[name][count != 1]}" for name, count in self.counts.items()]
        return ", ".join(parts)


_NOUNS = {
    "portfolios": ("portfolio", "portfolios"),
    "holdings": ("holding", "holdings"),
    "valuations": ("valuation", "valuations"),
    "streams": ("stream", "streams"),
    "entries": ("entry", "entries"),
    "goals": ("goal", "goals"),
    "milestones": ("milestone", "milestones"),
}


# --- Parsing ------------------------------------------------------------------------


def _no_constants(name: str):
    raise DataImportError(
        f"The document contains {name}, which is not a number: write amounts as decimal "
        'strings such as "1250.50".'
    )


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise DataImportError(f"The key “{_shown(twice)}” appears twice in one object.")
    return result


def parse(data: bytes) -> Any:
    """The JSON value of ``data``; ``DataImportError`` if it is not a JSON text."""
    if len(data) > MAX_BYTES:
        raise DataImportError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    if data.startswith(b"PK\x03\x04"):
        raise DataImportError(
            "This is a zip file. Import the .json document: the zip of CSV files is for "
            "spreadsheets and cannot be imported."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataImportError("The file is not UTF-8 text, so it is not an export.") from None
    if not text.strip():
        raise DataImportError("The file is empty.")
    try:
        return json.loads(
            text,
            parse_constant=_no_constants,
            parse_float=Decimal,  # never a float, even for a number we then refuse
            object_pairs_hook=_no_duplicate_keys,
        )
    except DataImportError:
        raise  # from the hooks above, a ValueError too
    except json.JSONDecodeError as error:
        raise DataImportError(
            f"The file is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})."
        ) from None
    except RecursionError:
        raise DataImportError("The file is not an export: it is nested too deeply.") from None
    except ValueError as error:  # e.g. an integer of thousands of digits
        raise DataImportError(f"The file is not an export: {error}.") from None


# --- Reading values -------------------------------------------------------------------


class _Bad(Exception):
    """A value is wrong; the message says why, for the user."""


Reader = Callable[[Any], Any]
_REQUIRED = object()


def _shown(text: str) -> str:
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


def _kind(value: Any) -> str:
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
        raise _Bad(f"expected a whole number of 1 or more, got {_kind(value)}")
    return value


def _ref(value: Any) -> int | None:
    return None if value is None else _id(value)


def _text(max_length: int, *, blank: bool) -> Reader:
    def read(value: Any) -> str:
        if not isinstance(value, str):
            raise _Bad(f"expected text, got {_kind(value)}")
        if "\x00" in value:
            raise _Bad("contains a NUL character")
        if len(value) > max_length:
            raise _Bad(f"is longer than {max_length} characters")
        if not blank and not value.strip():
            raise _Bad("is empty")
        return value

    return read


def _choice(choices: list[tuple[str, str]], what: str) -> Reader:
    allowed = [value for value, _label in choices]

    def read(value: Any) -> str:
        if not isinstance(value, str):
            raise _Bad(f"expected text, got {_kind(value)}")
        if value not in allowed:
            raise _Bad(f"“{_shown(value)}” is not {what} (one of {', '.join(allowed)})")
        return value

    return read


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Bad(f"expected true or false, got {_kind(value)}")
    return value


def _year(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad(f"expected a year as a whole number, got {_kind(value)}")
    if not FIRST_YEAR <= value <= LAST_YEAR:
        raise _Bad(f"{value} is not between {FIRST_YEAR} and {LAST_YEAR}")
    return value


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date(value: Any) -> date:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        shown = f"“{_shown(value)}”" if isinstance(value, str) else _kind(value)
        raise _Bad(f"expected a date as YYYY-MM-DD, got {shown}")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise _Bad(f"“{value}” is not a date of the calendar") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise _Bad(f"{value} is not between {FIRST_YEAR} and {LAST_YEAR}")
    return day


def _datetime(value: Any) -> datetime:
    example = "e.g. 2026-12-31T23:00:00Z"
    if not isinstance(value, str) or len(value) > 40:
        raise _Bad(f"expected a date and time ({example}), got {_kind(value)}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _Bad(f"“{_shown(value)}” is not a date and time ({example})") from None
    if moment.tzinfo is None:
        raise _Bad(f"“{value}” needs its offset from UTC ({example})")
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise _Bad(f"{value} is not between {FIRST_YEAR} and {LAST_YEAR}")
    return moment


_DECIMAL = re.compile(r"-?(\d+)(?:\.(\d+))?")
_NOT_FINITE = {"nan", "snan", "inf", "infinity"}


def _decimal(*, whole: int, places: int, example: str) -> Reader:
    """A decimal string with at most ``whole`` digits before the point, ``places`` after."""

    def read(value: Any) -> Decimal:
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            raise _Bad(
                f'write it as a string, e.g. "{example}", not as a JSON number '
                "(which readers may turn into an inexact float)"
            )
        if not isinstance(value, str):
            raise _Bad(f'expected a decimal string such as "{example}", got {_kind(value)}')
        match = _DECIMAL.fullmatch(value)
        if match is None:
            if value.strip().lstrip("+-").lower() in _NOT_FINITE:
                raise _Bad(f"“{value}” is not a number: NaN and infinity are refused")
            raise _Bad(
                f"“{_shown(value)}” is not a plain decimal number such as “{example}” "
                "(digits, an optional minus sign and point; no exponent, spaces or separators)"
            )
        integer, fraction = match.group(1).lstrip("0"), match.group(2) or ""
        if len(integer) > whole:
            raise _Bad(
                f"“{_shown(value)}” has {len(integer)} digits before the decimal point; "
                f"at most {whole} are allowed"
            )
        if len(fraction.rstrip("0")) > places:
            raise _Bad(f"“{_shown(value)}” has more than {places} decimal places")
        return Decimal(value).quantize(Decimal(1).scaleb(-places))

    return read


def _nullable(read: Reader) -> Reader:
    return lambda value: None if value is None else read(value)


MONEY = _decimal(whole=12, places=2, example="1250.50")
HOURS = _decimal(whole=3, places=1, example="2.5")
_TARGET = Goal._meta.get_field("target")
FIGURE = _decimal(
    whole=_TARGET.max_digits - _TARGET.decimal_places, places=_TARGET.decimal_places, example="0.25"
)


def _max_length(model: type[models.Model], name: str) -> int:
    return model._meta.get_field(name).max_length


# name -> (reader, default when the key is missing; _REQUIRED if it must be there)
_FIELDS: dict[str, dict[str, tuple[Reader, Any]]] = {
    "portfolios": {
        "id": (_id, _REQUIRED),
        "name": (_text(_max_length(Portfolio, "name"), blank=False), _REQUIRED),
    },
    "holdings": {
        "id": (_id, _REQUIRED),
        "portfolio": (_id, _REQUIRED),
        "name": (_text(_max_length(Holding, "name"), blank=False), _REQUIRED),
        "kind": (_choice(Holding.Kind.choices, "a holding kind"), _REQUIRED),
        "liquid": (_bool, _REQUIRED),
        "note": (_text(_max_length(Holding, "note"), blank=True), ""),
        "secured_against": (_ref, None),  # absent from older exports
    },
    "valuations": {
        "holding": (_id, _REQUIRED),
        "date": (_date, _REQUIRED),
        "value": (MONEY, _REQUIRED),
    },
    "streams": {
        "id": (_id, _REQUIRED),
        "portfolio": (_id, _REQUIRED),
        "name": (_text(_max_length(Stream, "name"), blank=False), _REQUIRED),
        "category": (_choice(categories.CATEGORY_CHOICES, "a category"), _REQUIRED),
        "amount": (MONEY, _REQUIRED),
        "frequency": (_choice(categories.FREQUENCY_CHOICES, "a frequency"), _REQUIRED),
        "first_date": (_date, _REQUIRED),
        "end_date": (_nullable(_date), None),
        "holding": (_ref, None),
        "hours_per_month": (HOURS, Decimal("0.0")),
        "note": (_text(_max_length(Stream, "note"), blank=True), ""),
    },
    "entries": {
        "portfolio": (_id, _REQUIRED),
        "date": (_date, _REQUIRED),
        "amount": (MONEY, _REQUIRED),
        "category": (_choice(categories.CATEGORY_CHOICES, "a category"), _REQUIRED),
        "stream": (_ref, None),
        "note": (_text(_max_length(Entry, "note"), blank=True), ""),
    },
    "goals": {
        "id": (_id, _REQUIRED),
        "portfolio": (_ref, None),
        "year": (_year, _REQUIRED),
        "metric": (_choice(Metric.choices, "a goal metric"), _REQUIRED),
        "baseline": (FIGURE, _REQUIRED),
        "baseline_date": (_date, _REQUIRED),
        "target": (FIGURE, _REQUIRED),
        "note": (_text(_max_length(Goal, "note"), blank=True), ""),
        "closed_at": (_nullable(_datetime), None),
        "final_value": (_nullable(FIGURE), None),
        "final_infinite": (_bool, False),
    },
    "milestones": {
        "kind": (_choice(Milestone.Kind.choices, "a milestone kind"), _REQUIRED),
        "goal": (_ref, None),
        "value": (_nullable(FIGURE), None),
        "occurred_on": (_date, _REQUIRED),
    },
}
assert {name: tuple(fields) for name, fields in _FIELDS.items()} == TABLES, (
    "dataport.json_import reads other fields than dataport.export writes"
)


def _preference(name: str, value: Any) -> Any:
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
            raise _Bad(f"expected a whole number, got {_kind(value)}")
    elif isinstance(field, models.DateField):
        value = _date(value)
    elif isinstance(field, models.CharField | models.TextField):
        value = _text(field.max_length or MAX_BYTES, blank=field.blank)(value)
    else:
        raise _Bad("cannot be imported")  # a new kind of preference: teach this function
    try:
        return field.clean(value, None)
    except ValidationError as error:
        raise _Bad(" ".join(error.messages)) from None


# --- Checking the whole document -------------------------------------------------------


class _TooMany(Exception):
    pass


class _Checker:
    """Collects the problems of a document, each with where it is."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}.")
        if len(self.problems) >= MAX_PROBLEMS:
            raise _TooMany


def read_document(data: bytes) -> Document:
    """Parse and check a whole document; ``DataImportError`` lists what is wrong."""
    raw = parse(data)
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise DataImportError(
            "This is not a Wealth Ratio export: its “format” should be "
            f"“{FORMAT}”. Download one from Settings → Your data."
        )
    version = raw.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise DataImportError(f"The “version” of the document should be {VERSION}.")
    if version != VERSION:
        newer = " by a newer Wealth Ratio" if version > VERSION else ""
        raise DataImportError(
            f"This document has version {version}, written{newer}; "
            f"this site reads version {VERSION}."
        )
    checker = _Checker()
    try:
        document = _check(raw, checker)
    except _TooMany:
        checker.problems.append("Checking stopped here; there may be more problems.")
        document = None
    if checker.problems or document is None:
        raise DataImportError(checker.problems)
    return document


def _check(raw: dict[str, Any], checker: _Checker) -> Document | None:
    known = {"format", "version", "exported_at", "user", *TABLES}
    for key in raw:
        if key not in known:
            checker.add(f"“{_shown(key)}”", "is not part of the document (a typo?)")

    preferences: dict[str, Any] = {}
    user = raw.get("user", {})
    if not isinstance(user, dict):
        checker.add("user", f"expected an object, got {_kind(user)}")
        user = {}
    for name, value in user.items():
        if name not in PREFERENCE_FIELDS:
            checker.add(f"user.{_shown(name)}", "is not a preference")
            continue
        try:
            preferences[name] = _preference(name, value)
        except (_Bad, FieldDoesNotExist) as error:
            checker.add(f"user.{name}", str(error))

    tables: dict[str, list[dict[str, Any]]] = {}
    for table, fields in _FIELDS.items():
        tables[table] = _check_records(table, raw.get(table, []), fields, checker)

    _check_references(tables, checker)
    _check_secured_against(tables["holdings"], checker)
    return None if checker.problems else Document(preferences, tables)


def _check_records(
    table: str, items: Any, fields: dict[str, tuple[Reader, Any]], checker: _Checker
) -> list[dict[str, Any]]:
    if not isinstance(items, list):
        checker.add(table, f"expected a list, got {_kind(items)}")
        return []
    records = []
    for index, item in enumerate(items):
        where = f"{table}[{index}]"
        if not isinstance(item, dict):
            checker.add(where, f"expected an object, got {_kind(item)}")
            continue
        record: dict[str, Any] = {}
        ok = True
        for key in item:
            if key not in fields:
                checker.add(f"{where}.{_shown(key)}", "is not a field of this list")
                ok = False
        for name, (read, default) in fields.items():
            if name not in item:
                if default is _REQUIRED:
                    checker.add(f"{where}.{name}", "is missing")
                    ok = False
                record[name] = default
                continue
            try:
                record[name] = read(item[name])
            except _Bad as error:
                checker.add(f"{where}.{name}", str(error))
                ok = False
        if ok:
            records.append(record)
    return records


def _unique_ids(table: str, records: list[dict[str, Any]], checker: _Checker) -> dict[int, dict]:
    by_id: dict[int, dict] = {}
    for index, record in enumerate(records):
        if record["id"] in by_id:
            checker.add(f"{table}[{index}].id", f"id {record['id']} is used twice")
        by_id[record["id"]] = record
    return by_id


def _check_references(tables: dict[str, list[dict[str, Any]]], checker: _Checker) -> None:
    """Every reference inside the document, the uniqueness rules and the ranges left."""
    portfolios = _unique_ids("portfolios", tables["portfolios"], checker)
    holdings = _unique_ids("holdings", tables["holdings"], checker)
    streams = _unique_ids("streams", tables["streams"], checker)
    goals = _unique_ids("goals", tables["goals"], checker)

    def refers(where: str, table: str, found: dict[int, dict], ref: int | None) -> bool:
        if ref is None or ref in found:
            return True
        checker.add(where, f"refers to {table[:-1]} {ref}, which is not in the document")
        return False

    def once(seen: set, key: Any, where: str, message: str) -> None:
        if key in seen:
            checker.add(where, message)
        seen.add(key)

    names: set = set()
    for index, record in enumerate(tables["portfolios"]):
        once(
            names,
            record["name"].lower(),
            f"portfolios[{index}].name",
            f"“{_shown(record['name'])}” is the name of two portfolios",
        )

    names = set()
    for index, record in enumerate(tables["holdings"]):
        where = f"holdings[{index}]"
        refers(f"{where}.portfolio", "portfolios", portfolios, record["portfolio"])
        once(
            names,
            (record["portfolio"], record["name"].lower()),
            f"{where}.name",
            f"“{_shown(record['name'])}” is the name of two holdings of one portfolio",
        )

    dates: set = set()
    for index, record in enumerate(tables["valuations"]):
        where = f"valuations[{index}]"
        refers(f"{where}.holding", "holdings", holdings, record["holding"])
        once(
            dates,
            (record["holding"], record["date"]),
            f"{where}.date",
            f"holding {record['holding']} has two valuations on {record['date']}",
        )

    names = set()
    for index, record in enumerate(tables["streams"]):
        where = f"streams[{index}]"
        refers(f"{where}.portfolio", "portfolios", portfolios, record["portfolio"])
        holding = record["holding"]
        if (
            refers(f"{where}.holding", "holdings", holdings, holding)
            and holding is not None
            and holdings[holding]["portfolio"] != record["portfolio"]
        ):
            checker.add(
                f"{where}.holding", f"holding {holding} is in another portfolio than the stream"
            )
        once(
            names,
            (record["portfolio"], record["name"].lower()),
            f"{where}.name",
            f"“{_shown(record['name'])}” is the name of two streams of one portfolio",
        )
        if record["amount"] <= 0:
            checker.add(f"{where}.amount", "must be above zero")
        if record["end_date"] is not None and record["end_date"] < record["first_date"]:
            checker.add(f"{where}.end_date", "is before the first payment")
        if record["hours_per_month"] > 744:
            checker.add(f"{where}.hours_per_month", "is more than the 744 hours of a month")
        elif record["hours_per_month"] < 0:
            checker.add(f"{where}.hours_per_month", "is below zero")

    for index, record in enumerate(tables["entries"]):
        where = f"entries[{index}]"
        refers(f"{where}.portfolio", "portfolios", portfolios, record["portfolio"])
        stream = record["stream"]
        if (
            refers(f"{where}.stream", "streams", streams, stream)
            and stream is not None
            and streams[stream]["portfolio"] != record["portfolio"]
        ):
            checker.add(f"{where}.stream", f"stream {stream} is in another portfolio")
        if record["amount"] == 0:
            checker.add(f"{where}.amount", "must not be zero")

    keys: set = set()
    for index, record in enumerate(tables["goals"]):
        where = f"goals[{index}]"
        refers(f"{where}.portfolio", "portfolios", portfolios, record["portfolio"])
        once(
            keys,
            (record["portfolio"], record["year"], record["metric"]),
            where,
            f"a second {record['metric']} goal for {record['year']} on the same portfolios",
        )
        if record["target"] <= record["baseline"]:
            checker.add(f"{where}.target", "must be above the baseline")
        if record["final_infinite"] and record["final_value"] is not None:
            checker.add(f"{where}.final_value", "must be null when final_infinite is true")

    keys = set()
    for index, record in enumerate(tables["milestones"]):
        where = f"milestones[{index}]"
        refers(f"{where}.goal", "goals", goals, record["goal"])
        if record["kind"] == Milestone.Kind.GOAL_ACHIEVED:
            if record["goal"] is not None:
                once(keys, (record["kind"], record["goal"]), where, "a goal achieved twice")
        elif record["goal"] is not None:
            checker.add(f"{where}.goal", f"must be null for a {record['kind']} milestone")
        else:
            once(keys, record["kind"], where, f"a second {record['kind']} milestone")


def _check_secured_against(holdings: list[dict[str, Any]], checker: _Checker) -> None:
    """A loan is secured against another holding of its portfolio that is not a loan."""
    by_id = {record["id"]: record for record in holdings}
    for index, record in enumerate(holdings):
        ref = record["secured_against"]
        if ref is None:
            continue
        where = f"holdings[{index}].secured_against"
        target = by_id.get(ref)
        if record["kind"] != Holding.Kind.LOAN:
            checker.add(
                where, f"only a loan can be secured against a holding, not a {record['kind']}"
            )
        elif target is None:
            checker.add(where, f"refers to holding {ref}, which is not in the document")
        elif target is record:
            checker.add(where, "a loan cannot be secured against itself")
        elif target["portfolio"] != record["portfolio"]:
            checker.add(where, f"holding {ref} is in another portfolio than the loan")
        elif target["kind"] == Holding.Kind.LOAN:
            checker.add(where, f"holding {ref} is a loan; a loan is secured against a non-loan")


# --- Writing -------------------------------------------------------------------------


def existing_data(user) -> str:
    """What already is in the account, e.g. "3 holdings, 12 entries"; "" if nothing."""
    counts = {
        "holdings": Holding.objects.filter(portfolio__owner=user).count(),
        "streams": Stream.objects.filter(portfolio__owner=user).count(),
        "entries": Entry.objects.filter(portfolio__owner=user).count(),
        "goals": Goal.objects.filter(owner=user).count(),
        "milestones": Milestone.objects.filter(user=user).count(),
    }
    return str(ImportSummary({name: count for name, count in counts.items() if count}))


def user_data_import(*, user, document: Document) -> ImportSummary:
    """Write a checked document into ``user``'s empty account, all of it or nothing.

    Raises ``DataImportError`` if the account has data. The user's preferences are
    set on ``user`` too. Snapshots are recomputed before the transaction commits.
    """
    try:
        with transaction.atomic():
            summary = _write(user, document)
    except IntegrityError as error:
        # The checks above mirror every constraint; this is the safety net.
        raise DataImportError(
            f"The document breaks a rule of the database ({error}); nothing was imported."
        ) from None
    for name, value in document.preferences.items():
        setattr(user, name, value)
    return summary


def _write(user, document: Document) -> ImportSummary:
    # The user's row lock makes two imports into one account (a double click) run
    # one after the other, so the second sees the first one's data and stops.
    locked = get_user_model().objects.select_for_update().get(pk=user.pk)
    existing = existing_data(locked)
    if existing:
        raise DataImportError(
            f"Your account already has data ({existing}). A document can only be "
            "imported into an empty account: delete these first, or sign up for a new "
            "account to import into."
        )
    tables = document.tables
    if document.preferences:
        for name, value in document.preferences.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(document.preferences))
    if tables["portfolios"]:
        # Empty, as checked above: nothing of the user's is lost.
        Portfolio.objects.filter(owner=locked).delete()

    portfolio_pk = _create(
        Portfolio, tables["portfolios"], lambda r: Portfolio(owner=locked, name=r["name"])
    )
    holding_pk = _create(
        Holding,
        tables["holdings"],
        lambda r: Holding(
            portfolio_id=portfolio_pk[r["portfolio"]],
            name=r["name"],
            kind=r["kind"],
            liquid=r["liquid"],
            note=r["note"],
        ),
    )
    # Once every holding has its key: a loan may come before what it is secured against.
    Holding.objects.bulk_update(
        [
            Holding(pk=holding_pk[r["id"]], secured_against_id=holding_pk[r["secured_against"]])
            for r in tables["holdings"]
            if r["secured_against"] is not None
        ],
        ["secured_against"],
        batch_size=BATCH_SIZE,
    )
    Valuation.objects.bulk_create(
        (
            Valuation(holding_id=holding_pk[r["holding"]], date=r["date"], value=r["value"])
            for r in tables["valuations"]
        ),
        batch_size=BATCH_SIZE,
    )
    stream_pk = _create(
        Stream,
        tables["streams"],
        lambda r: Stream(
            portfolio_id=portfolio_pk[r["portfolio"]],
            holding_id=None if r["holding"] is None else holding_pk[r["holding"]],
            **{k: r[k] for k in TABLES["streams"] if k not in ("id", "portfolio", "holding")},
        ),
    )
    Entry.objects.bulk_create(
        (
            Entry(
                portfolio_id=portfolio_pk[r["portfolio"]],
                stream_id=None if r["stream"] is None else stream_pk[r["stream"]],
                date=r["date"],
                amount=r["amount"],
                category=r["category"],
                note=r["note"],
            )
            for r in tables["entries"]
        ),
        batch_size=BATCH_SIZE,
    )
    goal_pk = _create(
        Goal,
        tables["goals"],
        lambda r: Goal(
            owner=locked,
            portfolio_id=None if r["portfolio"] is None else portfolio_pk[r["portfolio"]],
            **{k: r[k] for k in TABLES["goals"] if k not in ("id", "portfolio")},
        ),
    )
    Milestone.objects.bulk_create(
        [
            Milestone(
                user=locked,
                kind=r["kind"],
                key=_milestone_key(r, goal_pk, index),
                goal_id=None if r["goal"] is None else goal_pk[r["goal"]],
                value=r["value"],
                occurred_on=r["occurred_on"],
            )
            for index, r in enumerate(tables["milestones"], start=1)
        ]
    )
    # bulk_create sends no signals, so nothing was marked stale: recompute every
    # month now, in this transaction, so the import commits with its snapshots.
    snapshots.snapshots_recompute(user_ids=[locked.pk])
    return ImportSummary({name: len(tables[name]) for name in TABLES})


def _create(model, records, build) -> dict[int, int]:
    """Create ``model`` rows from records; return document id -> new primary key."""
    rows = model.objects.bulk_create([build(record) for record in records], batch_size=BATCH_SIZE)
    if any(row.pk is None for row in rows):  # pragma: no cover - SQLite < 3.35
        raise RuntimeError("The database did not return the new rows' keys.")
    return {record["id"]: row.pk for record, row in zip(records, rows, strict=True)}


def _milestone_key(record: dict[str, Any], goal_pk: dict[int, int], index: int) -> str:
    """The natural key ``goals.milestones`` uses: the goal's (new) id, or "" once-only.

    A goal reached and later deleted leaves its milestone without a goal; its key
    must not look like an id, or it would block a future goal with that id here.
    """
    if record["kind"] != Milestone.Kind.GOAL_ACHIEVED:
        return ""
    if record["goal"] is None:
        return f"imported-{index}"
    return str(goal_pk[record["goal"]])
