"""Forms for holdings, valuations, streams and entries, and their money and date fields."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from portfolio import services
from portfolio.forms import DayField, EntryForm, HoldingForm, MoneyField, StreamForm, ValuationForm
from tests.factories import HoldingFactory, StreamFactory

TODAY = dt.date(2026, 10, 15)


# --- MoneyField ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1250.50", Decimal("1250.50")),
        (" 12 ", Decimal("12.00")),
        ("-250000", Decimal("-250000.00")),
        ("+12.5", Decimal("12.50")),
        ("1.500", Decimal("1.50")),  # trailing zeros past the cents are harmless
        ("007.50", Decimal("7.50")),  # and so are leading zeros (docs/data-format.md)
        ("999999999999.99", Decimal("999999999999.99")),
        ("-999999999999.99", Decimal("-999999999999.99")),
        ("0", Decimal("0.00")),
    ],
)
def test_money_accepts(text, value):
    cleaned = MoneyField().clean(text)
    assert cleaned == value
    assert cleaned.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("text", "code", "problem"),
    [
        ("abc", "invalid", "“abc” is not a plain decimal number."),
        ("1,250.50", "separator", "“1,250.50” has a space or separator between its digits."),
        ("1_000", "separator", "“1_000” has a space or separator between its digits."),
        ("1 000", "separator", "“1 000” has a space or separator between its digits."),
        ("12..5", "invalid", "“12..5” is not a plain decimal number."),
        (".5", "point", "“.5” needs a digit on each side of the decimal point"),
        ("1e3", "exponent", "“1e3” has an exponent (such as e3): write the number out in full."),
        ("1E+3", "exponent", "“1E+3” has an exponent"),
        ("1e30", "exponent", "“1e30” has an exponent"),
        ("1e999999999", "exponent", "“1e999999999” has an exponent"),
        ("-1e999999999", "exponent", "“-1e999999999” has an exponent"),
        ("1e-5", "exponent", "“1e-5” has an exponent"),
        ("\uff11\uff12", "digits", "“\uff11\uff12” has digits other than 0 to 9."),  # fullwidth
        # Arabic-Indic
        ("\u0661\u0660\u0660", "digits", "“\u0661\u0660\u0660” has digits other than 0 to 9."),
        ("\u0661e\u0663", "digits", "“\u0661e\u0663” has digits other than 0 to 9."),
    ],
)
def test_money_refuses_what_is_not_a_plain_number_naming_it(text, code, problem):
    with pytest.raises(ValidationError) as error:
        MoneyField().clean(text)
    assert error.value.code == code
    (message,) = error.value.messages
    assert message.startswith(problem)
    assert message.endswith(MoneyField.default_error_messages["invalid"])


@pytest.mark.parametrize("text", ["NaN", "nan", "sNaN", "Infinity", "-inf"])
def test_money_refuses_nan_and_infinity_naming_them(text):
    with pytest.raises(ValidationError) as error:
        MoneyField().clean(text)
    assert error.value.code == "not_finite"
    assert error.value.messages == [
        f"“{text}” is not a number. Enter an amount as a plain number: "
        "NaN and infinity are not amounts."
    ]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1000000000000", "max_whole_digits"),
        ("-1000000000000", "max_whole_digits"),
        ("0" * 100_000 + "1000000000000", "max_whole_digits"),
        ("0.001", "max_decimal_places"),
        ("0." + "0" * 100_000 + "1", "max_decimal_places"),
    ],
)
def test_money_refuses_too_many_digits_with_a_clear_message(text, code):
    with pytest.raises(ValidationError) as error:
        MoneyField().clean(text)
    assert error.value.code == code
    assert error.value.messages[0] == MoneyField.default_error_messages[code]


def test_money_zero_and_negative_options():
    with pytest.raises(ValidationError, match="other than zero"):
        MoneyField(allow_zero=False).clean("0.00")
    with pytest.raises(ValidationError, match="above zero"):
        MoneyField(allow_negative=False).clean("-1")
    assert MoneyField(allow_zero=False).clean("-1") == Decimal("-1")


def test_money_empty_when_optional():
    assert MoneyField(required=False).clean("") is None


@given(
    st.decimals(
        min_value=Decimal("-999999999999.99"),
        max_value=Decimal("999999999999.99"),
        places=2,
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_money_round_trips_every_amount_in_range(amount):
    assert MoneyField().clean(str(amount)) == amount


# --- DayField ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1900-01-01", "2026-02-28", "2200-12-31"])
def test_day_accepts_the_range(text):
    assert DayField().clean(text) == dt.date.fromisoformat(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1899-12-31", "Enter a date between 1900 and 2200."),
        ("2201-01-01", "Enter a date between 1900 and 2200."),
        ("0001-01-01", "Enter a date between 1900 and 2200."),
        ("2026-13-01", "Enter a date as YYYY-MM-DD."),
        ("2026-11-00", "Enter a date as YYYY-MM-DD."),
        ("tomorrow", "Enter a date as YYYY-MM-DD."),
    ],
)
def test_day_refuses(text, message):
    with pytest.raises(ValidationError) as error:
        DayField().clean(text)
    assert error.value.messages == [message]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-11-31", "November has 30 days."),
        ("2027-02-29", "February 2027 has 28 days."),
        ("2026-02-29", "February 2026 has 28 days."),
        ("2028-02-30", "February 2028 has 29 days."),
        (" 2026-04-31 ", "April has 30 days."),
        ("2026-01-32", "January has 31 days."),
    ],
)
def test_day_past_the_end_of_its_month_says_how_long_the_month_is(text, message):
    with pytest.raises(ValidationError) as error:
        DayField().clean(text)
    assert error.value.messages == [message]
    assert error.value.code == "day_past_month_end"


def test_day_accepts_a_leap_day():
    assert DayField().clean("2028-02-29") == dt.date(2028, 2, 29)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("form_class", "field", "data"),
    [
        ("StreamForm", "first_date", {}),
        ("StreamForm", "end_date", {}),
        ("EntryForm", "date", {"category": "fees"}),
        ("ValuationForm", "date", {"value": "100"}),
        ("HoldingForm", "value_date", {"value": "100"}),
    ],
)
def test_every_date_field_tells_a_day_past_the_month_end(portfolio, form_class, field, data):
    if form_class == "StreamForm":
        form = StreamForm(stream_data(**{field: "2026-11-31"}), portfolio=portfolio)
    elif form_class == "EntryForm":
        form = EntryForm(entry_data(date="2026-11-31", **data), portfolio=portfolio)
    elif form_class == "ValuationForm":
        form = ValuationForm({"date": "2026-11-31", **data})
    else:
        form = HoldingForm(
            holding_data(value_date="2026-11-31", **data), portfolio=portfolio, today=TODAY
        )
    assert form.errors[field] == ["November has 30 days."]


# --- HoldingForm ---------------------------------------------------------------------------------


def holding_data(**overrides):
    data = {"name": "Flat", "kind": "property", "liquidity": "kind", "note": ""}
    data.update(value="", value_date="2026-10-15")
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_holding_form_fields_on_create_and_edit(portfolio):
    create = HoldingForm(portfolio=portfolio, today=TODAY)
    assert list(create.fields) == [
        "name",
        "kind",
        "currency",
        "liquidity",
        "note",
        "value",
        "value_date",
    ]
    assert create["value_date"].value() == TODAY
    assert create["liquidity"].value() == "kind"
    holding = HoldingFactory(portfolio=portfolio, kind="cash")
    edit = HoldingForm(instance=holding, portfolio=portfolio, today=TODAY)
    assert list(edit.fields) == ["name", "kind", "currency", "liquidity", "note"]
    assert edit["liquidity"].value() == "kind"


@pytest.mark.django_db
def test_holding_create_saves_the_forms_value_and_liquid_by_kind(portfolio):
    form = HoldingForm(holding_data(value="-1000"), portfolio=portfolio, today=TODAY)
    assert form.is_valid(), form.errors
    holding = services.holding_create(
        holding=form.save(commit=False),
        value=form.cleaned_data["value"],
        valued_on=form.cleaned_data["value_date"],
    )
    assert holding.liquid is False
    assert holding.valuations.get().value == Decimal("-1000")


@pytest.mark.django_db
def test_holding_form_edit_changing_kind_follows_default(portfolio):
    holding = HoldingFactory(portfolio=portfolio, kind="property", liquid=False)
    form = HoldingForm(
        holding_data(kind="listed"), instance=holding, portfolio=portfolio, today=TODAY
    )
    assert form.is_valid(), form.errors
    assert form.save().liquid is True


@pytest.mark.django_db
def test_holding_name_unique_in_portfolio_ignoring_case(portfolio):
    HoldingFactory(portfolio=portfolio, name="Flat")
    form = HoldingForm(holding_data(name="FLAT"), portfolio=portfolio, today=TODAY)
    assert form.errors["name"] == ["This portfolio already has a holding with this name."]


def test_valuation_form_refuses_nan():
    form = ValuationForm({"date": "2026-10-01", "value": "NaN"})
    assert not form.is_valid()
    assert "NaN and infinity" in form.errors["value"][0]


# --- StreamForm --------------------------------------------------------------------------------


def stream_data(**overrides):
    data = {
        "name": "Rent",
        "category": "rent",
        "amount": "900",
        "frequency": "monthly",
        "first_date": "2026-01-01",
        "end_date": "",
        "holding": "",
        "hours_per_month": "2",
        "note": "",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_stream_form_category_select_has_optgroups(portfolio):
    choices = StreamForm(portfolio=portfolio).fields["category"].choices
    assert [label for label, _ in choices[1:]] == ["Earned", "Passive", "Outgoing"]


@pytest.mark.django_db
def test_stream_form_offers_holdings_by_name(portfolio):
    # The model orders holdings by kind first; the select is read by name.
    HoldingFactory(portfolio=portfolio, name="zebra savings", kind="cash")
    HoldingFactory(portfolio=portfolio, name="Flat", kind="property")
    HoldingFactory(portfolio=portfolio, name="apple shares", kind="listed")
    HoldingFactory(portfolio=portfolio, name="Bonds", kind="bonds")
    field = StreamForm(portfolio=portfolio).fields["holding"]
    assert [label for _, label in field.choices] == [
        "None",
        "apple shares",
        "Bonds",
        "Flat",
        "zebra savings",
    ]


@pytest.mark.django_db
def test_holding_form_offers_what_a_loan_is_secured_against_by_name(portfolio):
    HoldingFactory(portfolio=portfolio, name="zebra savings", kind="cash")
    HoldingFactory(portfolio=portfolio, name="Flat", kind="property")
    HoldingFactory(portfolio=portfolio, name="apple shares", kind="listed")
    field = HoldingForm(portfolio=portfolio, today=TODAY).fields["secured_against"]
    assert [label for _, label in field.choices] == [
        "Nothing",
        "apple shares",
        "Flat",
        "zebra savings",
    ]


def test_stream_form_first_payment_help_says_a_past_date_gives_complete_figures():
    help_text = StreamForm.base_fields["first_date"].help_text
    assert help_text == (
        "The date of the first payment. A date in the past (when it really started) "
        "gives complete figures at once; a date today starts your figures from today."
    )


@pytest.mark.django_db
def test_entry_form_category_select_has_optgroups(portfolio):
    choices = EntryForm(portfolio=portfolio).fields["category"].choices
    assert choices[0] == ("", "Same as the stream")
    assert [label for label, _ in choices[1:]] == ["Earned", "Passive", "Outgoing"]
    assert ("dividends", "Dividends") in choices[2][1]


@pytest.mark.django_db
def test_stream_form_holdings_of_the_portfolio_only(portfolio, stranger):
    mine = HoldingFactory(portfolio=portfolio)
    theirs = HoldingFactory(portfolio=stranger.portfolios.get())
    form = StreamForm(stream_data(holding=theirs.pk), portfolio=portfolio)
    assert list(form.fields["holding"].queryset) == [mine]
    assert form.errors["holding"] == ["Choose one of this portfolio's holdings."]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("hours", "valid"),
    [("0", True), ("744", True), ("2.5", True), ("744.1", False), ("800", False), ("-1", False)],
)
def test_stream_form_hours_range(portfolio, hours, valid):
    assert StreamForm(stream_data(hours_per_month=hours), portfolio=portfolio).is_valid() is valid


# Numbers that Decimal() reads but the documentation does not offer (docs/data-format.md).
WIDER_THAN_DOCUMENTED = [
    ("1e3", "has an exponent"),
    ("1_000", "has a space or separator between its digits"),
    ("\uff11\uff10\uff10\uff10", "has digits other than 0 to 9"),
    ("\u0661e\u0663", "has digits other than 0 to 9"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("text", "problem"), WIDER_THAN_DOCUMENTED)
@pytest.mark.parametrize(
    ("form_name", "field"),
    [
        ("holding", "value"),
        ("valuation", "value"),
        ("stream", "amount"),
        ("stream", "hours_per_month"),
        ("entry", "amount"),
    ],
)
def test_every_number_field_refuses_a_number_wider_than_documented(
    portfolio, form_name, field, text, problem
):
    if form_name == "holding":
        form = HoldingForm(holding_data(value=text), portfolio=portfolio, today=TODAY)
    elif form_name == "valuation":
        form = ValuationForm({"date": "2026-10-01", "value": text})
    elif form_name == "stream":
        form = StreamForm(stream_data(**{field: text}), portfolio=portfolio)
    else:
        form = EntryForm(entry_data(amount=text, category="fees"), portfolio=portfolio)
    assert not form.is_valid()
    (message,) = form.errors[field]
    assert message.startswith(f"“{text}” {problem}")


@pytest.mark.django_db
def test_stream_form_hours_name_a_refused_number(portfolio):
    form = StreamForm(stream_data(hours_per_month="2,5"), portfolio=portfolio)
    assert form.errors["hours_per_month"] == [
        "“2,5” has a space or separator between its digits. "
        "Enter hours as a number, such as 10 or 2.5."
    ]


@pytest.mark.django_db
def test_stream_form_end_may_equal_first(portfolio):
    form = StreamForm(
        stream_data(first_date="2026-01-01", end_date="2026-01-01"), portfolio=portfolio
    )
    assert form.is_valid(), form.errors


@pytest.mark.django_db
def test_stream_name_unique_but_edit_keeps_its_own(portfolio):
    stream = StreamFactory(portfolio=portfolio, name="Rent")
    assert not StreamForm(stream_data(name="rent"), portfolio=portfolio).is_valid()
    assert StreamForm(stream_data(name="RENT"), instance=stream, portfolio=portfolio).is_valid()


# --- EntryForm ------------------------------------------------------------------------------------


def entry_data(**overrides):
    data = {"date": "2026-10-01", "amount": "10", "category": "", "stream": "", "note": ""}
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_entry_form_category_from_stream_or_required(portfolio):
    stream = StreamFactory(portfolio=portfolio, category="interest")
    form = EntryForm(entry_data(stream=stream.pk), portfolio=portfolio)
    assert form.is_valid(), form.errors
    assert form.save().category == "interest"

    alone = EntryForm(entry_data(), portfolio=portfolio)
    assert alone.errors["category"] == ["Choose a category, or a stream to take it from."]


@pytest.mark.django_db
def test_entry_form_explicit_category_wins_over_stream(portfolio):
    stream = StreamFactory(portfolio=portfolio, category="interest")
    form = EntryForm(entry_data(stream=stream.pk, category="fees"), portfolio=portfolio)
    assert form.is_valid(), form.errors
    assert form.save().category == "fees"


@pytest.mark.django_db
def test_entry_form_streams_of_the_portfolio_only(portfolio, stranger):
    theirs = StreamFactory(portfolio=stranger.portfolios.get())
    form = EntryForm(entry_data(stream=theirs.pk, category="fees"), portfolio=portfolio)
    assert form.errors["stream"] == ["Choose one of this portfolio's streams."]
