"""Bank statements through the pages: mapping once, rules, groups, duplicates, the write."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dataport import import_jobs
from dataport.models import ImportedTransaction, ImportJob, ImportProfile, ImportRule
from portfolio.models import Entry
from tests.factories import PortfolioFactory, StreamFactory

D = Decimal

# A bank's CSV: a preamble, semicolons, decimal comma, day-first dates.
JANUARY = (
    "Konto;DE02 1203 0000 0000 2020 51\n"
    "Zeitraum;01.01.2026 - 31.01.2026\n"
    "\n"
    "Buchungstag;Empfänger;Verwendungszweck;Betrag\n"
    "02.01.2026;ACME GmbH;Gehalt Januar 2026;4.200,00\n"
    "05.01.2026;Hausverwaltung Koch;Miete 01/2026;-1.150,00\n"
    "13.01.2026;REWE;Karte 4411 REWE SAGT DANKE;-42,10\n"
    "20.01.2026;REWE;Karte 4411 REWE SAGT DANKE;-18,35\n"
    "25.01.2026;Eigenes Sparkonto;Umbuchung;-500,00\n"
)
# The next statement of the same bank: another preamble, overlapping from 20 January.
FEBRUARY = (
    "Konto;DE02 1203 0000 0000 2020 51\n"
    "Zeitraum;20.01.2026 - 28.02.2026\n"
    "\n"
    "Buchungstag;Empfänger;Verwendungszweck;Betrag\n"
    "20.01.2026;REWE;Karte 4411 REWE SAGT DANKE;-18,35\n"
    "25.01.2026;Eigenes Sparkonto;Umbuchung;-500,00\n"
    "02.02.2026;ACME GmbH;Gehalt Februar 2026;4.200,00\n"
    "10.02.2026;REWE;Karte 4411 REWE SAGT DANKE;-61,00\n"
    "15.02.2026;Depotbank;Dividende Indexfonds;86,40\n"
)
MAPPING = {
    "profile_name": "Giro",
    "currency": "EUR",
    "date_column": "0",
    "date_format": "%d.%m.%Y",
    "amount_mode": "signed",
    "amount_column": "3",
    "decimal_separator": ",",
    "description_columns": ["1", "2"],
}


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC), tick=False):
        yield


def upload_url(portfolio) -> str:
    return reverse("dataport:statement_import", args=[portfolio.pk])


def job_url(portfolio, job, step: str = "") -> str:
    if step:
        return reverse(f"dataport:statement_{step}", args=[portfolio.pk, job.pk])
    return reverse("dataport:statement_preview", args=[portfolio.pk, job.pk])


def upload(client, portfolio, text: str, name: str = "giro-2026-01.csv") -> ImportJob:
    """Upload a statement and let the worker's first step run."""
    response = client.post(
        upload_url(portfolio), {"file": SimpleUploadedFile(name, text.encode("cp1252"))}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    job = ImportJob.objects.latest("pk")
    assert response["Location"] == job_url(portfolio, job)
    import_jobs.statement_stage(job.pk)
    job.refresh_from_db()
    return job


def decide(client, portfolio, job, normalized, *, rule: bool = False, **fields):
    """File a group (or ignore it, with action="ignore"); with ``rule``, the rule box
    ticked, as the page leaves it unticked."""
    data = {"normalized": normalized, "action": "file", **fields}
    if rule:
        data["make_rule"] = "on"
    response = client.post(job_url(portfolio, job, "decide"), data)
    assert response.status_code == 302
    return response


def confirm(client, portfolio, job) -> ImportJob:
    response = client.post(job_url(portfolio, job, "confirm"))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == ImportJob.State.WRITING, list(response.wsgi_request._messages)
    import_jobs.statement_write(job.pk)
    job.refresh_from_db()
    return job


def entries(portfolio) -> list[tuple]:
    return list(
        Entry.objects.filter(portfolio=portfolio)
        .order_by("date", "pk")
        .values_list("date", "amount", "category", "stream__name")
    )


def first_import(client, portfolio, salary_stream) -> ImportJob:
    """January from a new bank: map its columns, decide the groups, each as a rule."""
    job = upload(client, portfolio, JANUARY)
    assert job.state == ImportJob.State.MAPPING
    response = client.post(job_url(portfolio, job, "map"), MAPPING)
    assert response.status_code == 302, response.content.decode()[:3000]
    import_jobs.statement_stage(job.pk)
    job.refresh_from_db()
    assert job.state == ImportJob.State.READY
    salary = {"category": "", "stream": salary_stream.pk}
    decide(client, portfolio, job, "acme gmbh gehalt", rule=True, **salary)
    living = {"category": "living_expenses"}
    decide(client, portfolio, job, "hausverwaltung koch miete", rule=True, **living)
    decide(client, portfolio, job, "rewe karte rewe sagt danke", rule=True, **living)
    decide(client, portfolio, job, "eigenes sparkonto umbuchung", rule=True, action="ignore")
    return job


class TestFirstStatementOfABank:
    def test_the_mapping_step_shows_the_first_rows_and_a_guess(self, client_owner, portfolio):
        job = upload(client_owner, portfolio, JANUARY)
        assert job.state == ImportJob.State.MAPPING
        html = client_owner.get(job_url(portfolio, job)).content.decode()
        assert "Which column is what" in html
        assert "Header on line 4" in html
        assert "Karte 4411 REWE SAGT DANKE" in html  # the sample, decoded from Windows-1252
        assert "Empfänger" in html
        assert "Read as" in html  # the guess, applied to the first rows
        assert "<script>" not in html

    def test_the_account_currency_starts_as_the_one_the_file_names(self, client_owner, portfolio):
        text = JANUARY.replace("Betrag\n", "Betrag;Währung\n").replace("\n0", ";EUR\n0")
        text = text.replace(";-500,00\n", ";-500,00;EUR\n")
        job = upload(client_owner, portfolio, text)
        html = client_owner.get(job_url(portfolio, job)).content.decode()
        assert '<option value="EUR" selected>' in html
        assert portfolio.owner.currency != "EUR"

    def test_a_mapping_whose_dates_do_not_read_is_refused_on_the_form(
        self, client_owner, portfolio
    ):
        job = upload(client_owner, portfolio, JANUARY)
        response = client_owner.post(
            job_url(portfolio, job, "map"), {**MAPPING, "date_format": "%Y-%m-%d"}
        )
        assert response.status_code == 200
        assert "None of the first rows reads this way" in response.content.decode()
        assert not ImportProfile.objects.exists()
        job.refresh_from_db()
        assert job.state == ImportJob.State.MAPPING

    def test_mapped_then_decided_then_imported(self, client_owner, portfolio):
        salary = StreamFactory(portfolio=portfolio, name="ACME salary", category="salary")
        job = first_import(client_owner, portfolio, salary)
        profile = ImportProfile.objects.get(owner=portfolio.owner)
        assert profile.name == "Giro"
        assert job.profile == profile
        assert ImportRule.objects.filter(portfolio=portfolio).count() == 4  # the transfer: ignore
        html = client_owner.get(job_url(portfolio, job)).content.decode()
        assert "Import 4 entries" in html
        # The account's currency, saved with the layout: the entries are in euros.
        assert 'data-figure="earned" data-currency="EUR">€4,200.00<' in html
        assert 'data-figure="spending" data-currency="EUR">€1,210.45<' in html

        job = confirm(client_owner, portfolio, job)
        assert job.state == ImportJob.State.DONE
        assert entries(portfolio) == [
            (dt.date(2026, 1, 2), D("4200.00"), "salary", "ACME salary"),
            (dt.date(2026, 1, 5), D("1150.00"), "living_expenses", None),
            (dt.date(2026, 1, 13), D("42.10"), "living_expenses", None),
            (dt.date(2026, 1, 20), D("18.35"), "living_expenses", None),
        ]
        # Every row is remembered, the ignored transfer too.
        assert ImportedTransaction.objects.filter(portfolio=portfolio).count() == 5
        assert job.summary["imported"] == 4
        assert job.summary["ignored"] == 1
        assert set(Entry.objects.values_list("currency", flat=True)) == {"EUR"}


class TestNextMonth:
    def test_the_next_file_of_the_bank_needs_no_mapping_and_adds_only_new_rows(
        self, client_owner, portfolio
    ):
        salary = StreamFactory(portfolio=portfolio, name="ACME salary", category="salary")
        confirm(client_owner, portfolio, first_import(client_owner, portfolio, salary))

        job = upload(client_owner, portfolio, FEBRUARY, name="giro-2026-02.csv")
        assert job.state == ImportJob.State.READY  # recognised by its header
        html = client_owner.get(job_url(portfolio, job)).content.decode()
        assert "2 imported before" in html
        # The rules filed the salary (month names are not part of a description) and
        # the card payment; only the dividend is new.
        groups = set(
            job.staged_entries.filter(category="", ignored=False, duplicate=False).values_list(
                "normalized", flat=True
            )
        )
        assert groups == {"depotbank dividende indexfonds"}
        decide(client_owner, portfolio, job, "depotbank dividende indexfonds", category="dividends")
        job = confirm(client_owner, portfolio, job)
        assert job.summary["duplicates"] == 2
        assert entries(portfolio)[4:] == [
            (dt.date(2026, 2, 2), D("4200.00"), "salary", "ACME salary"),
            (dt.date(2026, 2, 10), D("61.00"), "living_expenses", None),
            (dt.date(2026, 2, 15), D("86.40"), "dividends", None),
        ]

    def test_the_same_file_again_adds_nothing(self, client_owner, portfolio):
        salary = StreamFactory(portfolio=portfolio, name="ACME salary", category="salary")
        confirm(client_owner, portfolio, first_import(client_owner, portfolio, salary))
        job = upload(client_owner, portfolio, JANUARY)
        assert job.state == ImportJob.State.READY
        assert job.staged_entries.filter(duplicate=True).count() == 5
        job = confirm(client_owner, portfolio, job)
        assert (job.summary["imported"], job.summary["duplicates"]) == (0, 5)
        assert len(entries(portfolio)) == 4


class TestRules:
    def test_rules_apply_in_order_with_direction_and_amount_range(self, client_owner, portfolio):
        ImportRule.objects.create(
            portfolio=portfolio,
            position=1,
            pattern="rewe",
            direction="out",
            amount_min=D("50"),
            category="holding_costs",
        )
        ImportRule.objects.create(
            portfolio=portfolio, position=2, pattern="rewe", category="living_expenses"
        )
        ImportRule.objects.create(
            portfolio=portfolio, position=3, pattern="umbuchung", action="ignore"
        )
        ImportProfile.objects.create(
            owner=portfolio.owner,
            name="Giro",
            currency="EUR",
            signature=_signature(JANUARY),
            mapping=_mapping_dict(),
        )
        job = upload(client_owner, portfolio, FEBRUARY)
        decided = dict(job.staged_entries.values_list("line", "category"))
        assert decided[5] == "living_expenses"  # 18.35: under the first rule's minimum
        assert decided[8] == "holding_costs"  # 61.00 out: the first rule
        assert job.staged_entries.get(line=6).ignored

    def test_a_word_inside_another_word_does_not_match(self, client_owner, portfolio):
        ImportRule.objects.create(
            portfolio=portfolio, position=1, pattern="rewe sagt", category="fees"
        )
        ImportRule.objects.create(portfolio=portfolio, position=2, pattern="rew", category="taxes")
        ImportProfile.objects.create(
            owner=portfolio.owner,
            name="Giro",
            currency="EUR",
            signature=_signature(JANUARY),
            mapping=_mapping_dict(),
        )
        job = upload(client_owner, portfolio, JANUARY)
        assert set(
            job.staged_entries.filter(normalized__contains="rewe").values_list(
                "category", flat=True
            )
        ) == {"fees"}


class TestGroups:
    def test_the_rule_box_starts_unticked_and_says_what_a_rule_does(self, client_owner, portfolio):
        # Filing one odd row by hand must not quietly re-file every later statement.
        job = upload(client_owner, portfolio, JANUARY)
        client_owner.post(job_url(portfolio, job, "map"), MAPPING)
        import_jobs.statement_stage(job.pk)
        html = client_owner.get(job_url(portfolio, job)).content.decode()
        boxes = re.findall(r'<input type="checkbox" name="make_rule"[^>]*>', html)
        assert len(boxes) == 4  # one a group
        assert not [box for box in boxes if "checked" in box]
        assert 'aria-describedby="id_group1_make_rule_helptext"' in boxes[0]
        assert (
            '<div class="help" id="id_group1_make_rule_helptext">'
            "Also files rows like these in every later statement.</div>"
        ) in html
        rules_url = reverse("dataport:rules", args=[portfolio.pk])
        assert f'<a href="{rules_url}">Rules</a>, on the entries page' in html

    def test_a_ticked_rule_box_saves_a_rule_and_says_where_rules_are(self, client_owner, portfolio):
        job = upload(client_owner, portfolio, JANUARY)
        client_owner.post(job_url(portfolio, job, "map"), MAPPING)
        import_jobs.statement_stage(job.pk)
        response = decide(
            client_owner,
            portfolio,
            job,
            "rewe karte rewe sagt danke",
            rule=True,
            category="living_expenses",
        )
        rule = ImportRule.objects.get(portfolio=portfolio)
        assert (rule.pattern, rule.direction, rule.category) == (
            "rewe karte rewe sagt danke",
            "out",
            "living_expenses",
        )
        assert job.staged_entries.filter(rule=rule).count() == 2
        assert [str(m) for m in response.wsgi_request._messages] == [
            "Rule saved: rows with “rewe karte rewe sagt danke” are filed this way in this"
            " statement and every later one. Rules, on the entries page, lists it to change"
            " or delete."
        ]

    def test_a_long_description_makes_a_rule_of_its_first_words(self, client_owner, portfolio):
        words = " ".join(f"word{chr(97 + n % 26)}{chr(97 + n // 26)}" for n in range(120))
        text = JANUARY.replace("Karte 4411 REWE SAGT DANKE", words)
        job = upload(client_owner, portfolio, text)
        client_owner.post(job_url(portfolio, job, "map"), MAPPING)
        import_jobs.statement_stage(job.pk)
        long_group = job.staged_entries.get(line=7).normalized
        assert len(long_group) > 200
        decide(client_owner, portfolio, job, long_group, rule=True, category="living_expenses")
        rule = ImportRule.objects.get(portfolio=portfolio)
        assert len(rule.pattern) <= 200
        assert long_group.startswith(rule.pattern + " ")
        assert job.staged_entries.filter(rule=rule).count() == 2  # both rows of the group

    def test_a_decision_without_a_rule_files_only_this_import(self, client_owner, portfolio):
        job = upload(client_owner, portfolio, JANUARY)
        client_owner.post(job_url(portfolio, job, "map"), MAPPING)
        import_jobs.statement_stage(job.pk)
        response = decide(
            client_owner, portfolio, job, "rewe karte rewe sagt danke", category="living_expenses"
        )
        assert not ImportRule.objects.exists()
        assert job.staged_entries.filter(category="living_expenses").count() == 2
        # The group leaves the list to decide; the message says where its rows went.
        assert [str(m) for m in response.wsgi_request._messages] == [
            "2 rows with “rewe karte rewe sagt danke” filed as Living expenses,"
            " in this statement only."
        ]
        # Undo: the rows are undecided again.
        client_owner.post(job_url(portfolio, job, "undo"))
        assert not job.staged_entries.filter(category="living_expenses").exists()

    def test_a_group_without_a_category_gets_a_message(self, client_owner, portfolio):
        job = upload(client_owner, portfolio, JANUARY)
        client_owner.post(job_url(portfolio, job, "map"), MAPPING)
        import_jobs.statement_stage(job.pk)
        response = decide(client_owner, portfolio, job, "rewe karte rewe sagt danke")
        html = client_owner.get(response["Location"]).content.decode()
        assert "Choose a category (or a stream), or ignore these rows." in html
        assert not job.staged_entries.exclude(category="").exists()


class TestAnotherFileOfTheAccount:
    def test_rows_with_an_entry_of_their_day_and_amount_are_pointed_out_and_can_be_ignored(
        self, client_owner, portfolio
    ):
        from tests.factories import EntryFactory

        # The rent, typed by hand before (or from the bank's OFX file): same day, amount.
        EntryFactory(
            portfolio=portfolio,
            date=dt.date(2026, 1, 5),
            amount=D("1150.00"),
            category="living_expenses",
        )
        job = upload(client_owner, portfolio, JANUARY)
        client_owner.post(job_url(portfolio, job, "map"), MAPPING)
        import_jobs.statement_stage(job.pk)
        html = client_owner.get(job_url(portfolio, job)).content.decode()
        assert "1 maybe imported before" in html
        assert list(
            job.staged_entries.filter(maybe_duplicate=True).values_list("line", flat=True)
        ) == [6]
        client_owner.post(job_url(portfolio, job, "skip_maybe"))
        assert job.staged_entries.get(line=6).ignored
        assert (
            "maybe imported before"
            not in client_owner.get(job_url(portfolio, job)).content.decode()
        )


class TestJobPages:
    def test_the_import_page_of_the_e_mail_leads_to_the_statement(self, client_owner, portfolio):
        job = upload(client_owner, portfolio, JANUARY)
        response = client_owner.get(reverse("dataport:import_job", args=[job.pk]))
        assert response["Location"] == job_url(portfolio, job)

    def test_a_mapping_left_for_a_day_is_failed_by_the_cleanup(self, client_owner, portfolio):
        job = upload(client_owner, portfolio, JANUARY)
        with time_machine.travel(dt.datetime(2026, 3, 11, 13, tzinfo=dt.UTC), tick=False):
            import_jobs.abandoned_cleanup()
        job.refresh_from_db()
        assert job.state == ImportJob.State.FAILED
        assert bytes(job.data) == b""  # the file is not kept


UNDECIDABLE_QIF = (
    "!Type:Bank\nD03/02/2025\nT-12.50\nPBoulangerie\n^\nD04/01/2025\nT-8.00\nPKiosk\n^\n"
)


class TestQifDates:
    def test_dates_that_read_both_ways_can_be_read_the_other_way(self, client_owner, portfolio):
        job = upload(client_owner, portfolio, UNDECIDABLE_QIF, name="card.qif")
        assert job.state == ImportJob.State.READY
        html = client_owner.get(job_url(portfolio, job)).content.decode()
        assert "Every date in this file reads both ways" in html
        assert set(job.staged_entries.values_list("date", flat=True)) == {
            dt.date(2025, 3, 2),
            dt.date(2025, 4, 1),
        }  # month first, QIF's original order
        response = client_owner.post(job_url(portfolio, job, "dates"))
        assert response.status_code == 302
        import_jobs.statement_stage(job.pk)
        job.refresh_from_db()
        assert job.state == ImportJob.State.READY
        assert set(job.staged_entries.values_list("date", flat=True)) == {
            dt.date(2025, 2, 3),
            dt.date(2025, 1, 4),
        }
        assert "Read them month first" in client_owner.get(job_url(portfolio, job)).content.decode()


class TestAllOrNothing:
    def test_a_row_with_a_bad_amount_blocks_the_import(self, client_owner, portfolio):
        text = JANUARY.replace("-42,10", "-42,1x")
        job = upload(client_owner, portfolio, text)
        client_owner.post(job_url(portfolio, job, "map"), MAPPING)
        import_jobs.statement_stage(job.pk)
        html = client_owner.get(job_url(portfolio, job)).content.decode()
        assert "1 row has a problem" in html
        assert "Line 7" in html or "42,1x" in html
        client_owner.post(job_url(portfolio, job, "confirm"))
        job.refresh_from_db()
        assert job.state == ImportJob.State.READY
        assert Entry.objects.count() == 0

    def test_undecided_rows_block_the_confirmation(self, client_owner, portfolio):
        job = upload(client_owner, portfolio, JANUARY)
        client_owner.post(job_url(portfolio, job, "map"), MAPPING)
        import_jobs.statement_stage(job.pk)
        response = client_owner.post(job_url(portfolio, job, "confirm"))
        assert response.status_code == 302
        job.refresh_from_db()
        assert job.state == ImportJob.State.READY
        assert Entry.objects.count() == 0


class TestAccess:
    def test_a_stranger_gets_404_on_every_page(self, client, stranger, portfolio, client_owner):
        job = upload(client_owner, portfolio, JANUARY)
        client.force_login(stranger)
        assert client.get(upload_url(portfolio)).status_code == 404
        assert client.get(job_url(portfolio, job)).status_code == 404
        for step in ("map", "remap", "decide", "undo", "skip_maybe", "confirm", "dates"):
            assert client.post(job_url(portfolio, job, step), MAPPING).status_code == 404
        own = PortfolioFactory(owner=stranger)
        # Another portfolio's id in the address: still 404.
        assert (
            client.get(reverse("dataport:statement_preview", args=[own.pk, job.pk])).status_code
            == 404
        )

    def test_get_where_post_is_needed_gets_405(self, client_owner, portfolio):
        job = upload(client_owner, portfolio, JANUARY)
        for step in ("map", "remap", "decide", "undo", "skip_maybe", "confirm", "dates"):
            assert client_owner.get(job_url(portfolio, job, step)).status_code == 405

    def test_a_file_that_is_not_a_statement_gets_a_message(self, client_owner, portfolio):
        response = client_owner.post(
            upload_url(portfolio), {"file": SimpleUploadedFile("photo.csv", b"\x89PNG\x00\x01")}
        )
        assert response.status_code == 200
        assert 'class="errorlist' in response.content.decode()
        assert not ImportJob.objects.exists()


def _signature(text: str) -> str:
    from dataport import statement_csv, statement_reading

    return statement_reading.signature_hash(statement_csv.csv_layout(text.encode("cp1252")))


def _mapping_dict() -> dict:
    from dataport.statement_csv import CsvMapping

    return CsvMapping(
        date_column=0,
        date_format="%d.%m.%Y",
        amount_mode="signed",
        amount_column=3,
        decimal_separator=",",
        description_columns=(1, 2),
    ).to_dict()


def test_reading_an_ofx_file_does_not_fill_the_log(caplog):
    import logging
    from pathlib import Path

    from dataport.statement_ofx import read_ofx

    data = (Path(__file__).parent / "statements" / "ofx102-checking.ofx").read_bytes()
    with caplog.at_level(logging.INFO):
        read_ofx(data)
    assert [r for r in caplog.records if r.name.startswith("ofxtools")] == []


def test_the_embedded_defaults_row_by_row_rules_decide_as_the_sql_does(client_owner, portfolio):
    """SQLite (``make run``) has no ``unnest`` or ``DISTINCT ON``: its path, run here on
    the same rows, must file every row as the one UPDATE does."""
    from dataport import statement_import
    from dataport.statement_rules import RulePattern, candidates

    stream = StreamFactory(portfolio=portfolio, name="Groceries", category="living_expenses")
    ImportRule.objects.create(
        portfolio=portfolio,
        position=1,
        pattern="rewe",
        direction="out",
        amount_min=D("50"),
        category="holding_costs",
    )
    ImportRule.objects.create(
        portfolio=portfolio, position=2, pattern="rewe", category="living_expenses", stream=stream
    )
    ImportRule.objects.create(portfolio=portfolio, position=3, pattern="umbuchung", action="ignore")
    ImportRule.objects.create(
        portfolio=portfolio, position=4, pattern="gehalt", direction="in", category="salary"
    )
    ImportProfile.objects.create(
        owner=portfolio.owner,
        name="Giro",
        currency="EUR",
        signature=_signature(JANUARY),
        mapping=_mapping_dict(),
    )
    job = upload(client_owner, portfolio, FEBRUARY)
    fields = ("line", "rule_id", "category", "stream_id", "stream_name", "ignored")
    by_sql = list(job.staged_entries.order_by("line").values_list(*fields))
    assert {row[1] for row in by_sql} - {None}  # the rules did decide rows

    job.staged_entries.update(rule=None, category="", stream=None, stream_name="", ignored=False)
    rules = [RulePattern(r.pk, r.pattern) for r in ImportRule.objects.filter(portfolio=portfolio)]
    descriptions = job.staged_entries.values_list("normalized", flat=True).distinct()
    statement_import._rules_update_rows(job, candidates(descriptions, rules))
    assert list(job.staged_entries.order_by("line").values_list(*fields)) == by_sql
