"""Reading the European Central Bank's reference-rate files, pure Python.

The ECB publishes the same table in two files: the day's (``eurofxref.zip``,
dates written "30 October 2026") and the whole history since 1999
(``eurofxref-hist.zip``, dates written "2026-10-30"). Each is a CSV, zipped or
not: a ``Date`` column, then one column per currency of units per euro, with
``N/A`` or nothing where a currency was not published that day.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from portfolio.conversion import RateRow

__all__ = ["EcbFileError", "read_rates"]


class EcbFileError(ValueError):
    """The file is not an ECB reference-rate table; the message says why."""


def _day(text: str) -> date:
    for layout in ("%Y-%m-%d", "%d %B %Y"):
        try:
            return datetime.strptime(text, layout).date()
        except ValueError:
            continue
    raise EcbFileError(f"{text!r} is not a date of an ECB rate file")


def _text(content: bytes) -> str:
    if content[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = [n for n in archive.namelist() if n.lower().endswith(".csv")]
                if len(names) != 1:
                    raise EcbFileError("the archive should hold one CSV file")
                content = archive.read(names[0])
        except zipfile.BadZipFile as error:
            raise EcbFileError(f"the archive is damaged ({error})") from None
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise EcbFileError("the file is not UTF-8 text") from None


def read_rates(content: bytes) -> list[RateRow]:
    """Every published rate of an ECB file (zipped or plain CSV), in file order."""
    reader = csv.reader(io.StringIO(_text(content)))
    header = [cell.strip() for cell in next(reader, [])]
    if not header or header[0] != "Date":
        raise EcbFileError("the file does not start with the ECB's Date column")
    currencies = header[1:]
    rows: list[RateRow] = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        day = _day(cells[0].strip())
        for currency, cell in zip(currencies, cells[1:], strict=False):
            text = cell.strip()
            if not currency or text in ("", "N/A"):
                continue
            try:
                rate = Decimal(text)
            except InvalidOperation:
                raise EcbFileError(
                    f"line {number}: {currency} rate {text!r} is not a number"
                ) from None
            if not (rate.is_finite() and rate > 0):
                raise EcbFileError(f"line {number}: {currency} rate {text!r} is not a rate")
            rows.append(RateRow(day, currency, rate))
    return rows
