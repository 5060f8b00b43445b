"""Form fields shared by several apps."""

from __future__ import annotations

from decimal import MAX_EMAX, MIN_EMIN, Decimal, InvalidOperation, localcontext

from django import forms
from django.core.exceptions import ValidationError


class PercentField(forms.DecimalField):
    """A rate typed either as a percentage ("4%", "4 %") or as a fraction ("0.04").

    The value is always the fraction. A bare number is a fraction, so "1.5" is
    150%: only the percent sign turns a number into a percentage.
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
        text = str(value).strip().replace(",", ".").replace(" ", "")
        is_percent = text.endswith("%")
        try:
            number = Decimal(text[:-1] if is_percent else text)
        except InvalidOperation:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not number.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        # The widest exponents: in the default context, dividing or normalising
        # "1e999999999" raises Overflow, a server error rather than "at most 100%".
        with localcontext(Emax=MAX_EMAX, Emin=MIN_EMIN):
            if is_percent:
                number /= 100
            # Places of the normalised number: round() raises InvalidOperation past the
            # context's 28 digits (e.g. "1e30"), which would be a server error.
            exponent = number.normalize().as_tuple().exponent
        if exponent < -self.fraction_places:
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
