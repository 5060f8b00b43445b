"""The templates' comments: Django's ``{# … #}`` ends on its own line; one spread
over two lines is not a comment but text, shown on the page."""

from __future__ import annotations

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def test_every_one_line_comment_closes_on_its_line():
    unclosed = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in sorted(TEMPLATES.rglob("*"))
        if path.is_file()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if line.rfind("{#") > line.rfind("#}")
    ]
    assert unclosed == []
