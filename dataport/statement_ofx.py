"""OFX and QFX statements in, read by ofxtools: pure Python, no Django.

Accepted: OFX 1.x (SGML, unclosed leaf tags: 1.0.2, 1.0.3, 1.6) and 2.x (XML), and
Intuit's QFX (OFX with private ``<INTU.BID>``-style tags, which are skipped). In one
file, any number of statements of these kinds, their lines one after the other:

- bank statements (``STMTRS``) and credit card statements (``CCSTMTRS``): every
  transaction is a line, dated by its posting date (``DTPOSTED``), with the amount
  as the bank signs it, NAME (or PAYEE) and MEMO as the description, and FITID as
  the bank's id;
- investment statements (``INVSTMTRS``): income (dividends, interest, capital gains
  distributions, also when reinvested) and cash movements (``INVBANKTRAN``) are
  lines; an income line is described by its kind, the security's name from the
  file's list of securities, and its memo. Buys, sells, transfers and the rest are
  not income or spending: they are left out and counted in ``Statement.left_out``.

A bank corrects a transaction it sent with a later one naming it (CORRECTFITID):
CORRECTACTION REPLACE is its new version, DELETE cancels it. Within a file only
what the corrections leave is a line. A correction of a transaction of an earlier
file is kept (REPLACE) or left out (DELETE), and ``left_out`` tells the user to
delete the earlier entry by hand: an imported row keeps no link to its entry.

Dates are the calendar day the bank wrote, whatever time zone follows it (ofxtools
would move "20250131 22:00 [-8]" to 1 February in UTC). A row's ``currency`` is set
when the transaction names a currency other than the statement's (``CURDEF``).

ofxtools follows the specification strictly. What banks often leave out and the
lines never read (a statement's closing balance, the sign-on's language) is added
before it converts the file; a file that is not OFX, is cut short, or breaks the
specification elsewhere (an unknown transaction type, an impossible date) raises
``StatementFileError`` with a sentence for the user.
"""

from __future__ import annotations

import io
import warnings
import xml.etree.ElementTree as ET
from collections import Counter
from decimal import Decimal

from ofxtools.Parser import OFXTree

from dataport.statement_lines import (
    Statement,
    StatementFileError,
    StatementLine,
    amount_problem,
    check_count,
    check_size,
    date_problem,
    describe,
    masked,
)

# Elements holding a date and time; cut to their first 8 characters (YYYYMMDD) before
# ofxtools converts them, so a line keeps the day the bank wrote.
_DATE_TAGS = frozenset({"DTPOSTED", "DTUSER", "DTAVAIL", "DTTRADE", "DTSETTLE", "DTPAYROLL"})

# What a transaction without NAME or MEMO is called, by its TRNTYPE.
_TRNTYPES = {
    "CREDIT": "Credit",
    "DEBIT": "Debit",
    "INT": "Interest",
    "DIV": "Dividend",
    "FEE": "Fee",
    "SRVCHG": "Service charge",
    "DEP": "Deposit",
    "ATM": "Cash withdrawal",
    "POS": "Card payment",
    "XFER": "Transfer",
    "CHECK": "Cheque",
    "PAYMENT": "Payment",
    "CASH": "Cash withdrawal",
    "DIRECTDEP": "Direct deposit",
    "DIRECTDEBIT": "Direct debit",
    "REPEATPMT": "Standing order",
    "HOLD": "Hold",
    "OTHER": "Other",
}

_INCOME_TYPES = {
    "DIV": "Dividend",
    "INTEREST": "Interest",
    "CGLONG": "Capital gains distribution (long-term)",
    "CGSHORT": "Capital gains distribution (short-term)",
    "MISC": "Other income",
}

# Investment transactions that are not lines, by what the user is told they are.
_TRADES = frozenset(
    {
        "BUYDEBT",
        "BUYMF",
        "BUYOPT",
        "BUYOTHER",
        "BUYSTOCK",
        "SELLDEBT",
        "SELLMF",
        "SELLOPT",
        "SELLOTHER",
        "SELLSTOCK",
        "CLOSUREOPT",
    }
)
_TRANSFERS = frozenset({"TRANSFER", "JRNLFUND", "JRNLSEC"})


def read_ofx(data: bytes) -> Statement:
    """The lines of an OFX or QFX file; ``StatementFileError`` if it cannot be read."""
    check_size(data)
    head = data[:4096].upper()
    if b"OFXHEADER" not in head and b"<OFX" not in head:
        raise StatementFileError(_NOT_OFX)
    # ofxtools closes what an SGML file leaves open, so a file cut short after a
    # transaction would read as a shorter statement: its last tag must be there.
    if b"</OFX>" not in data[-4096:].upper():
        raise StatementFileError(
            "The OFX file is incomplete: it ends before its closing </OFX> tag. "
            "Download the statement again from your bank."
        )
    tree = OFXTree()
    with warnings.catch_warnings():
        # ofxtools warns about each private tag (INTU.BID) and over-long NAME it skips.
        warnings.simplefilter("ignore")
        try:
            tree.parse(io.BytesIO(data))
        except Exception as error:
            raise StatementFileError(_unreadable(error, data)) from None
        for element in tree.getroot().iter():
            if element.tag in _DATE_TAGS and element.text:
                element.text = element.text.strip()[:8]
        _fill_unread(tree.getroot())
        try:
            ofx = tree.convert()
            statements = list(ofx.statements)
            securities = {
                (info.secinfo.secid.uniqueidtype, info.secinfo.secid.uniqueid): info.secinfo
                for info in ofx.securities
            }
        except Exception as error:
            raise StatementFileError(_against_spec(error)) from None
    if not statements:
        raise StatementFileError(
            "The OFX file holds no bank, credit card or investment statement. "
            "Download a statement (not only balances) from your bank."
        )

    lines: list[StatementLine] = []
    corrections: dict[int, tuple[str, str]] = {}  # a line's position: (FITID it corrects, action)
    left_out: Counter[str] = Counter()
    accounts: list[str] = []
    currencies: list[str] = []
    position = 0  # of a transaction among all of the file's, left-out ones too
    for statement in statements:
        account = getattr(statement.account, "acctid", "") or ""
        if account and masked(account) not in accounts:
            accounts.append(masked(account))
        currency = statement.curdef or ""
        currencies.append(currency)
        # A second statement in another currency: its lines say so.
        own = currency if currencies[0] != currency else ""
        if type(statement).__name__ == "INVSTMTRS":
            transactions = statement.invtranlist or []
            check_count(position + len(transactions))
            for transaction in transactions:
                position += 1
                line = _investment_line(transaction, position, securities, own, currency)
                if isinstance(line, str):
                    left_out[line] += 1
                else:
                    lines.append(line)
                    _note_correction(corrections, position, getattr(transaction, "stmttrn", None))
        else:
            transactions = statement.banktranlist or []
            check_count(position + len(transactions))
            for transaction in transactions:
                position += 1
                lines.append(_bank_line(transaction, position, own, currency))
                _note_correction(corrections, position, transaction)
    return Statement(
        format="ofx",
        lines=_corrected(lines, corrections, left_out),
        account=", ".join(accounts),
        currency=currencies[0],
        left_out=tuple(_left_out_sentences(left_out)),
    )


def _fill_unread(root: ET.Element) -> None:
    """Add what ofxtools requires but the lines never read, where banks leave it out:
    a statement's closing balance (LEDGERBAL, or its amount) and the sign-on's
    LANGUAGE. ofxtools refuses such a file; its author suggests mending it first."""
    for sonrs in root.iter("SONRS"):
        if sonrs.find("LANGUAGE") is None:
            _insert_after(sonrs, ("DTSERVER", "STATUS"), _leaf("LANGUAGE", "ENG"))
    for statement in (*root.iter("STMTRS"), *root.iter("CCSTMTRS")):
        ledgerbal = statement.find("LEDGERBAL")
        if ledgerbal is None:
            ledgerbal = ET.Element("LEDGERBAL")
            after = ("BANKTRANLIST", "BANKACCTFROM", "CCACCTFROM", "CURDEF")
            _insert_after(statement, after, ledgerbal)
        balamt, dtasof = ledgerbal.find("BALAMT"), ledgerbal.find("DTASOF")
        if balamt is None:
            balamt = _leaf("BALAMT", "")
            ledgerbal.insert(0, balamt)
        if dtasof is None:
            dtasof = _leaf("DTASOF", "")
            ledgerbal.insert(1, dtasof)
        if not (balamt.text or "").strip():
            balamt.text = "0"
        if not (dtasof.text or "").strip():
            dtasof.text = statement.findtext("BANKTRANLIST/DTEND") or "19700101"


def _leaf(tag: str, text: str) -> ET.Element:
    element = ET.Element(tag)
    element.text = text
    return element


def _insert_after(parent: ET.Element, tags: tuple[str, ...], element: ET.Element) -> None:
    """Insert ``element`` after the first child named one of ``tags`` (in that order of
    preference), else first: ofxtools checks the order of an aggregate's elements."""
    children = list(parent)
    for tag in tags:
        for index, child in enumerate(children):
            if child.tag == tag:
                parent.insert(index + 1, element)
                return
    parent.insert(0, element)


def _bank_line(stmttrn, position: int, own_currency: str, curdef: str) -> StatementLine:
    """A bank, card or investment-cash transaction (``STMTTRN``) as a line."""
    name = stmttrn.name or (stmttrn.payee.name if stmttrn.payee is not None else "")
    description = describe(name, stmttrn.memo)
    if not description:
        kind = _TRNTYPES.get(stmttrn.trntype, stmttrn.trntype.title())
        description = describe(f"{kind} {stmttrn.checknum or ''}")
    return _line(
        position,
        stmttrn.dtposted,
        stmttrn.trnamt,
        description,
        stmttrn.fitid,
        _currency(stmttrn, curdef) or own_currency,
    )


def _investment_line(transaction, position: int, securities: dict, own: str, curdef: str):
    """An investment transaction as a line, or the kind it is left out as."""
    kind = type(transaction).__name__
    if kind == "INVBANKTRAN":
        return _bank_line(transaction.stmttrn, position, own, curdef)
    if kind in ("INCOME", "REINVEST"):
        label = _INCOME_TYPES.get(transaction.incometype, "Income")
        if kind == "REINVEST":
            label = f"{label} (reinvested)"
        secid = transaction.secid
        info = securities.get((secid.uniqueidtype, secid.uniqueid))
        # Interest on the cash balance names no security of the list: none is shown.
        security = info.secname if info is not None else ""
        invtran = transaction.invtran
        # A reinvestment's TOTAL is the cash spent buying (negative): the income is its size.
        amount = transaction.total.copy_abs() if kind == "REINVEST" else transaction.total
        return _line(
            position,
            invtran.dttrade,
            amount,
            describe(label, security, invtran.memo),
            invtran.fitid,
            _currency(transaction, curdef) or own,
        )
    if kind in _TRADES:
        return "trades"
    if kind in _TRANSFERS:
        return "transfers"
    return "other"


def _note_correction(corrections: dict, position: int, stmttrn) -> None:
    """Remember that the transaction at ``position`` corrects another, if it does."""
    if stmttrn is not None and stmttrn.correctaction:
        corrections[position] = (stmttrn.correctfitid or "", stmttrn.correctaction)


def _corrected(
    lines: list[StatementLine], corrections: dict[int, tuple[str, str]], left_out: Counter[str]
) -> list[StatementLine]:
    """The lines as the bank's corrections leave them, what was dropped counted in ``left_out``."""
    if not corrections:
        return lines
    in_file = {line.bank_id for line in lines if line.bank_id}
    named = {fitid for fitid, _ in corrections.values() if fitid}
    kept = []
    for line in lines:
        if line.bank_id in named:  # replaced or cancelled by a later line of this file
            left_out["corrected"] += 1
            continue
        fitid, action = corrections.get(line.line, ("", ""))
        if action and fitid not in in_file:
            left_out["replaces earlier" if action == "REPLACE" else "cancels earlier"] += 1
        if action != "DELETE":
            kept.append(line)
    return kept


def _line(position, when, amount: Decimal, description, fitid, currency) -> StatementLine:
    day = when.date() if when is not None else None
    errors = []
    if day is not None and (problem := date_problem(day, f"“{day.isoformat()}”")):
        errors.append(problem)
    if problem := amount_problem(amount, f"“{amount}”"):
        errors.append(problem)
    return StatementLine(
        line=position,
        date=day,
        amount=amount,
        description=description,
        bank_id=fitid or "",
        currency=currency,
        errors=tuple(errors),
    )


def _currency(transaction, curdef: str) -> str:
    """The transaction's own currency when it names one other than the statement's."""
    for name in ("currency", "origcurrency"):
        currency = getattr(transaction, name, None)
        if currency is not None and currency.cursym and currency.cursym != curdef:
            return currency.cursym
    return ""


def _left_out_sentences(counts: Counter[str]) -> list[str]:
    sentences = []
    if n := counts["trades"]:
        what = "trade (buy/sell) is" if n == 1 else "trades (buy/sell) are"
        sentences.append(f"{n} {what} not income or spending and {_were(n)} left out.")
    if n := counts["transfers"]:
        what = "transfer of cash or securities" if n == 1 else "transfers of cash or securities"
        sentences.append(f"{n} {what} between accounts {_were(n)} left out.")
    if n := counts["other"]:
        what = "other investment transaction" if n == 1 else "other investment transactions"
        sentences.append(
            f"{n} {what} (splits, fees charged to a security, margin interest…) {_were(n)} "
            "left out."
        )
    if n := counts["corrected"]:
        what = "transaction was" if n == 1 else "transactions were"
        sentences.append(
            f"{n} {what} corrected or cancelled by the bank later in the file: "
            "only the correction is imported."
        )
    if n := counts["replaces earlier"]:
        what = "correction replaces a transaction" if n == 1 else "corrections replace transactions"
        sentences.append(
            f"{n} {what} of an earlier statement: the corrected version is imported. "
            "If you imported that statement, delete the entry it replaces."
        )
    if n := counts["cancels earlier"]:
        what = "correction cancels a transaction" if n == 1 else "corrections cancel transactions"
        sentences.append(
            f"{n} {what} of an earlier statement and {_were(n)} left out. "
            "If you imported that statement, delete the cancelled entry."
        )
    return sentences


def _were(n: int) -> str:
    return "was" if n == 1 else "were"


_NOT_OFX = (
    "The file does not start with an OFX header (OFXHEADER:100 … or <?OFX …?>). "
    "Download the statement again from your bank as OFX, QFX or Quicken Web Connect."
)


def _unreadable(error: Exception, data: bytes) -> str:
    """The words for a file ofxtools could not parse at all."""
    name = type(error).__name__
    if name == "OFXHeaderError" and b"OFXHEADER" in data[:2048].upper():
        return (
            "The OFX file's header is incomplete or not as OFX writes it (nine lines from "
            "OFXHEADER:100 to NEWFILEUID, in capitals). Download the statement again from "
            "your bank."
        )
    if name == "OFXHeaderError":
        return _NOT_OFX
    if isinstance(error, UnicodeDecodeError):
        return (
            "The OFX file has characters its header's encoding does not allow. "
            "Download the statement again from your bank."
        )
    return (
        "The OFX file is incomplete or damaged: its tags do not close in order "
        f"({_short(error)}). Download the statement again from your bank."
    )


def _against_spec(error: Exception) -> str:
    """The words for a file parsed but breaking the OFX specification."""
    return (
        f"The OFX file does not follow the OFX specification ({_short(error)}). "
        "Download the statement again from your bank, or export it as CSV."
    )


def _short(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text if len(text) <= 160 else text[:159] + "…"
