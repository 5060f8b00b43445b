"""portfolio.months.day_past_month_end: a day its month does not have, told plainly."""

from __future__ import annotations

import calendar
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio.months import MONTH_NAMES, day_past_month_end


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("2026-11-31", "November has 30 days."),
        ("2027-02-29", "February 2027 has 28 days."),
        ("2028-02-30", "February 2028 has 29 days."),
        ("2100-02-29", "February 2100 has 28 days."),  # not a leap year
        ("2026-06-99", "June has 30 days."),
    ],
)
def test_a_day_past_the_end_names_the_length_of_its_month(text, sentence):
    assert day_past_month_end(text) == sentence


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-30",
        "2028-02-29",
        "2000-02-29",
        "2026-13-01",
        "2026-00-10",
        "2026-11-00",
        "0000-02-30",
        "31/11/2026",
        "2026-11-31T00:00",
        "",
        "soon",
    ],
)
def test_anything_else_is_none(text):
    assert day_past_month_end(text) is None


def test_month_names_are_calendar_order():
    assert len(MONTH_NAMES) == 12
    assert MONTH_NAMES[0] == "January" and MONTH_NAMES[-1] == "December"


@given(
    year=st.integers(min_value=1, max_value=9999),
    month=st.integers(min_value=1, max_value=12),
    day=st.integers(min_value=1, max_value=99),
)
def test_none_exactly_for_real_days(year, month, day):
    text = f"{year:04d}-{month:02d}-{day:02d}"
    length = calendar.monthrange(year, month)[1]
    sentence = day_past_month_end(text)
    if day <= length:
        assert sentence is None
        assert date.fromisoformat(text).day == day
    else:
        assert sentence is not None
        assert sentence.startswith(MONTH_NAMES[month - 1])
        assert sentence.endswith(f" has {length} days.")
