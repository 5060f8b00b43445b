"""The one grammar of a typed number, pure Python: forms, the CSV import and the JSON import.

A number is plain ASCII: an optional sign, the digits 0 to 9, and optionally a
decimal separator followed by more digits (``-1250.50``). Nothing else: no
exponent (``1e3``), no digits of other scripts (fullwidth or Arabic-Indic
digits), no underscores, spaces or thousands separators, no NaN or infinity, and
a digit on each side of the separator. Python's ``Decimal()`` and ``\\d`` accept
all of those, which is why nothing reads a number without this module.

``parse_decimal`` reads one; ``NotANumber`` names a refused value and says what is
wrong with it. The callers say what they accept beyond the default: the decimal separator
(a comma in a semicolon CSV file), a thousands separator (for bank statements,
grouped by three: ``1.234,56``), whether a plus sign or leading zeros may be
written (a JSON document has neither). The digits a value may have are checked
by the callers against ``portfolio.limits``, with ``whole_digits`` and ``places``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

_NOT_FINITE = frozenset({"nan", "snan", "inf", "infinity"})
_EXPONENT = re.compile(r"[+-]?[0-9.,]*[0-9][eE][+-]?[0-9]+")
# Digits grouped by what people put between them (1_000, 1 000, 1'000, 1.000.000).
_GROUPED = re.compile(r"[+-]?[0-9]+(?:[_ ,.'\u2019\u00a0\u2009\u202f][0-9]+)+")
_SHOWN_CHARS = 40


class NotANumber(ValueError):
    """``text`` is not a number of the grammar; ``str()`` names it and says why
    ("“1e3” has an exponent (such as e3): write the number out in full").

    ``code`` tells the kinds apart for a form: ``not_finite`` (NaN, infinity),
    ``digits``, ``exponent``, ``leading_zeros``, ``separator``, ``point``, or
    ``invalid`` for text that is simply not a number.
    """

    def __init__(self, text: str, code: str, problem: str):
        self.text, self.code, self.problem = text, code, problem
        super().__init__(f"“{shown(text)}” {problem}")


def shown(text: str) -> str:
    """``text`` as a message quotes it: at most 40 characters."""
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


@lru_cache(maxsize=32)
def _grammar(decimal: str, thousands: str | None, plus: bool, leading_zeros: bool) -> re.Pattern:
    """The grammar with these options. Digits are spelt [0-9], never \\d (any script)."""
    digits = "[0-9]+" if leading_zeros else "(?:0|[1-9][0-9]*)"
    if thousands is not None:
        first = "[0-9]{1,3}" if leading_zeros else "[1-9][0-9]{0,2}"
        digits = f"(?:{first}(?:{re.escape(thousands)}[0-9]{{3}})+|{digits})"
    sign = "[+-]?" if plus else "-?"
    return re.compile(f"{sign}{digits}(?:{re.escape(decimal)}[0-9]+)?")


def parse_decimal(
    text: str,
    *,
    decimal_separator: str = ".",
    thousands_separator: str | None = None,
    plus_sign: bool = True,
    leading_zeros: bool = True,
) -> Decimal:
    """The exact value of ``text`` (already stripped of surrounding spaces), or
    ``NotANumber`` naming it and, where it can tell, what is wrong.

    ``Decimal`` keeps every digit written: ``"1.50"`` is ``Decimal("1.50")``.
    """
    if decimal_separator == thousands_separator:
        raise ValueError("the decimal and thousands separators must differ")
    grammar = _grammar(decimal_separator, thousands_separator, plus_sign, leading_zeros)
    if grammar.fullmatch(text):
        plain = text if thousands_separator is None else text.replace(thousands_separator, "")
        return Decimal(plain.replace(decimal_separator, "."))
    raise NotANumber(text, *_problem(text, grammar, decimal_separator, leading_zeros))


def _problem(text: str, grammar: re.Pattern, decimal: str, leading_zeros: bool) -> tuple[str, str]:
    """The code and the words for what is wrong with ``text``: precise when it is a
    number written another way, "not a plain decimal number" otherwise."""
    if any(char.isdigit() and not char.isascii() for char in text):
        return "digits", "has digits other than 0 to 9"
    if text.lstrip("+-").lower() in _NOT_FINITE:
        return "not_finite", "is not a number: NaN and infinity are refused"
    if _EXPONENT.fullmatch(text):
        return "exponent", "has an exponent (such as e3): write the number out in full"
    if not leading_zeros and grammar.fullmatch(re.sub("^([+-]?)0+(?=[0-9])", r"\1", text)):
        return "leading_zeros", "has leading zeros"
    unpointed = text.replace(decimal, "", 1) if text.count(decimal) == 1 else text
    if _GROUPED.fullmatch(unpointed):
        return "separator", "has a space or separator between its digits"
    if re.fullmatch(rf"[+-]?(?:[0-9]+{re.escape(decimal)}|{re.escape(decimal)}[0-9]+)", text):
        point = f"needs a digit on each side of the decimal point (0{decimal}5, not {decimal}5)"
        return "point", point
    return "invalid", "is not a plain decimal number"


def whole_digits(number: Decimal) -> int:
    """How many digits ``number`` has before the decimal point, leading zeros not
    counted (0.5 has none); exact for any number of digits."""
    return max(number.adjusted() + 1, 0) if number else 0


def places(number: Decimal) -> int:
    """How many digits ``number`` needs after the decimal point: trailing zeros are not
    counted ("1.500" needs 1); exact for any number of digits."""
    _, digits, exponent = number.as_tuple()
    if not isinstance(exponent, int) or not any(digits):
        return 0
    coefficient = "".join(map(str, digits))
    zeros = len(coefficient) - len(coefficient.rstrip("0"))
    return max(-(exponent + zeros), 0)
