"""Reading an export document (``dataport.export``): parse it and check all of it.

``read_document(data)`` parses the JSON and checks the whole document before
anything is written (``dataport.json_writer`` writes it): its format and version,
every field's type and range (``dataport.json_schema``), and every rule between
records (a stream's holding must be a holding of the document, in the stream's
portfolio; one goal per portfolio, year and metric; an own rate only for a
currency the ECB does not publish...), one function per list.
Every problem found, up to ``MAX_PROBLEMS``, is raised at once in
``DataImportError``, each with where it is. The format, for users:
docs/data-format.md.

The ids in a document only link its records to each other: the writer creates
every row anew, with the database's own keys.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone

from dataport.export import FORMAT, PREFERENCE_FIELDS, READABLE_VERSIONS, TABLES, VERSION
from dataport.json_schema import FIELDS, REQUIRED, BadValue, Reader, kind_of, preference, shown
from goals.models import Milestone
from portfolio.limits import GOAL_YEARS_AHEAD, HOURS_MAX, MAX_PORTFOLIOS, goal_import_years
from portfolio.models import Holding
from portfolio.rates import ecb_latest_days, manual_rate_refusal

MAX_BYTES = 20 * 1024 * 1024
MAX_PROBLEMS = 20

Record = dict[str, Any]


class DataImportError(ValueError):
    """The document cannot be imported; ``problems`` say why, for the user."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(" ".join(self.problems))


@dataclass(frozen=True)
class Document:
    """A checked document: preferences and records with Python values."""

    preferences: dict[str, Any]
    tables: dict[str, list[Record]]


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
        raise DataImportError(f"The key “{shown(twice)}” appears twice in one object.")
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

    def refers(self, where: str, table: str, found: dict[int, Record], ref: int | None) -> bool:
        """Whether ``ref`` is None or an id of ``found``; a problem if it is neither."""
        if ref is None or ref in found:
            return True
        self.add(where, f"refers to {table[:-1]} {ref}, which is not in the document")
        return False

    def once(self, seen: set, key: Any, where: str, message: str) -> None:
        """A problem if ``key`` was seen already; then remember it."""
        if key in seen:
            self.add(where, message)
        seen.add(key)


def read_document(data: bytes, *, today: date | None = None) -> Document:
    """Parse and check a whole document; ``DataImportError`` lists what is wrong.

    ``today`` (the importing user's; the server's by default) bounds the years of goals.
    """
    today = today or timezone.localdate()
    raw = parse(data)
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise DataImportError(
            "This is not a Wealth Ratio export: its “format” should be "
            f"“{FORMAT}”. Download one from Settings → Your data."
        )
    version = raw.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise DataImportError(f"The “version” of the document should be {VERSION}.")
    if version not in READABLE_VERSIONS:
        newer = " by a newer Wealth Ratio" if version > VERSION else ""
        raise DataImportError(
            f"This document has version {version}, written{newer}; "
            f"this site reads versions {', '.join(map(str, sorted(READABLE_VERSIONS)))}."
        )
    checker = _Checker()
    try:
        document = _check(raw, checker, today)
    except _TooMany:
        checker.problems.append("Checking stopped here; there may be more problems.")
        document = None
    if checker.problems or document is None:
        raise DataImportError(checker.problems)
    return document


def _check(raw: dict[str, Any], checker: _Checker, today: date) -> Document | None:
    known = {"format", "version", "exported_at", "user", *TABLES}
    for key in raw:
        if key not in known:
            checker.add(f"“{shown(key)}”", "is not part of the document (a typo?)")
    _check_sizes(raw, checker)
    preferences = _check_preferences(raw.get("user", {}), checker)
    tables = {
        table: _check_records(table, raw.get(table, []), fields, checker)
        for table, fields in FIELDS.items()
    }
    _check_rules(tables, checker, today)
    return None if checker.problems else Document(preferences, tables)


def _check_sizes(raw: dict[str, Any], checker: _Checker) -> None:
    """The limits of an account, first: a document far past them is refused at once."""
    portfolios = raw.get("portfolios")
    if isinstance(portfolios, list) and len(portfolios) > MAX_PORTFOLIOS:
        checker.add(
            "portfolios",
            f"the document has {len(portfolios):,} portfolios; an account can have at most "
            f"{MAX_PORTFOLIOS}",
        )


def _check_preferences(user: Any, checker: _Checker) -> dict[str, Any]:
    if not isinstance(user, dict):
        checker.add("user", f"expected an object, got {kind_of(user)}")
        return {}
    preferences: dict[str, Any] = {}
    for name, value in user.items():
        if name not in PREFERENCE_FIELDS:
            checker.add(f"user.{shown(name)}", "is not a preference")
            continue
        try:
            preferences[name] = preference(name, value)
        except (BadValue, FieldDoesNotExist) as error:
            checker.add(f"user.{name}", str(error))
    return preferences


def _check_records(
    table: str, items: Any, fields: dict[str, tuple[Reader, Any]], checker: _Checker
) -> list[Record]:
    """The records of one list whose every field reads; a problem for each one that does not."""
    if not isinstance(items, list):
        checker.add(table, f"expected a list, got {kind_of(items)}")
        return []
    records = []
    for index, item in enumerate(items):
        where = f"{table}[{index}]"
        if not isinstance(item, dict):
            checker.add(where, f"expected an object, got {kind_of(item)}")
            continue
        record: Record = {}
        ok = True
        for key in item:
            if key not in fields:
                checker.add(f"{where}.{shown(key)}", "is not a field of this list")
                ok = False
        for name, (read, default) in fields.items():
            if name not in item:
                if default is REQUIRED:
                    checker.add(f"{where}.{name}", "is missing")
                    ok = False
                record[name] = default
                continue
            try:
                record[name] = read(item[name])
            except BadValue as error:
                checker.add(f"{where}.{name}", str(error))
                ok = False
        if ok:
            records.append(record)
    return records


# --- The rules between records, one list at a time -------------------------------------


def _check_rules(tables: dict[str, list[Record]], checker: _Checker, today: date) -> None:
    """Every reference inside the document, the uniqueness rules and the ranges left."""
    portfolios = _unique_ids("portfolios", tables["portfolios"], checker)
    holdings = _unique_ids("holdings", tables["holdings"], checker)
    streams = _unique_ids("streams", tables["streams"], checker)
    goals = _unique_ids("goals", tables["goals"], checker)
    _check_portfolios(tables["portfolios"], checker)
    _check_holdings(tables["holdings"], checker, portfolios=portfolios)
    _check_secured_against(tables["holdings"], checker, holdings=holdings)
    _check_valuations(tables["valuations"], checker, holdings=holdings)
    _check_streams(tables["streams"], checker, portfolios=portfolios, holdings=holdings)
    _check_entries(tables["entries"], checker, portfolios=portfolios, streams=streams)
    _check_goals(tables["goals"], checker, portfolios=portfolios, today=today)
    _check_milestones(tables["milestones"], checker, goals=goals)
    _check_manual_rates(tables["manual_rates"], checker)


def _unique_ids(table: str, records: list[Record], checker: _Checker) -> dict[int, Record]:
    by_id: dict[int, Record] = {}
    for index, record in enumerate(records):
        if record["id"] in by_id:
            checker.add(f"{table}[{index}].id", f"id {record['id']} is used twice")
        by_id[record["id"]] = record
    return by_id


def _check_portfolios(records: list[Record], checker: _Checker) -> None:
    names: set = set()
    for index, record in enumerate(records):
        checker.once(
            names,
            record["name"].lower(),
            f"portfolios[{index}].name",
            f"“{shown(record['name'])}” is the name of two portfolios",
        )


def _check_holdings(
    records: list[Record], checker: _Checker, *, portfolios: dict[int, Record]
) -> None:
    names: set = set()
    for index, record in enumerate(records):
        where = f"holdings[{index}]"
        checker.refers(f"{where}.portfolio", "portfolios", portfolios, record["portfolio"])
        checker.once(
            names,
            (record["portfolio"], record["name"].lower()),
            f"{where}.name",
            f"“{shown(record['name'])}” is the name of two holdings of one portfolio",
        )


def _check_secured_against(
    records: list[Record], checker: _Checker, *, holdings: dict[int, Record]
) -> None:
    """A loan is secured against another holding of its portfolio that is not a loan."""
    for index, record in enumerate(records):
        ref = record["secured_against"]
        if ref is None:
            continue
        where = f"holdings[{index}].secured_against"
        target = holdings.get(ref)
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


def _check_valuations(
    records: list[Record], checker: _Checker, *, holdings: dict[int, Record]
) -> None:
    dates: set = set()
    for index, record in enumerate(records):
        where = f"valuations[{index}]"
        checker.refers(f"{where}.holding", "holdings", holdings, record["holding"])
        checker.once(
            dates,
            (record["holding"], record["date"]),
            f"{where}.date",
            f"holding {record['holding']} has two valuations on {record['date']}",
        )


def _check_streams(
    records: list[Record],
    checker: _Checker,
    *,
    portfolios: dict[int, Record],
    holdings: dict[int, Record],
) -> None:
    names: set = set()
    for index, record in enumerate(records):
        where = f"streams[{index}]"
        checker.refers(f"{where}.portfolio", "portfolios", portfolios, record["portfolio"])
        holding = record["holding"]
        if (
            checker.refers(f"{where}.holding", "holdings", holdings, holding)
            and holding is not None
            and holdings[holding]["portfolio"] != record["portfolio"]
        ):
            checker.add(
                f"{where}.holding", f"holding {holding} is in another portfolio than the stream"
            )
        checker.once(
            names,
            (record["portfolio"], record["name"].lower()),
            f"{where}.name",
            f"“{shown(record['name'])}” is the name of two streams of one portfolio",
        )
        if record["amount"] <= 0:
            checker.add(f"{where}.amount", "must be above zero")
        if record["end_date"] is not None and record["end_date"] < record["first_date"]:
            checker.add(f"{where}.end_date", "is before the first payment")
        if record["hours_per_month"] > HOURS_MAX:
            checker.add(
                f"{where}.hours_per_month", f"is more than the {HOURS_MAX} hours of a month"
            )
        elif record["hours_per_month"] < 0:
            checker.add(f"{where}.hours_per_month", "is below zero")


def _check_entries(
    records: list[Record],
    checker: _Checker,
    *,
    portfolios: dict[int, Record],
    streams: dict[int, Record],
) -> None:
    for index, record in enumerate(records):
        where = f"entries[{index}]"
        checker.refers(f"{where}.portfolio", "portfolios", portfolios, record["portfolio"])
        stream = record["stream"]
        if (
            checker.refers(f"{where}.stream", "streams", streams, stream)
            and stream is not None
            and streams[stream]["portfolio"] != record["portfolio"]
        ):
            checker.add(f"{where}.stream", f"stream {stream} is in another portfolio")
        if record["amount"] == 0:
            checker.add(f"{where}.amount", "must not be zero")


def _check_goals(
    records: list[Record], checker: _Checker, *, portfolios: dict[int, Record], today: date
) -> None:
    keys: set = set()
    years = goal_import_years(today.year)
    for index, record in enumerate(records):
        where = f"goals[{index}]"
        checker.refers(f"{where}.portfolio", "portfolios", portfolios, record["portfolio"])
        checker.once(
            keys,
            (record["portfolio"], record["year"], record["metric"]),
            where,
            f"a second {record['metric']} goal for {record['year']} on the same portfolios",
        )
        if record["year"] not in years:
            checker.add(
                f"{where}.year",
                f"{record['year']} is more than {GOAL_YEARS_AHEAD} years ahead: a goal can be "
                f"set up to {years[-1]}",
            )
        if record["target"] <= record["baseline"]:
            checker.add(f"{where}.target", "must be above the baseline")
        if record["final_infinite"] and record["final_value"] is not None:
            checker.add(f"{where}.final_value", "must be null when final_infinite is true")


def _check_milestones(
    records: list[Record], checker: _Checker, *, goals: dict[int, Record]
) -> None:
    keys: set = set()
    for index, record in enumerate(records):
        where = f"milestones[{index}]"
        checker.refers(f"{where}.goal", "goals", goals, record["goal"])
        if record["kind"] == Milestone.Kind.GOAL_ACHIEVED:
            if record["goal"] is not None:
                checker.once(keys, (record["kind"], record["goal"]), where, "a goal achieved twice")
        elif record["goal"] is not None:
            checker.add(f"{where}.goal", f"must be null for a {record['kind']} milestone")
        else:
            checker.once(keys, record["kind"], where, f"a second {record['kind']} milestone")


def _check_manual_rates(records: list[Record], checker: _Checker) -> None:
    """The manual-rate form's rules: above zero, once per currency and day, and not
    for the euro or a currency the ECB publishes from that day (one query)."""
    keys: set = set()
    latest = ecb_latest_days(record["currency"] for record in records) if records else {}
    for index, record in enumerate(records):
        where = f"manual_rates[{index}]"
        currency, day = record["currency"], record["date"]
        if record["units_per_euro"] <= 0:
            checker.add(f"{where}.units_per_euro", "must be above zero")
        if refusal := manual_rate_refusal(currency, day, latest.get(currency)):
            checker.add(f"{where}.currency", refusal)
        checker.once(keys, (currency, day), f"{where}.date", f"a second {currency} rate from {day}")
