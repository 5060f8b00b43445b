"""What a statement row's description means: its normalised form, its duplicate key, its rule.

Bank descriptions carry dates, card numbers and references that change every
month ("CARD 4411 REWE SAGT DANKE 02.01", "ACME SALARY JANUARY 2026").
``normalize_description`` keeps only the words, without the names of months
("card rewe sagt danke", "acme salary"), so one month's rows group with the next
month's and one rule files them all. A rule's pattern is normalised the same way
and matches a description that contains it as whole words.

Matching is done per *distinct* description, not per row: a statement of 50,000
rows has a few hundred distinct descriptions, so ``candidates`` tests each of
those against the rules once (plain substring tests, no regular expressions),
and SQL then applies the result to the rows (``dataport.statement_import``). The
per-row conditions (direction and amount range) are left to that SQL.

Pure Python, no Django: the benchmark and the tests call it directly.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from portfolio.limits import RULE_PATTERN_MAX

# A word of letters only, between non-word characters: "ref123" and "4411" are not words.
_WORD = re.compile(r"(?<!\w)[^\W\d_]+(?!\w)")
# Month names, as salary and rent lines carry them ("Gehalt Januar"), in the
# languages of the banks' exports we see most; English abbreviations too.
_MONTHS = frozenset(
    " ".join(
        (
            "january february march april may june july august september october november",
            "december jan feb mar apr jun jul aug sep sept oct nov dec",
            "januar februar marz juni juli oktober dezember",
            "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre",
            "decembre enero febrero marzo abril mayo junio julio agosto septiembre octubre",
            "noviembre diciembre gennaio febbraio aprile maggio giugno luglio settembre",
            "ottobre dicembre januari februari maart mei augustus",
        )
    ).split()
)


def normalize_description(text: str) -> str:
    """Lower case, accents and punctuation off, words with digits and month names dropped."""
    if not text.isascii():  # "a" + a combining accent is one letter, as "á" is
        text = unicodedata.normalize("NFC", text)
    words: list[str] = []
    for word in _WORD.findall(text.casefold()):
        if word.isascii():  # most words: no decomposition needed
            words.append(word)
        else:
            words.extend(_WORD.findall(_unaccented(word)))
    return " ".join(word for word in words if word not in _MONTHS)


def _unaccented(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return plain.casefold()  # a decomposed letter may be a capital ("ᴬ" gives "A")


def pattern_of(normalized: str) -> str:
    """A rule's pattern for a normalised description: its first whole words within
    ``RULE_PATTERN_MAX`` characters (they still match the description)."""
    if len(normalized) <= RULE_PATTERN_MAX:
        return normalized
    return normalized[: RULE_PATTERN_MAX + 1].rsplit(" ", 1)[0][:RULE_PATTERN_MAX]


@dataclass(frozen=True, slots=True)
class RulePattern:
    """A rule as matching needs it: its id and its normalised pattern, in rule order."""

    id: int
    pattern: str


def candidates(descriptions: Iterable[str], rules: Sequence[RulePattern]) -> list[tuple[str, int]]:
    """Every (normalised description, rule id) pair where the description contains the pattern.

    Whole words only: "rent" matches "monthly rent" but not "parental". The pairs
    come in rule order for each description; the first whose direction and amount
    range also fit a row decides it.
    """
    padded = [(rule.id, f" {rule.pattern} ") for rule in rules if rule.pattern]
    pairs: list[tuple[str, int]] = []
    for description in descriptions:
        text = f" {description} "
        pairs.extend((description, rule_id) for rule_id, pattern in padded if pattern in text)
    return pairs


def row_key(
    *,
    bank_id: str,
    account: str,
    day: date | None,
    amount: Decimal | None,
    normalized: str,
    occurrence: int,
) -> str:
    """The duplicate key of a statement row (a SHA-256 in hex).

    The bank's own id where the file has one (an OFX FITID is unique within its
    account). Otherwise the date, amount and normalised description, with the
    row's occurrence among identical rows that day (two coffees of 3.20 on one
    day are two rows), which an overlapping statement repeats the same way as long
    as it holds whole days.
    """
    if bank_id:
        text = f"id\x1f{account}\x1f{bank_id}"
    else:
        day_text = day.isoformat() if day else ""
        amount_text = f"{amount:.2f}" if amount is not None else ""
        text = f"row\x1f{day_text}\x1f{amount_text}\x1f{normalized}\x1f{occurrence}"
    return hashlib.sha256(text.encode()).hexdigest()
