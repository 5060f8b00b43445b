"""The MIME of the e-mails, written faster than the standard library writes it, is
byte for byte what the standard library writes (compat32, Django's policy)."""

from __future__ import annotations

import io
from email import message_from_bytes
from email._policybase import compat32
from email.generator import BytesGenerator

import pytest

from notifications.chart_image import ratio_chart_png
from notifications.emails import InlineImage, ProgressEmail


def stdlib_bytes(message) -> bytes:
    """What Django's ``as_bytes`` writes with the standard library's own policy."""
    buffer = io.BytesIO()
    BytesGenerator(buffer, mangle_from_=False, policy=compat32).flatten(message, linesep="\r\n")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "subject",
    [
        "Your wealth ratio in January 2026: 4.6%",
        # Longer than a line: folded by compat32 itself.
        "Your wealth ratio in January 2026: 4.6%, and a subject long enough to be folded",
        # Not ASCII: encoded by compat32 itself (RFC 2047).
        "Votre ratio de richesse en février 2026 : 4,6 %",
    ],
)
def test_an_email_is_written_as_the_standard_library_writes_it(subject):
    chart = InlineImage(
        cid="ratio-2026-01-1@example.com", content=ratio_chart_png([]), filename="ratio.png"
    )
    message = ProgressEmail(
        subject=subject,
        body="Your wealth ratio in January 2026\n\nWealth ratio: 4.6%\n",
        from_email="Wealth Ratio <noreply@example.com>",
        to=["zoë@example.com"],
        headers={
            "List-Unsubscribe": "<https://example.com/unsubscribe/" + "t" * 90 + "/>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
        images=[chart],
    )
    message.attach_alternative(
        '<p>Ratio <img src="cid:ratio-2026-01-1@example.com"></p>', "text/html"
    )
    mime = message.message()
    written = mime.as_bytes(linesep="\r\n")
    assert written == stdlib_bytes(mime)
    # And it reads back: text, then the HTML with its chart beside it.
    read = message_from_bytes(written)
    assert [part.get_content_type() for part in read.walk()] == [
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
    ]
    assert read.get_payload()[1].get_payload()[1].get_payload(decode=True) == chart.content
