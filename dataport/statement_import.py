"""A bank or broker statement staged in the database: duplicates, rules, groups and the write.

``stage`` stores the statement's rows (``dataport.statement_lines.StatementLine``)
once as ``StagedEntry`` rows, with their normalised description and duplicate key
(``dataport.statement_rules``). Everything after that is SQL on those rows:

- ``duplicates_mark``: rows whose key a past import recorded are skipped;
- ``rules_apply``: the portfolio's rules, in order, decide the rows they match
  (matched per distinct description in Python, applied to the rows in one
  UPDATE);
- ``summary`` and ``groups``: the preview's counts, and the rows still to decide
  grouped by normalised description, so two hundred rows are a dozen decisions;
- ``group_decide``: one group filed or ignored by hand;
- ``statement_write``: every new row written as an entry, and every row's key
  recorded, in the caller's transaction, all or nothing.

Bank amounts keep the bank's sign (money in > 0). An entry's amount is positive
for the kind of money its category is (income in, spending out), so a row filed
as spending becomes ``-bank_amount``: a card payment of -42.10 is 42.10 of living
expenses, and a refund of +12.50 filed as fees corrects them by -12.50.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Sum
from django.db.models.functions import Abs
from django.utils import timezone

from accounts.validators import validate_currency
from dataport.entries_csv import BATCH_SIZE, ImportRejected
from dataport.models import ImportedTransaction, ImportJob, ImportRule, StagedEntry
from dataport.statement_lines import StatementLine
from dataport.statement_rules import RulePattern, candidates, normalize_description, row_key
from portfolio import categories, snapshots
from portfolio.models import Entry, Portfolio, Stream

PAGE_SIZE = 100
GROUP_PAGE_SIZE = 20
CENT = Decimal("0.01")
NOTE_MAX = Entry._meta.get_field("note").max_length
OUTGOING = list(categories.CATEGORIES_IN[categories.OUTGOING])

# The states of a staged statement row, as the preview's filters name them.
_GOOD = Q(problem="")
NEW = _GOOD & Q(duplicate=False, ignored=False) & ~Q(category="")
UNDECIDED = _GOOD & Q(duplicate=False, ignored=False, category="")
IGNORED = _GOOD & Q(duplicate=False, ignored=True)
DUPLICATE = Q(duplicate=True)
PROBLEM = ~_GOOD & Q(duplicate=False)
MAYBE = (NEW | UNDECIDED) & Q(maybe_duplicate=True)
FILTERS = {
    "all": Q(),
    "new": NEW,
    "undecided": UNDECIDED,
    "ignored": IGNORED,
    "duplicates": DUPLICATE,
    "maybe": MAYBE,
    "problems": PROBLEM,
}

_COLUMNS = (
    "job_id",
    "line",
    "date",
    "bank_amount",
    "category",
    "stream_name",
    "note",
    "currency",
    "cells",
    "problem",
    "description",
    "normalized",
    "key",
    "duplicate",
    "ignored",
)


def stage(
    job: ImportJob,
    lines: Iterable[StatementLine],
    *,
    account: str,
    currency: str,
    on_progress: Callable[[int], None],
) -> int:
    """Store the rows of a statement for ``job``; how many.

    A row of zero is stored as ignored (banks list fee-free card checks and the
    like; an entry cannot be zero). ``currency`` is the statement's, if the file
    names one; a row's own currency wins.
    """
    write = _copy_batch if connection.vendor == "postgresql" else _insert_batch
    occurrences: Counter[tuple] = Counter()
    batch: list[tuple] = []
    count = 0
    for line in lines:
        normalized = normalize_description(line.description)
        same = (line.date, line.amount, normalized)
        occurrences[same] += 1
        key = row_key(
            bank_id=line.bank_id,
            account=account,
            day=line.date,
            amount=line.amount,
            normalized=normalized,
            occurrence=occurrences[same],
        )
        row_currency = line.currency or currency
        errors = [*line.errors, *_currency_problems(line.currency)]
        batch.append(
            (
                job.pk,
                line.line,
                line.date,
                line.amount,
                "",
                "",
                line.description[:NOTE_MAX],
                row_currency if not _currency_problems(row_currency) else "",
                [],
                " ".join(errors),
                line.description,
                normalized,
                key,
                False,
                not errors and line.amount == 0,
            )
        )
        count += 1
        if len(batch) == BATCH_SIZE:
            write(batch)
            on_progress(count)
            batch = []
    write(batch)
    on_progress(count)
    return count


def _currency_problems(code: str) -> list[str]:
    """A row's currency, if it names one, must be a current ISO 4217 code."""
    if not code:
        return []
    try:
        validate_currency(code)
    except ValidationError as error:
        return error.messages
    return []


def _copy_batch(batch: list[tuple]) -> None:
    """PostgreSQL: one COPY per batch, several times faster than INSERTs of the same rows."""
    if not batch:
        return
    sql = f"COPY {StagedEntry._meta.db_table} ({', '.join(_COLUMNS)}) FROM STDIN"
    cells = _COLUMNS.index("cells")
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for values in batch:
            copy.write_row((*values[:cells], json.dumps(values[cells]), *values[cells + 1 :]))


def _insert_batch(batch: list[tuple]) -> None:
    StagedEntry.objects.bulk_create(
        [StagedEntry(**dict(zip(_COLUMNS, values, strict=True))) for values in batch]
    )


def duplicates_mark(job: ImportJob) -> int:
    """Mark the rows imported before into the portfolio, and repeats of one row in the file.

    Returns how many rows are duplicates now.
    """
    staged = job.staged_entries
    seen = ImportedTransaction.objects.filter(portfolio_id=job.portfolio_id).values("key")
    staged.filter(key__in=seen).update(duplicate=True)
    # One file can list a transaction twice (two statements of one account in one
    # OFX file, overlapping): the first stays.
    firsts = staged.values("key").annotate(first=Min("pk")).values("first")
    staged.exclude(pk__in=firsts).update(duplicate=True)
    # Another file of the same account (an OFX file after its CSV) gives its rows other
    # keys: a row with an entry of its day and amount already is pointed out.
    same = Entry.objects.annotate(size=Abs("amount")).filter(
        portfolio_id=job.portfolio_id, date=OuterRef("date"), size=Abs(OuterRef("bank_amount"))
    )
    staged.filter(duplicate=False).update(maybe_duplicate=Exists(same))
    return staged.filter(duplicate=True).count()


def rules_apply(job: ImportJob) -> None:
    """Decide the job's rows with the portfolio's rules, in order; the first that fits wins.

    Rows decided by hand (filed or ignored without a rule) keep that decision; rows a
    rule decided before are decided again, so an edited or new rule shows at once.
    """
    staged = job.staged_entries.filter(_GOOD, duplicate=False)
    with transaction.atomic():
        # Undo the rules' earlier work; a zero row stays ignored (it has no rule).
        staged.filter(rule__isnull=False).update(
            rule=None, category="", stream=None, stream_name="", ignored=False
        )
        rules = [
            RulePattern(id=pk, pattern=pattern)
            for pk, pattern in ImportRule.objects.filter(portfolio_id=job.portfolio_id).values_list(
                "pk", "pattern"
            )
        ]
        descriptions = staged.filter(UNDECIDED).values_list("normalized", flat=True).distinct()
        pairs = candidates(descriptions, rules)
        if pairs and connection.vendor == "postgresql":
            _rules_update(job, pairs)
        elif pairs:
            _rules_update_rows(job, pairs)


def open_previews_decide(portfolio_id: int) -> None:
    """Decide the portfolio's statements waiting in their preview again, with its rules
    as they are now: a rule added, edited, moved or deleted on the rules page shows
    in an open preview at once. In the caller's transaction; each job is locked, so
    a confirmation waits for its rows to be decided."""
    jobs = ImportJob.objects.select_for_update().filter(
        portfolio_id=portfolio_id, kind=ImportJob.Kind.STATEMENT, state=ImportJob.State.READY
    )
    for job in jobs:
        rules_apply(job)


def rule_delete(rule: ImportRule) -> None:
    """Delete ``rule``; the rows it decided in open previews are decided again by the
    other rules (kept as they were, with its reference gone, they would read as
    decided by hand)."""
    with transaction.atomic():
        StagedEntry.objects.filter(rule=rule).update(
            rule=None, category="", stream=None, stream_name="", ignored=False
        )
        rule.delete()
        open_previews_decide(rule.portfolio_id)


def _rules_update(job: ImportJob, pairs: list[tuple[str, int]]) -> None:
    """One UPDATE: each undecided row takes the first of its candidate rules that fits it."""
    staged, rule, stream = (
        StagedEntry._meta.db_table,
        ImportRule._meta.db_table,
        Stream._meta.db_table,
    )
    descriptions, rule_ids = zip(*pairs, strict=True)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {staged} AS s
            SET rule_id = m.rule_id, ignored = m.action = 'ignore', category = m.category,
                stream_id = m.stream_id, stream_name = COALESCE(m.stream_name, '')
            FROM (
                SELECT DISTINCT ON (s.id) s.id, r.id AS rule_id, r.action, r.category,
                    r.stream_id, st.name AS stream_name
                FROM {staged} AS s
                JOIN unnest(%s::text[], %s::bigint[]) AS c(normalized, rule_id)
                    ON c.normalized = s.normalized
                JOIN {rule} AS r ON r.id = c.rule_id
                LEFT JOIN {stream} AS st ON st.id = r.stream_id
                WHERE s.job_id = %s AND s.problem = '' AND NOT s.duplicate
                    AND NOT s.ignored AND s.category = ''
                    AND (r.direction = 'any'
                        OR (r.direction = 'in' AND s.bank_amount > 0)
                        OR (r.direction = 'out' AND s.bank_amount < 0))
                    AND (r.amount_min IS NULL OR abs(s.bank_amount) >= r.amount_min)
                    AND (r.amount_max IS NULL OR abs(s.bank_amount) <= r.amount_max)
                ORDER BY s.id, r.position, r.id
            ) AS m
            WHERE s.id = m.id
            """,  # noqa: S608 - table names from the models, values as parameters
            [list(descriptions), list(rule_ids), job.pk],
        )


def _rules_update_rows(job: ImportJob, pairs: list[tuple[str, int]]) -> None:
    """``_rules_update`` row by row, for the embedded default's SQLite (no ``unnest``,
    no ``DISTINCT ON``): the same first fitting rule for each row."""
    rules = ImportRule.objects.in_bulk({rule_id for _, rule_id in pairs})
    by_description: dict[str, list[ImportRule]] = {}
    for description, rule_id in pairs:
        by_description.setdefault(description, []).append(rules[rule_id])
    for found in by_description.values():
        found.sort(key=lambda rule: (rule.position, rule.pk))
    chosen: dict[int, list[int]] = {}
    rows = job.staged_entries.filter(UNDECIDED, normalized__in=list(by_description))
    for pk, description, amount in rows.values_list("pk", "normalized", "bank_amount"):
        rule = next((r for r in by_description[description] if _fits(r, amount)), None)
        if rule is not None:
            chosen.setdefault(rule.pk, []).append(pk)
    streams = dict(Stream.objects.filter(import_rules__in=list(chosen)).values_list("pk", "name"))
    for rule_id, pks in chosen.items():
        rule = rules[rule_id]
        for start in range(0, len(pks), 500):  # SQLite's limit of parameters
            StagedEntry.objects.filter(pk__in=pks[start : start + 500]).update(
                rule=rule,
                ignored=rule.action == ImportRule.Action.IGNORE,
                category=rule.category,
                stream_id=rule.stream_id,
                stream_name=streams.get(rule.stream_id, ""),
            )


def _fits(rule: ImportRule, amount: Decimal) -> bool:
    """A row's amount fits a rule's direction and amount range (the SQL's conditions)."""
    if rule.direction == ImportRule.Direction.IN and amount <= 0:
        return False
    if rule.direction == ImportRule.Direction.OUT and amount >= 0:
        return False
    if rule.amount_min is not None and abs(amount) < rule.amount_min:
        return False
    return rule.amount_max is None or abs(amount) <= rule.amount_max


def summary(job: ImportJob) -> dict:
    """The preview's counts, and the totals by group of the rows to import (JSON-ready).

    ``totals`` has one item per currency of those rows (a statement is in one,
    mostly): its code and the earned, passive and outgoing sums, spending positive.
    """
    rows = job.staged_entries
    figures = rows.aggregate(
        row_count=Count("pk"),
        new_count=Count("pk", filter=NEW),
        undecided_count=Count("pk", filter=UNDECIDED),
        group_count=Count("normalized", filter=UNDECIDED, distinct=True),
        ignored_count=Count("pk", filter=IGNORED),
        by_rule_count=Count("pk", filter=NEW & Q(rule__isnull=False)),
        # Filed or ignored in this preview without a rule (a row of zero is no choice).
        by_hand_count=Count(
            "pk", filter=(NEW | IGNORED) & Q(rule__isnull=True) & ~Q(bank_amount=0)
        ),
        duplicate_count=Count("pk", filter=DUPLICATE),
        maybe_count=Count("pk", filter=MAYBE),
        error_count=Count("pk", filter=PROBLEM),
        first_date=Min("date", filter=NEW),
        last_date=Max("date", filter=NEW),
    )
    for name in ("first_date", "last_date"):
        figures[name] = figures[name] and figures[name].isoformat()
    by_currency = (
        rows.filter(NEW)
        .values("currency")
        .annotate(
            **{
                group: Sum("bank_amount", filter=Q(category__in=members))
                for group, members in categories.CATEGORIES_IN.items()
            }
        )
        .order_by("currency")
    )
    base = job.portfolio.owner.currency
    figures["totals"] = [
        {
            "currency": totals["currency"] or base,
            **{group: _total(totals[group], group) for group in categories.GROUPS},
        }
        for totals in by_currency
    ] or [{"currency": base, **{group: "0.00" for group in categories.GROUPS}}]
    return figures


def _total(total: Decimal | None, group: str) -> str:
    """A group's sum as the entries will count it: spending is money out, negative in
    the bank's sign."""
    total = total or Decimal(0)
    return str((-total if group == categories.OUTGOING else total).quantize(CENT))


def groups(job: ImportJob, *, number: int) -> list[dict]:
    """Page ``number`` (from 1) of the rows still to decide, one group per description.

    Largest groups first: the decisions that settle most rows come first.
    """
    start = (number - 1) * GROUP_PAGE_SIZE
    found = (
        job.staged_entries.filter(UNDECIDED)
        .values("normalized")
        .annotate(
            count=Count("pk"),
            money_in=Sum("bank_amount", filter=Q(bank_amount__gt=0)),
            money_out=Sum("bank_amount", filter=Q(bank_amount__lt=0)),
            example=Min("description"),
            first_line=Min("line"),
            currency=Min("currency"),
        )
        .order_by("-count", "first_line")
    )
    return list(found[start : start + GROUP_PAGE_SIZE])


def page(job: ImportJob, *, number: int, show: str) -> list[StagedEntry]:
    """The rows of page ``number`` (from 1) in file order, filtered as the preview asks."""
    rows = job.staged_entries.filter(FILTERS[show]).select_related("rule").order_by("line")
    start = (number - 1) * PAGE_SIZE
    return list(rows[start : start + PAGE_SIZE])


def group_decide(job: ImportJob, *, normalized: str, category: str, stream, ignore: bool) -> int:
    """File (or ignore) by hand every undecided row of one description; how many."""
    rows = job.staged_entries.filter(UNDECIDED, normalized=normalized)
    if ignore:
        return rows.update(ignored=True)
    return rows.update(category=category, stream=stream, stream_name=stream.name if stream else "")


def maybe_ignore(job: ImportJob) -> int:
    """Ignore, by hand, the rows pointed out as maybe imported before; how many."""
    return job.staged_entries.filter(MAYBE).update(ignored=True, rule=None)


def undo_decisions(job: ImportJob) -> None:
    """Forget the decisions made by hand; the rules decide again."""
    job.staged_entries.filter(_GOOD, duplicate=False, rule__isnull=True).exclude(
        bank_amount=0
    ).update(category="", stream=None, stream_name="", ignored=False)
    rules_apply(job)


def statement_write(job: ImportJob) -> dict:
    """Write every new row of ``job`` as an entry and record every row's key; the counts.

    In the caller's transaction. Checks again what may have changed since the
    preview: rows another import recorded since are skipped as duplicates; a row
    with a problem, still undecided, or filed under a stream deleted since refuses
    the whole import (``ImportRejected``).
    """
    portfolio = job.portfolio
    # One import into a portfolio at a time; the streams are locked against deletion
    # until the entries naming them are written.
    list(Portfolio.objects.select_for_update().filter(pk=portfolio.pk).values_list("pk"))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM portfolio_stream WHERE portfolio_id = %s FOR KEY SHARE",
                [portfolio.pk],
            )
    duplicates_mark(job)
    rows = job.staged_entries.order_by("line")
    bad = rows.filter(PROBLEM).first()
    if bad is not None:
        raise ImportRejected(f"Line {bad.line}: {bad.problem}")
    undecided = rows.filter(UNDECIDED).first()
    if undecided is not None:
        raise ImportRejected(f"Line {undecided.line} has no category yet.")
    gone = rows.filter(NEW).exclude(stream_name="").filter(stream__isnull=True).first()
    if gone is not None:
        raise ImportRejected(
            f"Line {gone.line}: the stream “{gone.stream_name}” was deleted since the preview."
        )
    imported = _insert_entries(job)
    recorded = _record_keys(job)
    if imported:
        earliest = rows.filter(NEW).aggregate(earliest=Min("date"))["earliest"]
        # Rows written in SQL send no signals: mark the snapshots stale ourselves, once.
        snapshots.mark_dirty(portfolio.owner_id, earliest)
    return {
        "imported": imported,
        "ignored": rows.filter(IGNORED).count(),
        "duplicates": rows.filter(DUPLICATE).count(),
        "recorded": recorded,
    }


def _insert_entries(job: ImportJob) -> int:
    """``INSERT INTO entry ... SELECT`` the new rows, signed by their category; how many."""
    entry, staged = Entry._meta.db_table, StagedEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {entry}
                (portfolio_id, date, amount, currency, category, stream_id, note, created_at)
            SELECT %s, date,
                CASE WHEN category IN ({", ".join(["%s"] * len(OUTGOING))})
                    THEN -bank_amount ELSE bank_amount END,
                COALESCE(NULLIF(currency, ''), %s), category, stream_id, note, %s
            FROM {staged}
            WHERE job_id = %s AND problem = '' AND NOT duplicate AND NOT ignored
                AND category <> ''
            ORDER BY line
            """,  # noqa: S608 - table names from the models, values as parameters
            [job.portfolio_id, *OUTGOING, job.portfolio.owner.currency, timezone.now(), job.pk],
        )
        return cursor.rowcount


def _record_keys(job: ImportJob) -> int:
    """Remember every row of the statement but duplicates (ignored ones too): next time
    they are skipped without a question."""
    recorded, staged = ImportedTransaction._meta.db_table, StagedEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {recorded} (portfolio_id, key, created_at)
            SELECT %s, key, %s FROM {staged}
            WHERE job_id = %s AND problem = '' AND NOT duplicate
            ON CONFLICT DO NOTHING
            """,  # noqa: S608 - table names from the models, values as parameters
            [job.portfolio_id, timezone.now(), job.pk],
        )
        return cursor.rowcount
