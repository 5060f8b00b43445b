"""Snapshots: every user's and every portfolio's figures at each month end (docs/scaling.md).

The recompute is set-based. ``snapshots_recompute(user_ids=..., since=...)`` loads a
batch of users' streams, entries and valuations in a fixed number of queries,
computes every month with the pure core (``schedule.window_series``, then
``figures.compute_figures``, so no formula lives here) and
upserts the rows with ``INSERT ... ON CONFLICT (natural key) WHERE ... DO UPDATE``
(on PostgreSQL from a temporary table filled with ``COPY``, see ``_copy_upsert``).
Amounts in other currencies are converted into each user's base currency with the
rates the batch needs, loaded in one query; a month whose figures need a missing
rate gets no row (a gap in the charts, as unknown figures are), never a 1:1 guess.

Why it is idempotent and safe with many workers:

- The whole batch is one transaction that first takes a lock per user (PostgreSQL
  advisory locks, in id order so two overlapping batches never deadlock; SQLite
  already lets one writer at a time in). Two recomputes of the same user run one
  after the other, and each reads the data after taking the lock, so the last one
  to commit always wrote from the newest data.
- Rows are upserted on their natural key, so running twice, or redelivered after a
  crash, gives the same rows; a worker killed mid-batch commits nothing.

After a change, ``mark_dirty`` records in ``SnapshotQueue`` (in the change's own
transaction) the earliest month the change touches and queues ``recompute_user``
after commit; ``recompute_dirty`` recomputes from that month on. See the model's
docstring for how a burst of edits becomes one recompute.
"""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models import Min, Q
from django.dispatch import Signal
from django.utils import timezone

from config.outage_log import OutageLog
from config.tasks import TRANSIENT
from households.models import Membership
from households.page_versions import pages_changed
from portfolio import months, schedule
from portfolio.batches import batches
from portfolio.categories import GROUP_OF, PASSIVE
from portfolio.conversion import MissingRate, RateTable, to_base
from portfolio.figures import Figures, compute_figures
from portfolio.limits import MAX_HISTORY_MONTHS
from portfolio.models import (
    METRIC_PLACES,
    Entry,
    Portfolio,
    Snapshot,
    SnapshotQueue,
    Stream,
    Valuation,
)
from portfolio.months import from_index, month_index
from portfolio.rates import load_batch_rates

logger = logging.getLogger(__name__)

# Users per batch task: large enough that per-query overhead vanishes, small enough
# that a batch holds its locks for about a second (see docs/scaling.md).
BATCH_SIZE = 100
# A burst of edits closer together than this is one recompute...
DEBOUNCE_SECONDS = 5
# ...unless the user keeps editing for this long, then it runs anyway.
MAX_DEBOUNCE = timedelta(seconds=60)
# Rows per INSERT. SQLite: 22 parameters a row stays below its limit of 32,766.
# PostgreSQL takes one array per column, so only memory bounds it.
UPSERT_CHUNK = {"sqlite": 1000, "postgresql": 10_000}
# PostgreSQL advisory lock namespace ("SNAP"), first key of pg_advisory_xact_lock(int, int).
_LOCK_NAMESPACE = 0x534E4150


@dataclass(frozen=True)
class RecomputeResult:
    users: int
    rows_written: int
    rows_deleted: int
    # Users left out by ``snapshots_recompute_batch``: their figures could not be computed.
    failed: tuple[int, ...] = ()


# --- Loading ---------------------------------------------------------------------


@dataclass
class _Scope:
    """The rows behind one series of snapshots: one user (all portfolios), one
    portfolio, or one household (``user_id`` None: what its members share)."""

    user_id: int | None
    portfolio_id: int | None
    streams: list[schedule.StreamSpec] = field(default_factory=list)
    entries: list[schedule.EntrySpec] = field(default_factory=list)
    # holding id -> (liquid, currency, [(date, value)] by date)
    holdings: dict[int, tuple[bool, str, list[tuple[date, Decimal]]]] = field(default_factory=dict)
    first: date | None = None  # the earliest date of any of its rows: where history starts
    first_flow: date | None = None  # the earliest stream or entry: where windows may start

    def saw(self, day: date | None, *, flow: bool = True) -> None:
        """Note a row's date; valuations (``flow=False``) are balances, not flows."""
        if day is None:
            return
        if self.first is None or day < self.first:
            self.first = day
        if flow and (self.first_flow is None or day < self.first_flow):
            self.first_flow = day


def _load(
    user_ids: Sequence[int], since: date | None, using: str
) -> tuple[dict, dict[tuple, _Scope], dict[int, RateTable]]:
    """Users (for their time zone and currency), their scopes and the rates they
    need, in five to seven queries."""
    users = {
        u.pk: u
        for u in get_user_model()
        .objects.using(using)
        .filter(pk__in=user_ids)
        .only("time_zone", "currency")
    }
    ids = list(users)
    scopes: dict[tuple[int, int | None], _Scope] = {(pk, None): _Scope(pk, None) for pk in users}
    for portfolio_id, owner_id in (
        Portfolio.objects.using(using).filter(owner_id__in=ids).values_list("pk", "owner_id")
    ):
        scopes[owner_id, portfolio_id] = _Scope(owner_id, portfolio_id)
    owner_of = {key[1]: key[0] for key in scopes if key[1] is not None}

    def both(portfolio_id: int) -> tuple[_Scope, ...]:
        # A portfolio made after the query above is skipped: its rows marked the
        # user dirty, so the next recompute counts them.
        owner_id = owner_of.get(portfolio_id)
        if owner_id is None:
            return ()
        return scopes[owner_id, None], scopes[owner_id, portfolio_id]

    base_of = {
        portfolio_id: users[owner_id].currency for portfolio_id, owner_id in owner_of.items()
    }
    currencies = _collect(both, base_of, {"owner_id__in": ids}, since, using)
    return users, scopes, _batch_rates(users, scopes, currencies, since, using)


_STREAM_SPEC = (
    "pk",
    "category",
    "amount",
    "frequency",
    "first_date",
    "end_date",
    "hours_per_month",
    "holding_id",
    "portfolio_id",
    "currency",
)


def _collect(
    scopes_of, base_of: dict[int, str], portfolios: dict, since: date | None, using: str
) -> set[str]:
    """Add the streams, entries and valuations of the portfolios matching the lookups
    ``portfolios`` to the scopes ``scopes_of(portfolio_id)`` names (three or four
    queries); the currencies of their amounts.

    ``base_of`` maps a portfolio to the currency its scopes' figures are in: a stream
    or entry in that currency gets none (``schedule``'s convention), so the calendar
    adds its amounts without asking the converter for each payment.
    """

    def on(prefix: str) -> dict:
        return {f"{prefix}{lookup}": value for lookup, value in portfolios.items()}

    currencies: set[str] = set()
    # Plain tuples rather than model instances, in StreamSpec's order (as Stream.spec()).
    for row in Stream.objects.using(using).filter(**on("portfolio__")).values_list(*_STREAM_SPEC):
        currency = row[-1]
        currencies.add(currency)
        if currency == base_of.get(row[-2]):
            row = (*row[:-1], None)
        spec = schedule.StreamSpec(*row)
        for scope in scopes_of(spec.portfolio_id):
            scope.streams.append(spec)
            scope.saw(spec.first_date)

    entries = Entry.objects.using(using).filter(**on("portfolio__"))
    if since is not None:
        # Months from ``since`` need the eleven before them for their TTM; the
        # earliest entry still decides where the history starts.
        firsts = (
            entries.order_by()
            .values("portfolio_id")
            .annotate(first=Min("date"))
            .values_list("portfolio_id", "first")
        )
        for portfolio_id, first in firsts:
            for scope in scopes_of(portfolio_id):
                scope.saw(first)
        entries = entries.filter(date__gte=months.window_start(since))
    # The bulk of the rows: plain tuples rather than model instances (as Entry.spec()),
    # each appended to its scopes' lists, looked up once per portfolio, in the query's
    # order; each portfolio's earliest date noted once, after the loop. The specs are
    # made as the rows come (``EntrySpec._make``): the database has checked them.
    targets: dict[int, tuple[str | None, tuple[list[schedule.EntrySpec], ...]]] = {}
    earliest: dict[int, date] = {}
    for day, amount, category, stream_id, portfolio_id, currency in entries.values_list(
        "date", "amount", "category", "stream_id", "portfolio_id", "currency"
    ):
        target = targets.get(portfolio_id)
        if target is None:
            lists = tuple(scope.entries for scope in scopes_of(portfolio_id))
            target = targets[portfolio_id] = (base_of.get(portfolio_id), lists)
        currencies.add(currency)
        if currency == target[0]:
            currency = None
        spec = schedule.EntrySpec._make((day, amount, category, stream_id, portfolio_id, currency))
        for into in target[1]:
            into.append(spec)
        first = earliest.get(portfolio_id)
        if first is None or day < first:
            earliest[portfolio_id] = day
    for portfolio_id, day in earliest.items():
        for scope in scopes_of(portfolio_id):
            scope.saw(day)

    valuations = (
        Valuation.objects.using(using)
        .filter(**on("holding__portfolio__"))
        .order_by("holding_id", "date")
        .values_list(
            "holding_id",
            "holding__portfolio_id",
            "holding__liquid",
            "holding__currency",
            "date",
            "value",
        )
    )
    for holding_id, portfolio_id, liquid, currency, day, value in valuations:
        currencies.add(currency)
        for scope in scopes_of(portfolio_id):
            scope.holdings.setdefault(holding_id, (liquid, currency, []))[2].append((day, value))
            scope.saw(day, flow=False)
    return currencies


def _batch_rates(
    users, scopes, currencies: set[str], since: date | None, using: str
) -> dict[int, RateTable]:
    """Each user's rates for every day the batch's months need (the ECB's and the
    user's own), in one query; none when every amount and every base is one
    currency."""
    bases = {user.currency for user in users.values()}
    firsts = [scope.first for scope in scopes.values() if scope.first is not None]
    # Rates are skipped only when every amount and every base is one currency: a
    # batch of a USD user with EUR amounts and an EUR user needs them.
    if not firsts or len(bases | currencies) < 2:
        return {}
    first = min(firsts)
    if since is not None:
        first = max(first, months.window_start(since))
    last = max(months.month_end(months.user_today(user)) for user in users.values())
    published, manual = load_batch_rates(
        currencies | bases, min(first, last), last, owner_ids=list(users), using=using
    )
    return {pk: published.with_rows(manual.get(pk, ())) for pk in users}


# --- Computing -------------------------------------------------------------------


def _balances(
    scope: _Scope, as_of_days: list[date], convert: schedule.ToBase
) -> list[tuple[Decimal | None, Decimal | None] | None]:
    """(liquid assets, net worth) on each of ``as_of_days`` (ascending): each holding
    counts its latest valuation on or before the day, converted at the day's rate,
    as ``selectors.balance_sheet``; None (unknown) while no (liquid) holding has a
    value. A day whose balance needs a missing rate is None as a whole."""
    liquid: list[Decimal | None] = [None] * len(as_of_days)
    net: list[Decimal | None] = [None] * len(as_of_days)
    missing: set[int] = set()
    for is_liquid, currency, valuations in scope.holdings.values():
        position, value = 0, None
        for i, day in enumerate(as_of_days):
            while position < len(valuations) and valuations[position][0] <= day:
                value = valuations[position][1]
                position += 1
            if value is not None:
                try:
                    converted = convert(value, currency, day)
                except MissingRate:
                    missing.add(i)
                    continue
                net[i] = (net[i] or Decimal(0)) + converted
                if is_liquid:
                    liquid[i] = (liquid[i] or Decimal(0)) + converted
    return [None if i in missing else pair for i, pair in enumerate(zip(liquid, net, strict=True))]


def _series(scope: _Scope, first: int, last: int, convert: schedule.ToBase) -> list:
    """The window totals of months ``first``..``last``; None for a month whose flows
    need a missing rate (then each month is computed alone, to keep the others)."""
    try:
        return schedule.window_series(
            scope.streams,
            scope.entries,
            from_index(first),
            from_index(last),
            flows_from=scope.first_flow,
            to_base=convert,
        )
    except MissingRate:
        pass
    series = []
    for index in range(first, last + 1):
        try:
            series.append(
                schedule.window_totals(
                    scope.streams,
                    scope.entries,
                    from_index(index),
                    flows_from=scope.first_flow,
                    to_base=convert,
                )
            )
        except MissingRate:
            series.append(None)
    return series


def _figures(
    scope: _Scope, first: int, last: int, today: date, convert: schedule.ToBase
) -> list[Figures | None]:
    """Figures of months ``first``..``last`` (month indexes), ``last`` being today's;
    None for a month that needs a missing rate."""
    series = _series(scope, first, last, convert)
    # Flows count each month in full (as the dashboard does for the current month);
    # balances are at the month's end, or today for the current month.
    as_of_days = [_as_of(index, today, last) for index in range(first, last + 1)]
    balances = _balances(scope, as_of_days, convert)
    # Only passive streams take hours, and only those with hours add any: the others
    # are left out once, not every month, and most histories have none left.
    passive = [s for s in scope.streams if GROUP_OF[s.category] == PASSIVE and s.hours_per_month]
    return [
        None
        if totals is None or balance is None
        else compute_figures(
            as_of=as_of,
            totals=totals,
            liquid_assets=balance[0],
            net_worth=balance[1],
            passive_hours=schedule.passive_hours(passive, as_of),
        )
        for as_of, totals, balance in zip(as_of_days, series, balances, strict=True)
    ]


def _as_of(index: int, today: date, last: int) -> date:
    if index == last:
        return today
    day = from_index(index)
    return months.month_end(day)


# Metrics are stored rounded half-even to METRIC_PLACES; 60 digits hold any of them.
_QUANTIZE = Context(prec=60, rounding=ROUND_HALF_EVEN)


def _metric(value: Decimal | None) -> tuple[Decimal | None, bool]:
    """(stored value, infinite flag) of a metric; see ``Snapshot``."""
    if value is None:
        return None, False
    if value.is_infinite():
        return None, True
    return _QUANTIZE.quantize(value, METRIC_PLACES), False


# A row's columns: those ``_values`` gives, in its order, then computed_at (one
# for the whole recompute, so the writes add it rather than every row).
_COLUMNS = (
    "owner_id",
    "portfolio_id",
    "household_id",
    "month",
    "window_months",
    "earned",
    "passive",
    "spending",
    "by_category",
    "liquid_assets",
    "net_worth",
    "passive_hours",
    *(
        column
        for name in Snapshot.METRICS
        for column in (
            (name, f"{name}_infinite") if name in Snapshot.UNBOUNDED_METRICS else (name,)
        )
    ),
    "computed_at",
)
if set(_COLUMNS) != {f.attname for f in Snapshot._meta.concrete_fields if not f.primary_key}:
    raise ImproperlyConfigured("portfolio.snapshots._COLUMNS must list every Snapshot column")
_KEY_COLUMNS = ("owner_id", "portfolio_id", "household_id", "month")
# (name, whether it has an ``_infinite`` column) of each metric, in ``_COLUMNS``' order.
_METRIC_COLUMNS = tuple((name, name in Snapshot.UNBOUNDED_METRICS) for name in Snapshot.METRICS)


def _values(
    owner_id: int | None,
    portfolio_id: int | None,
    household_id: int | None,
    month: date,
    figures: Figures,
) -> list:
    """A snapshot row: its values in the order of ``_COLUMNS``, all but computed_at."""
    row = [
        owner_id,
        portfolio_id,
        household_id,
        month,
        figures.window_months,
        figures.earned,
        figures.passive,
        figures.spending,
        _by_category_json(figures.by_category),
        figures.liquid_assets,
        figures.net_worth,
        figures.passive_hours,
    ]
    for name, unbounded in _METRIC_COLUMNS:
        value, infinite = _metric(getattr(figures, name))
        row.append(value)
        if unbounded:
            row.append(infinite)
        elif infinite:
            raise ValueError(f"{name} cannot be unbounded")
    return row


def _by_category_json(by_category: dict[str, Decimal]) -> str:
    """The by_category column as JSON text, written once for every database: the
    categories with a flow, in order, each amount a string ("1234.50") so that no
    digit is lost to a float. What ``json.dumps`` of that dict gives, built directly
    (a JSON encoder per row cost a tenth of writing a recompute's rows)."""
    return (
        "{"
        + ", ".join(
            f'"{category}": "{_plain(amount)}"'
            for category, amount in sorted(by_category.items())
            if amount
        )
        + "}"
    )


def _plain(amount: Decimal) -> str:
    """``format(amount, "f")``: the digits without an exponent. ``str`` gives the same
    three times faster, but writes one for amounts below a millionth (1E-7) and for
    a positive exponent (1E+3)."""
    text = str(amount)
    return format(amount, "f") if "E" in text else text


# The categories go into that JSON unescaped: they must need no escaping.
if any(json.dumps(category) != f'"{category}"' for category in GROUP_OF):
    raise ImproperlyConfigured("a category needs escaping in JSON: see _by_category_json")


# --- Writing ---------------------------------------------------------------------

_CONFLICT_TARGET = {
    # whose rows -> the partial unique index's columns and predicate
    "user": "(owner_id, month) WHERE portfolio_id IS NULL",
    "portfolio": "(portfolio_id, month) WHERE portfolio_id IS NOT NULL",
    "household": "(household_id, month) WHERE household_id IS NOT NULL",
}


# Decimals, booleans and ids go to the driver as they are; see ``_upsert``.
_AS_IS = (models.DecimalField, models.BooleanField, models.ForeignKey)
_PORTFOLIO = _COLUMNS.index("portfolio_id")
# The temporary table ``_copy_upsert`` copies the rows into.
_STAGE = "portfolio_snapshot_stage"


def _fields() -> list:
    return [Snapshot._meta.get_field(name) for name in _COLUMNS]


def _update_set(quote) -> str:
    return ", ".join(
        f"{quote(column)} = excluded.{quote(column)}"
        for column in _COLUMNS
        if column not in _KEY_COLUMNS
    )


def _upsert(rows: list[list], *, scope: str, computed_at: datetime, using: str) -> None:
    """INSERT ... ON CONFLICT DO UPDATE of ``rows`` (``_values``), in chunks.

    Raw SQL because the natural keys are partial unique indexes (a NULL portfolio
    means "all portfolios"), and both PostgreSQL and SQLite need the index's WHERE
    in the conflict target, which ``bulk_create(update_conflicts=True)`` cannot say.
    PostgreSQL gets one array per column (``unnest``), so a statement has 22
    parameters rather than 22,000; SQLite gets plain multi-row VALUES. (The users'
    and portfolios' rows of a recompute go by COPY instead: ``_copy_upsert``.)
    """
    if not rows:
        return
    rows = [[*row, computed_at] for row in rows]
    connection = connections[using]
    quote = connection.ops.quote_name
    fields = _fields()
    # Decimals, booleans and ids go to the driver as they are (what the fields'
    # get_db_prep_save would return, at a fraction of the cost), and so does
    # by_category, already JSON text (``_values``); dates are adapted by their field.
    prepare = [
        None if isinstance(f, _AS_IS) or f.attname == "by_category" else f.get_db_prep_save
        for f in fields
    ]
    columns = ", ".join(quote(column) for column in _COLUMNS)
    insert = f"INSERT INTO {quote(Snapshot._meta.db_table)} ({columns}) "
    conflict = f" ON CONFLICT {_CONFLICT_TARGET[scope]} DO UPDATE SET {_update_set(quote)}"
    arrays = connection.vendor == "postgresql"
    if arrays:
        source = "SELECT * FROM unnest({})".format(  # noqa: S608 (column types of the model)
            ", ".join(f"%b::{f.db_type(connection)}[]" for f in fields)
        )
    one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with _cursor(connection, server_side_binding=arrays) as cursor:
        for chunk in batches(rows, UPSERT_CHUNK.get(connection.vendor, 1000)):
            if arrays:
                params = [
                    [row[i] if prep is None else prep(row[i], connection) for row in chunk]
                    for i, prep in enumerate(prepare)
                ]
            else:
                source = "VALUES " + ", ".join([one_row] * len(chunk))
                params = [
                    row[i] if prep is None else prep(row[i], connection)
                    for row in chunk
                    for i, prep in enumerate(prepare)
                ]
            cursor.execute(insert + source + conflict, params)


def _copy_upsert(rows: list[list], *, computed_at: datetime, using: str) -> None:
    """Write the rows of users and portfolios (``_values``, each followed by a
    portfolio id or None) on PostgreSQL: COPY into a temporary table, then one
    INSERT ... ON CONFLICT DO UPDATE for the portfolios' rows, then one for the users'
    (in the order a deletion locks portfolios and users: ``portfolio.snapshot_keys``).

    A row followed by a portfolio id is a user's row that is also that portfolio's
    (a user with one portfolio): the database writes it twice, Python builds it once.
    COPY formats the rows in psycopg's C code; the arrays of ``_upsert`` are built
    element by element in Python, which made writing most of a full recompute.
    ``computed_at``, the same for every row, is a parameter of the INSERTs: dumping
    a timestamp in every row of the COPY was a third of its cost.
    """
    if not rows:
        return
    connection = connections[using]
    quote = connection.ops.quote_name
    table = quote(Snapshot._meta.db_table)
    listed = ", ".join(quote(column) for column in _COLUMNS)
    copied = ", ".join(quote(column) for column in _COLUMNS[:-1])
    as_portfolio = ", ".join(
        "COALESCE(mirror, portfolio_id)" if column == "portfolio_id" else quote(column)
        for column in _COLUMNS[:-1]
    )
    update = _update_set(quote)
    with connection.cursor() as cursor:
        # Dropped at commit; a second recompute in the same transaction makes its own.
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{_STAGE}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {_STAGE} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {copied}, NULL::bigint AS mirror FROM {table} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY {_STAGE} ({copied}, mirror) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({listed}) SELECT {as_portfolio}, %s FROM {_STAGE} "  # noqa: S608
            f"WHERE portfolio_id IS NOT NULL OR mirror IS NOT NULL "
            f"ON CONFLICT {_CONFLICT_TARGET['portfolio']} DO UPDATE SET {update}",
            [computed_at],
        )
        cursor.execute(
            f"INSERT INTO {table} ({listed}) SELECT {copied}, %s FROM {_STAGE} "  # noqa: S608
            f"WHERE portfolio_id IS NULL "
            f"ON CONFLICT {_CONFLICT_TARGET['user']} DO UPDATE SET {update}",
            [computed_at],
        )


def _cursor(connection, *, server_side_binding: bool):
    """A cursor; on PostgreSQL optionally binding parameters on the server.

    Django's psycopg cursors bind on the client, quoting every array element in
    Python; sent as parameters, the arrays go in psycopg's binary format instead
    (ten times faster here). Still wrapped by Django, so queries are logged.
    """
    if not server_side_binding:
        return connection.cursor()
    import psycopg

    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)


def _commit_without_waiting(using: str) -> None:
    """Let this transaction's commit return before its WAL is on disk (PostgreSQL).

    A recompute writes some 5 MB of WAL a batch; waiting for it to be flushed was
    a tenth of the batch. What it writes is derived and its markers go in the same
    transaction: if a crash of the database loses the commit (the last fraction of a
    second before it, never more, and never an earlier transaction's), the rows and
    the deleted markers come back together as they were, and the markers' recompute
    runs again. Any later commit that does wait (a user's edit) flushes this one too.
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _lock_users(user_ids: Iterable[int], using: str, namespace: int = _LOCK_NAMESPACE) -> None:
    """Serialise recomputes of the same users until the end of the transaction.

    PostgreSQL: one advisory lock per user, taken in id order, so batches that
    overlap wait for each other instead of deadlocking. SQLite needs nothing: a
    write transaction there already excludes every other writer.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, (u & 2147483647)::int) "
            "FROM unnest(%s::bigint[]) AS u",
            [namespace, sorted(set(user_ids))],
        )


def snapshots_recompute(
    *, user_ids: Iterable[int], since: date | None = None, using: str = DEFAULT_DB_ALIAS
) -> RecomputeResult:
    """Recompute the snapshots of ``user_ids`` (all months, or from ``since``'s month).

    One transaction; queries: a fixed handful, plus one INSERT per 1,000 rows
    (SQLite) or 10,000 rows (PostgreSQL).
    Months before ``since`` are left as they are (a change cannot touch them);
    rows outside a user's history (before its first data, after the current
    month, of a portfolio with no data) are deleted. Markers of ``SnapshotQueue``
    that this recompute covers are cleared.
    """
    ids = sorted(set(user_ids))
    if not ids:
        return RecomputeResult(0, 0, 0)
    # Only a transaction of its own may skip waiting: called inside another one
    # (whose writes are the caller's), the commit waits as the caller's would.
    own_transaction = not connections[using].in_atomic_block
    with transaction.atomic(using=using):
        if own_transaction:
            _commit_without_waiting(using)
        _lock_users(ids, using)
        return _recompute_locked(ids, since, using=using)


def snapshots_recompute_batch(
    *, user_ids: Iterable[int], since: date | None = None, using: str = DEFAULT_DB_ALIAS
) -> RecomputeResult:
    """The recompute of a batch job (the nightly batches, the command): as
    ``snapshots_recompute``, but one user's data that cannot be computed (or a bug it
    reveals) does not cost the others their snapshots.

    The batch is recomputed whole, set-based; only if that fails is each user
    recomputed alone, in a transaction of their own. A user who fails then is logged
    with the exception and listed in ``failed``; their marker stays, so their next
    recompute (the nightly one at the latest) tries again. A database outage still
    raises, for the task to retry.
    """
    ids = sorted(set(user_ids))
    if len(ids) > 1:
        try:
            return snapshots_recompute(user_ids=ids, since=since, using=using)
        except TRANSIENT:
            raise
        except Exception:
            logger.warning("A batch of %s users failed; recomputing them one by one", len(ids))
    users = written = deleted = 0
    failed: list[int] = []
    for user_id in ids:
        try:
            result = snapshots_recompute(user_ids=[user_id], since=since, using=using)
        except TRANSIENT:
            raise
        except Exception:
            logger.exception("The snapshots of user %s could not be recomputed", user_id)
            failed.append(user_id)
            continue
        users += result.users
        written += result.rows_written
        deleted += result.rows_deleted
    return RecomputeResult(users, written, deleted, tuple(failed))


def _recompute_locked(
    ids: Sequence[int],
    since: date | None,
    *,
    using: str,
    markers: dict[int, SnapshotQueue] | None = None,
) -> RecomputeResult:
    since_index = None if since is None else month_index(since)
    # Markers are read before the data: an edit committed after this read bumps
    # the version, so its marker survives the delete below and its own task runs.
    if markers is None:
        markers = {m.user_id: m for m in SnapshotQueue.objects.using(using).filter(user_id__in=ids)}
    # The batch's specs, figures and rows are freed as ``_compute_and_write`` returns,
    # while the cycle collector is still paused: resumed with them alive, its first
    # collection would walk every one of them.
    with _cycle_collector_paused():
        users, written, spans, unknown = _compute_and_write(ids, since, using)
    deleted = _delete_stale(ids, spans, unknown, using=using)

    # The new rows, and a recompute no longer pending, are on the pages (theirs and
    # their households', whose rows follow); raised before the markers go (see
    # ``mark_dirty``).
    pages_changed(ids, using=using)
    covered = [
        m
        for m in markers.values()
        if since_index is None or month_index(m.dirty_since) >= since_index
    ]
    for chunk in batches(covered, 100):
        condition = Q()
        for marker in chunk:
            condition |= Q(user_id=marker.user_id, version=marker.version)
        SnapshotQueue.objects.using(using).filter(condition).delete()

    _recompute_households_of(ids, using=using)

    # Listeners (the goals app's milestones) read the new rows once they are committed;
    # a failing listener is logged, never undoes the snapshots.
    transaction.on_commit(
        lambda: recomputed.send_robust(sender=Snapshot, user_ids=list(ids)), using=using
    )
    return RecomputeResult(users, written, deleted)


def _compute_and_write(
    ids: Sequence[int], since: date | None, using: str
) -> tuple[int, int, dict[tuple[int, int | None], tuple[int, int] | None], set]:
    """Load, compute and write the rows of ``ids`` from ``since``'s month: (users found,
    rows written, the months (first, last) each scope keeps, None for none, and the
    (scope, month index) that lack a rate)."""
    since_index = None if since is None else month_index(since)
    users, scopes, rates = _load(ids, since, using)
    computed_at = timezone.now()

    # A user whose data sits in one portfolio (most users) has the same figures
    # for that portfolio and for all portfolios together: compute them once, and
    # build the row once (``mirror``: the portfolio a user's rows are also those of).
    with_data: dict[int, list[_Scope]] = {}
    for scope in scopes.values():
        if scope.portfolio_id is not None and scope.first is not None:
            with_data.setdefault(scope.user_id, []).append(scope)
    mirror = {user_id: own[0].portfolio_id for user_id, own in with_data.items() if len(own) == 1}
    computed: dict[tuple, list[Figures]] = {}

    rows: list[list] = []  # ``_values`` and the mirrored portfolio, for ``_write``
    written = 0
    keep: dict[tuple[int, int | None], tuple[int, int]] = {}  # scope -> month index range
    unknown: set[tuple[int, int | None, int]] = set()  # (scope, month index) lacking a rate
    for key, scope in scopes.items():
        today = months.user_today(users[scope.user_id])
        last = month_index(today)
        if scope.first is None:
            continue
        first = max(month_index(scope.first), last - MAX_HISTORY_MONTHS + 1)
        if first > last:
            continue
        keep[key] = (first, last)
        start = first if since_index is None else max(first, since_index)
        if start > last:
            continue
        mirrored = mirror.get(scope.user_id)
        if scope.portfolio_id is not None and scope.portfolio_id == mirrored:
            continue  # written with the user's rows, its months lacking a rate noted there
        source = scope
        if scope.portfolio_id is None and mirrored is not None:
            source = scopes[scope.user_id, mirrored]
        else:
            mirrored = None
        memo = (source.user_id, source.portfolio_id)
        if memo not in computed:
            convert = to_base(rates.get(scope.user_id, RateTable()), users[scope.user_id].currency)
            computed[memo] = _figures(source, start, last, today, convert)
        for offset, figures in enumerate(computed[memo]):
            index = start + offset
            if figures is None:
                unknown.add((*key, index))
                if mirrored is not None:
                    unknown.add((scope.user_id, mirrored, index))
                continue
            row = _values(scope.user_id, scope.portfolio_id, None, from_index(index), figures)
            row.append(mirrored)
            rows.append(row)
            written += 1 if mirrored is None else 2

    _write(rows, computed_at=computed_at, using=using)
    return len(users), written, {key: keep.get(key) for key in scopes}, unknown


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a batch is loaded, computed and written.

    A batch allocates some hundred thousand objects (specs, month sums, rows) that
    hold no reference cycles and are freed by reference counting; meanwhile the
    collector would walk the whole heap of the process (Django's included) several
    times per batch, for nothing: about a tenth of the recompute's CPU (see
    docs/scaling.md). Whatever cycles do form are collected once it runs again.
    What the batch made must be freed before then, or that first collection walks
    it all once more (another 8% of a full recompute's CPU, measured).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _write(rows: list[list], *, computed_at: datetime, using: str) -> None:
    """Upsert the rows of users and portfolios, each ``_values`` followed by the
    portfolio whose row it also is (or None), all computed at ``computed_at``."""
    if connections[using].vendor == "postgresql":
        _copy_upsert(rows, computed_at=computed_at, using=using)
        return
    user_rows, portfolio_rows = [], []
    for row in rows:
        *values, mirrored = row
        (portfolio_rows if values[_PORTFOLIO] is not None else user_rows).append(values)
        if mirrored is not None:
            portfolio_rows.append([*values[:_PORTFOLIO], mirrored, *values[_PORTFOLIO + 1 :]])
    _upsert(user_rows, scope="user", computed_at=computed_at, using=using)
    _upsert(portfolio_rows, scope="portfolio", computed_at=computed_at, using=using)


# Each part probes one of the natural keys' indexes: a user's own rows by (owner_id,
# month), a portfolio's by (portfolio_id, month), so only the stale rows are read.
_DELETE_STALE = """
DELETE FROM {table} WHERE id IN (
    SELECT x.id FROM unnest(%(users)s::bigint[], %(user_firsts)s::date[], %(user_lasts)s::date[])
        AS k(id, first, last),
    LATERAL (SELECT id FROM {table}
             WHERE owner_id = k.id AND portfolio_id IS NULL AND month < k.first
             UNION ALL
             SELECT id FROM {table}
             WHERE owner_id = k.id AND portfolio_id IS NULL AND month > k.last) AS x
    UNION ALL
    SELECT x.id FROM unnest(%(portfolios)s::bigint[], %(firsts)s::date[], %(lasts)s::date[])
        AS k(id, first, last),
    LATERAL (SELECT id FROM {table} WHERE portfolio_id = k.id AND month < k.first
             UNION ALL
             SELECT id FROM {table} WHERE portfolio_id = k.id AND month > k.last) AS x
    UNION ALL
    SELECT x.id FROM unnest(%(lacking_users)s::bigint[], %(user_months)s::date[])
        AS k(id, month)
    JOIN {table} AS x ON x.owner_id = k.id AND x.portfolio_id IS NULL AND x.month = k.month
    UNION ALL
    SELECT x.id FROM unnest(%(lacking_portfolios)s::bigint[], %(months)s::date[])
        AS k(id, month)
    JOIN {table} AS x ON x.portfolio_id = k.id AND x.month = k.month
)
"""
# The months of a scope with no data: every row is before its first and after its last.
_NOTHING = (date.max, date.min)


def _delete_stale(
    ids: Sequence[int],
    spans: dict[tuple[int, int | None], tuple[int, int] | None],
    unknown: set[tuple[int, int | None, int]],
    *,
    using: str,
) -> int:
    """Delete the rows of ``ids`` outside the months (first, last) of their scope in
    ``spans`` (before its first data, after the current month; every row of a scope
    with None: a portfolio with no data) and those of ``unknown`` months; the number
    deleted."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        stale = [
            pk
            for pk, owner_id, portfolio_id, month in Snapshot.objects.using(using)
            .filter(owner_id__in=ids)
            .values_list("pk", "owner_id", "portfolio_id", "month")
            if not _kept(spans.get((owner_id, portfolio_id)), month_index(month))
            or (owner_id, portfolio_id, month_index(month)) in unknown
        ]
        deleted = 0
        for chunk in batches(stale, 500):
            deleted += Snapshot.objects.using(using).filter(pk__in=chunk).delete()[0]
        return deleted
    months_of = {
        key: _NOTHING if span is None else (from_index(span[0]), from_index(span[1]))
        for key, span in spans.items()
    }
    own = [(key[0], days) for key, days in months_of.items() if key[1] is None]
    portfolios = [(key[1], days) for key, days in months_of.items() if key[1] is not None]
    lacking = sorted(unknown, key=lambda key: (key[0], key[1] or 0, key[2]))
    params = {
        "users": [user_id for user_id, _days in own],
        "user_firsts": [days[0] for _id, days in own],
        "user_lasts": [days[1] for _id, days in own],
        "portfolios": [portfolio_id for portfolio_id, _days in portfolios],
        "firsts": [days[0] for _id, days in portfolios],
        "lasts": [days[1] for _id, days in portfolios],
        "lacking_users": [owner for owner, portfolio, _m in lacking if portfolio is None],
        "user_months": [from_index(m) for _o, portfolio, m in lacking if portfolio is None],
        "lacking_portfolios": [portfolio for _o, portfolio, _m in lacking if portfolio is not None],
        "months": [from_index(m) for _o, portfolio, m in lacking if portfolio is not None],
    }
    table = connection.ops.quote_name(Snapshot._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(_DELETE_STALE.format(table=table), params)
        return cursor.rowcount


def _kept(span: tuple[int, int] | None, index: int) -> bool:
    return span is not None and span[0] <= index <= span[1]


# --- Households ------------------------------------------------------------------
# A household's rows sum the portfolios its members share with it. They are
# recomputed in full (a household is a few portfolios) with every recompute of a
# member: a change to a shared portfolio, a change of sharing, a member leaving
# (each marks a member dirty, see ``portfolio.services`` and ``portfolio.signals``).

# PostgreSQL advisory lock namespace of households ("SNAH").
_HOUSEHOLD_LOCK_NAMESPACE = 0x534E4148


def households_recompute(*, household_ids: Iterable[int], using: str = DEFAULT_DB_ALIAS) -> int:
    """Recompute the snapshots of ``household_ids``; the number of rows written."""
    ids = sorted(set(household_ids))
    if not ids:
        return 0
    with transaction.atomic(using=using):
        _lock_users(ids, using, namespace=_HOUSEHOLD_LOCK_NAMESPACE)
        return _recompute_households_locked(ids, using)


def _recompute_households_of(user_ids: Sequence[int], *, using: str) -> None:
    household_ids = sorted(
        set(
            Membership.objects.using(using)
            .filter(user_id__in=user_ids)
            .values_list("household_id", flat=True)
        )
    )
    if not household_ids:
        return
    _lock_users(household_ids, using, namespace=_HOUSEHOLD_LOCK_NAMESPACE)
    # Another member's shared data that cannot be computed costs the household its
    # new rows (logged; a member's next recompute tries again), never the members
    # their own snapshots: all households at once in a savepoint, and only if that
    # fails each alone, as ``snapshots_recompute_batch`` does with users.
    if len(household_ids) > 1 and _households_failure(household_ids, using) is None:
        return
    for household_id in household_ids:
        failure = _households_failure([household_id], using)
        if failure is not None:
            logger.error(
                "The snapshots of household %s could not be recomputed",
                household_id,
                exc_info=failure,
            )


def _households_failure(ids: Sequence[int], using: str) -> Exception | None:
    """Recompute ``ids`` in a savepoint; what made that fail (None: it did not), unless
    it is a database outage, which raises for the task to retry."""
    try:
        with transaction.atomic(using=using):
            _recompute_households_locked(ids, using)
    except TRANSIENT:
        raise
    except Exception as exc:
        return exc
    return None


def _recompute_households_locked(ids: Sequence[int], using: str) -> int:
    # The household's months are those of its creator's time zone, its figures in the
    # creator's base currency, converted with the ECB's rates and the own rates of the
    # members who share (as the household dashboard converts them).
    creators = {
        m.household_id: m.user
        for m in Membership.objects.using(using)
        .filter(household_id__in=ids, is_creator=True)
        .select_related("user")
    }
    today_of = {household_id: months.user_today(user) for household_id, user in creators.items()}
    household_of: dict[int, int] = {}
    sharers: dict[int, set[int]] = {}  # household id -> owners of what it sums
    for portfolio_id, owner_id, household_id in (
        Portfolio.objects.using(using)
        .filter(
            sharing__in=(Portfolio.Sharing.VIEW, Portfolio.Sharing.EDIT),
            owner__household_membership__household_id__in=list(today_of),
        )
        .values_list("pk", "owner_id", "owner__household_membership__household_id")
    ):
        household_of[portfolio_id] = household_id
        sharers.setdefault(household_id, set()).add(owner_id)
    scopes = {household_id: _Scope(None, None) for household_id in today_of}

    def scopes_of(portfolio_id: int) -> tuple[_Scope, ...]:
        household_id = household_of.get(portfolio_id)
        return (scopes[household_id],) if household_id is not None else ()

    base_of = {
        portfolio_id: creators[household_id].currency
        for portfolio_id, household_id in household_of.items()
    }
    currencies = (
        _collect(scopes_of, base_of, {"pk__in": list(household_of)}, None, using)
        if household_of
        else set()
    )
    rates = _household_rates(creators, sharers, scopes, currencies, today_of, using)
    computed_at = timezone.now()
    rows: list[dict] = []
    keep: dict[int, tuple[int, int]] = {}
    for household_id, scope in scopes.items():
        if scope.first is None:
            continue
        today = today_of[household_id]
        last = month_index(today)
        first = max(month_index(scope.first), last - MAX_HISTORY_MONTHS + 1)
        if first > last:
            continue
        keep[household_id] = (first, last)
        creator = creators[household_id]
        convert = to_base(rates.get(household_id, RateTable()), creator.currency)
        for offset, figures in enumerate(_figures(scope, first, last, today, convert)):
            if figures is None:
                continue  # a month that needs a missing rate has no row (a gap)
            month = from_index(first + offset)
            rows.append(_values(None, None, household_id, month, figures))
    _upsert(rows, scope="household", computed_at=computed_at, using=using)
    stale = [
        pk
        for pk, household_id, month in Snapshot.objects.using(using)
        .filter(household_id__in=ids)
        .values_list("pk", "household_id", "month")
        if not _kept(keep.get(household_id), month_index(month))
    ]
    for chunk in batches(stale, 500):
        Snapshot.objects.using(using).filter(pk__in=chunk).delete()
    return len(rows)


def _household_rates(
    creators: dict,
    sharers: dict[int, set[int]],
    scopes: dict[int, _Scope],
    currencies: set[str],
    today_of: dict,
    using: str,
) -> dict[int, RateTable]:
    """Each household's rates in one query: the ECB's, and the own rates of the
    members who share (the creator's kept where two have the same currency and day);
    none when every amount and every base is one currency."""
    bases = {user.currency for user in creators.values()}
    firsts = [scope.first for scope in scopes.values() if scope.first is not None]
    if not firsts or len(bases | currencies) < 2:
        return {}
    last = max(months.month_end(day) for day in today_of.values())
    published, manual = load_batch_rates(
        currencies | bases,
        min(min(firsts), last),
        last,
        owner_ids=sorted(set().union(*sharers.values())),
        using=using,
    )
    tables = {}
    for household_id, creator in creators.items():
        others = sharers.get(household_id, set()) - {creator.pk}
        rows = [row for owner in sorted(others) for row in manual.get(owner, ())]
        # Later rows win in a table: the creator's come last.
        tables[household_id] = published.with_rows([*rows, *manual.get(creator.pk, ())])
    return tables


#: Sent after a recompute commits, with ``user_ids``: whose snapshots are new.
recomputed = Signal()


# --- Marking users dirty, and the debounced recompute ----------------------------

_UPSERT_MARKER = """
INSERT INTO {table} (user_id, dirty_since, version, first_requested_at, requested_at)
VALUES (%s, %s, 1, %s, %s)
ON CONFLICT (user_id) DO UPDATE SET
    dirty_since = CASE WHEN excluded.dirty_since < {table}.dirty_since
                       THEN excluded.dirty_since ELSE {table}.dirty_since END,
    version = {table}.version + 1,
    requested_at = excluded.requested_at
RETURNING version
"""


class _Pending:
    """Users marked in the current transaction; their tasks are queued on commit."""

    def __init__(self) -> None:
        self.marked: dict[int, tuple[date, int]] = {}  # user id -> (since, version)
        self.deleted: set[int] = set()  # users being deleted: nothing to recompute
        # ("portfolio" | "holding", id) -> owner id: a cascade deleting hundreds of
        # rows of one holding looks its owner up once, not once per row.
        self.owners: dict[tuple[str, int], int] = {}
        self.done = False

    def __call__(self) -> None:
        self.done = True
        for user_id, (_since, version) in self.marked.items():
            _enqueue(user_id, version)


def _pending(using: str) -> _Pending:
    """This transaction's ``_Pending``, registered with ``on_commit`` once.

    A rolled-back transaction drops its on-commit callbacks, which is how a stale
    one is recognised (``run_on_commit`` holds (savepoints, callback, robust)).
    """
    connection = connections[using]
    pending = getattr(connection, "_snapshots_pending", None)
    if (
        pending is None
        or pending.done
        or not any(entry[1] is pending for entry in connection.run_on_commit)
    ):
        pending = _Pending()
        connection._snapshots_pending = pending
        transaction.on_commit(pending, using=using)
    return pending


def owner_cache(using: str = DEFAULT_DB_ALIAS) -> dict[tuple[str, int], int]:
    """Owners of portfolios and holdings already looked up in this transaction."""
    return _pending(using).owners


def mark_dirty(user_id: int, since: date, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Record that ``user_id``'s snapshots from ``since``'s month on are stale.

    Call it for every change the model signals do not see (``bulk_create``,
    ``QuerySet.update``). Inside a transaction, the marker is written with the
    change and one task per user is queued on commit, however many rows changed.
    """
    since = months.month_start(since)
    connection = connections[using]
    # The pages say the figures are being updated. In a transaction their version is
    # raised before the marker is written, as the recompute raises it before deleting
    # markers: the user row is always locked before the marker, so the two cannot
    # deadlock. Without one, after it: a page made in between would say nothing.
    if not connection.in_atomic_block:
        version = _upsert_marker(user_id, since, using)
        pages_changed([user_id], using=using)
        _enqueue(user_id, version)
        return
    pending = _pending(using)
    if user_id in pending.deleted:
        return
    pages_changed([user_id], using=using)
    known = pending.marked.get(user_id)
    if known is not None and known[0] <= since:
        return  # already marked from an earlier month in this transaction
    version = _upsert_marker(user_id, since, using)
    pending.marked[user_id] = (since if known is None else min(since, known[0]), version)


def hold_recomputes(user_ids: Iterable[int], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """The users, or portfolios of theirs, are being deleted in this transaction: wait
    for a recompute of theirs that is running to end, and keep any new one waiting
    until this transaction ends. All of them at once (in id order, as a batch takes
    them), since taking them one after the other could deadlock with a batch.

    A recompute holds the keys of its rows' users and portfolios from its INSERTs on
    (``portfolio.snapshot_keys``) and deletes its markers after them; a deletion
    deletes the markers, then the portfolios, then the user. Each could otherwise
    wait for the other, a deadlock that the database breaks by undoing one of them,
    perhaps the user's deletion. Taken before the deletion locks or writes anything,
    the recompute's own lock makes one of them simply wait for the other: the
    pre_delete signals of users and portfolios take it, and so must a transaction
    that locks the owner's rows before deleting one (``services.portfolio_delete``,
    the JSON import job).
    """
    _lock_users(user_ids, using)


def forget_user(user_id: int, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """The user is being deleted in this transaction: mark nothing for them.

    Deleting a user deletes their entries one by one, each of which would mark
    the user dirty, inserting a marker for a user about to disappear.
    """
    if connections[using].in_atomic_block:
        _pending(using).deleted.add(user_id)


def _upsert_marker(user_id: int, since: date, using: str) -> int:
    connection = connections[using]
    now = timezone.now()
    field = SnapshotQueue._meta.get_field("requested_at")
    stamp = field.get_db_prep_save(now, connection)
    day = SnapshotQueue._meta.get_field("dirty_since").get_db_prep_save(since, connection)
    table = connection.ops.quote_name(SnapshotQueue._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT_MARKER.format(table=table), [user_id, day, stamp, stamp])
        return cursor.fetchone()[0]


# Publishing a task while the broker is down: one quick retry, then give up. The
# user's save must not wait for the broker; the marker is committed, so the sweep
# (``tasks.sweep_stale_markers``, every five minutes) sends the task again later.
PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.1,
    "interval_max": 0.2,
}
# A marker whose task should have run by now: the debounce, plus slack for busy workers.
STALE_AFTER = MAX_DEBOUNCE


# While the broker is down every save fails to publish: a traceback a minute, not each time.
publish_outage_log = OutageLog(logger)

#: Set per request by ``portfolio.middleware.ChartsLaterMiddleware``: a list that a
#: failed publish appends to, so the user can be told their charts update later.
publish_failures: ContextVar[list[int] | None] = ContextVar("publish_failures", default=None)


def enqueue(user_id: int, version: int, *, countdown: float = DEBOUNCE_SECONDS) -> bool:
    """Queue ``recompute_user`` for the marker's ``version``; False if the broker refused."""
    from portfolio.tasks import recompute_user  # tasks import this module

    try:
        recompute_user.apply_async(
            (user_id, version),
            countdown=countdown,
            retry=True,
            retry_policy=PUBLISH_RETRY_POLICY,
        )
    except Exception as exc:
        # The marker is committed: the sweep (or the nightly job) sends it again.
        publish_outage_log.failed(exc, "Could not queue the snapshot recompute of user %s", user_id)
        failures = publish_failures.get()
        if failures is not None:
            failures.append(user_id)
        return False
    return True


def _enqueue(user_id: int, version: int) -> None:
    enqueue(user_id, version)


def stale_markers(now: datetime | None = None) -> models.QuerySet[SnapshotQueue]:
    """Markers of active users whose debounced task should have run: it was lost."""
    now = timezone.now() if now is None else now
    return SnapshotQueue.objects.filter(
        requested_at__lt=now - STALE_AFTER, user__is_active=True
    ).order_by("requested_at")


def recompute_dirty(
    *, user_id: int, version: int, using: str = DEFAULT_DB_ALIAS
) -> RecomputeResult | None:
    """The debounced recompute: from the marker's month, if this task is the one to do it.

    None when there is nothing to do: the marker is gone (done by another task or
    the nightly job), or a later edit bumped its version and queued a later task
    (unless the user has kept editing for ``MAX_DEBOUNCE``).
    """
    with transaction.atomic(using=using):
        _lock_users([user_id], using)
        marker = SnapshotQueue.objects.using(using).filter(user_id=user_id).first()
        if marker is None:
            return None
        if marker.version != version and timezone.now() - marker.first_requested_at < MAX_DEBOUNCE:
            return None
        return _recompute_locked(
            [user_id], marker.dirty_since, using=using, markers={user_id: marker}
        )
