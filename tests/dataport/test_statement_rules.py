"""The pure part of statement rules: normalised descriptions, candidate rules, duplicate keys."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from dataport.statement_rules import RulePattern, candidates, normalize_description, row_key


def test_numbers_references_punctuation_and_months_are_dropped():
    assert normalize_description("CARD 4411 REWE SAGT DANKE 02.01") == "card rewe sagt danke"
    assert normalize_description("ACME GmbH · Gehalt Januar 2026") == "acme gmbh gehalt"
    assert normalize_description("Salary DECEMBER ref:AB12C") == "salary ref"
    assert normalize_description("Überweisung: Miete 01/2026") == "uberweisung miete"


def test_an_accent_written_as_a_combining_mark_is_the_same_letter():
    assert normalize_description("Cafe\u0301 Mu\u0308ller") == normalize_description("Café Müller")
    assert normalize_description("Café Müller") == "cafe muller"


def test_letters_of_other_scripts_are_kept():
    assert normalize_description("東京 コーヒー 123") == "東京 コーヒー"


def test_a_description_of_only_numbers_normalises_to_nothing():
    assert normalize_description("4411 02.01.2026 123,45") == ""


@given(st.text())
def test_normalising_twice_changes_nothing(text):
    once = normalize_description(text)
    assert normalize_description(once) == once


@given(st.text())
def test_a_normalised_description_matches_itself_as_a_pattern(text):
    normalized = normalize_description(text)
    if normalized:
        assert candidates([normalized], [RulePattern(1, normalized)]) == [(normalized, 1)]


def test_patterns_match_whole_words_in_rule_order():
    rules = [RulePattern(1, "rent"), RulePattern(2, "monthly rent"), RulePattern(3, "parent")]
    assert candidates(["monthly rent", "parental leave"], rules) == [
        ("monthly rent", 1),
        ("monthly rent", 2),
    ]


def test_the_key_of_a_row_with_a_bank_id_is_the_id_in_its_account():
    one = row_key(
        bank_id="X1",
        account="1234",
        day=dt.date(2026, 1, 2),
        amount=Decimal("1"),
        normalized="a",
        occurrence=1,
    )
    moved = row_key(
        bank_id="X1",
        account="1234",
        day=dt.date(2026, 1, 3),
        amount=Decimal("2"),
        normalized="b",
        occurrence=1,
    )
    other_account = row_key(
        bank_id="X1",
        account="9999",
        day=dt.date(2026, 1, 2),
        amount=Decimal("1"),
        normalized="a",
        occurrence=1,
    )
    assert one == moved != other_account


def test_two_identical_rows_on_one_day_have_two_keys():
    keys = {
        row_key(
            bank_id="",
            account="",
            day=dt.date(2026, 1, 2),
            amount=Decimal("-3.20"),
            normalized="cafe",
            occurrence=number,
        )
        for number in (1, 2)
    }
    assert len(keys) == 2


def test_an_amount_written_with_or_without_cents_has_one_key():
    keys = {
        row_key(
            bank_id="",
            account="",
            day=dt.date(2026, 1, 2),
            amount=amount,
            normalized="cafe",
            occurrence=1,
        )
        for amount in (Decimal("12.5"), Decimal("12.50"))
    }
    assert len(keys) == 1
