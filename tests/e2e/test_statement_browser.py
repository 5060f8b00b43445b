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
    page.screenshot(path=str(artifacts_dir() / "statement-preview.png"), full_page=True)
    for text, category, rule in (
        ("ACME GmbH", "Salary", True),
        ("Depotbank", "Dividends", True),
        ("REWE", "Living expenses", False),
    ):
        group = page.locator("form.statement-group", has_text=text)
        group.get_by_label("Category").select_option(label=category)
        # Unticked until asked: a rule files every later statement too.
        box = group.get_by_label("Always file it this way (a rule)")
        assert not box.is_checked(), text
        if rule:
            box.check()
        group.get_by_role("button", name="File").click()
        page.get_by_role("heading", name="Check the statement before importing").wait_for()
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


@pytest.fixture
def staged_jobs(client_owner, portfolio, tmp_path):
    """A statement waiting for its columns, and one mapped and waiting in its preview."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dataport import import_jobs
    from dataport.models import ImportJob

    first, _ = _months()
    rows = [
        (first.replace(day=day), payee, purpose, amount)
        for day, payee, purpose, amount in (
            (2, "ACME GmbH", "Gehalt", "4.200,00"),
            (5, "Hausverwaltung Koch", "Miete Wohnung 3, Vorauszahlung Nebenkosten", "-1.150,00"),
            (9, "REWE", "Karte 4411 REWE SAGT DANKE", "-42,10"),
            (12, "Stadtwerke", "Abschlag Strom/Gas Kundennummer 55102233", "-96,00"),
        )
    ]
    jobs = []
    for _ in range(2):
        upload = SimpleUploadedFile("giro.csv", _statement("Zeitraum;month", rows))
        client_owner.post(
            reverse("dataport:statement_import", args=[portfolio.pk]), {"file": upload}
        )
        job = ImportJob.objects.latest("pk")
        import_jobs.statement_stage(job.pk)
        jobs.append(job)
    mapping = {
        "profile_name": "Giro",
        "currency": portfolio.owner.currency,
        "date_column": "0",
        "date_format": "%d.%m.%Y",
        "amount_mode": "signed",
        "amount_column": "3",
        "decimal_separator": ",",
        "description_columns": ["1", "2"],
    }
    client_owner.post(reverse("dataport:statement_map", args=[portfolio.pk, jobs[1].pk]), mapping)
    import_jobs.statement_stage(jobs[1].pk)
    return jobs


def test_the_statement_pages_fit_a_phone(
    live_server, portfolio, client_owner, staged_jobs, browser
):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    phone = context.new_page()
    log_in(phone, live_server, client_owner)
    problems = page_errors(phone)
    pages = {
        "upload": reverse("dataport:statement_import", args=[portfolio.pk]),
        "mapping": reverse("dataport:statement_preview", args=[portfolio.pk, staged_jobs[0].pk]),
        "preview": reverse("dataport:statement_preview", args=[portfolio.pk, staged_jobs[1].pk]),
    }
    too_wide = {}
    for name, path in pages.items():
        phone.goto(live_server.url + path)
        phone.screenshot(path=str(artifacts_dir() / f"narrow-statement-{name}.png"), full_page=True)
        width = phone.evaluate("() => document.documentElement.scrollWidth")
        if width > 390:
            too_wide[name] = width
    context.close()
    assert too_wide == {}
    assert problems == []
