"""Forms for portfolios, holdings, valuations, streams and entries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower

from accounts.validators import currency_choices, currency_label
from portfolio import categories, months, numbers
from portfolio.limits import (
    FIRST_YEAR,
    HOURS_MAX,
    HOURS_PLACES,
    LAST_YEAR,
    MAX_PORTFOLIOS,
    MONEY_LIMIT,
    MONEY_PLACES,
    MONEY_WHOLE_DIGITS,
    RATE_DIGITS,
    RATE_PLACES,
)
from portfolio.models import Entry, Holding, ManualRate, Portfolio, Stream, Valuation
from portfolio.rates import ecb_latest_days, manual_rate_refusal


class CurrencyField(forms.ChoiceField):
    """The currency of a holding, stream or entry: the currencies in use today (the
    sign-up list), a new row defaulting to the owner's base currency."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Currency")
        # Left out (a script, an older page), it is the base currency.
        kwargs.setdefault("required", False)
        super().__init__(choices=currency_choices, **kwargs)
        self.default = ""

    def clean(self, value):
        return super().clean(value) or self.default

    @staticmethod
    def set_up(form: forms.ModelForm, portfolio: Portfolio) -> None:
        """Default to the base currency; a row kept in a since withdrawn currency
        keeps it on offer."""
        field = form.fields["currency"]
        field.default = form.instance.currency or portfolio.owner.currency
        kept = form.instance.currency
        if not form.instance.pk or not kept:
            form.initial.setdefault("currency", portfolio.owner.currency)
        elif kept not in dict(currency_choices()):
            field.choices = [(kept, f"{currency_label(kept)} (no longer in use)"), *field.choices]
        field.help_text = (
            f"Figures convert it into your base currency, {portfolio.owner.currency}, at the "
            "reference rate of each amount's date."
        )


class PortfolioForm(forms.ModelForm):
    class Meta:
        model = Portfolio
        fields = ["name"]

    def __init__(self, *args, owner, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.owner = owner

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        others = Portfolio.objects.filter(owner=self.instance.owner, name__iexact=name)
        if others.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("You already have a portfolio with this name.")
        return name

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            count = Portfolio.objects.filter(owner=self.instance.owner).count()
            if count >= MAX_PORTFOLIOS:
                raise forms.ValidationError(
                    f"You have {count} portfolios, the most an account can have. "
                    "Delete one you no longer use, or add to an existing one."
                )
        return cleaned


# --- Shared fields ---------------------------------------------------------------


class SharingForm(forms.ModelForm):
    """What the owner's household may do with a portfolio."""

    class Meta:
        model = Portfolio
        fields = ["sharing"]
        labels = {"sharing": "Household"}


def read_number(value, messages: dict[str, str]) -> Decimal:
    """``value`` (text, or a ``Decimal`` already read) by the one grammar of
    ``portfolio.numbers``; otherwise a ValidationError that names it and goes on
    with the field's ``invalid`` message (or its ``not_finite`` one, for NaN)."""
    if isinstance(value, Decimal) and value.is_finite():
        return value
    try:
        return numbers.parse_decimal(str(value).strip())
    except numbers.NotANumber as error:
        if error.code == "not_finite" and "not_finite" in messages:
            message = f"“{numbers.shown(error.text)}” is not a number. {messages['not_finite']}"
            raise ValidationError(message, code="not_finite") from None
        raise ValidationError(f"{error}. {messages['invalid']}", code=error.code) from None


class PlainDecimalField(forms.DecimalField):
    """Django's DecimalField reading only plain numbers (``read_number``): it would
    take "1e3", "1_000" or digits of other scripts."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        return read_number(value, self.error_messages)


class PlainIntegerField(forms.IntegerField):
    """Django's IntegerField reading only plain numbers (``read_number``): it would
    take digits of other scripts ("\u0665" for 5)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        number = read_number(value, self.error_messages)
        if number != number.to_integral_value():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return int(number)


class MoneyField(forms.DecimalField):
    """An amount of money: a plain number with at most 12 integer digits and cents.

    Clear messages for what Django's DecimalField words vaguely: "too many digits
    in total" hides which part is too long. Trailing zeros past the cents ("1.500")
    and leading zeros ("007.50") are accepted.
    """

    default_error_messages = {
        "invalid": "Enter an amount as a plain number, such as 1250.50.",
        "not_finite": "Enter an amount as a plain number: NaN and infinity are not amounts.",
        "max_whole_digits": f"Enter an amount below {MONEY_LIMIT:,} (at most "
        f"{MONEY_WHOLE_DIGITS} digits before the decimal point).",
        "max_decimal_places": f"Use at most {MONEY_PLACES} decimal places (cents).",
        "negative": "Enter an amount above zero.",
        "zero": "Enter an amount other than zero.",
    }

    def __init__(self, *, allow_negative: bool = True, allow_zero: bool = True, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        # Digits are checked in to_python, with the messages above.
        super().__init__(max_digits=None, decimal_places=None, **kwargs)
        self.validators = []
        self.allow_negative, self.allow_zero = allow_negative, allow_zero

    def to_python(self, value):
        """The amount in cents, from text or from a ``Decimal`` read by the CSV import."""
        if value in self.empty_values:
            return None
        number = read_number(value, self.error_messages)
        # copy_abs(), not abs(): abs() rounds to the context's 28 digits.
        if number.copy_abs() >= MONEY_LIMIT:
            raise ValidationError(self.error_messages["max_whole_digits"], code="max_whole_digits")
        cents = number.quantize(Decimal(1).scaleb(-MONEY_PLACES))
        if cents != number:
            raise ValidationError(
                self.error_messages["max_decimal_places"], code="max_decimal_places"
            )
        if cents == 0 and not self.allow_zero:
            raise ValidationError(self.error_messages["zero"], code="zero")
        if cents < 0 and not self.allow_negative:
            raise ValidationError(self.error_messages["negative"], code="negative")
        return cents


class DayField(forms.DateField):
    """A date between 1900 and 2200, typed in the browser's date picker.

    A day past the end of its month ("2026-11-31") is told as such ("November has
    30 days."), not as a format error: the format was right."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    default_error_messages = {
        "invalid": "Enter a date as YYYY-MM-DD.",
        "out_of_range": f"Enter a date between {FIRST_YEAR} and {LAST_YEAR}.",
    }

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as error:
            if isinstance(value, str) and (message := months.day_past_month_end(value)):
                raise ValidationError(message, code="day_past_month_end") from error
            raise

    def validate(self, value) -> None:
        super().validate(value)
        if value and not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValidationError(self.error_messages["out_of_range"], code="out_of_range")


def _category_field(*, required: bool = True, blank_label: str = "Choose a category"):
    return forms.ChoiceField(
        label="Category",
        choices=[("", blank_label), *categories.CATEGORY_OPTGROUPS],
        required=required,
        error_messages={"invalid_choice": "Choose one of the categories in the list."},
    )


def _clean_unique_name(form: forms.ModelForm, model, what: str) -> str:
    """A name not yet used (ignoring case) by another ``model`` row of the portfolio."""
    name = form.cleaned_data["name"].strip()
    others = model.objects.filter(portfolio=form.instance.portfolio, name__iexact=name)
    if others.exclude(pk=form.instance.pk).exists():
        raise ValidationError(f"This portfolio already has a {what} with this name.")
    return name


# --- Holdings and valuations -----------------------------------------------------

LIQUID_BY_KIND, LIQUID_YES, LIQUID_NO = "kind", "yes", "no"


class HoldingForm(forms.ModelForm):
    """A holding; on creation, optionally its value today as the first valuation."""

    liquidity = forms.ChoiceField(
        label="Liquid?",
        choices=[
            (
                LIQUID_BY_KIND,
                "By kind (cash, deposits, money funds, bonds and listed shares are liquid)",
            ),
            (LIQUID_YES, "Liquid"),
            (LIQUID_NO, "Not liquid"),
        ],
        initial=LIQUID_BY_KIND,
        widget=forms.RadioSelect,
        help_text="Liquid holdings count towards your runway (months of freedom).",
    )
    value = MoneyField(
        label="Current value",
        required=False,
        help_text="What it is worth; a debt is negative (e.g. -250000).",
    )
    value_date = DayField(label="Value on", required=False)
    currency = CurrencyField()

    class Meta:
        model = Holding
        fields = ["name", "kind", "currency", "liquidity", "secured_against", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}
        labels = {"secured_against": "Secured against"}
        error_messages = {
            "secured_against": {
                "invalid_choice": "Choose one of this portfolio's other holdings that is not "
                "a loan."
            },
        }

    def __init__(self, *args, portfolio: Portfolio, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.portfolio = portfolio
        if self.instance.pk:
            # Only creation records a first value; the history has its own form.
            del self.fields["value"], self.fields["value_date"]
            by_kind = Holding.liquid_by_default(self.instance.kind)
            if self.instance.liquid != by_kind:
                self.initial["liquidity"] = LIQUID_YES if self.instance.liquid else LIQUID_NO
        else:
            self.fields["value_date"].initial = today
        CurrencyField.set_up(self, portfolio)
        self._secured_against_field(portfolio)

    def _secured_against_field(self, portfolio: Portfolio) -> None:
        """Offered for a loan (or a new holding, which may be one), among the portfolio's
        other holdings that are not loans; left out when there is nothing to choose."""
        field = self.fields["secured_against"]
        field.queryset = (
            Holding.objects.filter(portfolio=portfolio)
            .exclude(kind=Holding.Kind.LOAN)
            .exclude(pk=self.instance.pk)
            .order_by(Lower("name"), "pk")
        )
        field.empty_label = "Nothing"
        if not self.instance.pk:
            field.help_text = "For a loan or mortgage only: " + field.help_text
        editing_other_kind = self.instance.pk and self.instance.kind != Holding.Kind.LOAN
        if editing_other_kind or not field.queryset.exists():
            del self.fields["secured_against"]

    def clean_name(self) -> str:
        return _clean_unique_name(self, Holding, "holding")

    def clean(self):
        cleaned = super().clean()
        value_date_missing = not cleaned.get("value_date") and "value_date" not in self.errors
        if cleaned.get("value") is not None and value_date_missing:
            self.add_error("value_date", "Enter the date of this value.")
        return cleaned

    def save(self, commit: bool = True) -> Holding:
        """The holding; its first value is saved by ``services.holding_create``."""
        holding = super().save(commit=False)
        choice = self.cleaned_data["liquidity"]
        holding.liquid = (
            Holding.liquid_by_default(holding.kind) if choice == LIQUID_BY_KIND else choice == "yes"
        )
        if commit:
            holding.save()
        return holding


class ValuationForm(forms.ModelForm):
    date = DayField(label="Date")
    value = MoneyField(label="Value", help_text="A debt is negative (e.g. -250000).")

    class Meta:
        model = Valuation
        fields = ["date", "value"]


# --- Streams ---------------------------------------------------------------------


class StreamForm(forms.ModelForm):
    category = _category_field()
    amount = MoneyField(
        label="Amount",
        allow_negative=False,
        allow_zero=False,
        help_text="Paid on each payment date, in the currency below.",
    )
    currency = CurrencyField()
    first_date = DayField(
        label="First payment",
        help_text="The date of the first payment. A date in the past (when it really "
        "started) gives complete figures at once; a date today starts your figures "
        "from today.",
    )
    end_date = DayField(
        label="Last payment", required=False, help_text="Leave empty if it goes on."
    )
    hours_per_month = PlainDecimalField(
        label="Hours per month",
        min_value=Decimal(0),
        max_value=HOURS_MAX,
        max_digits=None,
        decimal_places=HOURS_PLACES,
        initial=Decimal(0),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=f"Your time it takes to keep it running (a month has at most {HOURS_MAX} hours).",
        error_messages={
            "invalid": "Enter hours as a number, such as 10 or 2.5.",
            "min_value": "Hours cannot be negative.",
            "max_value": f"A month has at most {HOURS_MAX} hours.",
            "max_decimal_places": "Use at most one decimal place, such as 2.5.",
        },
    )

    class Meta:
        model = Stream
        fields = [
            "name",
            "category",
            "amount",
            "currency",
            "frequency",
            "first_date",
            "end_date",
            "holding",
            "hours_per_month",
            "note",
        ]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}
        error_messages = {
            "holding": {"invalid_choice": "Choose one of this portfolio's holdings."},
        }

    def __init__(self, *args, portfolio: Portfolio, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.portfolio = portfolio
        holding = self.fields["holding"]
        holding.queryset = Holding.objects.filter(portfolio=portfolio).order_by(Lower("name"), "pk")
        holding.empty_label = "None"
        CurrencyField.set_up(self, portfolio)

    def clean_name(self) -> str:
        return _clean_unique_name(self, Stream, "stream")

    def clean(self):
        cleaned = super().clean()
        first, end = cleaned.get("first_date"), cleaned.get("end_date")
        if first and end and end < first:
            self.add_error("end_date", "The last payment cannot be before the first payment.")
        return cleaned


# --- Entries ---------------------------------------------------------------------


class EntryForm(forms.ModelForm):
    """An actual cash flow. The category may be left blank when a stream is chosen:
    the entry then takes the stream's category."""

    date = DayField(label="Date")
    amount = MoneyField(
        label="Amount",
        allow_zero=False,
        help_text="Spending is a positive amount in an outgoing category; "
        "a negative amount corrects an earlier entry.",
    )
    category = _category_field(required=False, blank_label="Same as the stream")
    currency = CurrencyField()

    class Meta:
        model = Entry
        fields = ["date", "amount", "currency", "category", "stream", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}
        error_messages = {
            "stream": {"invalid_choice": "Choose one of this portfolio's streams."},
        }

    def __init__(self, *args, portfolio: Portfolio, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.portfolio = portfolio
        stream = self.fields["stream"]
        stream.queryset = Stream.objects.filter(portfolio=portfolio)
        stream.empty_label = "None"
        CurrencyField.set_up(self, portfolio)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("category"):
            stream = cleaned.get("stream")
            if stream is not None:
                cleaned["category"] = stream.category
            elif "stream" not in self.errors:
                self.add_error("category", "Choose a category, or a stream to take it from.")
        return cleaned


# --- Manual exchange rates -------------------------------------------------------


class ManualRateForm(forms.ModelForm):
    """A user's rate for a currency the ECB does not publish (from the day on)."""

    currency = CurrencyField(required=True)
    date = DayField(label="Applies from")
    units_per_euro = forms.DecimalField(
        label="Units for one euro",
        min_value=Decimal(1).scaleb(-RATE_PLACES),
        max_digits=RATE_DIGITS,
        decimal_places=RATE_PLACES,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text="How many units of the currency one euro buys, as the ECB writes its "
        "rates (e.g. 950 for 1 EUR = 950 ARS).",
        error_messages={
            "invalid": "Enter the rate as a number, such as 950 or 1.0845.",
            "min_value": "A rate is more than 0.",
        },
    )

    class Meta:
        model = ManualRate
        fields = ["currency", "date", "units_per_euro"]

    def __init__(self, *args, owner, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.owner = owner

    def clean(self):
        cleaned = super().clean()
        currency, day = cleaned.get("currency"), cleaned.get("date")
        if not currency:
            return cleaned
        refusal = manual_rate_refusal(currency, day, ecb_latest_days([currency]).get(currency))
        if refusal:
            self.add_error("currency", f"{refusal}.")
        elif (
            day
            and ManualRate.objects.filter(
                owner=self.instance.owner, currency=currency, date=day
            ).exists()
        ):
            self.add_error("date", f"You already have a {currency} rate from this day.")
        return cleaned
