"""The statement readers: OFX/QFX, QIF and banks' CSV files, from bytes to lines.

Pure: no database. Each fixture of ``statements/`` (invented files in the shapes of
real exports) is read and compared with its lines written out here.
"""

from __future__ import annotations

import codecs
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dataport.statement_csv import (
    DATE_FORMATS,
    CsvLayout,
    CsvMapping,
    csv_layout,
    date_formats_for,
    layout_signature,
    parse_amount,
    read_mapped_csv,
)
from dataport.statement_lines import StatementFileError, StatementLine, detect_format
from dataport.statement_ofx import read_ofx
from dataport.statement_qif import read_qif
from portfolio.limits import ENTRY_IMPORT_MAX_LINES, STATEMENT_MAX_BYTES

FILES = Path(__file__).parent / "statements"


def data(name: str) -> bytes:
    return (FILES / name).read_bytes()


def L(line, day, amount, description, bank_id="", currency="", errors=()):
    return StatementLine(
        line=line,
        date=date.fromisoformat(day) if day else None,
        amount=Decimal(amount) if amount is not None else None,
        description=description,
        bank_id=bank_id,
        currency=currency,
        errors=tuple(errors),
    )


def csv_lines(raw: bytes) -> list[StatementLine]:
    layout = csv_layout(raw)
    return list(read_mapped_csv(raw, layout, layout.guess))


# ---------------------------------------------------------------------------
# Formats


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ofx102-checking.ofx", "ofx"),
        ("ofx2-investment.ofx", "ofx"),
        ("checking.qfx", "ofx"),
        ("checking.qif", "qif"),
        ("de-giro-2025-01.csv", "csv"),
        ("utf16-tab.csv", "csv"),
    ],
)
def test_the_format_is_told_from_the_content(name, expected):
    assert detect_format(data(name), "statement.txt") == expected


def test_without_a_telling_content_the_extension_decides():
    assert detect_format(b"garbage", "Export.QFX") == "ofx"
    assert detect_format(b"garbage", "export.qif") == "qif"
    assert detect_format(b"Date,Amount\n", "export.txt") == "csv"
    # The content wins over a misleading name.
    assert detect_format(data("checking.qif"), "download.csv") == "qif"


# ---------------------------------------------------------------------------
# OFX and QFX


def test_ofx_102_sgml_bank_statement():
    statement = read_ofx(data("ofx102-checking.ofx"))
    assert statement.format == "ofx"
    assert statement.account == "…6789"
    assert statement.currency == "USD"
    assert statement.left_out == ()
    assert statement.lines == [
        L(1, "2025-01-02", "3250.00", "ACME PAYROLL · Salary January", "FIT20250102001"),
        L(
            2,
            "2025-01-03",
            "-1150.00",
            "NORTHSIDE PROPERTY MGMT · Rent 14B Elm Street",
            "FIT20250103001",
        ),
        # DTPOSTED 20250104120000[-5:EST] is 17:00 UTC: the day written is kept.
        L(3, "2025-01-04", "-64.37", "FRESHMART #0412 · Card 1234", "FIT20250104001"),
        L(4, "2025-01-06", "-12.90", "CITY TRANSIT · Monthly pass top-up", "FIT20250106001"),
        L(5, "2025-01-08", "-100.00", "ATM 5TH AVE", "FIT20250108001"),
        L(6, "2025-01-10", "-500.00", "TRANSFER TO SAVINGS · To savings ...4421", "FIT20250110001"),
        L(7, "2025-01-11", "-38.15", "CORNER PHARMACY", "FIT20250111001"),
        L(8, "2025-01-13", "-89.99", "METRO ELECTRIC CO · Account 55-1029", "FIT20250113001"),
        L(9, "2025-01-15", "-23.40", "BEAN & LEAF CAFE · Card 1234", "FIT20250115001"),
        L(10, "2025-01-17", "45.00", "REFUND SPORTSHOP", "FIT20250117001"),
        L(11, "2025-01-20", "-250.00", "Cheque 1042", "FIT20250120001"),
        L(12, "2025-01-22", "-71.82", "FRESHMART #0412 · Card 1234", "FIT20250122001"),
        L(13, "2025-01-25", "-4.50", "MONTHLY ACCOUNT FEE", "FIT20250125001"),
        L(14, "2025-01-28", "-42.00", "NETSTREAM SUBSCRIPTION · Ref 88812", "FIT20250128001"),
        L(15, "2025-01-31", "1.87", "INTEREST CREDIT · Interest January", "FIT20250131001"),
    ]


def test_ofx_2_investment_statement_keeps_income_and_cash_and_counts_trades():
    statement = read_ofx(data("ofx2-investment.ofx"))
    assert statement.account == "…0098"
    assert statement.currency == "USD"
    assert statement.lines == [
        L(1, "2025-01-06", "2000.00", "ACH DEPOSIT · From checking", "INV-0001"),
        # Transaction 2 is the buy, left out.
        L(
            3,
            "2025-02-14",
            "18.40",
            "Dividend · Northwind Traders Inc. · Quarterly dividend",
            "INV-0003",
        ),
        L(4, "2025-02-28", "52.13", "Dividend · Example Total Market Index Fund", "INV-0004"),
        L(
            5,
            "2025-03-17",
            "27.75",
            "Dividend · Fabrikam Holdings plc · Ordinary dividend",
            "INV-0005",
        ),
        L(6, "2025-03-31", "3.21", "Interest · Interest on cash balance", "INV-0006"),
    ]
    assert statement.left_out == (
        "2 trades (buy/sell) are not income or spending and were left out.",
    )


def test_qfx_with_intuit_tags_and_a_checking_and_a_card_statement():
    statement = read_ofx(data("checking.qfx"))
    assert statement.account == "…3210, …9911"
    assert statement.currency == "USD"
    assert statement.lines == [
        L(1, "2025-03-03", "2890.00", "GLOBEX CORP PAYROLL · PPD ID 1234567", "3000000001"),
        L(2, "2025-03-05", "-1425.00", "HARBOR VIEW APARTMENTS · Rent March", "3000000002"),
        L(3, "2025-03-07", "-54.21", "GREENLEAF GROCERY", "3000000003"),
        L(
            4,
            "2025-03-10",
            "-600.00",
            "ONLINE TRANSFER TO CARD · Card payment ...9911",
            "3000000004",
        ),
        L(5, "2025-03-31", "0.42", "INTEREST PAID", "3000000005"),
        L(6, "2025-03-02", "-18.75", "SUNRISE DINER", "C250302A"),
        L(7, "2025-03-09", "-129.99", "OUTDOOR GEAR ONLINE · Order 55120", "C250309A"),
        L(8, "2025-03-11", "600.00", "PAYMENT THANK YOU", "C250311A"),
        L(9, "2025-03-18", "-9.99", "MUSIC STREAM MONTHLY", "C250318A"),
    ]


def test_a_transaction_in_another_currency_says_so():
    raw = data("ofx102-checking.ofx").replace(
        b"<NAME>REFUND SPORTSHOP",
        b"<NAME>REFUND SPORTSHOP\r\n<CURRENCY>\r\n<CURRATE>1.08\r\n<CURSYM>EUR\r\n</CURRENCY>",
    )
    lines = read_ofx(raw).lines
    assert lines[9] == L(10, "2025-01-17", "45.00", "REFUND SPORTSHOP", "FIT20250117001", "EUR")
    assert {line.currency for line in lines[:9]} == {""}


def test_an_amount_past_the_money_limit_is_a_row_error():
    raw = data("ofx102-checking.ofx").replace(b"<TRNAMT>45.00", b"<TRNAMT>1000000000000.00")
    line = read_ofx(raw).lines[9]
    assert line.errors == (
        "Amount “1000000000000.00” is too large: amounts are below 1,000,000,000,000.",
    )


@pytest.mark.parametrize("cut", [0.5, 0.97])
def test_a_truncated_ofx_file_is_refused(cut):
    raw = data("ofx102-checking.ofx")
    with pytest.raises(StatementFileError, match="incomplete"):
        read_ofx(raw[: int(len(raw) * cut)])


def test_an_ofx_file_breaking_the_specification_is_refused_with_words():
    raw = data("ofx102-checking.ofx").replace(b"<TRNTYPE>ATM", b"<TRNTYPE>WITHDRAWAL")
    with pytest.raises(StatementFileError) as error:
        read_ofx(raw)
    assert str(error.value).startswith("The OFX file does not follow the OFX specification (")
    assert "Traceback" not in str(error.value)


@pytest.mark.parametrize(
    ("left_out", "replaced_by"),
    [
        (b"<LEDGERBAL>\r\n<BALAMT>2754.74\r\n<DTASOF>20250131\r\n</LEDGERBAL>\r\n", b""),
        (b"<BALAMT>2754.74\r\n<DTASOF>20250131\r\n</LEDGERBAL>", b"<BALAMT>\r\n</LEDGERBAL>"),
        (b"<LANGUAGE>ENG\r\n", b""),
    ],
)
def test_what_banks_leave_out_and_the_lines_do_not_need_is_not_required(left_out, replaced_by):
    raw = data("ofx102-checking.ofx")
    assert left_out in raw
    statement = read_ofx(raw.replace(left_out, replaced_by))
    assert statement.lines == read_ofx(raw).lines


def _with_corrections(*transactions: bytes) -> bytes:
    """The checking statement with ``transactions`` appended to its list."""
    raw = data("ofx102-checking.ofx")
    end = b"</BANKTRANLIST>"
    return raw.replace(end, b"".join(transactions) + end)


def _correction(fitid: bytes, corrects: bytes, action: bytes, amount: bytes = b"-46.37") -> bytes:
    return (
        b"<STMTTRN>\r\n<TRNTYPE>POS\r\n<DTPOSTED>20250130\r\n<TRNAMT>"
        + amount
        + b"\r\n<FITID>"
        + fitid
        + b"\r\n<CORRECTFITID>"
        + corrects
        + b"\r\n<CORRECTACTION>"
        + action
        + b"\r\n<NAME>FRESHMART #0412\r\n</STMTTRN>\r\n"
    )


def test_a_correction_in_the_file_replaces_or_cancels_the_transaction_it_names():
    plain = read_ofx(data("ofx102-checking.ofx")).lines
    statement = read_ofx(
        _with_corrections(
            _correction(b"FIX1", b"FIT20250104001", b"REPLACE"),  # the 64.37 was 46.37
            _correction(b"FIX2", b"FIT20250108001", b"DELETE", b"0"),  # no ATM withdrawal
        )
    )
    by_id = {line.bank_id: line for line in statement.lines}
    assert "FIT20250104001" not in by_id and "FIT20250108001" not in by_id
    assert "FIX2" not in by_id
    assert by_id["FIX1"] == L(16, "2025-01-30", "-46.37", "FRESHMART #0412", "FIX1")
    assert len(statement.lines) == len(plain) - 1  # two gone, one new version
    assert statement.left_out == (
        "2 transactions were corrected or cancelled by the bank later in the file: "
        "only the correction is imported.",
    )


def test_a_correction_of_an_earlier_statement_says_what_to_delete():
    statement = read_ofx(
        _with_corrections(
            _correction(b"FIX1", b"FIT20241230001", b"REPLACE"),
            _correction(b"FIX2", b"FIT20241231001", b"DELETE"),
        )
    )
    ids = [line.bank_id for line in statement.lines]
    assert "FIX1" in ids and "FIX2" not in ids
    assert len(ids) == 16  # the fifteen transactions and the replacement
    assert statement.left_out == (
        "1 correction replaces a transaction of an earlier statement: the corrected version "
        "is imported. If you imported that statement, delete the entry it replaces.",
        "1 correction cancels a transaction of an earlier statement and was left out. "
        "If you imported that statement, delete the cancelled entry.",
    )


def test_an_ofx_header_missing_a_line_is_named():
    raw = data("ofx102-checking.ofx").replace(b"NEWFILEUID:NONE\r\n", b"")
    with pytest.raises(StatementFileError, match="header is incomplete"):
        read_ofx(raw)


def test_a_file_that_is_not_ofx_is_refused():
    with pytest.raises(StatementFileError, match="does not start with an OFX header"):
        read_ofx(b"Date;Amount\n01.01.2025;12,50\n")


# ---------------------------------------------------------------------------
# QIF

QIF_CHECKING = [
    L(1, "2025-01-02", "3250.00", "ACME PAYROLL · Salary January"),
    L(2, "2025-01-03", "-1150.00", "Northside Property Mgmt · Rent"),
    L(3, "2025-01-07", "-64.37", "Freshmart"),  # written 1/ 7'25, as Quicken does
    L(4, "2025-01-10", "-500.00", "Transfer to savings"),
    L(5, "2025-01-14", "-89.99", "Metro Electric Co · Account 55-1029"),
    L(6, "2025-01-17", "45.00", "Refund Sportshop"),
    L(7, "2025-01-20", "-250.00", "A. Example (babysitting) · Cheque 1042"),
    L(8, "2025-01-31", "1.87", "Interest credit"),
]


def test_qif_bank_account_with_us_dates():
    statement = read_qif(data("checking.qif"))
    assert statement.format == "qif"
    assert statement.account == ""  # no !Account block names it
    assert statement.lines == QIF_CHECKING
    # 01/14/2025 cannot be day first.
    assert (statement.date_order, statement.date_order_certain) == ("mdy", True)


DAY_FIRST_QIF = """!Type:CCard
D03/02/2025
T-12,50
PBoulangerie Martin
^
D14/02/2025
T-1.204,99
PGrand Magasin
MManteau
^
D28/02/2025
T300,00
PVirement
^
""".encode("cp1252")


def test_qif_with_day_first_dates_and_decimal_commas():
    statement = read_qif(DAY_FIRST_QIF)
    assert (statement.date_order, statement.date_order_certain) == ("dmy", True)
    assert statement.lines == [
        L(1, "2025-02-03", "-12.50", "Boulangerie Martin"),
        L(2, "2025-02-14", "-1204.99", "Grand Magasin · Manteau"),
        L(3, "2025-02-28", "300.00", "Virement"),
    ]


def test_qif_dates_that_cannot_tell_are_month_first_and_flagged():
    raw = b"!Type:Bank\nD01/02/2025\nT-10.00\nPCafe\n^\nD03/04/2025\nT5.00\nPRefund\n^\n"
    statement = read_qif(raw)
    assert (statement.date_order, statement.date_order_certain) == ("mdy", False)
    assert [line.date for line in statement.lines] == [date(2025, 1, 2), date(2025, 3, 4)]
    # The user says day first: the same file, read again.
    statement = read_qif(raw, day_first=True)
    assert (statement.date_order, statement.date_order_certain) == ("dmy", True)
    assert [line.date for line in statement.lines] == [date(2025, 2, 1), date(2025, 4, 3)]


def test_qif_investment_account_keeps_income_and_counts_the_rest():
    raw = b"""!Account
NBrokerage
TInvst
^
!Type:Invst
D03/15/2025
NDiv
YNorthwind Traders
T18.40
MQuarterly
^
D03/16/2025
NBuy
YNorthwind Traders
I142.50
Q10
T1,425.00
^
D03/20/2025
NReinvDiv
YExample Index Fund
I50.00
Q0.5
T25.00
^
D03/31/2025
NIntInc
T3.21
^
D03/31/2025
NXOut
T100.00
L[Checking]
^
"""
    statement = read_qif(raw)
    assert statement.account == "Brokerage"
    assert statement.lines == [
        L(1, "2025-03-15", "18.40", "Dividend · Northwind Traders · Quarterly"),
        L(3, "2025-03-20", "25.00", "Dividend (reinvested) · Example Index Fund"),
        L(4, "2025-03-31", "3.21", "Interest"),
    ]
    assert statement.left_out == (
        "1 trade (buy/sell) is not income or spending and was left out.",
        "1 transfer of cash or shares between accounts was left out.",
    )


def test_a_qif_date_that_is_no_date_is_a_row_error_and_the_others_are_read():
    raw = b"!Type:Bank\nD31/02/2025\nT-1.00\nPShop\n^\nD15/02/2025\nT-2.00\nPCafe\n^\n"
    statement = read_qif(raw)
    assert statement.date_order == "dmy"
    assert statement.lines == [
        L(
            1,
            None,
            "-1.00",
            "Shop",
            errors=[
                "Bad date “31/02/2025” in transaction 1: "
                "it is not a date when read day first (31/01/2025)."
            ],
        ),
        L(2, "2025-02-15", "-2.00", "Cafe"),
    ]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"!Type:Bank\nD01/02/2025\nPShop\n^\n", "on line 2 of the QIF file has no amount"),
        (b"!Type:Bank\nT-1.00\nPShop\n^\n", "on line 2 of the QIF file has no date"),
        (b"!Type:Bank\nD01/02/2025\nTabc\n^\n", "The amount “abc” on line 3 of the QIF file"),
    ],
)
def test_a_qif_transaction_without_a_date_or_amount_is_named(raw, message):
    with pytest.raises(StatementFileError, match=message):
        read_qif(raw)


def test_a_qif_investment_account_without_an_account_block_is_read():
    statement = read_qif(b"!Type:Invst\nD01/02/2025\nNDiv\nYFund\nT12.00\n^\n")
    assert statement.account == ""
    assert statement.lines == [L(1, "2025-01-02", "12.00", "Dividend · Fund")]


def test_qif_without_a_header_is_refused():
    with pytest.raises(StatementFileError, match="QIF header"):
        read_qif(b"D01/02/2025\nT-1.00\n^\n")


# ---------------------------------------------------------------------------
# CSV: the fixtures

DE_JAN = [
    L(7, "2025-01-02", "3450.00", "Müller & Söhne GmbH · Gehalt Januar 2025", currency="EUR"),
    L(8, "2025-01-03", "-1120.00", "Hausverwaltung Kühn · Miete Januar Wohnung 3", currency="EUR"),
    L(9, "2025-01-07", "-54.37", "REWE Markt Köln · Kartenzahlung 06.01.", currency="EUR"),
    L(10, "2025-01-10", "-96.00", "Stadtwerke Düsseldorf · Abschlag Strom/Gas", currency="EUR"),
    L(11, "2025-01-13", "-500.00", "Erika Musterfrau · Übertrag auf Tagesgeld", currency="EUR"),
    L(12, "2025-01-15", "-8.90", "Bäckerei Schäfer · Kartenzahlung", currency="EUR"),
    L(13, "2025-01-20", "-89.90", "Deutsche Bahn · Fahrkarte ICE München", currency="EUR"),
    L(14, "2025-01-22", "-17.45", "Apotheke am Markt · Kartenzahlung", currency="EUR"),
    L(15, "2025-01-27", "-29.99", "Fitnessstudio Grün · Mitgliedsbeitrag", currency="EUR"),
    L(16, "2025-01-31", "1.23", "Tagesgeld Zinsen · Zinsgutschrift", currency="EUR"),
]


def test_german_giro_csv_windows_1252_with_a_preamble():
    raw = data("de-giro-2025-01.csv")
    layout = csv_layout(raw)
    assert (layout.encoding, layout.delimiter, layout.header_line) == ("cp1252", ";", 6)
    assert layout.header == (
        "Buchungstag",
        "Valuta",
        "Auftraggeber/Empfänger",
        "Verwendungszweck",
        "Betrag",
        "Währung",
    )
    assert layout.guess == CsvMapping(
        date_column=0,
        date_format="%d.%m.%Y",
        amount_mode="signed",
        amount_column=4,
        decimal_separator=",",
        description_columns=(2, 3),
        currency_column=5,
    )
    assert layout.sample[0] == (
        "02.01.2025",
        "02.01.2025",
        "Müller & Söhne GmbH",
        "Gehalt Januar 2025",
        "3.450,00",
        "EUR",
    )
    assert len(layout.sample) == 10
    assert not layout.ambiguous_dates
    # The closing "Kontostand am 31.01.2025" line has no amount: skipped.
    assert list(read_mapped_csv(raw, layout, layout.guess)) == DE_JAN


def test_a_preamble_longer_than_the_table_is_still_a_preamble():
    # Four two-cell lines above a header and two rows: the table is the six-cell one.
    raw = b"\r\n".join(data("de-giro-2025-01.csv").split(b"\r\n")[:8])
    layout = csv_layout(raw)
    assert (layout.delimiter, layout.header_line) == (";", 6)
    assert list(read_mapped_csv(raw, layout, layout.guess)) == DE_JAN[:2]


def test_the_same_banks_next_file_has_the_same_signature_and_overlaps():
    january, february = (
        csv_layout(data("de-giro-2025-01.csv")),
        csv_layout(data("de-giro-2025-02.csv")),
    )
    assert january.signature == february.signature
    assert (
        january.signature
        == "buchungstag|valuta|auftraggeber/empfänger|verwendungszweck|betrag|währung"
    )
    # Next month's file read with January's mapping, as a saved profile would.
    lines = list(read_mapped_csv(data("de-giro-2025-02.csv"), february, january.guess))
    assert lines == [
        L(7, "2025-01-20", "-89.90", "Deutsche Bahn · Fahrkarte ICE München", currency="EUR"),
        L(8, "2025-01-22", "-17.45", "Apotheke am Markt · Kartenzahlung", currency="EUR"),
        L(9, "2025-01-27", "-29.99", "Fitnessstudio Grün · Mitgliedsbeitrag", currency="EUR"),
        L(10, "2025-01-31", "1.23", "Tagesgeld Zinsen · Zinsgutschrift", currency="EUR"),
        L(11, "2025-02-03", "3450.00", "Müller & Söhne GmbH · Gehalt Februar 2025", currency="EUR"),
        L(
            12,
            "2025-02-03",
            "-1120.00",
            "Hausverwaltung Kühn · Miete Februar Wohnung 3",
            currency="EUR",
        ),
        L(13, "2025-02-11", "-23.65", "dm-drogerie markt · Kartenzahlung 10.02.", currency="EUR"),
        L(14, "2025-02-14", "-96.00", "Stadtwerke Düsseldorf · Abschlag Strom/Gas", currency="EUR"),
        L(15, "2025-02-24", "-1299.00", "Möbelhaus Weiß · Rechnung 2025-0211 Sofa", currency="EUR"),
        L(16, "2025-02-28", "1.12", "Tagesgeld Zinsen · Zinsgutschrift", currency="EUR"),
    ]
    overlap = {(line.date, line.amount, line.description) for line in lines}
    overlap &= {(line.date, line.amount, line.description) for line in DE_JAN}
    assert len(overlap) == 4


def test_uk_csv_with_money_out_and_money_in_columns():
    raw = data("uk-debit-credit.csv")
    layout = csv_layout(raw)
    assert (layout.encoding, layout.delimiter, layout.header_line) == ("utf-8-sig", ",", 1)
    assert layout.header == ("Date", "Description", "Money Out", "Money In", "Balance")
    assert layout.guess == CsvMapping(
        date_column=0,
        date_format="%d/%m/%Y",
        amount_mode="debit_credit",
        debit_column=2,
        credit_column=3,
        decimal_separator=".",
        description_columns=(1,),
    )
    assert list(read_mapped_csv(raw, layout, layout.guess)) == [
        L(2, "2025-01-02", "-23.40", "CARD PAYMENT TO TESCO STORES 3112"),
        L(3, "2025-01-03", "-38.50", "DIRECT DEBIT THAMES WATER"),
        L(4, "2025-01-06", "2450.00", "FASTER PAYMENT FROM ACME LTD SALARY"),
        L(5, "2025-01-13", "-950.00", "STANDING ORDER RENT FLAT 2"),
        L(6, "2025-01-15", "-6.85", "CARD PAYMENT TO PRET A MANGER"),
        L(7, "2025-01-20", "-300.00", "TRANSFER TO ISA"),
        L(8, "2025-01-24", "-129.00", "CARD PAYMENT TO JOHN LEWIS, OXFORD ST"),
        L(9, "2025-01-28", "19.99", "REFUND FROM AMAZON UK"),
        L(10, "2025-01-31", "0.87", "INTEREST PAID"),
    ]


def test_utf16_tab_separated_csv_with_a_debit_credit_mark():
    raw = data("utf16-tab.csv")
    layout = csv_layout(raw)
    assert (layout.encoding, layout.delimiter, layout.header_line) == ("utf-16", "\t", 1)
    assert layout.guess == CsvMapping(
        date_column=0,
        date_format="%m/%d/%Y",
        amount_mode="sign_column",
        amount_column=2,
        sign_column=3,
        debit_marks=("D",),
        decimal_separator=".",
        description_columns=(1,),
        bank_id_column=4,
    )
    assert list(read_mapped_csv(raw, layout, layout.guess)) == [
        L(2, "2025-01-03", "2875.00", "PAYROLL DEPOSIT INITECH", "TX-88120001"),
        L(3, "2025-01-05", "-84.12", "SAFEWAY #1187", "TX-88120002"),
        L(4, "2025-01-09", "-131.40", "PG&E UTILITY PAYMENT", "TX-88120003"),
        L(5, "2025-01-15", "-1650.00", "RENT - OAK RIDGE APTS", "TX-88120004"),
        L(6, "2025-01-21", "40.00", "VENMO CASHOUT", "TX-88120005"),
        L(7, "2025-01-28", "-48.77", "SHELL OIL 5512", "TX-88120006"),
    ]


def test_utf16_without_a_byte_order_mark_is_told_by_its_nul_bytes():
    raw = data("utf16-tab.csv")[len(codecs.BOM_UTF16_LE) :]
    layout = csv_layout(raw)
    assert layout.encoding == "utf-16-le"
    assert len(list(read_mapped_csv(raw, layout, layout.guess))) == 6
    big_endian = raw.decode("utf-16-le").encode("utf-16-be")
    assert csv_layout(big_endian).encoding == "utf-16-be"


def test_us_csv_with_signed_amounts_and_thousands_commas():
    raw = data("us-signed.csv")
    layout = csv_layout(raw)
    assert (layout.encoding, layout.delimiter, layout.header_line) == ("utf-8", ",", 1)
    assert layout.guess == CsvMapping(
        date_column=0,
        date_format="%m/%d/%Y",
        amount_mode="signed",
        amount_column=2,
        decimal_separator=".",
        description_columns=(1,),
    )
    assert list(read_mapped_csv(raw, layout, layout.guess)) == [
        L(2, "2025-01-02", "2310.55", "DIRECT DEP ACME CORP PAYROLL"),
        L(3, "2025-01-06", "-5.75", "STARBUCKS STORE 10021"),
        L(4, "2025-01-08", "-450.00", "ONLINE PAYMENT THANK YOU CARD 9911"),
        L(5, "2025-01-14", "-1425.00", "RENT PAYMENT ZELLE"),
        L(6, "2025-01-17", "-63.18", "AMAZON MKTPLACE PMTS"),
        L(7, "2025-01-30", "0.31", "INTEREST PAYMENT"),
    ]


# Other banks' shapes, inline: (file, the lines as (date, amount, description)).
OTHER_BANKS = {
    "french debit and credit columns": (
        (
            "Date opération;Date valeur;Libellé;Débit;Crédit\n"
            "03/01/2025;03/01/2025;CB CARREFOUR;-45,20;\n"
            "15/01/2025;15/01/2025;VIR SALAIRE;;2 150,00\n"
        ).encode(),
        [("2025-01-03", "-45.20", "CB CARREFOUR"), ("2025-01-15", "2150.00", "VIR SALAIRE")],
    ),
    "spanish, with a balance column": (
        (
            "Fecha;Concepto;Importe;Saldo\n02/01/2025;Mercadona;-23,45;1.200,00\n"
            "25/01/2025;Nómina;1.850,00;3.050,00\n"
        ).encode(),
        [("2025-01-02", "-23.45", "Mercadona"), ("2025-01-25", "1850.00", "Nómina")],
    ),
    "dutch af/bij mark": (
        b'"Datum","Naam / Omschrijving","Rekening","Af Bij","Bedrag (EUR)","Mededelingen"\n'
        b'"20250103","Albert Heijn 1234","NL01INGB0001234567","Af","23,45","Pas 001"\n'
        b'"20250125","Werkgever BV","NL01INGB0001234567","Bij","2.450,00","Salaris"\n',
        [("2025-01-03", "-23.45", "Albert Heijn 1234"), ("2025-01-25", "2450.00", "Werkgever BV")],
    ),
    "app bank with times and a fee": (
        b"Type,Product,Started Date,Completed Date,Description,Amount,Fee,Currency,State\n"
        b"CARD_PAYMENT,Current,2025-01-03 10:22:01,2025-01-04 09:00:00,Lidl,-12.30,0.00,EUR,DONE\n"
        b"TOPUP,Current,2025-01-15 08:00:00,2025-01-15 08:00:01,Top-up,500.00,0.00,EUR,DONE\n",
        [("2025-01-03", "-12.30", "Lidl"), ("2025-01-15", "500.00", "Top-up")],
    ),
    "app bank with a foreign amount beside": (
        b'"Date","Payee","Transaction type","Payment reference","Amount (EUR)",'
        b'"Amount (Foreign Currency)","Type Foreign Currency"\n'
        b'"2025-01-03","Shop NYC","MasterCard Payment","","-45.00","-48.60","USD"\n'
        b'"2025-01-20","ACME GmbH","Income","Gehalt","2500.00","",""\n',
        [("2025-01-03", "-45.00", "Shop NYC"), ("2025-01-20", "2500.00", "ACME GmbH · Gehalt")],
    ),
}


@pytest.mark.parametrize("name", OTHER_BANKS)
def test_other_banks_columns_are_guessed(name):
    raw, expected = OTHER_BANKS[name]
    lines = csv_lines(raw)
    assert [(line.date, line.amount, line.description, line.errors) for line in lines] == [
        (date.fromisoformat(day), Decimal(amount), description, ())
        for day, amount, description in expected
    ]
    # The app bank's EUR column is the row's currency; a foreign amount's is not.
    assert {line.currency for line in lines} == ({"EUR"} if "fee" in name else {""})


def test_a_mapping_and_a_layout_survive_a_json_round_trip():
    layout = csv_layout(data("utf16-tab.csv"))
    stored = json.loads(json.dumps(layout.guess.to_dict()))
    assert CsvMapping.from_dict(stored) == layout.guess
    stored = json.loads(json.dumps(layout.to_dict()))
    assert CsvLayout.from_dict(stored) == layout


def test_the_signature_ignores_case_spaces_quotes_and_the_byte_order_mark():
    assert layout_signature(["\ufeffDate", ' "Amount" ', "Money  In", ""]) == "date|amount|money in"
    assert layout_signature(["DATE", "amount", "money in"]) == "date|amount|money in"


# ---------------------------------------------------------------------------
# CSV: dates


def test_date_formats_that_read_every_value_preferred_first():
    assert date_formats_for(["31.01.2025", "01.02.2025"]) == ["%d.%m.%Y"]
    assert date_formats_for(["01/02/2025", "03/04/2025"]) == ["%d/%m/%Y", "%m/%d/%Y"]
    assert date_formats_for(["01/13/2025", ""]) == ["%m/%d/%Y"]
    assert date_formats_for(["31 Jan 2025", "1 FEB 2025"]) == ["%d %b %Y"]
    assert date_formats_for(["2025-01-31T00:00:00"]) == ["%Y-%m-%d"]
    assert date_formats_for(["20250131"]) == ["%Y%m%d"]
    assert date_formats_for(["not a date"]) == []
    assert date_formats_for([]) == []
    assert all(date_formats_for([date(2025, 1, 31).strftime(key)]) for key in DATE_FORMATS)


@given(
    day=st.dates(min_value=date(1969, 1, 1), max_value=date(2068, 12, 31)),
    key=st.sampled_from(list(DATE_FORMATS)),
)
def test_any_date_written_in_a_format_reads_back(day, key):
    # Two-digit years read as strptime does: 69-99 the 1900s, 00-68 the 2000s.
    text = day.strftime(key)
    assert key in date_formats_for([text])
    raw = f'Date;Description;Amount\n"{text}";Shop;-1,00\n'.encode()
    layout = csv_layout(raw)
    mapping = CsvMapping(date_column=0, date_format=key, amount_mode="signed", amount_column=2)
    mapping = CsvMapping.from_dict({**mapping.to_dict(), "decimal_separator": ","})
    [line] = read_mapped_csv(raw, layout, mapping)
    assert (line.date, line.errors) == (day, ())


def test_dates_all_up_to_twelve_both_ways_are_ambiguous():
    raw = (
        b"Date,Description,Amount\n01/02/2025,Cafe,-3.50\n"
        b"05/03/2025,Salary,1200.00\n12/12/2025,Gift,-20.00\n"
    )
    layout = csv_layout(raw)
    assert layout.ambiguous_dates
    assert layout.date_formats[0] == ("%d/%m/%Y", "%m/%d/%Y")


def test_one_day_above_twelve_settles_the_order():
    raw = (
        b"Date,Description,Amount\n01/02/2025,Cafe,-3.50\n"
        b"05/03/2025,Salary,1200.00\n12/13/2025,Gift,-20.00\n"
    )
    layout = csv_layout(raw)
    assert not layout.ambiguous_dates
    assert layout.guess.date_format == "%m/%d/%Y"


# ---------------------------------------------------------------------------
# CSV: amounts


@pytest.mark.parametrize(
    ("cell", "separator", "value"),
    [
        ("1.234,56", ",", "1234.56"),
        ("-1.234,56", ",", "-1234.56"),
        ("1.234,56-", ",", "-1234.56"),
        ("€ 12,50", ",", "12.50"),
        ("12,50 EUR", ",", "12.50"),
        ("-12,50 €", ",", "-12.50"),
        ("$1,234.56", ".", "1234.56"),
        ("-$1,234.56", ".", "-1234.56"),
        ("(12.50)", ".", "-12.50"),
        ("1'234.50", ".", "1234.50"),
        ("1\u00a0234,50", ",", "1234.50"),
        ("1\u202f234,50", ",", "1234.50"),
        ("1 234 567,00", ",", "1234567.00"),
        ("+25.00", ".", "25.00"),
        ("\u221212.00", ".", "-12.00"),
        ("0,5", ",", "0.5"),
    ],
)
def test_amount_cells_as_banks_write_them(cell, separator, value):
    assert parse_amount(cell, separator) == Decimal(value)


@pytest.mark.parametrize(
    ("cell", "separator"),
    [
        ("12,50", "."),
        ("1.23.4", ","),
        ("1,234.567,8", "."),
        ("--5", "."),
        ("abc", "."),
        ("1e3", "."),
        ("", "."),
    ],
)
def test_amount_cells_that_are_not_amounts(cell, separator):
    with pytest.raises(ValueError):
        parse_amount(cell, separator)


@given(
    cents=st.integers(min_value=-(10**14) + 1, max_value=10**14 - 1),
    decimal=st.sampled_from([".", ","]),
    thousands=st.sampled_from(["", ".", ",", " ", "'", "\u00a0", "\u202f"]),
    style=st.sampled_from(["plain", "parens", "trailing", "symbol", "code"]),
)
def test_amounts_with_any_accepted_separators_round_trip(cents, decimal, thousands, style):
    if thousands == decimal:
        thousands = ""
    value = Decimal(cents).scaleb(-2)
    whole, fraction = f"{abs(value):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    number = thousands.join(groups) + decimal + fraction
    negative = value < 0
    text = {
        "plain": ("-" if negative else "") + number,
        "parens": f"({number})" if negative else number,
        "trailing": number + ("-" if negative else ""),
        "symbol": ("-" if negative else "") + "€ " + number,
        "code": ("-" if negative else "") + number + " EUR",
    }[style]
    assert parse_amount(text, decimal) == value


# ---------------------------------------------------------------------------
# CSV: bad input


def test_a_bad_date_and_a_bad_amount_are_row_errors_naming_the_cell():
    raw = (
        b"Date;Description;Amount\n"
        b"31.01.2025;Salary;2.000,00\n"
        b"31.02.2025;Rent;-900,00\n"
        b"05.02.2025;Groceries;-12,3x\n"
        b"06.02.2025;Cafe;-3,20\n"
        b"01.01.1850;Old;-1,00\n"
        b"07.02.2025;Mistake;1000000000000,00\n"
    )
    layout = csv_layout(raw)
    assert list(read_mapped_csv(raw, layout, layout.guess)) == [
        L(2, "2025-01-31", "2000.00", "Salary"),
        L(
            3,
            None,
            "-900.00",
            "Rent",
            errors=["Bad date “31.02.2025” in column “Date”: there is no 31 February."],
        ),
        L(
            4,
            "2025-02-05",
            None,
            "Groceries",
            errors=["Bad amount “-12,3x” in column “Amount”: it is not a plain decimal number."],
        ),
        L(5, "2025-02-06", "-3.20", "Cafe"),
        L(
            6,
            None,
            "-1.00",
            "Old",
            errors=[
                "Bad date “01.01.1850” in column “Date”: the year must be between 1900 and 2200."
            ],
        ),
        L(
            7,
            "2025-02-07",
            None,
            "Mistake",
            errors=[
                "Amount “1000000000000,00” in column “Amount” is too large: "
                "amounts are below 1,000,000,000,000."
            ],
        ),
    ]


def test_a_wrong_decimal_separator_is_hinted_at():
    raw = b"Date,Description,Amount\n2025-01-31,Cafe,-3.50\n"
    layout = csv_layout(raw)
    mapping = CsvMapping.from_dict({**layout.guess.to_dict(), "decimal_separator": ","})
    [line] = read_mapped_csv(raw, layout, mapping)
    assert line.errors == (
        "Bad amount “-3.50” in column “Amount”: it has a space or separator between its digits "
        "(read with a decimal point, it is a number: is the decimal separator right?).",
    )


def test_a_quoted_cell_spanning_lines_keeps_physical_line_numbers():
    raw = b'Date,Description,Amount\n2025-01-30,"Two\nlines",-1.00\n2025-01-31,Next,-2.00\n'
    layout = csv_layout(raw)
    assert list(read_mapped_csv(raw, layout, layout.guess)) == [
        L(2, "2025-01-30", "-1.00", "Two lines"),
        L(4, "2025-01-31", "-2.00", "Next"),
    ]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (bytes(range(256)) * 20, "not a text file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "not a text file"),
        (b"PK\x03\x04" + bytes(100), "spreadsheet workbook"),
        (b"%PDF-1.7\n", "PDF"),
        (b"just one column\nof text\n", "two cells"),
        (
            b'Date,Description,Amount\n2025-01-31,"never closed,-1.00\n2025-02-01,x,1\n',
            "never closed",
        ),
        (b"1;2;3\n4;5;6\n", "No header row"),
    ],
)
def test_files_that_are_not_a_banks_csv_are_refused(raw, message):
    with pytest.raises(StatementFileError, match=message):
        csv_layout(raw)


def test_a_file_over_the_size_limit_is_refused_by_every_reader():
    raw = b"Date,Amount\n" + b"2025-01-31,1.00\n" * (STATEMENT_MAX_BYTES // 16 + 1)
    assert len(raw) > STATEMENT_MAX_BYTES
    for read in (csv_layout, read_ofx, read_qif):
        with pytest.raises(StatementFileError, match="larger than 10 MB"):
            read(raw)


def test_a_file_with_too_many_lines_is_refused():
    raw = b"Date,Amount\n" + b"\n" * ENTRY_IMPORT_MAX_LINES
    with pytest.raises(StatementFileError, match="more than 300,000 lines"):
        csv_layout(raw)


def test_a_mapping_naming_a_column_the_file_lacks_is_refused():
    raw = data("us-signed.csv")
    layout = csv_layout(raw)
    mapping = CsvMapping.from_dict({**layout.guess.to_dict(), "bank_id_column": 9})
    with pytest.raises(StatementFileError, match="column 10"):
        read_mapped_csv(raw, layout, mapping)


def test_a_headerless_file_gets_numbered_columns():
    raw = b"31.01.2025;Salary;2.000,00\n01.02.2025;Rent;-900,00\n"
    layout = csv_layout(raw)
    assert (layout.header_line, layout.header) == (0, ("Column 1", "Column 2", "Column 3"))
    assert list(read_mapped_csv(raw, layout, layout.guess)) == [
        L(1, "2025-01-31", "2000.00", "Salary"),
        L(2, "2025-02-01", "-900.00", "Rent"),
    ]


def test_reading_is_a_stream():
    raw = data("us-signed.csv")
    layout = csv_layout(raw)
    rows = read_mapped_csv(raw, layout, layout.guess)
    assert iter(rows) is rows
    assert next(rows).line == 2


def test_a_header_repeated_on_a_later_page_is_skipped():
    raw = data("us-signed.csv")
    header, *rows = raw.split(b"\n")
    paged = b"\n".join([header, *rows[:3], header, *rows[3:]])
    layout = csv_layout(paged)
    lines = list(read_mapped_csv(paged, layout, layout.guess))
    assert [line.line for line in lines] == [2, 3, 4, 6, 7, 8]
    assert [line.errors for line in lines] == [()] * 6
