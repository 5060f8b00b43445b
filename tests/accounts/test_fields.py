"""PercentField: "4%" or "0.04" in, the fraction out, clear messages otherwise."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from accounts.fields import PercentField

INVALID = "Enter a percentage such as 4% or a fraction such as 0.04."


def field(**kwargs) -> PercentField:
    return PercentField(min_value=Decimal("0.0001"), max_value=Decimal("1"), **kwargs)


@pytest.mark.parametrize(
    ("typed", "fraction"),
    [
        ("4%", Decimal("0.04")),
        ("4 %", Decimal("0.04")),
        ("0.04", Decimal("0.04")),
        ("4,5 %", Decimal("0.045")),
        ("0,045", Decimal("0.045")),
        (" 3.25% ", Decimal("0.0325")),
        ("100%", Decimal("1")),
        ("1", Decimal("1")),
        ("0.01%", Decimal("0.0001")),
        ("4.00000%", Decimal("0.04")),
    ],
)
def test_percentages_and_fractions_give_the_fraction(typed, fraction):
    assert field().clean(typed) == fraction


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", f"“abc” is not a plain decimal number. {INVALID}"),
        ("NaN", f"“NaN” is not a number: NaN and infinity are refused. {INVALID}"),
        ("nan%", f"“nan%” is not a number: NaN and infinity are refused. {INVALID}"),
        ("sNaN", f"“sNaN” is not a number: NaN and infinity are refused. {INVALID}"),
        ("Infinity", f"“Infinity” is not a number: NaN and infinity are refused. {INVALID}"),
        ("-inf%", f"“-inf%” is not a number: NaN and infinity are refused. {INVALID}"),
        ("%", f"“%” is not a plain decimal number. {INVALID}"),
        ("4%%", f"“4%%” is not a plain decimal number. {INVALID}"),
        ("4..5%", f"“4..5%” is not a plain decimal number. {INVALID}"),
        ("4 5%", f"“4 5%” has a space or separator between its digits. {INVALID}"),
        ("1,000.5%", f"“1,000.5%” has a space or separator between its digits. {INVALID}"),
        ("150%", "Enter at most 100%."),
        ("1.5", "Enter at most 100%."),
        ("99999999999999999999999999999999%", "Enter at most 100%."),
        ("0", "Enter at least 0.01%."),
        ("-4%", "Enter at least 0.01%."),
        ("4.123%", "Use at most 2 decimal places in the percentage."),
        ("0.00001", "Use at most 2 decimal places in the percentage."),
        (
            "0.000000000000000000000000000000000004%",
            "Use at most 2 decimal places in the percentage.",
        ),
        ("", "This field is required."),
    ],
)
def test_bad_input_gets_a_clear_message(typed, message):
    with pytest.raises(ValidationError) as caught:
        field().clean(typed)
    assert caught.value.messages == [message]


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("1e30", "has an exponent (such as e3): write the number out in full"),
        ("1e999999999", "has an exponent"),
        ("-1e999999999%", "has an exponent"),
        ("1e-30", "has an exponent"),
        ("1e-999999999%", "has an exponent"),
        ("4_0%", "has a space or separator between its digits"),
        ("\uff14%", "has digits other than 0 to 9"),
        (
            "\u0664\u066a",
            "has digits other than 0 to 9",
        ),  # with the Arabic percent sign: not ours either
        ("\u0660.\u0660\u0664", "has digits other than 0 to 9"),
    ],
)
def test_a_number_wider_than_documented_is_refused_naming_it(typed, problem):
    with pytest.raises(ValidationError) as caught:
        field().clean(typed)
    (message,) = caught.value.messages
    assert message.startswith(f"“{typed}” {problem}")
    assert message.endswith(INVALID)


def test_without_bounds_any_finite_rate_is_accepted():
    assert PercentField().clean("250%") == Decimal("2.5")
    assert PercentField().clean("1" + "0" * 30) == Decimal("1e30")
    # A hundredth exactly, past the 28 digits of the default context.
    assert PercentField().clean("1234567890123456789012345678901%") == Decimal(
        "12345678901234567890123456789.01"
    )


def test_optional_field_gives_none_when_empty():
    assert field(required=False).clean("") is None


def test_the_value_is_shown_back_as_a_percentage():
    assert field().prepare_value(Decimal("0.04")) == "4%"
    assert field().prepare_value(Decimal("0.0325")) == "3.25%"
    assert field().prepare_value("4 %") == "4 %"  # what the user typed, on a form with errors


@given(st.integers(min_value=1, max_value=10_000))
def test_every_hundredth_of_a_percent_round_trips(hundredths):
    fraction = Decimal(hundredths) / 10_000
    shown = field().prepare_value(fraction)
    assert field().clean(shown) == fraction
