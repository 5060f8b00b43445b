"""CSV import of entries: the parser, the all-or-nothing write, and the pages."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from dataport import entries_csv as csv_import
from dataport import kept_uploads
from dataport.entries_csv import (
    DuplicateImport,
    ImportFileError,
    ImportRejected,
    KnownStream,
    csv_safe,
    entries_import,
    preview,
    read_csv,
)
from dataport.models import EntryImport
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


def test_a_cell_beyond_the_csv_module_limit_is_a_file_error():
    data = (HEADER + '2025-01-01,1,rent,,"' + "x" * 200_000 + '"\n').encode()
    with pytest.raises(ImportFileError, match="Line 2"):
        list(read_csv(data, []).rows())


def test_the_hash_is_of_the_rows_not_of_the_bytes():
    plain = HEADER + "2025-01-31,12.5,dividends,,Q1\r\n"
    other = "\ufeffCategory;Date;Amount;Note\n DIVIDENDS ;2025-01-31;12,50;Q1\n"
    different = HEADER + "2025-01-31,12.51,dividends,,Q1\r\n"

    def digest(text):
        return preview(read_csv(text.encode(), [])).file_hash

    assert digest(plain) == digest(other)
    assert digest(plain) != digest(different)
    assert re.fullmatch(r"[0-9a-f]{64}", digest(plain))


def test_the_preview_counts_totals_and_pages():
    lines = [f"2025-01-{day:02d},10,salary" for day in range(1, 29)]
    lines += ["2025-02-01,2.5,rent", "2025-02-02,x,rent", "2024-12-31,4,taxes"]
    csv_file = read_csv((HEADER + "\n".join(lines)).encode(), [])

    result = preview(csv_file, offset=25, limit=5)
    assert (result.row_count, result.error_count) == (31, 1)
    assert (result.earned, result.passive, result.spending) == (D("280"), D("2.5"), D("4"))
    assert (result.first_date, result.last_date) == (dt.date(2024, 12, 31), dt.date(2025, 2, 1))
    assert [row.line for row in result.rows] == [27, 28, 29, 30, 31]
    assert not result.ok

    problems = preview(csv_file, limit=10, problems_only=True)
    assert [row.line for row in problems.rows] == [31]
    assert problems.shown_count == 1


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


def test_the_template_reads_back_without_a_problem():
    result = preview(read_csv(csv_import.template_csv().encode(), []))
    assert result.row_count == 4
    assert result.ok


# --- The write ------------------------------------------------------------------------


@pytest.mark.django_db
def test_entries_import_writes_every_row_and_remembers_the_file(portfolio):
    stream = StreamFactory(portfolio=portfolio, name="ACME salary")
    streams = [KnownStream(id=stream.pk, name=stream.name, category=stream.category)]
    text = HEADER + "2025-01-31,3000,,acme salary,\r\n2025-02-01,-12.50,fees,,=1+1\r\n"
    record = entries_import(portfolio=portfolio, rows=rows_of(text, streams), file_hash="a" * 64)

    assert (record.row_count, record.file_hash) == (2, "a" * 64)
    salary, fee = Entry.objects.filter(portfolio=portfolio).order_by("date")
    assert (salary.stream, salary.category, salary.amount) == (stream, "salary", D("3000.00"))
    assert (fee.amount, fee.category, fee.note, fee.stream) == (D("-12.50"), "fees", "=1+1", None)


@pytest.mark.django_db
def test_entries_import_marks_the_snapshots_stale_from_the_earliest_month(owner, portfolio):
    from portfolio.models import SnapshotQueue

    SnapshotQueue.objects.filter(user=owner).delete()
    text = HEADER + "2025-03-31,10,rent\r\n2024-11-15,10,rent\r\n2025-01-01,10,rent\r\n"
    entries_import(portfolio=portfolio, rows=rows_of(text), file_hash="f" * 64)
    assert SnapshotQueue.objects.get(user=owner).dirty_since == dt.date(2024, 11, 1)


@pytest.mark.django_db
def test_entries_import_refuses_a_file_imported_before_unless_told(portfolio):
    rows = rows_of(HEADER + "2025-01-31,10,rent\r\n")
    entries_import(portfolio=portfolio, rows=rows, file_hash="b" * 64)
    with pytest.raises(DuplicateImport):
        entries_import(portfolio=portfolio, rows=rows, file_hash="b" * 64)
    assert Entry.objects.count() == 1
    entries_import(portfolio=portfolio, rows=rows, file_hash="b" * 64, allow_duplicate=True)
    assert Entry.objects.count() == 2
    assert EntryImport.objects.filter(portfolio=portfolio).count() == 2


@pytest.mark.django_db
def test_a_bad_row_after_written_batches_rolls_everything_back(portfolio):
    count = 3 * csv_import.BATCH_SIZE + 10
    rows = read_csv(big_csv(count, bad_line=count + 1), []).rows()
    with pytest.raises(ImportRejected, match=rf"^Line {count + 1}: Bad amount “12.3.4”"):
        entries_import(portfolio=portfolio, rows=rows, file_hash="c" * 64)
    assert Entry.objects.count() == 0
    assert EntryImport.objects.count() == 0


@pytest.mark.django_db
def test_nothing_to_import_is_refused(portfolio):
    with pytest.raises(ImportRejected):
        entries_import(portfolio=portfolio, rows=[], file_hash="d" * 64)
    assert EntryImport.objects.count() == 0


# --- The pages ------------------------------------------------------------------------


def upload_url(portfolio) -> str:
    return reverse("dataport:entry_import", args=[portfolio.pk])


def preview_url(portfolio, file_hash: str) -> str:
    return reverse("dataport:entry_import_preview", args=[portfolio.pk, file_hash])


def confirm_url(portfolio, file_hash: str) -> str:
    return reverse("dataport:entry_import_confirm", args=[portfolio.pk, file_hash])


def upload(client, portfolio, data: bytes, name: str = "entries.csv"):
    return client.post(upload_url(portfolio), {"file": SimpleUploadedFile(name, data, "text/csv")})


def uploaded_hash(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    return re.search(r"/import/([0-9a-f]{64})/$", response["Location"])[1]


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

    def test_upload_preview_and_import(self, client_owner, portfolio):
        file_hash = uploaded_hash(upload(client_owner, portfolio, GOOD))
        assert Entry.objects.count() == 0  # nothing before the confirmation

        response = client_owner.get(preview_url(portfolio, file_hash))
        assert response.status_code == 200
        html = response.content.decode()
        assert "2 rows from 31 Jan 2025 to 1 Feb 2025" in html
        assert 'data-figure="earned">$4,200.00<' in html
        assert "=cmd|&#x27; /C calc&#x27;!A0" in html  # shown as text, escaped
        assert confirm_url(portfolio, file_hash) in html
        assert "Import 2 entries" in html

        response = client_owner.post(confirm_url(portfolio, file_hash))
        assert response.status_code == 302
        assert response["Location"] == reverse("portfolio:entry_list", args=[portfolio.pk])
        assert texts(response) == ["Imported 2 entries."]
        salary, dividend = Entry.objects.filter(portfolio=portfolio).order_by("date")
        assert (salary.amount, salary.category, salary.note) == (D("4200.00"), "salary", "January")
        assert dividend.note == FORMULA  # stored as given, never evaluated
        assert EntryImport.objects.get(portfolio=portfolio).file_hash == file_hash

        # The kept file is gone: a second click (or the back button) imports nothing.
        response = client_owner.post(confirm_url(portfolio, file_hash))
        assert response["Location"] == upload_url(portfolio)
        assert Entry.objects.count() == 2

    def test_the_same_rows_again_need_a_confirmation(self, client_owner, portfolio):
        file_hash = uploaded_hash(upload(client_owner, portfolio, GOOD))
        client_owner.post(confirm_url(portfolio, file_hash))

        # The same rows, written differently, are recognised.
        again = "\ufeffdate;amount;category;note\n2025-01-31;4200,00;salary;January\n"
        again += f'2025-02-01;35.10;Dividends;"{FORMULA}"\n'
        assert uploaded_hash(upload(client_owner, portfolio, again.encode())) == file_hash
        html = client_owner.get(preview_url(portfolio, file_hash)).content.decode()
        assert "You already imported this file" in html
        assert 'name="again"' in html

        response = client_owner.post(confirm_url(portfolio, file_hash))
        assert "Tick the box to import its entries a second time" in texts(response)[0]
        assert response["Location"] == preview_url(portfolio, file_hash)
        assert Entry.objects.count() == 2

        response = client_owner.post(confirm_url(portfolio, file_hash), {"again": "on"})
        assert texts(response)[-1] == "Imported 2 entries."
        assert Entry.objects.count() == 4

    def test_a_file_with_problems_lists_each_row_and_cannot_be_imported(
        self, client_owner, portfolio
    ):
        data = (HEADER + "2025-01-31,10,salary\r\n31.01.2025,x,wages,Ghost\r\n").encode()
        file_hash = uploaded_hash(upload(client_owner, portfolio, data))

        response = client_owner.get(preview_url(portfolio, file_hash))
        html = response.content.decode()
        assert "1 row has a problem" in html
        for problem in [
            "Bad date “31.01.2025”",
            "Bad amount “x”",
            "Unknown category “wages”",
            "Unknown stream “Ghost”",
        ]:
            assert problem in html
        assert confirm_url(portfolio, file_hash) not in html

        # The good row's problem cell is empty: nothing for a screen reader to read.
        good_row = re.search(r"<tr>\s*<td class=\"num\">2</td>.*?</tr>", html, re.S)[0]
        assert re.search(r"<td></td>\s*</tr>$", good_row), good_row
        assert "None" not in good_row

        only = client_owner.get(preview_url(portfolio, file_hash), {"show": "problems"})
        assert [row.line for row in only.context["preview"].rows] == [3]

        # Posting anyway writes nothing.
        response = client_owner.post(confirm_url(portfolio, file_hash))
        assert texts(response) == [
            "Line 3: Bad date “31.01.2025”: write it as YYYY-MM-DD, e.g. 2025-01-31. "
            "Bad amount “x”: Enter an amount as a plain number, such as 1250.50. "
            "Unknown category “wages”. Unknown stream “Ghost”: add it under Streams first, "
            "or leave the cell empty. Nothing was imported."
        ]
        assert Entry.objects.count() == 0

    def test_a_stream_deleted_after_the_preview_stops_the_import(self, client_owner, portfolio):
        stream = StreamFactory(portfolio=portfolio, name="Rent flat", category="rent")
        data = (HEADER + "2025-01-31,900,,Rent flat\r\n").encode()
        file_hash = uploaded_hash(upload(client_owner, portfolio, data))
        stream.delete()
        response = client_owner.post(confirm_url(portfolio, file_hash))
        assert "Unknown stream “Rent flat”" in texts(response)[0]
        assert Entry.objects.count() == 0

    def test_rows_are_shown_a_page_at_a_time(self, client_owner, portfolio):
        lines = "".join(f"2025-01-01,{n},rent\r\n" for n in range(1, 251))
        file_hash = uploaded_hash(upload(client_owner, portfolio, (HEADER + lines).encode()))
        response = client_owner.get(preview_url(portfolio, file_hash), {"page": "3"})
        assert [row.line for row in response.context["preview"].rows] == list(range(202, 252))
        assert "Page 3 of 3" in response.content.decode()
        for page in ["0", "-1", "x", "99"]:
            assert (
                client_owner.get(preview_url(portfolio, file_hash), {"page": page}).status_code
                == 200
            )

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (b"", "The file is empty."),
            (b"date,amount,category\r\n", "The file has no rows under its header line."),
            (b"\x00\x01\x02\xff" * 1000, "This is not a CSV text file."),
            (b"\xff\xfe\xfd garbage", "The file is not UTF-8 text"),
            (b"day,sum\r\n2025-01-01,1\r\n", "missing: date, amount, category"),
            (b"date,amount,category\n" + b"2025-01-01,1.00,salary\n" * 460_000, "larger than 5 MB"),
        ],
    )
    def test_a_bad_file_gets_a_message_and_nothing_is_kept_or_written(
        self, client_owner, portfolio, data, message
    ):
        response = upload(client_owner, portfolio, data)
        assert response.status_code == 200
        assert message in " ".join(response.context["form"].errors["file"])
        assert Entry.objects.count() == 0

    def test_no_file_chosen(self, client_owner, portfolio):
        response = client_owner.post(upload_url(portfolio), {})
        assert response.context["form"].errors["file"] == ["Choose a CSV file to import."]

    def test_an_expired_or_unknown_file_sends_back_to_the_upload(self, client_owner, portfolio):
        for response in [
            client_owner.get(preview_url(portfolio, "e" * 64)),
            client_owner.post(confirm_url(portfolio, "e" * 64)),
        ]:
            assert response["Location"] == upload_url(portfolio)
            assert "no longer kept" in texts(response)[0]
        assert client_owner.get(preview_url(portfolio, "E" * 64)).status_code == 404
        assert client_owner.get(preview_url(portfolio, "not-a-hash")).status_code == 404

    def test_a_stranger_gets_404_everywhere(self, client_owner, client_stranger, portfolio):
        file_hash = uploaded_hash(upload(client_owner, portfolio, GOOD))
        assert client_stranger.get(upload_url(portfolio)).status_code == 404
        assert upload(client_stranger, portfolio, GOOD).status_code == 404
        assert client_stranger.get(preview_url(portfolio, file_hash)).status_code == 404
        assert client_stranger.post(confirm_url(portfolio, file_hash)).status_code == 404
        assert Entry.objects.count() == 0

    def test_wrong_methods_get_405(self, client_owner, portfolio):
        file_hash = uploaded_hash(upload(client_owner, portfolio, GOOD))
        assert client_owner.get(confirm_url(portfolio, file_hash)).status_code == 405
        assert client_owner.post(preview_url(portfolio, file_hash)).status_code == 405
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
    file_hash = uploaded_hash(upload(client_owner, portfolio, data))
    response = client_owner.get(preview_url(portfolio, file_hash))
    assert response.context["preview"].row_count == 100_000
    assert len(response.context["preview"].rows) == 100  # one page, not 100,000 rows of HTML

    response = client_owner.post(confirm_url(portfolio, file_hash))
    assert texts(response) == ["Imported 100,000 entries."]
    assert Entry.objects.filter(portfolio=portfolio).count() == 100_000
    assert EntryImport.objects.get().row_count == 100_000


@pytest.mark.django_db
def test_a_bad_row_on_line_99999_writes_nothing(client_owner, portfolio):
    data = big_csv(100_000, bad_line=99_999)
    file_hash = uploaded_hash(upload(client_owner, portfolio, data))
    # The preview shows the problem; posting the confirmation anyway must not write
    # the 99,997 good rows before it (they are written in batches, then rolled back).
    response = client_owner.post(confirm_url(portfolio, file_hash))
    assert texts(response)[0].startswith("Line 99999: Bad amount “12.3.4”")
    assert Entry.objects.count() == 0
    assert EntryImport.objects.count() == 0


def test_deleting_a_portfolio_forgets_its_kept_files(
    client_owner, owner, django_capture_on_commit_callbacks
):
    portfolio = owner.portfolios.get()
    other = PortfolioFactory(owner=owner, name="Other")
    first = uploaded_hash(upload(client_owner, portfolio, GOOD))
    second = uploaded_hash(upload(client_owner, portfolio, GOOD.replace(b"4200", b"4300")))
    kept_elsewhere = uploaded_hash(upload(client_owner, other, GOOD))
    with django_capture_on_commit_callbacks(execute=True):
        Portfolio.objects.filter(pk=portfolio.pk).delete()
    assert cache.get(kept_uploads.file_key(portfolio.pk, first)) is None
    assert cache.get(kept_uploads.file_key(portfolio.pk, second)) is None
    assert cache.get(kept_uploads.file_key(other.pk, kept_elsewhere)) is not None


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
    entries_import(portfolio=portfolio, rows=rows_of(text), file_hash="c" * 64)
    assert list(
        Entry.objects.filter(portfolio=portfolio)
        .order_by("date")
        .values_list("currency", flat=True)
    ) == ["GBP", "CHF"]
