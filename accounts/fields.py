"""Form fields shared by several apps."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from portfolio import numbers


class PercentField(forms.DecimalField):
    """A rate typed either as a percentage ("4%", "4 %") or as a fraction ("0.04").

    The value is always the fraction. A bare number is a fraction, so "1.5" is
    150%: only the percent sign turns a number into a percentage. The number is
    plain (``portfolio.numbers``), with a decimal point or a decimal comma ("4,5%").
    """

    default_error_messages = {
        "invalid": "Enter a percentage such as 4% or a fraction such as 0.04.",
    }

    def __init__(self, *, decimal_places: int = 4, min_value=None, max_value=None, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        # Digits and bounds are checked here, in percentage terms, so that the
        # messages speak of 100% rather than of 1.
        super().__init__(**kwargs)
        self.fraction_places = decimal_places
        self.lower, self.upper = min_value, max_value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        typed = str(value).strip()
        is_percent = typed.endswith("%")
        text = typed[:-1].rstrip() if is_percent else typed
        try:
            number = numbers.parse_decimal(text, decimal_separator="," if "," in text else ".")
        except numbers.NotANumber as error:
            message = f"“{numbers.shown(typed)}” {error.problem}. {self.error_messages['invalid']}"
            raise ValidationError(message, code="invalid") from None
        if is_percent:
            # Exactly a hundredth, whatever the number of digits (no context rounding).
            sign, digits, exponent = number.as_tuple()
            number = Decimal((sign, digits, exponent - 2))
        if numbers.places(number) > self.fraction_places:
            raise ValidationError(
                "Use at most %(places)s decimal places in the percentage.",
                code="max_decimal_places",
                params={"places": max(self.fraction_places - 2, 0)},
            )
        if self.lower is not None and number < self.lower:
            raise ValidationError(
                "Enter at least %(limit)s.",
                code="min_value",
                params={"limit": self._show(self.lower)},
            )
        if self.upper is not None and number > self.upper:
            raise ValidationError(
                "Enter at most %(limit)s.",
                code="max_value",
                params={"limit": self._show(self.upper)},
            )
        return number

    @staticmethod
    def _show(value: Decimal) -> str:
        return f"{(Decimal(value) * 100).normalize():f}%"

    def prepare_value(self, value):
        return self._show(value) if isinstance(value, Decimal) else value
