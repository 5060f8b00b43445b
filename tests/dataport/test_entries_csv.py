"""CSV import of entries: the parser, the all-or-nothing write, and the pages."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dataport import entries_csv as csv_import
from dataport import import_jobs, staged_entries
from dataport.entries_csv import ImportFileError, KnownStream, csv_safe, read_csv
from dataport.models import EntryImport, ImportJob, StagedEntry
from portfolio.models import Entry, Portfolio
from tests.factories import PortfolioFactory, StreamFactory
from tests.helpers import texts

D = Decimal
HEADER = "date,amount,category,stream,note\r\n"
STREAMS = [KnownStream(id=7, name="ACME salary", category="salary")]
FORMULA = "=cmd|' /C calc'!A0"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 10, 15, 12, tzinfo=dt.UTC), tick=False):
        yield


def rows_of(text: str | bytes, streams=STREAMS) -> list[csv_import.ImportRow]:
    data = text.encode() if isinstance(text, str) else text
    return list(read_csv(data, streams).rows())


def one_row(line: str, streams=STREAMS) -> csv_import.ImportRow:
    (row,) = rows_of(HEADER + line + "\r\n", streams)
    return row


def big_csv(count: int, *, bad_line: int | None = None) -> bytes:
    """``count`` rows (header on line 1); the row on ``bad_line`` has a bad amount."""
    lines = ["date,amount,category,note"]
    for index in range(count):
        line = index + 2
        amount = "12.3.4" if line == bad_line else f"{index % 5000 + 1}.{index % 100:02d}"
        lines.append(f"2025-{index % 12 + 1:02d}-{index % 28 + 1:02d},{amount},dividends,n{index}")
    return ("\n".join(lines) + "\n").encode()


# --- The parser -----------------------------------------------------------------------


def test_a_good_row_is_read_into_values():
    row = one_row("2025-01-31,4200.5,salary,,January")
    assert row.ok
    assert (row.line, row.date, row.amount, row.category) == (
        2,
        dt.date(2025, 1, 31),
        D("4200.50"),
        "salary",
    )
    assert (row.stream_id, row.note) == (None, "January")


@pytest.mark.parametrize("text", ["dividends", "Dividends", "DIVIDENDS", " dividends "])
def test_a_category_by_value_or_label_in_any_case(text):
    assert one_row(f"2025-01-31,10,{text}").category == "dividends"


def test_a_category_by_a_label_with_spaces_and_parentheses():
    row = one_row('2025-01-31,10,"holding costs (maintenance)"')
    assert row.category == "holding_costs"


def test_a_stream_by_name_in_any_case_gives_its_category_when_none_is_written():
    row = one_row("2025-01-31,3000,,acme SALARY")
    assert (row.stream_id, row.category) == (7, "salary")
    row = one_row("2025-01-31,3000,bonus,ACME salary")
    assert (row.stream_id, row.category) == (7, "bonus")


def test_a_negative_amount_corrects_an_earlier_entry():
    assert one_row("2025-01-31,-12.50,fees").amount == D("-12.50")


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("31/01/2025,10,salary", "Bad date “31/01/2025”: write it as YYYY-MM-DD"),
        ("2025-02-30,10,salary", "Bad date “2025-02-30”"),
        ("20250131,10,salary", "Bad date “20250131”"),
        ("1899-12-31,10,salary", "it must be between 1900 and 2200"),
        (",10,salary", "The date is missing."),
        ("2025-01-31,abc,salary", "Bad amount “abc”: Enter an amount as a plain number"),
        ("2025-01-31,NaN,salary", "NaN and infinity are not amounts"),
        ("2025-01-31,-Infinity,salary", "NaN and infinity are not amounts"),
        ("2025-01-31,1000000000000,salary", "at most 12 digits"),
        ("2025-01-31,12.345,salary", "Use at most 2 decimal places"),
        ("2025-01-31,0,salary", "Enter an amount other than zero."),
        ('2025-01-31,"1,250.00",salary', "Bad amount “1,250.00”"),
        ("2025-01-31,=1+2,salary", "Bad amount “=1+2”"),
        ("2025-01-31,,salary", "The amount is missing."),
        ("2025-01-31,10,wages", "Unknown category “wages”."),
        ("2025-01-31,10,=SUM(A1),", "Unknown category “=SUM(A1)”."),
        ("2025-01-31,10,", "The category is missing."),
        ("2025-01-31,10,salary,Side job", "Unknown stream “Side job”"),
        ("2025-01-31,10,salary,,note,extra", "This row has 6 cells but the header names 5"),
        ("2025-01-31,10,salary,," + "x" * 501, "The note is longer than 500 characters."),
    ],
)
def test_every_problem_of_a_row_is_named(line, problem):
    row = one_row(line)
    assert not row.ok
    assert any(problem in error for error in row.errors), row.errors


# Numbers that Decimal() reads but docs/data-format.md does not offer.
WIDER_THAN_DOCUMENTED = [
    ("1e3", "It has an exponent (such as e3): write the number out in full."),
    ("1E+3", "It has an exponent"),
    ("-1e999999999", "It has an exponent"),
    ("1_000", "It has a space or separator between its digits."),
    ("1 000", "It has a space or separator between its digits."),
    ("\uff11\uff10", "It has digits other than 0 to 9."),  # fullwidth
    ("\u0661e\u0663", "It has digits other than 0 to 9."),  # Arabic-Indic, an exponent
    ("\u0663\u0660\u0660.\u0660\u0660", "It has digits other than 0 to 9."),
    (".5", "It needs a digit on each side of the decimal point"),
]


@pytest.mark.parametrize(("cell", "problem"), WIDER_THAN_DOCUMENTED)
@pytest.mark.parametrize("delimiter", [",", ";"])
def test_an_amount_wider_than_documented_is_refused_naming_it(delimiter, cell, problem):
    header = "date;amount;category\r\n" if delimiter == ";" else HEADER
    (row,) = rows_of(f"{header}2025-01-31{delimiter}{cell}{delimiter}salary\r\n")
    (error,) = row.errors
    assert error.startswith(f"Bad amount “{cell}”: {problem}")
    assert error.endswith("Enter an amount as a plain number, such as 1250.50.")


def test_leading_zeros_in_an_amount_are_accepted_as_documented():
    assert one_row("2025-01-31,007.50,salary").amount == D("7.50")


@pytest.mark.parametrize(
    ("cell", "amount"), [("12,50", D("12.50")), ("12.50", D("12.50")), ("-0,5", D("-0.50"))]
)
def test_a_semicolon_file_takes_a_decimal_comma_or_point(cell, amount):
    (row,) = rows_of(f"date;amount;category\r\n2025-01-31;{cell};salary\r\n")
    assert row.amount == amount


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        ("1.234,56", "It has a space or separator between its digits."),
        ("1,2e3", "It has an exponent"),
        ("12,345", "Use at most 2 decimal places"),
    ],
)
def test_a_semicolon_file_has_no_thousands_separators(cell, problem):
    (row,) = rows_of(f"date;amount;category\r\n2025-01-31;{cell};salary\r\n")
    assert row.errors[0].startswith(f"Bad amount “{cell}”: {problem}")


@pytest.mark.parametrize(
    ("day", "problem"),
    [
        ("2026-11-31", "Bad date “2026-11-31”: November has 30 days."),
        ("2027-02-29", "Bad date “2027-02-29”: February 2027 has 28 days."),
        ("2028-02-30", "Bad date “2028-02-30”: February 2028 has 29 days."),
        ("2025-01-32", "Bad date “2025-01-32”: January has 31 days."),
    ],
)
def test_a_day_past_the_end_of_its_month_is_told_as_such(day, problem):
    assert one_row(f"{day},10,salary").errors == (problem,)


def test_a_leap_day_is_a_good_date():
    assert one_row("2028-02-29,10,salary").date == dt.date(2028, 2, 29)


def test_all_problems_of_a_row_are_listed_in_column_order():
    row = one_row("2025-13-01,abc,nope,ghost")
    assert [error.split(" “")[0] for error in row.errors] == [
        "Bad date",
        "Bad amount",
        "Unknown category",
        "Unknown stream",
    ]


@pytest.mark.parametrize("note", [FORMULA, "+1+1", "-2+3", "@SUM(A1:A9)", "<script>x</script>"])
def test_a_formula_in_the_note_is_kept_as_text(note):
    row = one_row(f'2025-01-31,10,salary,,"{note}"')
    assert row.ok
    assert row.note == note


def test_semicolons_and_a_byte_order_mark_and_decimal_commas():
    text = '\ufeffDate;Amount;Category;Note\r\n2025-01-31;12,50;Rent;"Flat; top floor"\r\n'
    (row,) = rows_of(text.encode())
    assert row.ok, row.errors
    assert (row.amount, row.category, row.note) == (D("12.50"), "rent", "Flat; top floor")
    # One cell too many: "Flat; top floor" was not quoted.
    text = "date;amount;category;note\n2025-01-31;12,50;rent;Flat; top floor\n"
    assert "a note with a semicolon needs quotes" in rows_of(text)[0].errors[0]


def test_a_decimal_comma_only_in_semicolon_files():
    assert one_row('2025-01-31,"12,50",rent').errors


def test_columns_in_any_order_and_case_other_columns_ignored():
    csv_file = read_csv(
        b"Note,Balance,CATEGORY,Amount,Stream Name,Date\nhi,5,rent,10,,2025-01-31\n", []
    )
    assert csv_file.ignored == ("balance",)
    (row,) = csv_file.rows()
    assert (row.date, row.amount, row.category, row.note) == (
        dt.date(2025, 1, 31),
        D("10.00"),
        "rent",
        "hi",
    )


def test_blank_lines_are_skipped_and_lines_counted_with_multi_line_notes():
    text = HEADER + '\r\n2025-01-01,1,rent,,"two\nlines"\r\n,,,,\r\n2025-01-02,x,rent\r\n'
    first, second = rows_of(text)
    assert (first.line, first.note) == (3, "two\nlines")
    assert second.line == 6


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"\xef\xbb\xbf", "The file is empty."),
        (b"\r\n \r\n", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a CSV text file."),
        ("date,amount,category\n".encode("utf-16"), "This is not a CSV text file."),
        (b"PK\x03\x04\x14\x00\x06\x00", "This is not a CSV text file."),
        (b"date,amount,category\n2025-01-01,1,caf\xe9\n", "The file is not UTF-8 text (line 2)."),
        (b"date,amount,note\n2025-01-01,1,x\n", "missing: category"),
        (b"when;how much;what\n", "missing: date, amount, category"),
        (b"date,amount,category,Date\n", "The column “date” appears twice"),
        (b"x" * (csv_import.MAX_BYTES + 1), "The file is larger than 5 MB."),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_as_a_whole(data, message):
    with pytest.raises(ImportFileError, match=re.escape(message)):
        read_csv(data, [])


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (
            HEADER
            + '2025-01-01,1,rent,,"ok"\r\n2025-01-02,2,rent,,"opened\r\n2025-01-03,3,rent\r\n',
            3,
        ),
        (HEADER + '2025-01-01,1,rent,,"two\nlines"\n2025-01-02,2,rent,,"a ""quote"" and\n', 4),
        ('date;amount;category;note\n2025-01-01;1;rent;x\n2025-01-02;"2;rent;y\n', 3),
        ('date,amount,category,"note\n2025-01-01,1,rent,x\n', 1),
    ],
)
def test_a_quote_never_closed_refuses_the_file_naming_its_line(text, line):
    with pytest.raises(ImportFileError) as refused:
        read_csv(text.encode(), [])
    assert str(refused.value).startswith(f"Line {line}: a quote opened here is never closed")


def test_quotes_that_close_or_stand_inside_a_cell_are_text():
    text = (
        HEADER + '2025-01-01,1,rent,,"two\nlines, ""quoted"""\r\n2025-01-02,2,rent,,5" screen\r\n'
    )
    first, second = rows_of(text)
    assert (first.note, second.note) == ('two\nlines, "quoted"', '5" screen')


def test_a_cell_beyond_the_csv_module_limit_is_a_file_error():
    data = (HEADER + '2025-01-01,1,rent,,"' + "x" * 200_000 + '"\n').encode()
    with pytest.raises(ImportFileError, match="Line 2"):
        list(read_csv(data, []).rows())


def staged_job(portfolio, data: bytes | str, name: str = "entries.csv") -> ImportJob:
    """A CSV job of ``portfolio``'s owner, read by the worker's step (called directly)."""
    data = data.encode() if isinstance(data, str) else data
    job = import_jobs.job_start(
        owner=portfolio.owner,
        portfolio=portfolio,
        kind=ImportJob.Kind.ENTRIES_CSV,
        data=data,
        file_name=name,
    )
    import_jobs.entries_csv_stage(job.pk)
    job.refresh_from_db()
    return job


def write(job: ImportJob, *, again: bool = False) -> ImportJob:
    """Confirm a staged job and run the worker's write step directly."""
    assert import_jobs.job_confirm(job=job, allow_duplicate=again)
    import_jobs.entries_csv_write(job.pk)
    job.refresh_from_db()
    return job


@pytest.mark.django_db
def test_the_hash_is_of_the_rows_not_of_the_bytes(portfolio):
    plain = HEADER + "2025-01-31,12.5,dividends,,Q1\r\n"
    other = "\ufeffCategory;Date;Amount;Note\n DIVIDENDS ;2025-01-31;12,50;Q1\n"
    different = HEADER + "2025-01-31,12.51,dividends,,Q1\r\n"

    def digest(text):
        job = staged_job(portfolio, text)
        ImportJob.objects.filter(pk=job.pk).delete()
        return job.file_hash

    assert digest(plain) == digest(other)
    assert digest(plain) != digest(different)
    assert re.fullmatch(r"[0-9a-f]{64}", digest(plain))


@pytest.mark.django_db
def test_the_preview_counts_totals_and_pages_from_the_staged_rows(portfolio):
    lines = [f"2025-01-{day:02d},10,salary" for day in range(1, 29)]
    lines += ["2025-01-01,1,salary" for _ in range(100)]
    lines += ["2025-02-01,2.5,rent", "2025-02-02,x,rent", "2024-12-31,4,taxes"]
    job = staged_job(portfolio, HEADER + "\n".join(lines))
    assert job.state == ImportJob.State.READY
    assert bytes(job.data) == b""  # the file is forgotten once its rows are staged
    assert (job.summary["row_count"], job.summary["error_count"]) == (131, 1)
    assert (job.summary["earned"], job.summary["passive"]) == ("380.00", "2.50")
    assert job.summary["spending"] == "4.00"
    assert (job.summary["first_date"], job.summary["last_date"]) == ("2024-12-31", "2025-02-01")
    assert (job.done, job.total) == (job.total, 132)

    second = staged_entries.page(job, number=2, problems_only=False)
    assert [row.line for row in second] == list(range(102, 133))
    problems = staged_entries.page(job, number=1, problems_only=True)
    assert [(row.line, row.cells[1]) for row in problems] == [(131, "x")]
    assert problems[0].problem.startswith("Bad amount “x”")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (FORMULA, "'" + FORMULA),
        ("+1", "'+1"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("Salary", "Salary"),
        ("", ""),
        (None, ""),
        (D("-12.50"), "-12.50"),
        (3, "3"),
    ],
)
def test_csv_safe_defuses_formulas_but_not_negative_amounts(value, shown):
    assert csv_safe(value) == shown


@pytest.mark.django_db
def test_the_template_reads_back_without_a_problem(portfolio):
    job = staged_job(portfolio, csv_import.template_csv())
    assert (job.summary["row_count"], job.summary["error_count"]) == (4, 0)


# --- The write ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_write_inserts_every_row_and_remembers_the_file(portfolio):
    stream = StreamFactory(portfolio=portfolio, name="ACME salary")
    text = HEADER + "2025-01-31,3000,,acme salary,\r\n2025-02-01,-12.50,fees,,=1+1\r\n"
    job = write(staged_job(portfolio, text))

    assert job.state == ImportJob.State.DONE
    assert job.summary["imported"] == 2
    record = EntryImport.objects.get(portfolio=portfolio)
    assert (record.row_count, record.file_hash) == (2, job.file_hash)
    salary, fee = Entry.objects.filter(portfolio=portfolio).order_by("date")
    assert (salary.stream, salary.category, salary.amount) == (stream, "salary", D("3000.00"))
    assert (fee.amount, fee.category, fee.note, fee.stream) == (D("-12.50"), "fees", "=1+1", None)
    assert not StagedEntry.objects.exists()  # the staged rows go once written


@pytest.mark.django_db
def test_the_write_marks_the_snapshots_stale_from_the_earliest_month(owner, portfolio):
    from portfolio.models import SnapshotQueue

    SnapshotQueue.objects.filter(user=owner).delete()
    text = HEADER + "2025-03-31,10,rent\r\n2024-11-15,10,rent\r\n2025-01-01,10,rent\r\n"
    write(staged_job(portfolio, text))
    assert SnapshotQueue.objects.get(user=owner).dirty_since == dt.date(2024, 11, 1)


@pytest.mark.django_db
def test_the_write_refuses_a_file_imported_before_unless_told(portfolio):
    text = HEADER + "2025-01-31,10,rent\r\n"
    write(staged_job(portfolio, text))
    job = write(staged_job(portfolio, text))
    # Back to its preview, with the message, for the box to be ticked.
    assert job.state == ImportJob.State.READY
    assert "Tick the box to import its entries a second time" in job.problems[0]
    assert Entry.objects.count() == 1
    assert write(job, again=True).state == ImportJob.State.DONE
    assert Entry.objects.count() == 2
    assert EntryImport.objects.filter(portfolio=portfolio).count() == 2


@pytest.mark.django_db
def test_a_row_with_a_problem_writes_nothing_even_if_confirmed(portfolio):
    count = 3 * csv_import.BATCH_SIZE + 10
    job = staged_job(portfolio, big_csv(count, bad_line=count + 1))
    job = write(job)
    assert job.state == ImportJob.State.FAILED
    assert job.problems[0].startswith(f"Line {count + 1}: Bad amount “12.3.4”")
    assert Entry.objects.count() == 0
    assert EntryImport.objects.count() == 0
    assert not StagedEntry.objects.exists()


@pytest.mark.django_db
def test_a_failure_midway_through_the_insert_writes_nothing(portfolio):
    # A row the database refuses at the end of the INSERT (here a zero amount slipped
    # into the staged rows behind the checks' back): the rows before it are not kept.
    text = HEADER + "".join(f"2025-01-01,{n},rent\r\n" for n in range(1, 3001))
    job = staged_job(portfolio, text)
    StagedEntry.objects.filter(job=job, line=3001).update(amount=0)
    job = write(job)
    assert job.state == ImportJob.State.FAILED
    assert "Nothing was imported." in job.problems[0]
    assert Entry.objects.count() == 0
    assert EntryImport.objects.count() == 0


# --- The pages ------------------------------------------------------------------------


def upload_url(portfolio) -> str:
    return reverse("dataport:entry_import", args=[portfolio.pk])


def preview_url(portfolio, job_id: int) -> str:
    return reverse("dataport:entry_import_preview", args=[portfolio.pk, job_id])


def confirm_url(portfolio, job_id: int) -> str:
    return reverse("dataport:entry_import_confirm", args=[portfolio.pk, job_id])


def upload(client, portfolio, data: bytes, name: str = "entries.csv"):
    return client.post(upload_url(portfolio), {"file": SimpleUploadedFile(name, data, "text/csv")})


def uploaded_job(response) -> int:
    assert response.status_code == 302, response.content.decode()[:2000]
    return int(re.search(r"/import/(\d+)/$", response["Location"])[1])


def upload_and_read(client, portfolio, data: bytes) -> int:
    """Upload through the page, then run the worker's reading step (directly)."""
    job_id = uploaded_job(upload(client, portfolio, data))
    import_jobs.entries_csv_stage(job_id)
    return job_id


def confirm(client, portfolio, job_id: int, data: dict | None = None):
    """Post the confirmation, then run the worker's write step (directly)."""
    response = client.post(confirm_url(portfolio, job_id), data or {})
    import_jobs.entries_csv_write(job_id)
    return response


@pytest.fixture
def client_stranger(stranger):
    client = Client()
    client.force_login(stranger)
    return client


GOOD = (
    HEADER + f'2025-01-31,4200,Salary,,January\r\n2025-02-01,35.10,dividends,,"{FORMULA}"\r\n'
).encode()


@pytest.mark.django_db
class TestPages:
    def test_the_upload_page(self, client_owner, portfolio):
        response = client_owner.get(upload_url(portfolio))
        assert response.status_code == 200
        html = response.content.decode()
        assert 'enctype="multipart/form-data"' in html
        assert reverse("dataport:entry_import_template") in html
        assert "<code>business_profit</code>" in html

    def test_upload_only_stores_the_file_then_the_preview_comes_from_staged_rows(
        self, client_owner, portfolio, django_assert_max_num_queries
    ):
        with django_assert_max_num_queries(12):
            job_id = uploaded_job(upload(client_owner, portfolio, GOOD))
        job = ImportJob.objects.get(pk=job_id)
        assert (job.state, bytes(job.data)) == (ImportJob.State.QUEUED, GOOD)
        assert not StagedEntry.objects.exists()  # nothing read in the request
        html = client_owner.get(preview_url(portfolio, job_id)).content.decode()
        assert "Waiting for its turn" in html
        assert 'id="import-progress"' in html
        assert reverse("dataport:import_status", args=[job_id]) in html
        assert "<script>" not in html  # the strict CSP: only static files

        import_jobs.entries_csv_stage(job_id)
        assert Entry.objects.count() == 0  # nothing before the confirmation
        response = client_owner.get(preview_url(portfolio, job_id))
        assert response.status_code == 200
        html = response.content.decode()
        assert "2 rows from 31 Jan 2025 to 1 Feb 2025" in html
        assert 'data-figure="earned">$4,200.00<' in html
        assert "=cmd|&#x27; /C calc&#x27;!A0" in html  # shown as text, escaped
        assert confirm_url(portfolio, job_id) in html
        assert "Import 2 entries" in html

        response = confirm(client_owner, portfolio, job_id)
        assert response.status_code == 302
        assert response["Location"] == preview_url(portfolio, job_id)
        html = client_owner.get(preview_url(portfolio, job_id)).content.decode()
        assert "Imported 2 entries." in html
        salary, dividend = Entry.objects.filter(portfolio=portfolio).order_by("date")
        assert (salary.amount, salary.category, salary.note) == (D("4200.00"), "salary", "January")
        assert dividend.note == FORMULA  # stored as given, never evaluated
        job.refresh_from_db()
        assert EntryImport.objects.get(portfolio=portfolio).file_hash == job.file_hash

        # Done: a second click (or the back button) imports nothing.
        response = confirm(client_owner, portfolio, job_id)
        assert response["Location"] == preview_url(portfolio, job_id)
        assert Entry.objects.count() == 2

    def test_a_reload_shows_the_same_state(self, client_owner, portfolio):
        job_id = upload_and_read(client_owner, portfolio, GOOD)
        client_owner.post(confirm_url(portfolio, job_id))
        for _reload in range(2):
            html = client_owner.get(preview_url(portfolio, job_id)).content.decode()
            assert "Importing" in html
            assert 'data-state="writing"' in html
        status = client_owner.get(reverse("dataport:import_status", args=[job_id])).json()
        assert status == {"state": "writing", "label": "Importing", "done": 0, "total": 0}
        import_jobs.entries_csv_write(job_id)
        for _reload in range(2):
            html = client_owner.get(preview_url(portfolio, job_id)).content.decode()
            assert "Imported 2 entries." in html
            assert 'id="import-progress"' not in html
        # The account's import page leads to the same place.
        response = client_owner.get(reverse("dataport:import_job", args=[job_id]))
        assert response["Location"] == preview_url(portfolio, job_id)

    def test_the_preview_pages_come_from_the_staged_rows_in_a_flat_number_of_queries(
        self, client_owner, portfolio, django_assert_num_queries
    ):
        small = upload_and_read(client_owner, portfolio, GOOD)
        lines = "".join(f"2025-01-01,{n},rent\r\n" for n in range(1, 2501))
        large = upload_and_read(client_owner, portfolio, (HEADER + lines).encode())
        assert bytes(ImportJob.objects.get(pk=large).data) == b""  # the upload is gone
        counts = []
        for job_id in (small, large):
            for query in ({}, {"show": "problems"}, {"page": "3"}):
                with CaptureQueriesContext(connection) as queries:
                    assert (
                        client_owner.get(preview_url(portfolio, job_id), query).status_code == 200
                    )
                counts.append(len(queries))
        assert len(set(counts)) == 1, counts

    def test_the_same_rows_again_need_a_confirmation(self, client_owner, portfolio):
        first = upload_and_read(client_owner, portfolio, GOOD)
        confirm(client_owner, portfolio, first)

        # The same rows, written differently, are recognised.
        again = "\ufeffdate;amount;category;note\n2025-01-31;4200,00;salary;January\n"
        again += f'2025-02-01;35.10;Dividends;"{FORMULA}"\n'
        job_id = upload_and_read(client_owner, portfolio, again.encode())
        assert (
            ImportJob.objects.get(pk=job_id).file_hash == ImportJob.objects.get(pk=first).file_hash
        )
        html = client_owner.get(preview_url(portfolio, job_id)).content.decode()
        assert "You already imported this file" in html
        assert 'name="again"' in html

        response = confirm(client_owner, portfolio, job_id)
        assert "Tick the box to import its entries a second time" in texts(response)[0]
        assert response["Location"] == preview_url(portfolio, job_id)
        assert Entry.objects.count() == 2

        response = confirm(client_owner, portfolio, job_id, {"again": "on"})
        assert "Imported 2 entries." in client_owner.get(preview_url(portfolio, job_id)).text
        assert Entry.objects.count() == 4

    def test_a_file_with_problems_lists_each_row_and_cannot_be_imported(
        self, client_owner, portfolio
    ):
        data = (HEADER + "2025-01-31,10,salary\r\n31.01.2025,x,wages,Ghost\r\n").encode()
        job_id = upload_and_read(client_owner, portfolio, data)

        response = client_owner.get(preview_url(portfolio, job_id))
        html = response.content.decode()
        assert "1 row has a problem" in html
        for problem in [
            "Bad date “31.01.2025”",
            "Bad amount “x”",
            "Unknown category “wages”",
            "Unknown stream “Ghost”",
        ]:
            assert problem in html
        assert confirm_url(portfolio, job_id) not in html

        # The good row's problem cell is empty: nothing for a screen reader to read.
        good_row = re.search(r"<tr>\s*<td class=\"num\">2</td>.*?</tr>", html, re.S)[0]
        assert re.search(r"<td></td>\s*</tr>$", good_row), good_row
        assert "None" not in good_row

        only = client_owner.get(preview_url(portfolio, job_id), {"show": "problems"})
        assert [row.line for row in only.context["rows"]] == [3]

        # Posting anyway writes nothing.
        response = confirm(client_owner, portfolio, job_id)
        assert texts(response) == ["Some rows have a problem. Nothing was imported."]
        assert Entry.objects.count() == 0

    def test_a_stream_deleted_after_the_preview_stops_the_import(self, client_owner, portfolio):
        stream = StreamFactory(portfolio=portfolio, name="Rent flat", category="rent")
        data = (HEADER + "2025-01-31,900,,Rent flat\r\n").encode()
        job_id = upload_and_read(client_owner, portfolio, data)
        stream.delete()
        confirm(client_owner, portfolio, job_id)
        html = client_owner.get(preview_url(portfolio, job_id)).content.decode()
        assert "Line 2: the stream “Rent flat” was deleted since the preview." in html
        assert "Nothing was imported." in html
        assert Entry.objects.count() == 0

    def test_a_second_import_is_refused_while_one_runs(self, client_owner, portfolio):
        first = uploaded_job(upload(client_owner, portfolio, GOOD))
        response = upload(client_owner, portfolio, GOOD)
        assert response.status_code == 200
        assert "Another import of yours is still running" in response.text
        assert ImportJob.objects.count() == 1
        import_jobs.entries_csv_stage(first)  # read: the preview waits, nothing runs
        second = upload_and_read(client_owner, portfolio, GOOD)
        # Confirming while the other one reads is refused too.
        uploaded_job(upload(client_owner, PortfolioFactory(owner=portfolio.owner), GOOD))
        response = client_owner.post(confirm_url(portfolio, second))
        assert "Another import of yours is still running" in texts(response)[0]
        assert ImportJob.objects.get(pk=second).state == ImportJob.State.READY

    def test_rows_are_shown_a_page_at_a_time(self, client_owner, portfolio):
        lines = "".join(f"2025-01-01,{n},rent\r\n" for n in range(1, 251))
        job_id = upload_and_read(client_owner, portfolio, (HEADER + lines).encode())
        response = client_owner.get(preview_url(portfolio, job_id), {"page": "3"})
        assert [row.line for row in response.context["rows"]] == list(range(202, 252))
        assert "Page 3 of 3" in response.content.decode()
        for page in ["0", "-1", "x", "99"]:
            assert (
                client_owner.get(preview_url(portfolio, job_id), {"page": page}).status_code == 200
            )

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (b"", "The file is empty."),
            (b"\x00\x01\x02\xff" * 1000, "This is not a CSV text file."),
            (b"\xff\xfe\xfd garbage", "The file is not UTF-8 text"),
            (b"day,sum\r\n2025-01-01,1\r\n", "missing: date, amount, category"),
            (b"date,amount,category\n" + b"x\n" * 1_000_000, "more than 300,000 lines"),
            (
                b'date,amount,category,note\r\n2025-01-01,1,rent,"no end\r\n2025-01-02,2,rent\r\n',
                "Line 2: a quote opened here is never closed",
            ),
            (b"date,amount,category\n" + b"2025-01-01,1.00,salary\n" * 460_000, "larger than 5 MB"),
        ],
    )
    def test_a_bad_file_gets_a_message_and_nothing_is_kept_or_written(
        self, client_owner, portfolio, data, message
    ):
        response = upload(client_owner, portfolio, data)
        assert response.status_code == 200
        assert message in " ".join(response.context["form"].errors["file"])
        assert not ImportJob.objects.exists()
        assert Entry.objects.count() == 0

    def test_no_file_chosen(self, client_owner, portfolio):
        response = client_owner.post(upload_url(portfolio), {})
        assert response.context["form"].errors["file"] == ["Choose a CSV file to import."]

    def test_a_file_without_rows_fails_with_its_message(self, client_owner, portfolio):
        job_id = upload_and_read(client_owner, portfolio, b"date,amount,category\r\n")
        html = client_owner.get(preview_url(portfolio, job_id)).content.decode()
        assert "Nothing was imported." in html
        assert "The file has no rows under its header line." in html
        assert ImportJob.objects.get(pk=job_id).state == ImportJob.State.FAILED

    def test_an_unknown_import_is_404(self, client_owner, portfolio):
        job_id = upload_and_read(client_owner, portfolio, GOOD)
        other = PortfolioFactory(owner=portfolio.owner, name="Other")
        assert client_owner.get(preview_url(portfolio, job_id + 1)).status_code == 404
        assert client_owner.get(preview_url(other, job_id)).status_code == 404
        assert client_owner.post(confirm_url(other, job_id)).status_code == 404

    def test_a_stranger_gets_404_everywhere(self, client_owner, client_stranger, portfolio):
        job_id = upload_and_read(client_owner, portfolio, GOOD)
        assert client_stranger.get(upload_url(portfolio)).status_code == 404
        assert upload(client_stranger, portfolio, GOOD).status_code == 404
        assert client_stranger.get(preview_url(portfolio, job_id)).status_code == 404
        assert client_stranger.post(confirm_url(portfolio, job_id)).status_code == 404
        for name in ("dataport:import_job", "dataport:import_status"):
            assert client_stranger.get(reverse(name, args=[job_id])).status_code == 404
        assert ImportJob.objects.get(pk=job_id).state == ImportJob.State.READY
        assert Entry.objects.count() == 0

    def test_wrong_methods_get_405(self, client_owner, portfolio):
        job_id = upload_and_read(client_owner, portfolio, GOOD)
        assert client_owner.get(confirm_url(portfolio, job_id)).status_code == 405
        assert client_owner.post(preview_url(portfolio, job_id)).status_code == 405
        assert (
            client_owner.post(reverse("dataport:import_status", args=[job_id])).status_code == 405
        )
        assert client_owner.post(reverse("dataport:entry_import_template")).status_code == 405
        assert client_owner.put(upload_url(portfolio)).status_code == 405
        assert Entry.objects.count() == 0

    def test_anonymous_is_sent_to_log_in(self, client, portfolio):
        for url in [upload_url(portfolio), reverse("dataport:entry_import_template")]:
            response = client.get(url)
            assert response.status_code == 302
            assert reverse("account_login") in response["Location"]

    def test_the_template_download(self, client_owner):
        response = client_owner.get(reverse("dataport:entry_import_template"))
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == 'attachment; filename="wealth-ratio-entries.csv"'
        assert response.content.decode().startswith("date,amount,category,stream,note,currency\r\n")


# --- 100,000 rows -----------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db
def test_100000_rows_are_imported_through_the_pages(client_owner, portfolio):
    data = big_csv(100_000)
    assert len(data) < csv_import.MAX_BYTES
    job_id = upload_and_read(client_owner, portfolio, data)
    response = client_owner.get(preview_url(portfolio, job_id))
    assert response.context["preview"]["row_count"] == 100_000
    assert len(response.context["rows"]) == 100  # one page, not 100,000 rows of HTML

    confirm(client_owner, portfolio, job_id)
    assert "Imported 100,000 entries." in client_owner.get(preview_url(portfolio, job_id)).text
    assert Entry.objects.filter(portfolio=portfolio).count() == 100_000
    assert EntryImport.objects.get().row_count == 100_000


@pytest.mark.django_db
def test_a_bad_row_on_line_99999_writes_nothing(client_owner, portfolio):
    data = big_csv(100_000, bad_line=99_999)
    job_id = upload_and_read(client_owner, portfolio, data)
    only = client_owner.get(preview_url(portfolio, job_id), {"show": "problems"})
    assert [row.line for row in only.context["rows"]] == [99_999]
    # Confirming anyway (the job forced to writing) must not write the good rows.
    ImportJob.objects.filter(pk=job_id).update(state=ImportJob.State.WRITING)
    import_jobs.entries_csv_write(job_id)
    job = ImportJob.objects.get(pk=job_id)
    assert job.problems[0].startswith("Line 99999: Bad amount “12.3.4”")
    assert Entry.objects.count() == 0
    assert EntryImport.objects.count() == 0


def test_deleting_a_portfolio_deletes_its_imports_and_staged_rows(client_owner, owner):
    portfolio = owner.portfolios.get()
    other = PortfolioFactory(owner=owner, name="Other")
    upload_and_read(client_owner, portfolio, GOOD)
    upload_and_read(client_owner, portfolio, GOOD.replace(b"4200", b"4300"))
    kept = upload_and_read(client_owner, other, GOOD)
    assert StagedEntry.objects.count() == 6
    Portfolio.objects.filter(pk=portfolio.pk).delete()
    assert list(ImportJob.objects.values_list("pk", flat=True)) == [kept]
    assert set(StagedEntry.objects.values_list("job_id", flat=True)) == {kept}


# --- The cleanup -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_cleanup_fails_lost_imports_and_drops_unconfirmed_previews(portfolio, stranger):
    lost = import_jobs.job_start(
        owner=stranger,
        portfolio=stranger.portfolios.get(),
        kind="entries_csv",
        data=GOOD,
        file_name="a",
    )
    ImportJob.objects.filter(pk=lost.pk).update(state=ImportJob.State.READING)
    import_jobs.entries_csv_stage(lost.pk)  # a redelivered task leaves a running job alone
    waiting = staged_job(portfolio, GOOD)
    done = write(staged_job(portfolio, GOOD.replace(b"4200", b"1")))
    assert import_jobs.abandoned_cleanup() == 0  # nothing old yet

    later = timezone.now() + import_jobs.STALE_RUNNING + dt.timedelta(minutes=1)
    assert import_jobs.abandoned_cleanup(now=later) == 1
    lost.refresh_from_db()
    assert lost.state == ImportJob.State.FAILED
    assert "stopped before it finished" in lost.problems[0]
    assert bytes(lost.data) == b""

    later += import_jobs.STALE_READY
    assert import_jobs.abandoned_cleanup(now=later) == 1
    waiting.refresh_from_db()
    assert waiting.state == ImportJob.State.FAILED
    assert not StagedEntry.objects.exists()

    later += import_jobs.KEEP_FINISHED + import_jobs.STALE_READY
    assert import_jobs.abandoned_cleanup(now=later) == 3
    assert not ImportJob.objects.exists()
    assert Entry.objects.filter(pk__in=done.portfolio.entries.all()).count() == 2


@pytest.mark.django_db
def test_a_retry_after_a_transient_error_reads_the_file_again_from_the_start(portfolio):
    job = import_jobs.job_start(
        owner=portfolio.owner, portfolio=portfolio, kind="entries_csv", data=GOOD, file_name="a"
    )
    # The first try staged a row, then lost its database connection.
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.READING)
    StagedEntry.objects.create(job=job, line=2, problem="half-read", cells=["", "", ""])
    import_jobs.entries_csv_stage(job.pk)  # a second delivery: someone else has it
    assert ImportJob.objects.get(pk=job.pk).state == ImportJob.State.READING
    import_jobs.entries_csv_stage(job.pk, retrying=True)
    job.refresh_from_db()
    assert job.state == ImportJob.State.READY
    assert (job.summary["row_count"], job.summary["error_count"]) == (2, 0)


@pytest.mark.django_db
def test_the_cleanup_is_on_beats_schedule():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="imports.cleanup")
    assert (task.interval.every, task.interval.period) == (10, "minutes")
    assert task.enabled


# --- The optional currency column ------------------------------------------------------


def test_a_currency_column_gives_each_amount_its_currency():
    header = "date,amount,category,currency\r\n"
    pounds, base = rows_of(header + "2025-01-31,950,rent,gbp\r\n2025-02-28,10,fees,\r\n")
    assert (pounds.ok, pounds.currency) == (True, "GBP")
    assert (base.ok, base.currency) == (True, None)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("XYZ", "XYZ is not an ISO 4217 currency code"),
        ("DEM", "DEM is not a currency in use today"),
    ],
)
def test_an_unknown_or_withdrawn_currency_is_a_row_error(cell, message):
    (row,) = rows_of(f"date,amount,category,currency\r\n2025-01-31,950,rent,{cell}\r\n")
    assert not row.ok
    assert message in row.problem


def test_the_currency_changes_a_rows_hash_only_when_given():
    without = one_row("2025-01-31,950,rent,,")
    (empty,) = rows_of("date,amount,category,stream,note,currency\r\n2025-01-31,950,rent,,,\r\n")
    (pounds,) = rows_of(
        "date,amount,category,stream,note,currency\r\n2025-01-31,950,rent,,,GBP\r\n"
    )
    assert without.normalized() == empty.normalized() != pounds.normalized()


@pytest.mark.django_db
def test_imported_entries_are_in_their_currency_or_the_base_one(owner, portfolio):
    owner.currency = "CHF"
    owner.save()
    text = "date,amount,category,currency\r\n2025-01-31,950,rent,GBP\r\n2025-02-28,10,fees,\r\n"
    portfolio.refresh_from_db()
    write(staged_job(portfolio, text))
    assert list(
        Entry.objects.filter(portfolio=portfolio)
        .order_by("date")
        .values_list("currency", flat=True)
    ) == ["GBP", "CHF"]
