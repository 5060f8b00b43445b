"""A new bank's statement in Chromium with a real worker: map once, two rules, then one click.

The files are made in the test, with the last two months' dates, so the entries
fall in the dashboard's window whatever the day the suite runs.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from portfolio.formatting import money
from portfolio.models import Entry
from tests.e2e.helpers import artifacts_dir, log_in, page_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = "Buchungstag;Empfänger;Verwendungszweck;Betrag\r\n"


def _months() -> tuple[dt.date, dt.date]:
    """The first days of last month and of the month before it."""
    this_month = dt.date.today().replace(day=1)
    last = (this_month - dt.timedelta(days=1)).replace(day=1)
    before = (last - dt.timedelta(days=1)).replace(day=1)
    return before, last


def _statement(preamble: str, rows: list[tuple[dt.date, str, str, str]]) -> bytes:
    lines = [f"Konto;DE02 1203 0000 0000 2020 51\r\n{preamble}\r\n\r\n", HEADER]
    lines += [
        f"{day:%d.%m.%Y};{payee};{purpose};{amount}\r\n" for day, payee, purpose, amount in rows
    ]
    return "".join(lines).encode("cp1252")


@pytest.fixture
def client_owner_portfolio(client, owner):
    client.force_login(owner)
    return client, owner.portfolios.get()


def test_a_new_banks_file_is_mapped_once_and_next_months_file_is_one_click(
    live_server, client_owner_portfolio, owner, start_worker, page, tmp_path
):
    client, portfolio = client_owner_portfolio
    start_worker()
    first, second = _months()
    day = lambda month, number: month.replace(day=number)  # noqa: E731
    january = tmp_path / "giro-first.csv"
    january.write_bytes(
        _statement(
            "Zeitraum;first month",
            [
                (day(first, 2), "ACME GmbH", "Gehalt", "4.200,00"),
                (day(first, 9), "REWE", "Karte 4411 REWE SAGT DANKE", "-42,10"),
                (day(first, 15), "Depotbank", "Dividende Indexfonds", "86,40"),
                (day(first, 20), "Eigenes Sparkonto", "Umbuchung", "-500,00"),
            ],
        )
    )
    february = tmp_path / "giro-second.csv"
    february.write_bytes(
        _statement(
            "Zeitraum;second month, overlapping",
            [
                (day(first, 15), "Depotbank", "Dividende Indexfonds", "86,40"),
                (day(first, 20), "Eigenes Sparkonto", "Umbuchung", "-500,00"),
                (day(second, 2), "ACME GmbH", "Gehalt", "4.200,00"),
                (day(second, 15), "Depotbank", "Dividende Indexfonds", "86,40"),
            ],
        )
    )
    log_in(page, live_server, client)
    problems = page_errors(page)
    upload_url = live_server.url + reverse("dataport:statement_import", args=[portfolio.pk])

    page.goto(upload_url)
    page.set_input_files('input[type="file"]', str(january))
    page.get_by_role("button", name="Upload and preview").click()

    # The progress page reloads itself into the mapping step.
    page.get_by_role("heading", name="Which column is what").wait_for()
    page.get_by_label("Name of this bank's layout").fill("Giro account")
    page.screenshot(path=str(artifacts_dir() / "statement-mapping.png"), full_page=True)
    page.get_by_role("button", name="Save this layout and read the file").click()

    # The preview: four groups to decide; two of them become rules.
    page.get_by_role("heading", name="Check the statement before importing").wait_for()
    for text, category, rule in (
        ("ACME GmbH", "Salary", True),
        ("Depotbank", "Dividends", True),
        ("REWE", "Living expenses", False),
    ):
        group = page.locator("form.statement-group", has_text=text)
        group.get_by_label("Category").select_option(label=category)
        if not rule:
            group.get_by_label("Always file it this way (a rule)").uncheck()
        group.get_by_role("button", name="File").click()
        page.get_by_role("heading", name="Check the statement before importing").wait_for()
    page.locator("form.statement-group", has_text="Sparkonto").get_by_label(
        "Always file it this way (a rule)"
    ).uncheck()
    page.locator("form.statement-group", has_text="Sparkonto").get_by_role(
        "button", name="Ignore"
    ).click()
    page.get_by_role("button", name="Import 3 entries").click()
    page.get_by_text("Imported 3 entries; 1 ignored.").wait_for()

    # Next month's file: recognised, filed by the two rules, the overlap skipped.
    page.goto(upload_url)
    page.set_input_files('input[type="file"]', str(february))
    page.get_by_role("button", name="Upload and preview").click()
    page.get_by_text("2 imported before").wait_for()
    page.get_by_role("button", name="Import 2 entries").click()
    page.get_by_text("Imported 2 entries; 2 rows imported before were skipped.").wait_for()

    earned, passive, spending = Decimal("8400.00"), Decimal("172.80"), Decimal("42.10")
    assert sorted(Entry.objects.filter(portfolio=portfolio).values_list("amount", flat=True)) == [
        Decimal("42.10"),
        Decimal("86.40"),
        Decimal("86.40"),
        Decimal("4200.00"),
        Decimal("4200.00"),
    ]
    page.goto(live_server.url + reverse("dashboard:dashboard"))
    for name, total in (("earned", earned), ("passive", passive), ("spending", spending)):
        shown = page.locator(f'[data-figure="{name}"]').first.inner_text()
        assert shown == money(total, owner.currency), name
    assert problems == []
