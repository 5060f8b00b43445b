"""What a bank or broker statement says, whatever its format: pure Python, no Django.

The readers (``statement_ofx``, ``statement_qif``, ``statement_csv``) turn a file's
bytes into ``StatementLine``s: one money movement each, with its date, its signed
amount (money in > 0, money out < 0, as the bank sees it), a description a person
reads, the bank's own transaction id where the format has one, and the problems of
that row in full sentences. A file that cannot be read at all raises
``StatementFileError``, whose text tells the user what is wrong and what to do.

``detect_format`` tells the three formats apart from the content first (an OFX or
QFX header, a QIF ``!Type:`` line), then from the file name's extension.

The limits are those of ``portfolio.limits``: at most ``STATEMENT_MAX_BYTES`` and
``ENTRY_IMPORT_MAX_LINES`` lines or transactions, amounts inside the money limit
with at most cents, dates between ``FIRST_YEAR`` and ``LAST_YEAR``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from portfolio import numbers
from portfolio.limits import (
    ENTRY_IMPORT_MAX_LINES,
    FIRST_YEAR,
    LAST_YEAR,
    MONEY_LIMIT,
    MONEY_PLACES,
    STATEMENT_MAX_BYTES,
)

DESCRIPTION_MAX = 500
JOINER = " · "
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One money movement of a statement.

    ``line`` is the physical line of a CSV file (1-based) or the position of the
    transaction among all of an OFX or QIF file's (1-based; the left-out trades are
    counted too, so the positions of the lines may skip a number). ``date`` and ``amount`` are None
    when unreadable, and ``errors`` then says why, naming the cell. ``currency`` is
    an ISO code when the file gives the row a currency of its own, else "".
    """

    line: int
    date: date | None
    amount: Decimal | None
    description: str
    bank_id: str = ""
    currency: str = ""
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Statement:
    """A whole OFX or QIF file, read (CSV files are streamed by ``statement_csv``).

    ``account`` is the account as the file names it, for showing: an OFX account
    number masked to its last four characters, a QIF account's name (several are
    joined by ", "); ``left_out`` says in sentences what the file holds that is not
    income or spending (trades, transfers of securities). A QIF file says how its
    dates were read: ``date_order`` is "dmy" or "mdy", and ``date_order_certain``
    is False when no date in the file could tell (then the user should confirm).
    """

    format: str
    lines: list[StatementLine]
    account: str = ""
    currency: str = ""
    left_out: tuple[str, ...] = ()
    date_order: str = ""
    date_order_certain: bool = True


class StatementFileError(ValueError):
    """The whole file cannot be read; ``str()`` says what is wrong and what to do."""


def detect_format(data: bytes, file_name: str) -> str:
    """ "ofx" (OFX and QFX), "qif" or "csv": from the content first, then from the
    extension of ``file_name``; anything else is read as CSV."""
    head = _head_text(data)
    upper = head.lstrip().upper()
    if "OFXHEADER:" in upper[:200] or (upper.startswith("<?XML") and "<?OFX" in upper):
        return "ofx"
    if upper.startswith("<OFX>") or upper.startswith("<?OFX"):
        return "ofx"
    if upper.startswith(("!TYPE:", "!ACCOUNT", "!OPTION:", "!CLEAR:")):
        return "qif"
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if extension in ("ofx", "qfx"):
        return "ofx"
    if extension == "qif":
        return "qif"
    return "csv"


def _head_text(data: bytes) -> str:
    """The first kilobyte as text, good enough to recognise a format's opening."""
    head = data[:1024]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", "ignore")
    if head.count(b"\x00") > len(head) // 4:
        odd_nuls = head[1::2].count(b"\x00")
        return head.decode("utf-16-le" if odd_nuls > len(head) // 4 else "utf-16-be", "ignore")
    return head.decode("utf-8", "ignore").lstrip("\ufeff")


def check_size(data: bytes) -> None:
    """Refuse an empty file and one over ``STATEMENT_MAX_BYTES``."""
    if len(data) > STATEMENT_MAX_BYTES:
        raise StatementFileError(
            f"The file is larger than {STATEMENT_MAX_BYTES // (1024 * 1024)} MB. "
            "Export a shorter period from your bank and import it in parts."
        )
    if not data.strip():
        raise StatementFileError("The file is empty. Choose the statement file your bank exported.")


def check_count(count: int, what: str = "transactions") -> None:
    """Refuse more than ``ENTRY_IMPORT_MAX_LINES`` lines or transactions."""
    if count > ENTRY_IMPORT_MAX_LINES:
        raise StatementFileError(
            f"The file has more than {ENTRY_IMPORT_MAX_LINES:,} {what}. "
            "Export a shorter period from your bank and import it in parts."
        )


def describe(*parts: str | None) -> str:
    """The parts that say something, joined by " · ", whitespace collapsed, a part
    not repeated, and cut to ``DESCRIPTION_MAX`` characters."""
    kept: list[str] = []
    folded: set[str] = set()
    for part in parts:
        text = _SPACES.sub(" ", part).strip() if part else ""
        if text and text.casefold() not in folded:
            kept.append(text)
            folded.add(text.casefold())
    joined = JOINER.join(kept)
    if len(joined) > DESCRIPTION_MAX:
        joined = joined[: DESCRIPTION_MAX - 1] + "…"
    return joined


def amount_problem(amount: Decimal, cell: str) -> str | None:
    """Why ``amount`` cannot be an entry's amount (over the money limit, finer than
    cents), as a sentence naming ``cell``; None if it can."""
    if amount.copy_abs() >= MONEY_LIMIT:
        return f"Amount {cell} is too large: amounts are below {MONEY_LIMIT:,}."
    # Written with cents or fewer places, it has no more (the usual case, at once).
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -MONEY_PLACES:
        return None
    if numbers.places(amount) > MONEY_PLACES:
        return f"Amount {cell} has more than {MONEY_PLACES} decimal places (cents)."
    return None


def date_problem(day: date, cell: str) -> str | None:
    """Why ``day`` cannot be an entry's date (outside the product's years), as a
    sentence naming ``cell``; None if it can."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        return f"Date {cell} is outside the years {FIRST_YEAR} to {LAST_YEAR}."
    return None


def masked(account: str) -> str:
    """An account number shown by its last four characters ("…6789")."""
    account = account.strip()
    return account if len(account) <= 4 else "…" + account[-4:]
