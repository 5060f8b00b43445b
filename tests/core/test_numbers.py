"""portfolio.numbers: the one grammar of a typed number, and what it refuses and why."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio.numbers import NotANumber, parse_decimal, places, whole_digits

D = Decimal


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", D("0")),
        ("1250.50", D("1250.50")),
        ("-220000.00", D("-220000.00")),
        ("+12", D("12")),
        ("007.50", D("7.50")),
        ("0.000001", D("0.000001")),
        ("1" + "0" * 40, D("1e40")),  # every digit kept: no context rounding
    ],
)
def test_plain_numbers_are_read_exactly(text, value):
    number = parse_decimal(text)
    assert number == value
    assert str(number) == str(D(text))  # the places written are kept ("1.50")


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        ("1e3", "exponent", "“1e3” has an exponent (such as e3): write the number out in full"),
        ("-2.5E-7", "exponent", "“-2.5E-7” has an exponent"),
        ("\uff11\uff12", "digits", "“\uff11\uff12” has digits other than 0 to 9"),
        ("\u0661e\u0663", "digits", "“\u0661e\u0663” has digits other than 0 to 9"),
        ("\u0663\u0660\u0660.\u0660\u0660", "digits", "has digits other than 0 to 9"),
        ("1\u00b2", "digits", "has digits other than 0 to 9"),  # a superscript two
        ("1_000", "separator", "“1_000” has a space or separator between its digits"),
        ("1 000", "separator", "has a space or separator between its digits"),
        ("1'000.50", "separator", "has a space or separator between its digits"),
        ("1,000.50", "separator", "has a space or separator between its digits"),
        ("1.000.000", "separator", "has a space or separator between its digits"),
        ("NaN", "not_finite", "“NaN” is not a number: NaN and infinity are refused"),
        ("-Infinity", "not_finite", "is not a number: NaN and infinity are refused"),
        ("sNaN", "not_finite", "is not a number"),
        (".5", "point", "“.5” needs a digit on each side of the decimal point (0.5, not .5)"),
        ("5.", "point", "needs a digit on each side of the decimal point"),
        ("12..5", "invalid", "“12..5” is not a plain decimal number"),
        ("", "invalid", "“” is not a plain decimal number"),
        ("-", "invalid", "is not a plain decimal number"),
        ("--5", "invalid", "is not a plain decimal number"),
        (" 5", "invalid", "is not a plain decimal number"),  # callers strip; the grammar does not
        ("0x1F", "invalid", "is not a plain decimal number"),
        ("=1+2", "invalid", "is not a plain decimal number"),
    ],
)
def test_anything_else_is_refused_naming_the_value_and_why(text, code, message):
    with pytest.raises(NotANumber) as refused:
        parse_decimal(text)
    assert refused.value.code == code
    assert message in str(refused.value)
    assert refused.value.text == text


def test_a_long_value_is_shortened_in_the_message():
    with pytest.raises(NotANumber) as refused:
        parse_decimal("1" * 100 + "e3")
    assert str(refused.value) == "“" + "1" * 39 + "…” has an exponent (such as e3): " + (
        "write the number out in full"
    )


@pytest.mark.parametrize("text", ["007.50", "00", "-01", "0" * 100_000 + "1"])
def test_leading_zeros_can_be_refused(text):
    with pytest.raises(NotANumber) as refused:
        parse_decimal(text, leading_zeros=False)
    assert refused.value.code == "leading_zeros"


@pytest.mark.parametrize("text", ["0", "0.50", "-0.01", "10", "100.00"])
def test_refusing_leading_zeros_keeps_zero_and_fractions(text):
    assert parse_decimal(text, leading_zeros=False) == D(text)


def test_a_plus_sign_can_be_refused():
    with pytest.raises(NotANumber):
        parse_decimal("+5", plus_sign=False)
    assert parse_decimal("-5", plus_sign=False) == D(-5)


@pytest.mark.parametrize(
    ("text", "value"),
    [("12,50", D("12.50")), ("-0,5", D("-0.5")), ("1234,56", D("1234.56"))],
)
def test_a_decimal_comma_when_told(text, value):
    assert parse_decimal(text, decimal_separator=",") == value


def test_with_a_decimal_comma_the_point_is_a_separator():
    with pytest.raises(NotANumber) as refused:
        parse_decimal("1.234,56", decimal_separator=",")
    assert refused.value.code == "separator"
    with pytest.raises(NotANumber) as refused:
        parse_decimal(",5", decimal_separator=",")
    assert "(0,5, not ,5)" in str(refused.value)


@pytest.mark.parametrize(
    ("text", "decimal", "thousands", "value"),
    [
        ("1.234,56", ",", ".", D("1234.56")),
        ("1,234,567.8", ".", ",", D("1234567.8")),
        ("1 234", ",", " ", D("1234")),
        ("1234,5", ",", ".", D("1234.5")),  # grouping is optional
        ("-12'345.00", ".", "'", D("-12345.00")),
    ],
)
def test_a_thousands_separator_when_told_grouped_by_three(text, decimal, thousands, value):
    assert parse_decimal(text, decimal_separator=decimal, thousands_separator=thousands) == value


@pytest.mark.parametrize("text", ["1.23,5", "12.3456", "1..234", ".234", "1.234.", "1,234.56"])
def test_a_thousands_separator_out_of_place_is_refused(text):
    with pytest.raises(NotANumber):
        parse_decimal(text, decimal_separator=",", thousands_separator=".")


def test_the_two_separators_must_differ():
    with pytest.raises(ValueError, match="must differ"):
        parse_decimal("1", decimal_separator=",", thousands_separator=",")


@pytest.mark.parametrize(
    ("number", "whole", "fraction"),
    [
        (D("0"), 0, 0),
        (D("0.5"), 0, 1),
        (D("1.500"), 1, 1),
        (D("999999999999.99"), 12, 2),
        (D("0.0050"), 0, 3),
        (D("1" + "0" * 40), 41, 0),
        (D("0." + "0" * 40 + "1"), 0, 41),
        (D("-12.30"), 2, 1),
    ],
)
def test_digits_are_counted_exactly(number, whole, fraction):
    assert (whole_digits(number), places(number)) == (whole, fraction)


_DECIMALS = st.decimals(
    allow_nan=False, allow_infinity=False, min_value=-(10**30), max_value=10**30
)


@given(_DECIMALS)
def test_every_decimal_written_out_reads_back_the_same(number):
    text = format(number, "f")
    assert parse_decimal(text) == number
    assert whole_digits(number) == len(text.lstrip("-").split(".")[0].lstrip("0"))


@given(_DECIMALS)
def test_every_grouped_decimal_reads_back_the_same(number):
    # "1,234,567.89" written the way of many European banks: "1.234.567,89".
    text = format(number, ",f").replace(",", " ").replace(".", ",").replace(" ", ".")
    assert parse_decimal(text, decimal_separator=",", thousands_separator=".") == number


@given(st.text(min_size=1, max_size=12))
def test_a_text_with_any_digit_other_than_0_to_9_is_refused(text):
    if any(char.isdigit() and not char.isascii() for char in text):
        with pytest.raises(NotANumber):
            parse_decimal(text)
