"""Every statement fixture imported end to end: the entries, by rule, and nothing twice.

Each file of ``tests/dataport/statements/`` goes through the worker's steps (read,
the mapping step with the guessed layout for a CSV file, duplicates, rules, the
write), with a few rules and every other group filed as living expenses by hand,
as a user would in the preview. The entries must be exactly the ones written here;
the same file again adds none, and the German bank's February statement, which
overlaps January by eleven days, adds only February's rows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dataport import import_jobs, statement_import, statement_reading
from dataport.models import ImportJob, ImportProfile, ImportRule
from dataport.statement_csv import CsvLayout
from portfolio.models import Entry

FIXTURES = Path(__file__).parent / "statements"
State = ImportJob.State
LIVING = "living_expenses"


def rules_make(portfolio, rules) -> None:
    for position, (pattern, category) in enumerate(rules, start=1):
        ImportRule.objects.create(
            portfolio=portfolio,
            position=position,
            pattern=pattern,
            action="ignore" if category is None else "file",
            category=category or "",
        )


def statement_import_run(portfolio, name: str) -> ImportJob:
    """Import a fixture: the guessed layout at the mapping step, the rest filed by hand."""
    job = import_jobs.job_start(
        owner=portfolio.owner,
        portfolio=portfolio,
        kind=ImportJob.Kind.STATEMENT,
        data=(FIXTURES / name).read_bytes(),
        file_name=name,
    )
    import_jobs.statement_stage(job.pk)
    job.refresh_from_db()
    if job.state == State.MAPPING:
        layout = CsvLayout.from_dict(job.summary["layout"])
        profile = ImportProfile.objects.create(
            owner=portfolio.owner,
            name=name,
            currency=portfolio.owner.currency,
            signature=statement_reading.signature_hash(layout),
            mapping=layout.guess.to_dict(),
        )
        assert import_jobs.statement_mapped(job=job, profile=profile)
        import_jobs.statement_stage(job.pk)
        job.refresh_from_db()
    assert job.state == State.READY, job.problems
    for group in statement_import.groups(job, number=1):
        statement_import.group_decide(
            job, normalized=group["normalized"], category=LIVING, stream=None, ignore=False
        )
    figures = statement_import.summary(job)
    assert (figures["error_count"], figures["undecided_count"]) == (0, 0)
    assert import_jobs.job_confirm(job=job)
    import_jobs.statement_write(job.pk)
    job.refresh_from_db()
    assert job.state == State.DONE, job.problems
    return job


def entries(portfolio) -> list[tuple]:
    return [
        (day.isoformat(), str(amount), category)
        for day, amount, category in Entry.objects.filter(portfolio=portfolio)
        .order_by("date", "pk")
        .values_list("date", "amount", "category")
    ]


CASES = {
    "ofx102-checking.ofx": (
        [
            ("acme payroll", "salary"),
            ("transfer to savings", None),
            ("interest credit", "interest"),
            ("freshmart", LIVING),
            ("monthly account fee", "fees"),
        ],
        [
            ("2025-01-02", "3250.00", "salary"),
            ("2025-01-03", "1150.00", LIVING),
            ("2025-01-04", "64.37", LIVING),
            ("2025-01-06", "12.90", LIVING),
            ("2025-01-08", "100.00", LIVING),
            ("2025-01-11", "38.15", LIVING),
            ("2025-01-13", "89.99", LIVING),
            ("2025-01-15", "23.40", LIVING),
            ("2025-01-17", "-45.00", LIVING),  # a refund corrects the spending
            ("2025-01-20", "250.00", LIVING),
            ("2025-01-22", "71.82", LIVING),
            ("2025-01-25", "4.50", "fees"),
            ("2025-01-28", "42.00", LIVING),
            ("2025-01-31", "1.87", "interest"),
        ],
    ),
    "ofx2-investment.ofx": (
        [("dividend", "dividends"), ("interest", "interest"), ("ach deposit", None)],
        [
            ("2025-02-14", "18.40", "dividends"),
            ("2025-02-28", "52.13", "dividends"),
            ("2025-03-17", "27.75", "dividends"),
            ("2025-03-31", "3.21", "interest"),
        ],
    ),
    "checking.qfx": (
        [
            ("globex corp payroll", "salary"),
            ("harbor view apartments", LIVING),
            ("online transfer to card", None),
            ("payment thank you", None),
            ("interest paid", "interest"),
        ],
        [
            ("2025-03-02", "18.75", LIVING),
            ("2025-03-03", "2890.00", "salary"),
            ("2025-03-05", "1425.00", LIVING),
            ("2025-03-07", "54.21", LIVING),
            ("2025-03-09", "129.99", LIVING),
            ("2025-03-18", "9.99", LIVING),
            ("2025-03-31", "0.42", "interest"),
        ],
    ),
    "checking.qif": (
        [
            ("acme payroll", "salary"),
            ("transfer to savings", None),
            ("interest credit", "interest"),
        ],
        [
            ("2025-01-02", "3250.00", "salary"),
            ("2025-01-03", "1150.00", LIVING),
            ("2025-01-07", "64.37", LIVING),
            ("2025-01-14", "89.99", LIVING),
            ("2025-01-17", "-45.00", LIVING),
            ("2025-01-20", "250.00", LIVING),
            ("2025-01-31", "1.87", "interest"),
        ],
    ),
    "de-giro-2025-01.csv": (
        [
            ("muller sohne gmbh gehalt", "salary"),
            ("hausverwaltung kuhn miete", LIVING),
            ("ubertrag auf tagesgeld", None),
            ("tagesgeld zinsen", "interest"),
        ],
        [
            ("2025-01-02", "3450.00", "salary"),
            ("2025-01-03", "1120.00", LIVING),
            ("2025-01-07", "54.37", LIVING),
            ("2025-01-10", "96.00", LIVING),
            ("2025-01-15", "8.90", LIVING),
            ("2025-01-20", "89.90", LIVING),
            ("2025-01-22", "17.45", LIVING),
            ("2025-01-27", "29.99", LIVING),
            ("2025-01-31", "1.23", "interest"),
        ],
    ),
    "uk-debit-credit.csv": (
        [
            ("acme ltd salary", "salary"),
            ("transfer to isa", None),
            ("interest paid", "interest"),
            ("card payment to", LIVING),
        ],
        [
            ("2025-01-02", "23.40", LIVING),
            ("2025-01-03", "38.50", LIVING),
            ("2025-01-06", "2450.00", "salary"),
            ("2025-01-13", "950.00", LIVING),
            ("2025-01-15", "6.85", LIVING),
            ("2025-01-24", "129.00", LIVING),
            ("2025-01-28", "-19.99", LIVING),
            ("2025-01-31", "0.87", "interest"),
        ],
    ),
    "utf16-tab.csv": (
        [("payroll deposit initech", "salary"), ("venmo cashout", None)],
        [
            ("2025-01-03", "2875.00", "salary"),
            ("2025-01-05", "84.12", LIVING),
            ("2025-01-09", "131.40", LIVING),
            ("2025-01-15", "1650.00", LIVING),
            ("2025-01-28", "48.77", LIVING),
        ],
    ),
    "us-signed.csv": (
        [
            ("acme corp payroll", "salary"),
            ("online payment thank you card", None),
            ("interest payment", "interest"),
        ],
        [
            ("2025-01-02", "2310.55", "salary"),
            ("2025-01-06", "5.75", LIVING),
            ("2025-01-14", "1425.00", LIVING),
            ("2025-01-17", "63.18", LIVING),
            ("2025-01-30", "0.31", "interest"),
        ],
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_a_statement_imports_its_entries_by_rule_and_the_same_file_again_adds_none(portfolio, name):
    rules, expected = CASES[name]
    rules_make(portfolio, rules)
    job = statement_import_run(portfolio, name)
    # Rows were filed by hand as living expenses only: every other category here,
    # and every row left out, is a rule's work.
    assert entries(portfolio) == expected
    assert job.summary["imported"] == len(expected)

    again = statement_import_run(portfolio, name)
    assert (again.summary["imported"], again.summary["duplicates"]) == (0, job.summary["recorded"])
    assert entries(portfolio) == expected


def test_an_overlapping_statement_adds_only_its_new_days(portfolio):
    rules, january = CASES["de-giro-2025-01.csv"]
    rules_make(portfolio, rules)
    statement_import_run(portfolio, "de-giro-2025-01.csv")
    february = statement_import_run(portfolio, "de-giro-2025-02.csv")
    assert (february.summary["imported"], february.summary["duplicates"]) == (6, 4)
    assert entries(portfolio) == [
        *january,
        ("2025-02-03", "3450.00", "salary"),  # "Gehalt Februar" meets January's rule
        ("2025-02-03", "1120.00", LIVING),
        ("2025-02-11", "23.65", LIVING),
        ("2025-02-14", "96.00", LIVING),
        ("2025-02-24", "1299.00", LIVING),
        ("2025-02-28", "1.12", "interest"),
    ]
    # The second file needed no mapping: the first one's layout read it.
    assert ImportProfile.objects.filter(owner=portfolio.owner).count() == 1
    assert february.profile.name == "de-giro-2025-01.csv"


def test_the_german_rows_keep_their_currency(portfolio):
    rules_make(portfolio, CASES["de-giro-2025-01.csv"][0])
    statement_import_run(portfolio, "de-giro-2025-01.csv")
    assert set(Entry.objects.filter(portfolio=portfolio).values_list("currency", flat=True)) == {
        "EUR"
    }


def test_the_same_account_as_qif_after_its_ofx_is_pointed_out_row_by_row(portfolio):
    rules_make(portfolio, CASES["ofx102-checking.ofx"][0])
    statement_import_run(portfolio, "ofx102-checking.ofx")
    job = import_jobs.job_start(
        owner=portfolio.owner,
        portfolio=portfolio,
        kind=ImportJob.Kind.STATEMENT,
        data=(FIXTURES / "checking.qif").read_bytes(),
        file_name="checking.qif",
    )
    import_jobs.statement_stage(job.pk)
    # The QIF file has no FITIDs, so its keys are others; the rows whose day and amount
    # an entry has (the transfer was ignored, two card payments fell on other days).
    maybe = job.staged_entries.filter(maybe_duplicate=True).order_by("date")
    assert [(row.date.isoformat(), str(row.bank_amount)) for row in maybe] == [
        ("2025-01-02", "3250.00"),
        ("2025-01-03", "-1150.00"),
        ("2025-01-17", "45.00"),
        ("2025-01-20", "-250.00"),
        ("2025-01-31", "1.87"),
    ]
    assert statement_import.summary(job)["maybe_count"] == 5
