"""QIF files in, read by quiffen: pure Python, no Django.

Accepted: bank, cash and credit card accounts (``!Type:Bank``, ``!Type:Cash``,
``!Type:CCard``, also ``!Type:Oth A`` and ``!Type:Oth L``), one or several, with or
without ``!Account`` blocks; every transaction is a line, its payee and memo the
description, its amount as the file signs it (QIF has no transaction ids). In
investment accounts (``!Type:Invst``), income (dividends, interest, capital gains
distributions, also reinvested) is a line described by its kind, the security and
the memo; buys, sells and transfers are counted in ``Statement.left_out``.

QIF dates have no fixed order: Quicken in the US writes month first (``1/31'25``),
elsewhere day first (``31/01/2025``). Unless the caller says (``day_first``), the
order is settled from the file: a first part above 12 means day first, a second
part above 12 month first; if no date tells, month first (the QIF original), and
``Statement.date_order_certain`` is False so the user can be asked. A date that
is no date in that order is the error of its line; the other lines are read.
Amounts may be written with a decimal point (``1,234.56``) or, in files from
day-first countries, a decimal comma (``1.234,56``).

The text is UTF-8 (with or without a byte-order mark), else Windows-1252.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from decimal import Decimal

from quiffen import Qif
from quiffen.core.investment import Investment
from quiffen.utils import parse_date as quiffen_date

from dataport.statement_lines import (
    Statement,
    StatementFileError,
    StatementLine,
    amount_problem,
    check_count,
    check_size,
    date_problem,
    describe,
)

_TRANSACTION_TYPES = frozenset({"bank", "cash", "ccard", "otha", "othl", "invst", "invoice"})
_DATE_PARTS = re.compile(r"[0-9]+")
# An amount line (T, U, $ or a split's amount) with a decimal comma: "T-1.234,56".
_AMOUNT_LINE = re.compile(r"^([TU$])(.*)$")
_COMMA_DECIMAL = re.compile(r"[0-9],[0-9]{1,2}\s*$")
_POINT_DECIMAL = re.compile(r"[0-9]\.[0-9]{1,2}\s*$")

_INCOME_ACTIONS = {
    "div": "Dividend",
    "divx": "Dividend",
    "intinc": "Interest",
    "intincx": "Interest",
    "cglong": "Capital gains distribution (long-term)",
    "cglongx": "Capital gains distribution (long-term)",
    "cgmid": "Capital gains distribution (mid-term)",
    "cgmidx": "Capital gains distribution (mid-term)",
    "cgshort": "Capital gains distribution (short-term)",
    "cgshortx": "Capital gains distribution (short-term)",
    "miscinc": "Other income",
    "miscincx": "Other income",
    "reinvdiv": "Dividend (reinvested)",
    "reinvint": "Interest (reinvested)",
    "reinvlg": "Capital gains distribution (long-term, reinvested)",
    "reinvmd": "Capital gains distribution (mid-term, reinvested)",
    "reinvsh": "Capital gains distribution (short-term, reinvested)",
}
_DEFAULT_ACCOUNT = "Quiffen Default Account"
_PLAIN_DATE = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})")
_AMOUNT = re.compile(r"[-+]?[0-9][0-9,.' ]*")
# Stand-in years for dates quiffen cannot read (see _set_aside_bad_dates).
_STAND_IN_FIRST, _STAND_IN_YEARS = 1000, 800
_TRADE_ACTIONS = frozenset({"buy", "buyx", "sell", "sellx", "shtsell", "cvrshrt"})
_TRANSFER_ACTIONS = frozenset({"shrsin", "shrsout", "xin", "xout", "contribx", "withdrwx"})


def read_qif(data: bytes, *, day_first: bool | None = None) -> Statement:
    """The lines of a QIF file; ``StatementFileError`` if it cannot be read."""
    check_size(data)
    text = _decode(data).replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text.startswith("!"):
        raise StatementFileError(
            "The file does not start with a QIF header such as !Type:Bank. "
            "Export the account from your bank or finance program as QIF."
        )
    if day_first is None:
        order, certain = _date_order(text)
    else:
        order, certain = ("dmy" if day_first else "mdy"), True
    text = _point_decimals(text)
    _check_transactions(text)
    text, bad_dates = _set_aside_bad_dates(text, order)
    if "!type:invst" in text.lower() and "!account" not in text.lower():
        # quiffen needs an account for investments; a file of one account may name none.
        text = f"!Account\nN{_DEFAULT_ACCOUNT}\nTInvst\n^\n{text}"
    try:
        qif = Qif.parse_string(text, day_first=order == "dmy")
    except Exception as error:
        raise StatementFileError(_unreadable(error, order)) from None

    lines: list[StatementLine] = []
    left_out: Counter[str] = Counter()
    position = 0  # of a transaction among all of the file's, left-out ones too
    for account in qif.accounts.values():
        for transactions in account.transactions.values():
            check_count(position + len(transactions))
            for transaction in transactions:
                position += 1
                if isinstance(transaction, Investment):
                    line = _investment_line(transaction, position, bad_dates, order)
                    if isinstance(line, str):
                        left_out[line] += 1
                        continue
                else:
                    line = _line(
                        position,
                        _date(transaction.date, position, bad_dates, order),
                        transaction.amount,
                        describe(transaction.payee, transaction.memo),
                    )
                lines.append(line)
    # quiffen files transactions without an !Account block under this default account.
    named = [name for name in qif.accounts if name != _DEFAULT_ACCOUNT]
    return Statement(
        format="qif",
        lines=lines,
        account=", ".join(named),
        left_out=tuple(_left_out_sentences(left_out)),
        date_order=order,
        date_order_certain=certain,
    )


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def _date_lines(text: str):
    """The text of every date line (``D…``) of a transaction or investment section;
    a category list's ``D`` lines are descriptions."""
    section = ""
    for raw in text.split("\n"):
        line = raw.strip()
        if line.startswith("!"):
            if line.lower().startswith("!type:"):
                section = line[6:].replace(" ", "").lower()
            elif line.lower().startswith("!account"):
                section = "account"
        elif line.startswith("D") and section in _TRANSACTION_TYPES:
            yield line[1:].strip()


def _date_order(text: str) -> tuple[str, bool]:
    """("dmy" or "mdy", whether a date in the file settled it)."""
    day_first = month_first = False
    for value in _date_lines(text):
        parts = _DATE_PARTS.findall(value)
        if len(parts) < 3 or len(parts[0]) == 4:
            continue  # year first (2025-01-31): no order to settle
        first, second = int(parts[0]), int(parts[1])
        day_first |= first > 12
        month_first |= second > 12
    if day_first and month_first:
        raise StatementFileError(
            "The QIF file's dates are written both day first and month first "
            "(such as 31/01 and 01/31). Export the file again from your bank or program."
        )
    if day_first:
        return "dmy", True
    return "mdy", month_first


def _point_decimals(text: str) -> str:
    """Amount lines rewritten with a decimal point when the file writes them with a
    decimal comma: quiffen drops every character but digits, "." and "-", which turns
    "1.234,56" into 1.23456."""
    amounts = [m.group(2) for m in map(_AMOUNT_LINE.match, text.split("\n")) if m]
    comma = any(_COMMA_DECIMAL.search(a) for a in amounts)
    point = any(_POINT_DECIMAL.search(a) for a in amounts)
    if not comma or point:
        return text

    def rewrite(match: re.Match) -> str:
        value = match.group(2).replace(".", "").replace("'", "").replace(",", ".")
        return match.group(1) + value

    return "\n".join(
        _AMOUNT_LINE.sub(rewrite, line) if _AMOUNT_LINE.match(line) else line
        for line in text.split("\n")
    )


def _investment_line(
    investment: Investment, position: int, bad_dates: dict[int, str], order: str
) -> StatementLine | str:
    action = (investment.action or "").strip().lower()
    if action in _INCOME_ACTIONS:
        amount = investment.amount
        return _line(
            position,
            _date(investment.date, position, bad_dates, order),
            amount.copy_abs() if amount is not None else None,
            describe(_INCOME_ACTIONS[action], investment.security, investment.memo),
        )
    if action in _TRADE_ACTIONS:
        return "trades"
    if action in _TRANSFER_ACTIONS:
        return "transfers"
    return "other"


def _check_transactions(text: str) -> None:
    """Refuse, naming its line, a transaction without a date or with an amount that is
    no number: quiffen's own errors for those do not say where or what."""
    section, start, has_date, amount = "", 0, False, None
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if line.lower().startswith("!type:"):
            section = line[6:].replace(" ", "").lower()
        elif line.lower().startswith("!"):
            section = "account" if line.lower().startswith("!account") else section
        elif section in _TRANSACTION_TYPES and line.startswith("^"):
            if start and not has_date:
                raise StatementFileError(
                    f"The transaction on line {start} of the QIF file has no date (a D line). "
                    "Export the account again from your bank or finance program."
                )
            if start and section != "invst" and amount is None:
                raise StatementFileError(
                    f"The transaction on line {start} of the QIF file has no amount "
                    "(a T line). Export the account again from your bank or finance program."
                )
            start, has_date, amount = 0, False, None
        elif section in _TRANSACTION_TYPES and line:
            start = start or number
            has_date |= line.startswith("D")
            if line[0] in "TU" and amount is None:
                amount = line[1:].strip()
                if not _AMOUNT.fullmatch(amount):
                    raise StatementFileError(
                        f"The amount “{amount}” on line {number} of the QIF file is not a "
                        "number. Export the account again from your bank or finance program."
                    )


def _set_aside_bad_dates(text: str, order: str) -> tuple[str, dict[int, str]]:
    """The text with each date quiffen cannot read replaced by a stand-in (1 January
    of a year before 1900, one year per bad date), and the bad dates by those years:
    quiffen refuses a whole file for one bad date, where the user should see that
    row's problem among the others."""
    day_first = order == "dmy"
    bad: dict[int, str] = {}
    section = ""
    lines = text.split("\n")
    for index, raw in enumerate(lines):
        line = raw.strip()
        if line.lower().startswith("!type:"):
            section = line[6:].replace(" ", "").lower()
        elif line.lower().startswith("!account"):
            section = "account"
        elif line.startswith("D") and section in _TRANSACTION_TYPES:
            value = line[1:].strip()
            if _plain_date(value, day_first):
                continue
            try:
                quiffen_date(value, day_first)
            except (ValueError, OverflowError):
                if len(bad) >= _STAND_IN_YEARS:
                    break  # so many that the file is not one to read row by row
                year = _STAND_IN_FIRST + len(bad)
                bad[year] = value
                lines[index] = f"D01/01/{year}"
    return "\n".join(lines), bad


def _plain_date(value: str, day_first: bool) -> bool:
    """Whether ``value`` is plainly a date (01/31/2025, 31.01.2025), checked without
    dateutil, which takes most of the time of reading a large file."""
    match = _PLAIN_DATE.fullmatch(value)
    if match is None:
        return False
    first, second, year = map(int, match.groups())
    day, month = (first, second) if day_first else (second, first)
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _date(when, position: int, bad_dates: dict[int, str], order: str):
    """The transaction's date, or the words for the bad date it stands in for."""
    if when is not None and when.year in bad_dates:
        written = "day first (31/01/2025)" if order == "dmy" else "month first (01/31/2025)"
        return (
            f"Bad date “{bad_dates[when.year]}” in transaction {position}: "
            f"it is not a date when read {written}."
        )
    return when


def _line(position: int, when, amount: Decimal | None, description: str) -> StatementLine:
    errors = []
    if isinstance(when, str):
        errors.append(when)
        when = None
    day = when.date() if when is not None else None
    if day is not None and (problem := date_problem(day, f"“{day.isoformat()}”")):
        errors.append(problem)
    if amount is None:
        errors.append(f"Transaction {position} has no amount (a T line).")
    elif problem := amount_problem(amount, f"“{amount}”"):
        errors.append(problem)
    return StatementLine(
        line=position, date=day, amount=amount, description=description, errors=tuple(errors)
    )


def _left_out_sentences(counts: Counter[str]) -> list[str]:
    sentences = []
    if n := counts["trades"]:
        what = "trade (buy/sell) is" if n == 1 else "trades (buy/sell) are"
        sentences.append(f"{n} {what} not income or spending and {_were(n)} left out.")
    if n := counts["transfers"]:
        what = "transfer of cash or shares" if n == 1 else "transfers of cash or shares"
        sentences.append(f"{n} {what} between accounts {_were(n)} left out.")
    if n := counts["other"]:
        what = "other investment transaction" if n == 1 else "other investment transactions"
        sentences.append(f"{n} {what} (splits, expenses, reminders…) {_were(n)} left out.")
    return sentences


def _were(n: int) -> str:
    return "was" if n == 1 else "were"


def _unreadable(error: Exception, order: str) -> str:
    """The words for a QIF file quiffen refused."""
    detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if len(detail) > 160:
        detail = detail[:159] + "…"
    written = "day first (31/01/2025)" if order == "dmy" else "month first (01/31/2025)"
    if "day is out of range" in detail or "month must be" in detail or "String does not" in detail:
        return (
            f"A date in the QIF file is not a date when read {written} ({detail}). "
            "Check the date order, or export the file again."
        )
    return (
        f"The QIF file could not be read ({detail}). "
        "Export the account again from your bank or finance program."
    )
