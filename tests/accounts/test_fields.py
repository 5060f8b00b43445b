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
        ("abc", INVALID),
        ("NaN", INVALID),
        ("nan%", INVALID),
        ("sNaN", INVALID),
        ("Infinity", INVALID),
        ("-inf%", INVALID),
        ("%", INVALID),
        ("4%%", INVALID),
        ("4..5%", INVALID),
        ("150%", "Enter at most 100%."),
        ("1.5", "Enter at most 100%."),
        ("1e30", "Enter at most 100%."),
        ("99999999999999999999999999999999%", "Enter at most 100%."),
        ("1e999999999", "Enter at most 100%."),
        ("-1e999999999%", "Enter at least 0.01%."),
        ("0", "Enter at least 0.01%."),
        ("-4%", "Enter at least 0.01%."),
        ("4.123%", "Use at most 2 decimal places in the percentage."),
        ("0.00001", "Use at most 2 decimal places in the percentage."),
        ("1e-30", "Use at most 2 decimal places in the percentage."),
        ("1e-999999999%", "Use at most 2 decimal places in the percentage."),
        ("", "This field is required."),
    ],
)
def test_bad_input_gets_a_clear_message(typed, message):
    with pytest.raises(ValidationError) as caught:
        field().clean(typed)
    assert caught.value.messages == [message]


def test_without_bounds_any_finite_rate_is_accepted():
    assert PercentField().clean("250%") == Decimal("2.5")
    assert PercentField().clean("1e30") == Decimal("1e30")


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
