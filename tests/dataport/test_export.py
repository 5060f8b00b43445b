"""Downloading all of one's data: the JSON document and the zip of CSV files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from dataport import export as data_export
from tests.factories import EntryFactory, HoldingFactory, UserFactory, full_account

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 15, 12, tzinfo=dt.UTC)
JSON_URL = reverse("dataport:export_json")
ZIP_URL = reverse("dataport:export_zip")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "data-format.md"
# User fields that are not preferences: identity, security and bookkeeping.
NOT_PREFERENCES = {
    "id",
    "email_preferences_version",  # binds unsubscribe links to the choices, not a choice
    "pages_version",  # names the pages kept in the cache, not a choice
    # About the user's household, which an export leaves out (docs/households.md).
    "email_monthly_household",
    "password",
    "last_login",
    "is_superuser",
    "is_staff",
    "is_active",
    "date_joined",
    "email",
    "groups",
    "user_permissions",
}


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def read_zip(content: bytes) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {
            name.removesuffix(".csv"): list(
                csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig")))
            )
            for name in archive.namelist()
        }


# --- The JSON document ------------------------------------------------------------------


def test_json_download_is_an_attachment_named_by_the_users_day(client_owner, owner):
    owner.time_zone = "Pacific/Kiritimati"  # UTC+14: already 16 March there
    owner.save()
    response = client_owner.get(JSON_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="wealthratio-export-2026-03-16.json"'
    )
    assert "no-store" in response["Cache-Control"]
    document = json.loads(response.content)
    assert document["format"] == "wealthratio-export"
    assert document["version"] == 2
    assert document["exported_at"] == "2026-03-15T12:00:00Z"


def test_json_holds_every_table_with_decimal_strings_and_document_ids(client_owner, owner):
    full_account(owner)
    document = json.loads(client_owner.get(JSON_URL).content)

    assert document["user"] == {
        "currency": "USD",
        "time_zone": "UTC",
        "assumed_yield": "0.0400",
        "email_monthly_progress": True,
        "email_log_reminder": True,
        "email_milestones": True,
        "email_new_year": True,
    }
    assert [p["name"] for p in document["portfolios"]] == ["Personal", "Company"]
    assert [p["id"] for p in document["portfolios"]] == [1, 2]
    counts = {name: len(document[name]) for name in data_export.TABLES}
    assert counts == {
        "portfolios": 2,
        "holdings": 5,
        "valuations": 9,
        "streams": 6,
        "entries": 6,
        "goals": 3,
        "milestones": 2,
        "manual_rates": 0,
    }
    for name, fields in data_export.TABLES.items():
        for record in document[name]:
            assert tuple(record) == fields

    fund = next(h for h in document["holdings"] if h["kind"] == "listed")
    home, mortgage = (
        next(h for h in document["holdings"] if h["name"] == n) for n in ("Home", "Mortgage")
    )
    assert mortgage["secured_against"] == home["id"]
    assert home["secured_against"] is None
    dividend = next(s for s in document["streams"] if s["name"] == "Fund dividend")
    assert dividend == {
        "id": dividend["id"],
        "portfolio": 1,
        "name": "Fund dividend",
        "category": "dividends",
        "amount": "450.00",
        "frequency": "quarterly",
        "first_date": "2024-03-15",
        "end_date": None,
        "holding": fund["id"],
        "hours_per_month": "1.5",
        "note": "",
        "currency": "USD",
    }
    linked = next(e for e in document["entries"] if e["note"] == "Higher than usual")
    assert linked == {
        "portfolio": 1,
        "date": "2026-03-15",
        "amount": "512.30",
        "category": "dividends",
        "stream": dividend["id"],
        "note": "Higher than usual",
        "currency": "USD",
    }
    closed = next(g for g in document["goals"] if g["metric"] == "monthly_passive")
    assert closed["portfolio"] == 2
    assert closed["closed_at"] == "2026-01-01T06:30:00Z"
    assert closed["final_value"] == "300.000000"
    infinite = next(g for g in document["goals"] if g["metric"] == "runway_months")
    assert (infinite["final_value"], infinite["final_infinite"]) == (None, True)
    assert document["milestones"][0] == {
        "kind": "goal_achieved",
        "goal": closed["id"],
        "value": "300.000000",
        "occurred_on": "2025-10-01",
    }
    # Text is kept exactly in JSON, formulas included: only the CSV defuses them.
    assert any(e["note"] == "=cmd|' /C calc'!A0" for e in document["entries"])


def test_json_never_carries_floats(client_owner, owner):
    full_account(owner)
    floats = []
    json.loads(client_owner.get(JSON_URL).content, parse_float=floats.append)
    assert floats == []


def test_json_numbers_ids_from_one_and_leaks_no_database_key(client_owner, owner, stranger):
    full_account(stranger)  # rows with lower keys than the owner's
    full_account(owner)
    document = json.loads(client_owner.get(JSON_URL).content)
    for name in ("portfolios", "holdings", "streams", "goals"):
        assert [r["id"] for r in document[name]] == list(range(1, len(document[name]) + 1))


def test_json_holds_only_the_users_own_data(client_owner, owner, stranger):
    personal = owner.portfolios.get()
    HoldingFactory(portfolio=personal, name="Mine")
    full_account(stranger)
    document = json.loads(client_owner.get(JSON_URL).content)
    assert [h["name"] for h in document["holdings"]] == ["Mine"]
    assert document["entries"] == document["goals"] == document["milestones"] == []
    assert [p["name"] for p in document["portfolios"]] == ["Personal"]


def test_empty_account_exports_empty_lists(client_owner):
    document = json.loads(client_owner.get(JSON_URL).content)
    assert [p["name"] for p in document["portfolios"]] == ["Personal"]
    for name in data_export.TABLES:
        if name != "portfolios":
            assert document[name] == []


def test_queries_do_not_grow_with_the_data(owner):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            data_export.export_json(owner)
        return len(captured)

    full_account(owner)
    before = queries()
    portfolio = owner.portfolios.first()
    for number in range(30):
        EntryFactory(portfolio=portfolio, note=f"more {number}")
        HoldingFactory(portfolio=portfolio, name=f"more {number}")
    assert queries() == before <= 10


@pytest.mark.django_db(transaction=True)
def test_export_outside_a_transaction_reads_one_moment():
    """Not wrapped in the test's transaction, as in production: on PostgreSQL the
    export's first statement sets repeatable read."""
    user = UserFactory()
    full_account(user)
    document = json.loads(data_export.export_json(user))
    assert len(document["entries"]) == 6


# --- The zip of CSV files ----------------------------------------------------------------


def test_zip_download_has_one_csv_per_table(client_owner, owner):
    full_account(owner)
    response = client_owner.get(ZIP_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (
        'attachment; filename="wealthratio-export-2026-03-15.zip"'
    )
    tables = read_zip(response.content)
    assert set(tables) == {"user", *data_export.TABLES}
    assert tables["user"] == [
        {
            "currency": "USD",
            "time_zone": "UTC",
            "assumed_yield": "0.0400",
            "email_monthly_progress": "true",
            "email_log_reminder": "true",
            "email_milestones": "true",
            "email_new_year": "true",
        }
    ]
    document = json.loads(client_owner.get(JSON_URL).content)
    for name, fields in data_export.TABLES.items():
        assert len(tables[name]) == len(document[name])
        assert all(tuple(row) == fields for row in tables[name])
    # Money as plain decimals: a negative amount stays a number, not escaped text.
    fees = sorted(row["amount"] for row in tables["entries"] if row["category"] == "fees")
    assert fees == ["-12.50", "99.99"]
    mortgage = [row["value"] for row in tables["valuations"] if row["value"].startswith("-")]
    assert mortgage == ["-220000.00", "-210000.00"]


def test_zip_files_start_with_a_byte_order_mark(client_owner, owner):
    full_account(owner)
    with zipfile.ZipFile(io.BytesIO(client_owner.get(ZIP_URL).content)) as archive:
        for name in archive.namelist():
            assert archive.read(name).startswith("\ufeff".encode()), name


@pytest.mark.parametrize(
    ("table", "column", "stored", "written"),
    [
        ("entries", "note", "=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("holdings", "name", '=HYPERLINK("http://x.example")', '\'=HYPERLINK("http://x.example")'),
        ("holdings", "note", "+SUM(A1)", "'+SUM(A1)"),
        ("holdings", "note", "-fixed", "'-fixed"),
        ("streams", "note", "@rent and food", "'@rent and food"),
        ("goals", "note", "-5% is not the aim", "'-5% is not the aim"),
    ],
)
def test_zip_escapes_formula_cells(client_owner, owner, table, column, stored, written):
    full_account(owner)
    rows = read_zip(client_owner.get(ZIP_URL).content)[table]
    cells = [row[column] for row in rows]
    assert written in cells
    assert stored not in cells


def test_zip_keeps_other_text_as_it_is(client_owner, owner):
    full_account(owner)
    notes = [row["note"] for row in read_zip(client_owner.get(ZIP_URL).content)["entries"]]
    assert 'Café ☕, "quoted"\nand a second line' in notes


def test_zip_holds_only_the_users_own_data(client_owner, owner, stranger):
    full_account(stranger)
    tables = read_zip(client_owner.get(ZIP_URL).content)
    assert [row["name"] for row in tables["portfolios"]] == ["Personal"]
    assert tables["holdings"] == tables["entries"] == []


# --- The views' guards ------------------------------------------------------------------


@pytest.mark.parametrize("url", [JSON_URL, ZIP_URL])
def test_anonymous_is_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("url", [JSON_URL, ZIP_URL])
def test_post_is_not_allowed(client_owner, url):
    assert client_owner.post(url).status_code == 405


def test_the_settings_section_links_to_both_downloads_and_the_import(owner):
    from django.template.loader import render_to_string

    html = render_to_string("accounts/_data_section.html", {"user": owner})
    for url in (JSON_URL, ZIP_URL, reverse("dataport:import")):
        assert f'href="{url}"' in html


# --- Keeping the list of preferences and the documentation complete ---------------------


def test_every_user_field_is_exported_or_deliberately_left_out():
    fields = {
        f.name for f in User._meta.get_fields() if f.concrete or f.many_to_many
    } - NOT_PREFERENCES
    assert fields == set(data_export.PREFERENCE_FIELDS), (
        "A new field on User: add it to dataport.export.PREFERENCE_FIELDS (and to "
        "docs/data-format.md), or to NOT_PREFERENCES here if it must not be exported."
    )


def test_the_documentation_names_every_field():
    text = DOCS.read_text()
    assert f"(version {data_export.VERSION})" in text
    documented = set(re.findall(r"^\| `(\w+)` \|", text, flags=re.MULTILINE))
    fields = {name for names in data_export.TABLES.values() for name in names}
    missing = (fields | set(data_export.PREFERENCE_FIELDS)) - documented
    assert not missing, f"Not in docs/data-format.md: {sorted(missing)}"
