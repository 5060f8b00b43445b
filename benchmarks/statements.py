"""A 50,000-row bank statement with 200 rules: parse, match, stage, preview and write.

    DATABASE_URL=postgres://USER@HOST:5432/DB .venv/bin/python benchmarks/statements.py \\
        [--rows 50000] [--rules 200]

It migrates the database, makes one user (``bench-statements-…@example.com``) with a
portfolio, a saved layout of the bank and the rules, and runs the steps the worker
runs (``dataport.import_jobs.statement_stage`` and ``statement_write``), in this
process, timing each and the peak of Python's memory (tracemalloc) for reading and
staging. The user is deleted at the end.

Then it matches the same rows against the same rules four ways and checks they
agree: the product's (each *distinct* description tested once, in Python, and the
result applied to the rows by one SQL UPDATE), rows x rules with a regular
expression each, rows x rules with substring tests, and rows x rules as a SQL
``LIKE`` join. Never part of the test run.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import sys
import time
import tracemalloc
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from accounts.models import User  # noqa: E402
from dataport import (  # noqa: E402
    import_jobs,
    statement_csv,
    statement_import,
    statement_ofx,
    statement_reading,
)
from dataport.models import ImportJob, ImportProfile, ImportRule, StagedEntry  # noqa: E402
from dataport.statement_csv import CsvMapping  # noqa: E402
from dataport.statement_rules import RulePattern, candidates, normalize_description  # noqa: E402
from portfolio import categories  # noqa: E402
from portfolio.models import Entry, Portfolio  # noqa: E402

HEADER = "Buchungstag;Valuta;Auftraggeber/Empfänger;Verwendungszweck;Betrag;Währung"
WORDS = " ".join(
    (
        "rewe edeka aldi lidl dm rossmann shell aral bahn lufthansa amazon zalando otto ikea",
        "mediamarkt saturn apotheke baeckerei metzgerei kiosk tankstelle stadtwerke telekom",
        "vodafone netflix spotify allianz huk ergo sparkasse volksbank miete hausverwaltung",
        "kita schule verein fitness kino restaurant pizzeria cafe hotel parkhaus taxi",
    )
).split()


def merchants(count: int) -> list[str]:
    rng = random.Random(7)
    names = set()
    while len(names) < count:
        names.add(" ".join(rng.sample(WORDS, 2)).upper())
    return sorted(names)


def statement(rows: int, shops: list[str]) -> bytes:
    """A bank's CSV export: a preamble, semicolons, decimal comma, day-first dates."""
    rng = random.Random(11)
    lines = ["Kontonummer;DE02 1203 0000 0000 2020 51", "Zeitraum;2024 - 2025", "", HEADER]
    start = date(2024, 1, 1)
    for number in range(rows):
        day = start + timedelta(days=number * 730 // rows)
        shop = rng.choice(shops)
        cents = rng.randint(100, 50_000)
        sign = "" if number % 40 == 0 else "-"
        amount = f"{sign}{cents // 100:,}".replace(",", ".") + f",{cents % 100:02d}"
        purpose = f"KARTE {rng.randint(1000, 9999)} {shop} {day:%d.%m} REF{number}"
        lines.append(f"{day:%d.%m.%Y};{day:%d.%m.%Y};{shop};{purpose};{amount};EUR")
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def ofx_statement(rows: int, shops: list[str]) -> bytes:
    """The same kind of month as an OFX 1.0.2 (SGML) bank statement."""
    rng = random.Random(11)
    start = date(2024, 1, 1)
    transactions = []
    for number in range(rows):
        day = start + timedelta(days=number * 730 // rows)
        cents = rng.randint(100, 50_000) * (1 if number % 40 == 0 else -1)
        transactions.append(
            f"<STMTTRN><TRNTYPE>{'CREDIT' if cents > 0 else 'DEBIT'}<DTPOSTED>{day:%Y%m%d}"
            f"<TRNAMT>{cents / 100:.2f}<FITID>B{number:08d}<NAME>{rng.choice(shops)}"
            f"<MEMO>KARTE {rng.randint(1000, 9999)} REF{number}</STMTTRN>"
        )
    head = (
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\n"
        "CHARSET:1252\nCOMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n"
        "<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS>"
        "<DTSERVER>20260101<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1><BANKMSGSRSV1><STMTTRNRS>"
        "<TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS><STMTRS><CURDEF>EUR<BANKACCTFROM>"
        "<BANKID>12030000<ACCTID>20205100<ACCTTYPE>CHECKING</BANKACCTFROM>"
        "<BANKTRANLIST><DTSTART>20240101<DTEND>20251231>"
    )
    tail = (
        "</BANKTRANLIST><LEDGERBAL><BALAMT>0.00<DTASOF>20251231</LEDGERBAL></STMTRS>"
        "</STMTTRNRS></BANKMSGSRSV1></OFX>"
    )
    return (head.replace("20251231>", "20251231") + "".join(transactions) + tail).encode()


def make_rules(portfolio: Portfolio, shops: list[str], count: int) -> list[ImportRule]:
    """``count`` rules: most name one shop (some with a direction or an amount range),
    the rest never match."""
    outgoing = categories.CATEGORIES_IN[categories.OUTGOING]
    rules = []
    for position in range(count):
        if position < len(shops) * 3 // 4 and position < count * 3 // 4:
            pattern = normalize_description(shops[position])
            extra = {}
            if position % 10 == 0:
                extra = {"direction": "out", "amount_min": Decimal("100")}
            elif position % 10 == 1:
                extra = {"direction": "in"}
        else:
            pattern, extra = f"nothing like this {position}".replace("0", "o"), {}
            pattern = normalize_description(pattern) or "nothing"
        rules.append(
            ImportRule(
                portfolio=portfolio,
                position=position,
                pattern=pattern,
                category=outgoing[position % len(outgoing)],
                **extra,
            )
        )
    return ImportRule.objects.bulk_create(rules)


def timed(label: str, results: list, function, *args, **kwargs):
    started = time.perf_counter()
    value = function(*args, **kwargs)
    results.append((label, time.perf_counter() - started))
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--rules", type=int, default=200)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)

    shops = merchants(240)
    data = statement(args.rows, shops)
    user = User.objects.create_user(
        email=f"bench-statements-{uuid.uuid4().hex[:8]}@example.com", password=uuid.uuid4().hex
    )
    try:
        run(user, data, shops, args)
    finally:
        user.delete()


def run(user, data: bytes, shops: list[str], args) -> None:
    portfolio = Portfolio.objects.create(owner=user, name="Bench")
    rules = make_rules(portfolio, shops, args.rules)
    layout = statement_csv.csv_layout(data)
    mapping = CsvMapping(
        date_column=0,
        date_format="%d.%m.%Y",
        amount_mode="signed",
        amount_column=4,
        decimal_separator=",",
        description_columns=(2, 3),
        currency_column=5,
    )
    ImportProfile.objects.create(
        owner=user,
        name="Bench bank",
        currency="EUR",
        signature=statement_reading.signature_hash(layout),
        mapping=mapping.to_dict(),
    )
    print(
        f"Statement: {args.rows:,} rows, {len(data) / 1e6:.1f} MB, "
        f"{len(shops)} shops; {len(rules)} rules"
    )
    steps: list[tuple[str, float]] = []

    # Reading alone.
    def parse() -> int:
        return sum(1 for _ in statement_csv.read_mapped_csv(data, layout, mapping))

    timed("layout (encoding, delimiter, header)", steps, statement_csv.csv_layout, data)
    lines = timed("parse (layout + every row)", steps, parse)
    assert lines == args.rows, lines

    # The worker's step, through the product's code: read, stage, duplicates, rules.
    job = ImportJob.objects.create(
        owner=user, portfolio=portfolio, kind=ImportJob.Kind.STATEMENT, file_name="bench.csv"
    )
    ImportJob.objects.filter(pk=job.pk).update(data=data)
    timed(
        "stage step (read + COPY + duplicates + rules)", steps, import_jobs.statement_stage, job.pk
    )
    job.refresh_from_db()
    assert job.state == ImportJob.State.READY, (job.state, job.problems)

    # Each part again, alone, on the staged rows.
    timed("  duplicates, again", steps, statement_import.duplicates_mark, job)
    timed(
        "  rules (distinct descriptions + one UPDATE), again",
        steps,
        statement_import.rules_apply,
        job,
    )
    figures = timed("preview: summary", steps, statement_import.summary, job)
    timed("preview: first page of groups", steps, statement_import.groups, job, number=1)
    timed("preview: a page of rows", steps, statement_import.page, job, number=50, show="all")
    print(
        f"Decided by rules: {figures['by_rule_count']:,} rows; without a category: "
        f"{figures['undecided_count']:,} in {figures['group_count']} groups"
    )

    # The other ways of matching, on the same rows and rules.
    rows = list(
        job.staged_entries.filter(problem="").values_list("pk", "normalized", "bank_amount")
    )
    product = dict(job.staged_entries.filter(rule__isnull=False).values_list("pk", "rule_id"))
    ordered = list(ImportRule.objects.filter(portfolio=portfolio).order_by("position", "pk"))
    comparisons = [
        ("rows x rules, a regex each (Python)", naive_regex(rows, ordered)),
        ("rows x rules, substring tests (Python)", naive_substring(rows, ordered)),
        (
            "distinct descriptions x rules (Python part of the product)",
            distinct_only(rows, ordered),
        ),
        ("rows x rules, LIKE join (SQL)", sql_like(job)),
    ]
    for label, (seconds, decided) in comparisons:
        steps.append((label, seconds))
        if decided is not None and decided != product:
            differ = sum(
                1 for pk in set(decided) | set(product) if decided.get(pk) != product.get(pk)
            )
            print(f"!! {label} disagrees with the product on {differ} rows")

    # Everything decided, then the write: the rest filed by hand as one group each.
    job.staged_entries.filter(statement_import.UNDECIDED).update(category="living_expenses")
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.WRITING)
    timed(
        "write step (entries + keys, one transaction)", steps, import_jobs.statement_write, job.pk
    )
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE, job.problems
    written = Entry.objects.filter(portfolio=portfolio).count()

    # The same file again: every row is a duplicate.
    again = ImportJob.objects.create(
        owner=user, portfolio=portfolio, kind=ImportJob.Kind.STATEMENT, file_name="bench.csv"
    )
    ImportJob.objects.filter(pk=again.pk).update(data=data)
    timed("stage step, the same file again", steps, import_jobs.statement_stage, again.pk)
    duplicates = StagedEntry.objects.filter(job=again, duplicate=True).count()

    # Memory, after the timings (tracemalloc slows Python down several times). The
    # stage step's on a third job (the same file: all duplicates).
    tracemalloc.start()
    parse()
    parse_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    third = ImportJob.objects.create(
        owner=user, portfolio=portfolio, kind=ImportJob.Kind.STATEMENT, file_name="bench.csv"
    )
    ImportJob.objects.filter(pk=third.pk).update(data=data)
    tracemalloc.start()
    import_jobs.statement_stage(third.pk)
    stage_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    # The same rows as an OFX file, last: the library builds the whole tree (a heap
    # that slows down whatever runs after it in this process).
    ofx = ofx_statement(args.rows, shops)
    read = timed(f"parse OFX 1.0.2 ({len(ofx) / 1e6:.1f} MB)", steps, statement_ofx.read_ofx, ofx)
    assert len(read.lines) == args.rows, len(read.lines)
    tracemalloc.start()
    statement_ofx.read_ofx(ofx)
    ofx_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    width = max(len(label) for label, _ in steps)
    print(f"\n{'step':<{width}}  seconds")
    for label, seconds in steps:
        print(f"{label:<{width}}  {seconds:7.3f}")
    print(f"\nEntries written: {written:,}; the same file again: {duplicates:,} duplicates")
    print(
        f"Peak Python memory: parse CSV {parse_peak / 1e6:.1f} MB, parse OFX "
        f"{ofx_peak / 1e6:.1f} MB, stage step (CSV) {stage_peak / 1e6:.1f} MB"
    )
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"Peak RSS of this process: {peak_rss:.0f} MB")


def _fits(rule: ImportRule, amount: Decimal) -> bool:
    if (rule.direction == "in" and amount <= 0) or (rule.direction == "out" and amount >= 0):
        return False
    if rule.amount_min is not None and abs(amount) < rule.amount_min:
        return False
    return rule.amount_max is None or abs(amount) <= rule.amount_max


def naive_regex(rows, rules) -> tuple[float, dict]:
    started = time.perf_counter()
    compiled = [(rule, re.compile(rf"\b{re.escape(rule.pattern)}\b")) for rule in rules]
    decided = {}
    for pk, normalized, amount in rows:
        if amount == 0:
            continue
        for rule, pattern in compiled:
            if pattern.search(normalized) and _fits(rule, amount):
                decided[pk] = rule.pk
                break
    return time.perf_counter() - started, decided


def naive_substring(rows, rules) -> tuple[float, dict]:
    started = time.perf_counter()
    padded = [(rule, f" {rule.pattern} ") for rule in rules]
    decided = {}
    for pk, normalized, amount in rows:
        if amount == 0:
            continue
        text = f" {normalized} "
        for rule, pattern in padded:
            if pattern in text and _fits(rule, amount):
                decided[pk] = rule.pk
                break
    return time.perf_counter() - started, decided


def distinct_only(rows, rules) -> tuple[float, None]:
    started = time.perf_counter()
    candidates(
        {normalized for _, normalized, _ in rows}, [RulePattern(r.pk, r.pattern) for r in rules]
    )
    return time.perf_counter() - started, None


def sql_like(job: ImportJob) -> tuple[float, dict]:
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT ON (s.id) s.id, r.id
            FROM dataport_stagedentry s
            JOIN dataport_importrule r ON r.portfolio_id = %s
                AND (' ' || s.normalized || ' ') LIKE ('%% ' || r.pattern || ' %%')
            WHERE s.job_id = %s AND s.problem = '' AND s.bank_amount <> 0
                AND (r.direction = 'any' OR (r.direction = 'in' AND s.bank_amount > 0)
                    OR (r.direction = 'out' AND s.bank_amount < 0))
                AND (r.amount_min IS NULL OR abs(s.bank_amount) >= r.amount_min)
                AND (r.amount_max IS NULL OR abs(s.bank_amount) <= r.amount_max)
            ORDER BY s.id, r.position, r.id
            """,
            [job.portfolio_id, job.pk],
        )
        decided = dict(cursor.fetchall())
    return time.perf_counter() - started, decided


if __name__ == "__main__":
    main()
