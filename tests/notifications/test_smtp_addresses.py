"""A recipient's address is exactly what Django's ``sanitize_address`` makes of it,
though a plain one is not parsed."""

from __future__ import annotations

import pytest
from django.core.mail.message import sanitize_address
from hypothesis import example, given
from hypothesis import strategies as st

from notifications.smtp import sanitized_recipient

# Letters, digits, every character RFC 5322 treats specially, spaces, non-ASCII.
CHARACTERS = "aZ09.-_+@!#$%&'*/=?^`{|}~ \"()<>,:;[]\\\téü"


def sanitized(function, address):
    try:
        return function(address, "utf-8")
    # An invalid address: ValueError (UnicodeError among them), or what the standard
    # library's header parser trips on for some (IndexError for a lone quote,
    # TypeError for "<>"); the same error on both sides is the same behaviour.
    except Exception as error:
        return type(error)


@given(st.text(alphabet=CHARACTERS, max_size=16))
@example("user@bench.example.com")
@example("first.last+tag@sub.example.co.uk")
@example("a@" + "h" * 63 + ".com")
@example("a@" + "h" * 64 + ".com")  # a label too long for IDNA
@example("a..b@example.com")
@example(".a@example.com")
@example("a@example..com")
@example("a@example.com.")
@example("Ann <ann@example.com>")
@example('"ann smith"@example.com')
@example("ann@bücher.example")
@example("zoë@example.com")
@example('"')
@example("<>")
def test_a_recipient_is_what_sanitize_address_makes_of_it(address):
    assert sanitized(sanitized_recipient, address) == sanitized(sanitize_address, address)


@pytest.mark.parametrize(
    "address", [("Ann Smith", "ann@example.com"), ("Zoë", "zoe@bücher.example")]
)
def test_a_name_and_address_pair_too(address):
    assert sanitized_recipient(address, "utf-8") == sanitize_address(address, "utf-8")
