"""Banks' CSV exports in, with any columns: pure Python, no Django.

Reading a bank's CSV file takes two steps, because no two banks write the same one:

1. ``csv_layout(data)`` looks at the file: its encoding (UTF-8 with or without a
   byte-order mark, UTF-16 with a byte-order mark or told by its NUL bytes,
   otherwise Windows-1252), its delimiter (``;``, ``,``, tab or ``|``, whichever
   splits the lines into the same number of cells), its header row under any
   preamble (lines such as ``Konto;DE12…`` or ``From;01.01.2025`` with fewer cells or
   with dates in them), the first rows under it, a ``signature`` of the header by
   which a saved mapping recognises next month's file from the same bank, and a
   ``guess`` of the mapping from the column names (in English, German, French,
   Spanish, Dutch, Italian) and from what the cells hold.
2. ``read_mapped_csv(data, layout, mapping)`` yields one ``StatementLine`` per data
   row, as the ``CsvMapping`` (confirmed or corrected by the user) says: which column
   is the date and in which of ``DATE_FORMATS``; the amount in one signed column, in
   a debit and a credit column, or in one column with a debit/credit mark beside
   it; the decimal separator; the description, id and currency columns. It is a
   generator: memory holds the file's text and one row, whatever the number of rows.

Amount cells may have a decimal comma or point, thousands separators grouped by
three (``.`` ``,`` space, ``'`` and no-break spaces), a leading or trailing minus,
parentheses for a negative ("(12.50)"), and a currency symbol or code before or
after the number ("€ 12,50", "12,50 EUR", "$1,234.56"); what remains is read by
``portfolio.numbers.parse_decimal``, the product's one number grammar. Amounts
past the money limits and dates outside the product's years are per-row errors.

Blank rows and rows with neither an amount nor a date (a closing balance, a
"total" line) are skipped. A file that cannot be read at all (empty, binary, too
large, no header, a quote never closed) raises ``StatementFileError``.

A file without any header row is read too: its columns are then named "Column 1",
"Column 2"… and ``header_line`` is 0.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache
from itertools import islice

from dataport.statement_lines import (
    StatementFileError,
    StatementLine,
    amount_problem,
    check_count,
    check_size,
    describe,
)
from portfolio import numbers
from portfolio.limits import FIRST_YEAR, LAST_YEAR

# Date formats as strptime patterns, each with how it is shown in the mapping step.
# The order is the preference when several fit every date of a column.
DATE_FORMATS: dict[str, str] = {
    "%Y-%m-%d": "2025-01-31 (YYYY-MM-DD)",
    "%d.%m.%Y": "31.01.2025 (DD.MM.YYYY)",
    "%d/%m/%Y": "31/01/2025 (DD/MM/YYYY)",
    "%m/%d/%Y": "01/31/2025 (MM/DD/YYYY)",
    "%d-%m-%Y": "31-01-2025 (DD-MM-YYYY)",
    "%m-%d-%Y": "01-31-2025 (MM-DD-YYYY)",
    "%Y/%m/%d": "2025/01/31 (YYYY/MM/DD)",
    "%Y.%m.%d": "2025.01.31 (YYYY.MM.DD)",
    "%d.%m.%y": "31.01.25 (DD.MM.YY)",
    "%d/%m/%y": "31/01/25 (DD/MM/YY)",
    "%m/%d/%y": "01/31/25 (MM/DD/YY)",
    "%d-%m-%y": "31-01-25 (DD-MM-YY)",
    "%Y%m%d": "20250131 (YYYYMMDD)",
    "%d %b %Y": "31 Jan 2025",
    "%d-%b-%Y": "31-Jan-2025",
    "%d %b %y": "31 Jan 25",
    "%d-%b-%y": "31-Jan-25",
    "%b %d, %Y": "Jan 31, 2025",
}
AMOUNT_MODES = ("signed", "debit_credit", "sign_column")
DECIMAL_SEPARATORS = (".", ",")
SAMPLE_ROWS = 10
# Rows read to tell which date formats fit a column: a day above 12 usually comes
# within the first days of a month, and this many rows cost a few milliseconds.
DATE_SCAN_ROWS = 1000
# Rows the guess reads to tell amounts, marks and codes in a column.
GUESS_ROWS = 200

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_TIME = r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?(?: ?[AaPp][Mm])?)?"

_DEBIT_MARKS = ("D", "DR", "DB", "Debit", "S", "Soll", "-", "Lastschrift", "Debe", "Cargo", "Af")
_CREDIT_MARKS = ("C", "CR", "Credit", "H", "Haben", "+", "Gutschrift", "Haber", "Abono", "Bij")
_MARKS = frozenset(m.casefold() for m in _DEBIT_MARKS + _CREDIT_MARKS)

# A currency beside an amount: a symbol, or an ISO code in capitals ("12,50 EUR").
_CURRENCY = r"(?:US\$|C\$|A\$|NZ\$|R\$|HK\$|[€$£¥₹₽₩₺₪₫฿₴₦₱]|[A-Z]{3}|kr|zł|Kč|Fr\.)"
_CURRENCY_START = re.compile(rf"^{_CURRENCY}\s*")
_CURRENCY_END = re.compile(rf"\s*{_CURRENCY}$")
_MINUS = "-\u2212"
_THOUSANDS = frozenset(".,' \u00a0\u202f\u2009\u2019")
_CODE = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class CsvMapping:
    """Which column of a bank's CSV file holds what; columns are 0-based indexes.

    ``amount_mode`` is "signed" (``amount_column`` holds money in > 0, out < 0),
    "debit_credit" (``debit_column`` holds money out, whatever its sign;
    ``credit_column`` money in) or "sign_column" (``amount_column`` holds the size,
    ``sign_column`` a mark: a value of ``debit_marks``, any case, means money out,
    any other value money in).
    """

    date_column: int
    date_format: str
    amount_mode: str
    amount_column: int | None = None
    debit_column: int | None = None
    credit_column: int | None = None
    sign_column: int | None = None
    debit_marks: tuple[str, ...] = ()
    decimal_separator: str = "."
    description_columns: tuple[int, ...] = ()
    bank_id_column: int | None = None
    currency_column: int | None = None

    def __post_init__(self):
        if self.date_format not in DATE_FORMATS:
            raise ValueError(f"unknown date format {self.date_format!r}")
        if self.amount_mode not in AMOUNT_MODES:
            raise ValueError(f"unknown amount mode {self.amount_mode!r}")
        if self.decimal_separator not in DECIMAL_SEPARATORS:
            raise ValueError(f"unknown decimal separator {self.decimal_separator!r}")
        needed = {
            "signed": ("amount_column",),
            "debit_credit": ("debit_column", "credit_column"),
            "sign_column": ("amount_column", "sign_column"),
        }[self.amount_mode]
        for name in needed:
            if getattr(self, name) is None:
                raise ValueError(f"amount mode {self.amount_mode!r} needs {name}")

    def columns(self) -> list[int]:
        """Every column the mapping reads."""
        found = [
            self.date_column,
            self.amount_column,
            self.debit_column,
            self.credit_column,
            self.sign_column,
            self.bank_id_column,
            self.currency_column,
            *self.description_columns,
        ]
        return [column for column in found if column is not None]

    def to_dict(self) -> dict:
        """The mapping as JSON-ready data (tuples as lists), for a saved profile."""
        data = asdict(self)
        data["debit_marks"] = list(self.debit_marks)
        data["description_columns"] = list(self.description_columns)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> CsvMapping:
        """The mapping ``to_dict`` wrote; keys it does not know are ignored."""
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        known["debit_marks"] = tuple(known.get("debit_marks", ()))
        known["description_columns"] = tuple(known.get("description_columns", ()))
        return cls(**known)


@dataclass(frozen=True)
class CsvLayout:
    """What a bank's CSV file looks like, before anyone says what its columns mean.

    ``date_formats`` has, for each column whose cells (nearly all) read as dates in
    the first ``DATE_SCAN_ROWS`` rows, the ``DATE_FORMATS`` keys that read them, the
    preferred first; ``ambiguous_dates`` is True when the guessed date column reads
    both day first and month first (every day up to 12), so the user must say.
    """

    encoding: str
    delimiter: str
    header_line: int
    header: tuple[str, ...]
    sample: list[tuple[str, ...]]
    signature: str
    guess: CsvMapping | None
    date_formats: dict[int, tuple[str, ...]] = field(default_factory=dict)
    ambiguous_dates: bool = False

    def to_dict(self) -> dict:
        """The layout as JSON-ready data, to keep between the upload and the mapping
        step instead of looking at the file again."""
        return {
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "header_line": self.header_line,
            "header": list(self.header),
            "sample": [list(row) for row in self.sample],
            "signature": self.signature,
            "guess": self.guess.to_dict() if self.guess is not None else None,
            # JSON keys are text: the column indexes are written as such.
            "date_formats": {str(c): list(keys) for c, keys in self.date_formats.items()},
            "ambiguous_dates": self.ambiguous_dates,
        }

    @classmethod
    def from_dict(cls, data: dict) -> CsvLayout:
        """The layout ``to_dict`` wrote."""
        guess = data.get("guess")
        return cls(
            encoding=data["encoding"],
            delimiter=data["delimiter"],
            header_line=data["header_line"],
            header=tuple(data["header"]),
            sample=[tuple(row) for row in data["sample"]],
            signature=data["signature"],
            guess=CsvMapping.from_dict(guess) if guess is not None else None,
            date_formats={int(c): tuple(keys) for c, keys in data["date_formats"].items()},
            ambiguous_dates=data["ambiguous_dates"],
        )


# ---------------------------------------------------------------------------
# The file


def csv_layout(data: bytes) -> CsvLayout:
    """The layout of a bank's CSV file, with a guess of its mapping; raises
    ``StatementFileError`` when the file cannot be read as a table."""
    check_size(data)
    text, encoding = _decode(data)
    check_count(text.count("\n") + 1, "lines")
    delimiter = _delimiter(text)
    _check_quotes(text, delimiter)
    header_line, header, _ = _header(text, delimiter)

    sample: list[tuple[str, ...]] = []
    scanned: list[tuple[str, ...]] = []
    for _, row in islice(_data_rows(text, delimiter, header_line), DATE_SCAN_ROWS):
        padded = _padded(row, len(header))
        scanned.append(padded)
        if len(sample) < SAMPLE_ROWS:
            sample.append(padded)
    date_formats = {}
    for column in range(len(header)):
        values = [row[column] for row in scanned if row[column]]
        # A closing line ("Kontostand am 31.01.2025") under the dates is not a date,
        # nor is a slip such as 31.02.2025: a column is one of dates when nearly all
        # its cells are written as dates, and its formats are those reading them all.
        shaped = [value for value in values if _date_shaped(value)]
        dates = [value for value in shaped if date_formats_for([value])]
        if dates and len(shaped) >= 0.8 * len(values) and (formats := date_formats_for(dates)):
            date_formats[column] = tuple(formats)
    guess = _guess(header, scanned, date_formats, delimiter)
    ambiguous = False
    if guess is not None:
        orders = {_order(f) for f in date_formats.get(guess.date_column, ())}
        ambiguous = {"dmy", "mdy"} <= orders
    return CsvLayout(
        encoding=encoding,
        delimiter=delimiter,
        header_line=header_line,
        header=header,
        sample=sample,
        signature=layout_signature(header),
        guess=guess,
        date_formats=date_formats,
        ambiguous_dates=ambiguous,
    )


def read_mapped_csv(data: bytes, layout: CsvLayout, mapping: CsvMapping) -> Iterator[StatementLine]:
    """One line per data row of the file, read as ``mapping`` says; blank rows, rows
    with neither a date nor an amount (a closing balance) and the header repeated
    (on each printed page, by some banks) are skipped.

    The file and the mapping are checked when this is called (``StatementFileError``);
    the rows are then read one at a time as the result is iterated.
    """
    check_size(data)
    width = len(layout.header)
    for column in mapping.columns():
        if not 0 <= column < width:
            raise StatementFileError(
                f"The mapping reads column {column + 1}, but the file has {width} columns. "
                "Map this file's columns again."
            )
    text = _decoded(data, layout.encoding)
    check_count(text.count("\n") + 1, "lines")
    return _mapped_rows(text, layout, mapping)


def _mapped_rows(text: str, layout: CsvLayout, mapping: CsvMapping) -> Iterator[StatementLine]:
    width, names = len(layout.header), layout.header
    first = layout.header[0].casefold() if layout.header_line else None
    for line, row in _data_rows(text, layout.delimiter, layout.header_line):
        repeated = row[0].strip().casefold() == first
        if repeated and layout_signature(row) == layout.signature:
            continue
        statement_line = _read_row(line, _padded(row, width), names, mapping)
        if statement_line is not None:
            yield statement_line


def layout_signature(header: Iterable[str]) -> str:
    """The header row normalised (letter case, spaces, byte-order mark, quotes,
    empty cells at the end): equal for every file of one bank's export."""
    cells = [
        _SPACES.sub(" ", cell.replace("\ufeff", "").strip(" \t\"'")).casefold() for cell in header
    ]
    while cells and not cells[-1]:
        cells.pop()
    return "|".join(cells)


_SPACES = re.compile(r"\s+")


def _decode(data: bytes) -> tuple[str, str]:
    """The file's text and the name of its encoding."""
    if data.startswith(b"PK\x03\x04"):
        raise StatementFileError(
            "This is a spreadsheet workbook (such as .xlsx), not a CSV file. "
            "Save it as CSV in your spreadsheet program, or export CSV from your bank."
        )
    if data.startswith(b"%PDF"):
        raise StatementFileError(
            "This is a PDF statement, which cannot be read. "
            "Export the statement from your bank as CSV, OFX or QIF."
        )
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return _decoded(data, encoding), encoding
    head = data[:4096]
    nuls = head.count(b"\x00")
    if nuls > len(head) // 4:
        # UTF-16 without a byte-order mark: text in Latin letters is every other byte NUL.
        odd, even = head[1::2].count(b"\x00"), head[0::2].count(b"\x00")
        if odd > len(head) // 4 and even == 0:
            return _decoded(data, "utf-16-le"), "utf-16-le"
        if even > len(head) // 4 and odd == 0:
            return _decoded(data, "utf-16-be"), "utf-16-be"
    if b"\x00" in data:
        raise _binary()
    try:
        text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = data.decode("cp1252", "replace"), "cp1252"
    _check_text(text)
    return text, encoding


def _decoded(data: bytes, encoding: str) -> str:
    try:
        text = data.decode(encoding, "replace" if encoding == "cp1252" else "strict")
    except UnicodeDecodeError:
        raise StatementFileError(
            f"The file is not valid {encoding.upper()} text. Export it from your bank again."
        ) from None
    _check_text(text)
    return text.lstrip("\ufeff")


def _check_text(text: str) -> None:
    head = text[:8192]
    controls = sum(
        1 for char in head if unicodedata.category(char) == "Cc" and char not in "\t\n\r\f"
    )
    if "\x00" in text or controls > len(head) // 100:
        raise _binary()


def _binary() -> StatementFileError:
    return StatementFileError(
        "The file is not a text file, so not a CSV file. "
        "Export the statement from your bank as CSV, OFX or QIF."
    )


def _delimiter(text: str) -> str:
    """The delimiter that splits the lines of the file's start into the widest table:
    the most cells, times the lines that have them (``_table_width``)."""
    head = text[:65536]
    best, best_score = ",", 0
    for candidate in (";", ",", "\t", "|"):
        rows = list(islice(csv.reader(io.StringIO(head), delimiter=candidate), 60))
        width, count = _table_width(rows)
        if count * (width - 1) > best_score:
            best, best_score = candidate, count * (width - 1)
    if best_score == 0:
        raise StatementFileError(
            "No line of the file has two cells or more: it is not a table of columns "
            "(a CSV file separates them with commas, semicolons or tabs)."
        )
    return best


def _table_width(rows: Iterable[list[str]]) -> tuple[int, int]:
    """(cells, lines) of the table among ``rows``: the widest width that two lines or
    more share, and at least a third as many as the commonest width (so a preamble of
    four two-cell lines above a header and two rows does not make the table)."""
    widths = Counter(len(row) for row in rows if sum(1 for cell in row if cell.strip()) >= 2)
    if not widths:
        return 1, 0
    commonest = max(widths.values())
    shared = [w for w, n in widths.items() if n >= max(2, commonest / 3)] or list(widths)
    width = max(shared)
    return width, widths[width]


def _check_quotes(text: str, delimiter: str) -> None:
    """Refuse a quote that is opened and never closed, which would swallow the rest
    of the file into one cell."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    line = 0
    try:
        for _ in reader:
            line = reader.line_num
    except csv.Error as error:
        if "unexpected end of data" in str(error) or "field larger" in str(error):
            raise StatementFileError(
                f'A quote (") opened on line {line + 1} is never closed, so the rest of the '
                "file would be one cell. Export the file from your bank again."
            ) from None
        # Another slip of quoting (a quote inside a cell) is read leniently.


def _rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(first physical line, cells) of every row; a quoted cell may span lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 0
    for row in reader:
        yield line + 1, row
        line = reader.line_num


def _data_rows(text: str, delimiter: str, header_line: int) -> Iterator[tuple[int, list[str]]]:
    """The rows under the header that have a cell with something in it."""
    for line, row in _rows(text, delimiter):
        if line > header_line and any(cell.strip() for cell in row):
            yield line, row


def _padded(row: list[str], width: int) -> tuple[str, ...]:
    cells = [cell.strip() for cell in row[:width]]
    return tuple(cells + [""] * (width - len(cells)))


def _header(text: str, delimiter: str) -> tuple[int, tuple[str, ...], int]:
    """(physical line, cells, width) of the header row: the first row, among the
    first lines, as wide as the table with half or more of its cells filled and
    none of them a date or an amount. Without one, a file whose rows start with
    data has "Column 1"… as its header and line 0."""
    rows = list(islice(_rows(text, delimiter), 60))
    width, count = _table_width(row for _, row in rows)
    if count == 0:
        raise StatementFileError(
            "No line of the file has two cells or more: it is not a table of columns."
        )
    first_data = None
    for line, row in rows:
        cells = [cell.strip() for cell in row]
        filled = [cell for cell in cells if cell]
        if len(cells) < width - 1 or len(filled) < max(2, (width + 1) // 2):
            continue
        if any(_is_value(cell) for cell in filled):
            if first_data is None and any(date_formats_for([cell]) for cell in filled):
                first_data = line
            continue
        names = cells[:width] + [""] * (width - len(cells))
        return line, tuple(names), width
    if first_data is not None:
        return first_data - 1, tuple(f"Column {n}" for n in range(1, width + 1)), width
    raise StatementFileError(
        "No header row was found: the file's first lines have no row naming its columns "
        "(such as Date;Description;Amount). Export the statement from your bank again."
    )


def _is_value(cell: str) -> bool:
    """Whether a cell reads as a date or an amount, so it is not a column's name."""
    return bool(date_formats_for([cell])) or _amount_like(cell)


# ---------------------------------------------------------------------------
# Dates


@lru_cache(maxsize=64)
def _date_pattern(date_format: str) -> re.Pattern:
    """A pattern with the groups d, m, b, Y and y for a strptime-style format."""
    fixed = "{2}" if date_format == "%Y%m%d" else "{1,2}"
    pieces = {
        "%d": f"(?P<d>[0-9]{fixed})",
        "%m": f"(?P<m>[0-9]{fixed})",
        "%Y": "(?P<Y>[0-9]{4})",
        "%y": "(?P<y>[0-9]{2})",
        "%b": r"(?P<b>[A-Za-z]{3,9}\.?)",
    }
    pattern = "".join(pieces.get(token, re.escape(token)) for token in _tokens(date_format))
    return re.compile(pattern + _TIME)


def _tokens(date_format: str) -> list[str]:
    return re.findall(r"%.|[^%]", date_format)


def _read_date(text: str, date_format: str) -> date | str:
    """The date ``text`` says in ``date_format``, or the words for what is wrong."""
    match = _date_pattern(date_format).fullmatch(text.strip())
    if match is None:
        return f"it is not written as {DATE_FORMATS[date_format]}"
    parts = match.groupdict()
    if parts.get("b") is not None:
        name = parts["b"].rstrip(".").casefold()[:3]
        if name not in _MONTHS:
            return f"“{parts['b']}” is not a month"
        month = _MONTHS.index(name) + 1
    else:
        month = int(parts["m"])
    if parts.get("Y") is not None:
        year = int(parts["Y"])
    else:
        # As strptime reads %y: 69-99 are 1969-1999, 00-68 are 2000-2068.
        short = int(parts["y"])
        year = 1900 + short if short >= 69 else 2000 + short
    day = int(parts["d"])
    if not 1 <= month <= 12:
        return f"there is no month {month}"
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return f"the year must be between {FIRST_YEAR} and {LAST_YEAR}"
    try:
        return date(year, month, day)
    except ValueError:
        leap = f" in {year}" if month == 2 and day == 29 else ""
        return f"there is no {day} {_MONTH_NAMES[month - 1]}{leap}"


def _date_shaped(value: str) -> bool:
    """Whether ``value`` is written as a date of a format, whether or not it is one."""
    return any(_date_pattern(key).fullmatch(value.strip()) for key in DATE_FORMATS)


def date_formats_for(values: Iterable[str]) -> list[str]:
    """The ``DATE_FORMATS`` keys that read every non-empty value, preferred first."""
    values = [value.strip() for value in values if value.strip()]
    if not values:
        return []
    return [
        key
        for key in DATE_FORMATS
        if all(isinstance(_read_date(value, key), date) for value in values)
    ]


def _order(date_format: str) -> str:
    """ "dmy", "mdy" or "ymd": which of day and month a format writes first."""
    tokens = [token for token in _tokens(date_format) if token in ("%d", "%m", "%b", "%Y", "%y")]
    if tokens[0] == "%Y":
        return "ymd"
    return (
        "dmy"
        if tokens.index("%d") < tokens.index(next(t for t in tokens if t in ("%m", "%b")))
        else "mdy"
    )


# ---------------------------------------------------------------------------
# Amounts


def parse_amount(text: str, decimal_separator: str = ".") -> Decimal:
    """The signed amount a cell of a bank's file writes, or ``ValueError`` whose
    text says what is wrong (``numbers.NotANumber`` for the number itself)."""
    rest = text.strip()
    negative = False
    if rest[:1].isdigit() and rest[-1:].isdigit():
        # The usual cell, nothing around the number: straight to the grammar.
        separators = {char for char in rest if char in _THOUSANDS and char != decimal_separator}
        if len(separators) <= 1:
            return numbers.parse_decimal(
                rest,
                decimal_separator=decimal_separator,
                thousands_separator=separators.pop() if separators else None,
                plus_sign=False,
            )
    if rest.startswith("(") and rest.endswith(")"):
        negative, rest = True, rest[1:-1].strip()
    signs = 0
    changed = True
    while changed and rest:
        changed = False
        if rest[0] in _MINUS + "+":
            negative |= rest[0] in _MINUS
            signs += 1
            rest, changed = rest[1:].lstrip(), True
        elif rest[-1] in _MINUS + "+":
            negative |= rest[-1] in _MINUS
            signs += 1
            rest, changed = rest[:-1].rstrip(), True
        else:
            for pattern in (_CURRENCY_START, _CURRENCY_END):
                stripped = pattern.sub("", rest, count=1)
                if stripped != rest and stripped:
                    rest, changed = stripped.strip(), True
    if signs > 1:
        raise ValueError(f"“{numbers.shown(text)}” has more than one sign")
    if not rest:
        raise ValueError(f"“{numbers.shown(text)}” has no number")
    separators = {char for char in rest if char in _THOUSANDS and char != decimal_separator}
    if len(separators) > 1:
        raise ValueError(f"“{numbers.shown(text)}” mixes thousands separators")
    thousands = separators.pop() if separators else None
    value = numbers.parse_decimal(
        rest,
        decimal_separator=decimal_separator,
        thousands_separator=thousands,
        plus_sign=False,
    )
    return -value if negative else value


def _amount(cell: str, name: str, decimal_separator: str) -> Decimal | str:
    """The amount of ``cell`` in the column ``name``, or a sentence for the error."""
    try:
        value = parse_amount(cell, decimal_separator)
    except numbers.NotANumber as error:
        hint = ""
        other = "," if decimal_separator == "." else "."
        try:
            parse_amount(cell, other)
            word = "comma" if other == "," else "point"
            hint = f" (read with a decimal {word}, it is a number: is the decimal separator right?)"
        except ValueError:
            pass
        return f"Bad amount “{numbers.shown(cell)}” in column “{name}”: it {error.problem}{hint}."
    except ValueError as error:
        return f"Bad amount “{numbers.shown(cell)}” in column “{name}”: {error}."
    return value


# ---------------------------------------------------------------------------
# Rows


def _read_row(
    line: int, cells: tuple[str, ...], names, mapping: CsvMapping
) -> StatementLine | None:
    errors: list[str] = []
    date_cell = cells[mapping.date_column]
    decimal = mapping.decimal_separator
    if mapping.amount_mode == "debit_credit":
        amount_cells = [cells[mapping.debit_column], cells[mapping.credit_column]]
    else:
        amount_cells = [cells[mapping.amount_column]]
    day: date | None = None
    read = _read_date(date_cell, mapping.date_format) if date_cell else None
    if not any(amount_cells) and not isinstance(read, date):
        return None  # a balance or total line, or a note under the table
    if isinstance(read, date):
        day = read
    elif date_cell:
        errors.append(
            f"Bad date “{numbers.shown(date_cell)}” in column "
            f"“{names[mapping.date_column]}”: {read}."
        )
    else:
        errors.append(f"Column “{names[mapping.date_column]}” has no date.")

    amount = _row_amount(cells, names, mapping, decimal, errors)
    currency = ""
    if mapping.currency_column is not None and (code := cells[mapping.currency_column].upper()):
        if _CODE.fullmatch(code):
            currency = code
        else:
            name = names[mapping.currency_column]
            errors.append(
                f"Bad currency “{numbers.shown(code)}” in column “{name}”: "
                "write a three-letter code such as EUR."
            )
    return StatementLine(
        line=line,
        date=day,
        amount=amount,
        description=describe(*(cells[c] for c in mapping.description_columns)),
        bank_id=cells[mapping.bank_id_column][:255] if mapping.bank_id_column is not None else "",
        currency=currency,
        errors=tuple(errors),
    )


def _row_amount(
    cells, names, mapping: CsvMapping, decimal: str, errors: list[str]
) -> Decimal | None:
    if mapping.amount_mode == "debit_credit":
        debit_cell, credit_cell = cells[mapping.debit_column], cells[mapping.credit_column]
        total = Decimal(0)
        for cell, column, sign in (
            (debit_cell, mapping.debit_column, -1),
            (credit_cell, mapping.credit_column, 1),
        ):
            if not cell:
                continue
            value = _amount(cell, names[column], decimal)
            if isinstance(value, str):
                errors.append(value)
                return None
            total += sign * value.copy_abs()
        if not debit_cell and not credit_cell:
            errors.append(
                f"Neither “{names[mapping.debit_column]}” nor "
                f"“{names[mapping.credit_column]}” has an amount."
            )
            return None
        amount, cell_name = total, f"“{debit_cell or credit_cell}”"
    else:
        column = mapping.amount_column
        cell = cells[column]
        if not cell:
            errors.append(f"Column “{names[column]}” has no amount.")
            return None
        value = _amount(cell, names[column], decimal)
        if isinstance(value, str):
            errors.append(value)
            return None
        amount, cell_name = value, f"“{cell}” in column “{names[column]}”"
        if mapping.amount_mode == "sign_column":
            mark = cells[mapping.sign_column]
            if not mark:
                errors.append(f"Column “{names[mapping.sign_column]}” has no debit or credit mark.")
                return None
            debit = mark.casefold() in {m.casefold() for m in mapping.debit_marks}
            amount = -value.copy_abs() if debit else value.copy_abs()
    if problem := amount_problem(amount, cell_name):
        errors.append(problem)
        return None
    return amount


# ---------------------------------------------------------------------------
# The guess


_ROLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # role: (names that fit, best first; words that rule a name out)
    "date": (
        (
            "buchungstag",
            "buchungsdatum",
            "booking date",
            "posting date",
            "posted date",
            "transaction date",
            "date operation",
            "date de l operation",
            "fecha operacion",
            "fecha",
            "boekdatum",
            "datum",
            "date",
            "data",
        ),
        ("valuta", "value", "wertstellung", "valeur", "valor"),
    ),
    "sign": (
        (
            "debit credit",
            "credit debit",
            "d c",
            "dr cr",
            "cr dr",
            "soll haben",
            "s h",
            "af bij",
            "sign",
            "vorzeichen",
        ),
        (),
    ),
    "debit": (
        (
            "money out",
            "paid out",
            "debit",
            "debits",
            "withdrawal",
            "withdrawals",
            "soll",
            "lastschrift",
            "ausgang",
            "ausgaben",
            "debe",
            "cargo",
            "out",
        ),
        ("credit",),
    ),
    "credit": (
        (
            "money in",
            "paid in",
            "credit",
            "credits",
            "deposit",
            "deposits",
            "haben",
            "gutschrift",
            "eingang",
            "einnahmen",
            "haber",
            "abono",
            "in",
        ),
        ("debit",),
    ),
    "amount": (
        (
            "amount",
            "betrag",
            "umsatz",
            "montant",
            "importe",
            "bedrag",
            "importo",
            "belopp",
            "kwota",
            "value",
        ),
        ("balance", "saldo", "kontostand", "solde", "original", "foreign", "fee", "fees"),
    ),
    # A foreign or original currency column names the currency of another amount.
    "currency": (
        ("currency", "wahrung", "waehrung", "devise", "moneda", "ccy", "currency code"),
        ("foreign", "original", "fremdwahrung"),
    ),
    "bank_id": (
        (
            "transaction id",
            "transaktions id",
            "buchungs id",
            "fitid",
            "unique id",
            "id",
            "transaction number",
        ),
        (),
    ),
    "description": (
        (
            "auftraggeber empfanger",
            "beguenstigter zahlungspflichtiger",
            "begunstigter zahlungspflichtiger",
            "empfanger",
            "auftraggeber",
            "payee",
            "name",
            "verwendungszweck",
            "buchungstext",
            "description",
            "transaction details",
            "details",
            "narrative",
            "libelle",
            "memo",
            "concepto",
            "omschrijving",
            "naam",
            "particulars",
            "merchant",
            "reference",
            "text",
        ),
        ("balance", "saldo", "kontostand", "solde", "type"),
    ),
}


def _normal(name: str) -> str:
    """A column's name for matching: no accents, letter case or punctuation."""
    plain = unicodedata.normalize("NFKD", name.replace("ß", "ss").replace("ü", "ue"))
    plain = "".join(char for char in plain if not unicodedata.combining(char)).casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def _fits(name: str, role: str) -> int:
    """How well a normalised column name fits a role: 0 not at all, higher better."""
    keywords, excluded = _ROLES[role]
    words = name.split()
    if any(word in words or (" " in word and word in name) for word in excluded):
        return 0
    for rank, keyword in enumerate(keywords):
        score = 2 * (len(keywords) - rank)
        if name == keyword or name == keyword.replace("ue", "u"):
            return score + 1
        if f" {keyword} " in f" {name} " and len(keyword) > 2:
            return score
    return 0


def _guess(
    header, rows, date_formats: dict[int, tuple[str, ...]], delimiter: str
) -> CsvMapping | None:
    names = [_normal(name) for name in header]
    used: set[int] = set()

    def best(role: str, allowed=lambda column: True) -> int | None:
        scored = [
            (_fits(name, role), -column)
            for column, name in enumerate(names)
            if column not in used and allowed(column)
        ]
        scored = [item for item in scored if item[0] > 0]
        if not scored:
            return None
        column = -max(scored)[1]
        used.add(column)
        return column

    @cache
    def values(column: int) -> list[str]:
        return [row[column] for row in rows[:GUESS_ROWS] if row[column]]

    @cache
    def amounts(column: int) -> bool:
        # Nearly all: a slip in one cell (12,3x) does not hide the column.
        cells = values(column)
        return bool(cells) and sum(map(_amount_like, cells)) >= 0.8 * len(cells)

    date_column = best("date", lambda c: c in date_formats)
    if date_column is None:
        date_column = next((c for c in sorted(date_formats) if c not in used), None)
        if date_column is None:
            return None
        used.add(date_column)
    date_format = date_formats[date_column][0]

    def amounts_or_empty(column: int) -> bool:
        return not values(column) or amounts(column)

    sign = best("sign", lambda c: _marks(values(c)))
    debit = credit = amount = None
    if sign is None:
        debit = best("debit", amounts_or_empty)
        credit = best("credit", amounts_or_empty)
        if debit is None or credit is None:
            used.difference_update({debit, credit})
            debit = credit = None
    if debit is None:
        amount = best("amount", amounts)
        if amount is None:
            unnamed = (c for c in range(len(names)) if c not in used and c not in date_formats)
            amount = next((c for c in unnamed if amounts(c) and not _is_balance(names[c])), None)
            if amount is None:
                return None
            used.add(amount)
        # Sizes without a sign and a column of D/C marks: the marks give the sign.
        unsigned = not any(_amount_like(v) and parse_any(v) < 0 for v in values(amount))
        if sign is None and unsigned:
            marked = (c for c in range(len(names)) if c not in used and _marks(values(c)))
            sign = next(marked, None)
            if sign is not None:
                used.add(sign)

    money_columns = [c for c in (amount, debit, credit) if c is not None]
    decimal = _decimal_separator([cell for c in money_columns for cell in values(c)], delimiter)
    currency = best("currency", lambda c: all(_CODE.fullmatch(v.upper()) for v in values(c)))
    bank_id = best("bank_id")
    description = []
    while (column := best("description", lambda c: not _marks(values(c)))) is not None:
        description.append(column)
    if not description:
        # No column is named as a description (or none is named at all): the text ones.
        description = [
            c
            for c in range(len(names))
            if c not in used
            and c not in date_formats
            and values(c)
            and not amounts(c)
            and not _marks(values(c))
        ]
    if sign is not None and amount is not None:
        seen = {v.casefold() for v in values(sign)}
        marks = tuple(m for m in _DEBIT_MARKS if m.casefold() in seen) or _DEBIT_MARKS
        return CsvMapping(
            date_column=date_column,
            date_format=date_format,
            amount_mode="sign_column",
            amount_column=amount,
            sign_column=sign,
            debit_marks=marks,
            decimal_separator=decimal,
            description_columns=tuple(sorted(description)),
            bank_id_column=bank_id,
            currency_column=currency,
        )
    return CsvMapping(
        date_column=date_column,
        date_format=date_format,
        amount_mode="debit_credit" if debit is not None else "signed",
        amount_column=amount,
        debit_column=debit,
        credit_column=credit,
        decimal_separator=decimal,
        description_columns=tuple(sorted(description)),
        bank_id_column=bank_id,
        currency_column=currency,
    )


def _is_balance(name: str) -> bool:
    return any(word in name.split() for word in ("balance", "saldo", "kontostand", "solde"))


def _marks(cells: list[str]) -> bool:
    return bool(cells) and all(cell.casefold() in _MARKS for cell in cells)


def _amount_like(cell: str) -> bool:
    for separator in DECIMAL_SEPARATORS:
        try:
            parse_amount(cell, separator)
        except ValueError:
            continue
        return True
    return False


def parse_any(cell: str) -> Decimal:
    """The amount of ``cell`` read with whichever decimal separator reads it."""
    for separator in DECIMAL_SEPARATORS:
        try:
            return parse_amount(cell, separator)
        except ValueError:
            continue
    raise ValueError(cell)


def _decimal_separator(cells: list[str], delimiter: str) -> str:
    """The decimal separator the amounts are written with: the last of "." and ","
    when both are there, the one followed by one or two digits at the end, else a
    comma in a semicolon file and a point otherwise."""
    votes: Counter[str] = Counter()
    for cell in cells:
        digits = re.sub(r"[^0-9.,]", "", cell)
        if "," in digits and "." in digits:
            votes["," if digits.rfind(",") > digits.rfind(".") else "."] += 1
        elif re.search(r",[0-9]{1,2}$", digits):
            votes[","] += 1
        elif re.search(r"\.[0-9]{1,2}$", digits):
            votes["."] += 1
    if votes:
        return max(votes, key=lambda separator: votes[separator])
    return "," if delimiter == ";" else "."
