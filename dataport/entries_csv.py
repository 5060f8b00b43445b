"""CSV import of entries: read and check a file, then write all of its rows or none.

Dates and amounts follow the export format (docs/data-format.md) and the limits of
``portfolio.limits``.

The file: UTF-8 with or without a byte-order mark, at most ``MAX_BYTES``, commas or
semicolons between cells (decided from the header line), a header naming the
columns ``date``, ``amount``, ``category`` and optionally ``stream``, ``note`` and
``currency`` in any order and letter case. Other columns are ignored and named in
the preview.

- ``date``: ISO ``YYYY-MM-DD``, between 1900 and 2200.
- ``amount``: a plain number (``portfolio.numbers``: ASCII digits, an optional sign
  and decimal point; no exponent or thousands separators) with at most 12 integer
  digits and cents, not zero; a negative amount corrects an earlier entry. In a
  semicolon file a decimal comma ("12,50") is accepted, as spreadsheets in those
  locales write it.
- ``category``: a category's value ("dividends") or label ("Dividends"), any case;
  may be empty when the row names a stream, whose category it then takes.
- ``stream``: the name of one of the portfolio's streams (any case), or empty.
- ``note``: free text up to 500 characters, stored exactly as given. A cell such as
  ``=cmd|' /C calc'!A0`` is text here; ``csv_safe`` defuses it on export.
- ``currency``: the amount's currency, a current ISO 4217 code ("GBP"); empty, or
  no such column, is the base currency.

Reading is a stream: ``read_csv`` checks the whole file once (size, binary content,
UTF-8, header, a quote never closed) and ``CsvFile.rows()`` yields one ``ImportRow``
at a time, so memory stays at the size of the file plus one batch, whatever the
number of rows. A worker reads the rows once into the database
(``dataport.staged_entries``), where the preview and the write find them.
"""

from __future__ import annotations

import csv
import io
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property

from django.core.exceptions import ValidationError

from accounts.validators import validate_currency
from dataport.models import EntryImport
from portfolio import categories, months, numbers
from portfolio.forms import MoneyField
from portfolio.limits import ENTRY_IMPORT_MAX_LINES, FIRST_YEAR, LAST_YEAR
from portfolio.models import Entry, Portfolio, Stream

MAX_BYTES = 5 * 1024 * 1024
BATCH_SIZE = 2000
NOTE_MAX = Entry._meta.get_field("note").max_length

DATE, AMOUNT, CATEGORY, STREAM, NOTE = "date", "amount", "category", "stream", "note"
CURRENCY = "currency"
COLUMNS = (DATE, AMOUNT, CATEGORY, STREAM, NOTE, CURRENCY)
REQUIRED_COLUMNS = (DATE, AMOUNT, CATEGORY)
_ALIASES = {"stream name": STREAM}
DELIMITERS = (",", ";")

# A category cell may hold the value or the label, in any letter case.
_CATEGORY_BY_TEXT = {
    **{label.lower(): value for value, label in categories.CATEGORY_CHOICES},
    **{value: value for value, _ in categories.CATEGORY_CHOICES},
}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Cells a spreadsheet would run as a formula (OWASP "CSV injection"); tab and
# carriage return start one in some spreadsheets too.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHOWN_CHARS = 40
_FIRST_LINE = re.compile(r"[^\r\n]*")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class ImportFileError(ValueError):
    """The file as a whole cannot be read: the message says why, for the user."""


class ImportRejected(Exception):
    """A row has a problem (or the file has no rows), so nothing was written."""


class DuplicateImport(Exception):
    """These rows were imported into the portfolio before; confirm to import them again."""

    def __init__(self, previous: EntryImport):
        super().__init__(f"Already imported on {previous.created_at:%Y-%m-%d}")
        self.previous = previous


@dataclass(frozen=True, slots=True)
class KnownStream:
    """A stream of the portfolio, as the parser needs it."""

    id: int
    name: str
    category: str


def known_streams(portfolio: Portfolio) -> list[KnownStream]:
    rows = Stream.objects.filter(portfolio=portfolio).values_list("pk", "name", "category")
    return [KnownStream(id=pk, name=name, category=cat) for pk, name, cat in rows]


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One data row: the cells as found, the values read from them, and any problems."""

    line: int  # in the file, header = 1
    cells: tuple[str, str, str, str, str, str]  # date, amount, category, stream, note, currency
    date: date | None
    amount: Decimal | None
    category: str | None
    stream_id: int | None
    note: str
    errors: tuple[str, ...]
    currency: str | None = None  # None: the base currency

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def problem(self) -> str:
        """The row's problems in one sentence, with its line: for messages."""
        return f"Line {self.line}: {' '.join(self.errors)}"

    @property
    def category_label(self) -> str:
        return categories.LABEL_OF[self.category] if self.category else self.cells[2]

    @property
    def group(self) -> str | None:
        return categories.GROUP_OF.get(self.category) if self.category else None

    def normalized(self) -> str:
        """The row as the hash sees it: the same data hashes the same, however written.

        Independent of the portfolio's streams, so a file keeps its hash when
        streams are renamed or added.
        """
        day, amount, category, stream, note, currency = self.cells
        parts = (
            self.date.isoformat() if self.date else day,
            str(self.amount) if self.amount is not None else amount,
            _CATEGORY_BY_TEXT.get(category.lower(), category.lower()),
            stream.lower(),
            note,
            # Only when given, so a file without currencies keeps its hash.
            *((currency.upper(),) if currency else ()),
        )
        return "\x1f".join(parts) + "\x1e"


@dataclass(frozen=True)
class CsvFile:
    """A checked file, ready to be read row by row (as many times as needed)."""

    data: bytes
    delimiter: str
    columns: dict[str, int]  # column name -> position
    ignored: tuple[str, ...]  # header cells that are not ours
    header_width: int
    streams: dict[str, KnownStream]  # lower-case name -> stream

    def rows(self) -> Iterator[ImportRow]:
        """Every data row in file order; blank lines are skipped.

        Raises ``ImportFileError`` for what only shows deep in a file (a cell longer
        than the csv module allows).
        """
        text = io.TextIOWrapper(io.BytesIO(self.data), encoding="utf-8-sig", newline="")
        reader = csv.reader(text, delimiter=self.delimiter)
        amount_field = MoneyField(allow_zero=False)
        try:
            next(reader)  # the header
            line = reader.line_num + 1
            for cells in reader:
                if any(cell.strip() for cell in cells):
                    yield self._row(cells, line, amount_field)
                line = reader.line_num + 1
        except csv.Error as error:
            raise ImportFileError(f"Line {reader.line_num}: {error}.") from None

    def _row(self, cells: list[str], line: int, amount_field: MoneyField) -> ImportRow:
        count = len(cells)
        values = tuple(
            cells[position].strip() if 0 <= position < count else "" for position in self.positions
        )
        day_text, amount_text, category_text, stream_text, note, currency_text = values
        errors: list[str] = []
        width = self.header_width
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            errors.append(
                f"This row has {len(cells)} cells but the header names {width} columns "
                f"(a note with a {self._delimiter_name} needs quotes)."
            )

        day = _read_date(day_text, errors)
        amount = _read_amount(amount_text, errors, amount_field, self.delimiter == ";")

        stream = self.streams.get(stream_text.lower()) if stream_text else None
        category = None
        if category_text:
            category = _CATEGORY_BY_TEXT.get(category_text.lower())
            if category is None:
                errors.append(f"Unknown category “{_shown(category_text)}”.")
        elif stream is not None:
            category = stream.category
        elif not stream_text:
            errors.append("The category is missing.")
        if stream_text and stream is None:
            errors.append(
                f"Unknown stream “{_shown(stream_text)}”: add it under Streams first, "
                "or leave the cell empty."
            )

        if len(note) > NOTE_MAX:
            errors.append(f"The note is longer than {NOTE_MAX} characters.")
        currency = currency_text.upper() or None
        if currency is not None:
            try:
                validate_currency(currency)
            except ValidationError as error:
                errors.append(" ".join(error.messages).replace(currency, _shown(currency_text)))

        return ImportRow(
            line=line,
            cells=values,
            date=day,
            amount=amount,
            category=category,
            stream_id=stream.id if stream else None,
            note=note,
            errors=tuple(errors),
            currency=currency,
        )

    @cached_property
    def positions(self) -> tuple[int, ...]:
        """Where each of ``COLUMNS`` is in a row; -1 for a column the file lacks."""
        return tuple(self.columns.get(name, -1) for name in COLUMNS)

    @property
    def _delimiter_name(self) -> str:
        return "comma" if self.delimiter == "," else "semicolon"


def _shown(text: str) -> str:
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


def _read_date(text: str, errors: list[str]) -> date | None:
    if not text:
        errors.append("The date is missing.")
        return None
    try:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError
        day = date.fromisoformat(text)
    except ValueError:
        problem = months.day_past_month_end(text) or "write it as YYYY-MM-DD, e.g. 2025-01-31."
        errors.append(f"Bad date “{_shown(text)}”: {problem}")
        return None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        errors.append(f"Bad date “{text}”: it must be between {FIRST_YEAR} and {LAST_YEAR}.")
        return None
    return day


def _read_amount(
    text: str, errors: list[str], amount_field: MoneyField, decimal_comma: bool
) -> Decimal | None:
    if not text:
        errors.append("The amount is missing.")
        return None
    separator = "," if decimal_comma and "," in text else "."
    try:
        number = numbers.parse_decimal(text, decimal_separator=separator)
    except numbers.NotANumber as error:
        messages = amount_field.error_messages
        if error.code in ("invalid", "not_finite"):
            problem = messages[error.code]
        else:  # a number written another way: say which way
            problem = f"It {error.problem}. {messages['invalid']}"
        errors.append(f"Bad amount “{_shown(text)}”: {problem}")
        return None
    try:
        # to_python does every check of MoneyField (clean() adds only slow no-ops here).
        return amount_field.to_python(number)
    except ValidationError as error:
        errors.append(f"Bad amount “{_shown(text)}”: {' '.join(error.messages)}")
        return None


def read_csv(data: bytes, streams: Iterable[KnownStream]) -> CsvFile:
    """Check a whole file and read its header; raise ``ImportFileError`` if unusable."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    if data.count(b"\n") > ENTRY_IMPORT_MAX_LINES:
        raise ImportFileError(
            f"The file has more than {ENTRY_IMPORT_MAX_LINES:,} lines. Split it into parts."
        )
    if b"\x00" in data:
        # Spreadsheets, archives, images; and UTF-16 text, which is full of NULs.
        raise ImportFileError(
            "This is not a CSV text file. Save it from your spreadsheet as “CSV UTF-8”."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ImportFileError(
            f"The file is not UTF-8 text (line {line}). "
            "Save it from your spreadsheet as “CSV UTF-8”."
        ) from None
    if not text.strip():
        raise ImportFileError("The file is empty.")
    header_line = _FIRST_LINE.match(text).group()
    delimiter, header = _sniff(header_line)
    _check_quotes(text, delimiter)
    del text  # the rows are decoded again as a stream, one at a time
    columns, ignored = _columns(header)
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ImportFileError(
            f"The first line must name the columns {', '.join(REQUIRED_COLUMNS)} "
            f"(and optionally stream, note); missing: {', '.join(missing)}. "
            "The template shows the layout."
        )
    return CsvFile(
        data=data,
        delimiter=delimiter,
        columns=columns,
        ignored=tuple(ignored),
        header_width=len(header),
        streams={stream.name.lower(): stream for stream in streams},
    )


def _check_quotes(text: str, delimiter: str) -> None:
    """Refuse a file with a quote that is never closed: the csv module would read the
    rest of the file into that one cell, silently.

    A quote opens a cell only at its start (after a delimiter or a line break); one
    inside a cell is text, and a doubled one inside a quoted cell is a quote, as
    the csv module reads them. An unclosed one is the last quoted cell.
    """
    quoted = re.compile(rf'(?:\A|(?<=[{re.escape(delimiter)}\r\n]))"(?:[^"]|"")*(")?')
    last = deque(quoted.finditer(text), maxlen=1)
    if last and last[0].group(1) is None:
        line = len(_LINE_BREAK.findall(text, 0, last[0].start())) + 1
        raise ImportFileError(
            f"Line {line}: a quote opened here is never closed, so the rest of the file "
            'would be one cell. Close it, or double a quote that belongs to the text ("").'
        )


def _sniff(header_line: str) -> tuple[str, list[str]]:
    """The delimiter that splits the header into the most of our column names."""
    best: tuple[int, str, list[str]] | None = None
    for delimiter in DELIMITERS:
        cells = next(csv.reader([header_line], delimiter=delimiter), [])
        names = [_column_name(cell) for cell in cells]
        score = sum(name in COLUMNS for name in names)
        if best is None or score > best[0]:
            best = (score, delimiter, names)
    assert best is not None
    return best[1], best[2]


def _column_name(cell: str) -> str:
    name = " ".join(cell.strip().lower().split())
    return _ALIASES.get(name, name)


def _columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for position, name in enumerate(header):
        if name in COLUMNS:
            if name in columns:
                raise ImportFileError(f"The column “{name}” appears twice in the first line.")
            columns[name] = position
        elif name:
            ignored.append(_shown(name))
    return columns, ignored


# --- Templates and export -----------------------------------------------------------


def csv_safe(value: object) -> str:
    """A cell for a CSV export that a spreadsheet shows as text, never runs as a formula.

    Text starting with =, +, -, @, a tab or a carriage return gets a leading single
    quote (OWASP's advice). Numbers are left alone, so an amount of -12.50 stays a
    number: pass amounts as ``Decimal``, not as text.
    """
    if value is None:
        return ""
    if isinstance(value, int | Decimal):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def template_csv() -> str:
    """A small example file with every column, for the user to fill in."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(
        [
            ("2025-01-31", "4200.00", "salary", "", "January salary", ""),
            ("2025-02-03", "1200.00", "living_expenses", "", "Rent for our flat", ""),
            ("2025-02-15", "86.40", "Dividends", "", "Index fund, quarterly", "GBP"),
            ("2025-02-20", "-12.50", "fees", "", "Refund of a broker fee", ""),
        ]
    )
    return buffer.getvalue()
