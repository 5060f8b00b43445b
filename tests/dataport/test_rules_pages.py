"""The rules page of a portfolio: the list as sentences, add, edit, delete, move, and the
form prefilled from a statement preview's row."""

from __future__ import annotations

import html
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from dataport import import_jobs
from dataport.models import ImportJob, ImportRule, StagedEntry
from dataport.rule_forms import PATTERN_EMPTY
from dataport.statement_rules import normalize_description
from households import services as households
from portfolio.models import Portfolio
from portfolio.services import portfolio_share
from tests.factories import ImportRuleFactory, PortfolioFactory, StreamFactory, UserFactory
from tests.helpers import texts

pytestmark = pytest.mark.django_db


def rules_url(portfolio) -> str:
    return reverse("dataport:rules", args=[portfolio.pk])


def new_url(portfolio) -> str:
    return reverse("dataport:rule_new", args=[portfolio.pk])


def rule_url(name: str, rule: ImportRule) -> str:
    return reverse(f"dataport:{name}", args=[rule.portfolio_id, rule.pk])


def form_data(**overrides) -> dict:
    data = {
        "pattern": "ACME Payroll 2026-10",
        "direction": "in",
        "amount_min": "",
        "amount_max": "",
        "action": "file",
        "category": "salary",
        "stream": "",
        "job": "",
    }
    data.update(overrides)
    return data


def order(portfolio) -> list[str]:
    return list(ImportRule.objects.filter(portfolio=portfolio).values_list("pattern", flat=True))


@pytest.fixture
def strangers_rule(stranger):
    return ImportRuleFactory(portfolio=stranger.portfolios.get(), pattern="secret employer")


@pytest.fixture
def viewer(owner, portfolio):
    """A member of the owner's household, who sees the portfolio but may not change it."""
    member = UserFactory(email="viewer@example.com")
    home = households.household_create(user=owner, name="Home")
    invitation = households.invitation_create(by=owner, email=member.email)
    households.invitation_accept(invitation=invitation, user=member)
    assert home.memberships.count() == 2
    portfolio_share(portfolio=portfolio, sharing=Portfolio.Sharing.VIEW)
    return member


# --- rule_list ---------------------------------------------------------------------


def test_list_shows_each_rule_as_a_sentence_in_order(client_owner, portfolio):
    salary = StreamFactory(portfolio=portfolio, name="ACME salary")
    ImportRuleFactory(
        portfolio=portfolio, position=0, pattern="acme payroll", direction="in", stream=salary
    )
    ImportRuleFactory(
        portfolio=portfolio,
        position=1,
        pattern="rewe",
        direction="out",
        category="living_expenses",
        amount_min=Decimal("5"),
        amount_max=Decimal("250.50"),
    )
    ImportRuleFactory(
        portfolio=portfolio, position=2, pattern="own savings", action="ignore", category=""
    )
    response = client_owner.get(rules_url(portfolio))
    assert response.status_code == 200
    page = response.content.decode()
    first = "Description contains “acme payroll”, money in → Salary, stream “ACME salary”"
    second = "Description contains “rewe”, money out, amount from 5.00 to 250.50 → Living expenses"
    third = "Description contains “own savings” → ignored"
    assert first in page and second in page and third in page
    assert page.index(first) < page.index(second) < page.index(third)
    assert new_url(portfolio) in page


def test_list_without_rules_invites_to_add_one(client_owner, portfolio):
    response = client_owner.get(rules_url(portfolio))
    assert "No rules yet" in response.content.decode()


def test_entries_page_links_the_rules(client_owner, portfolio):
    response = client_owner.get(reverse("portfolio:entry_list", args=[portfolio.pk]))
    assert rules_url(portfolio) in response.content.decode()


def test_list_of_a_strangers_portfolio_is_404(client_owner, strangers_rule):
    assert client_owner.get(rules_url(strangers_rule.portfolio)).status_code == 404


def test_list_needs_a_login(client, portfolio):
    response = client.get(rules_url(portfolio))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_list_refuses_post(client_owner, portfolio):
    assert client_owner.post(rules_url(portfolio)).status_code == 405


# --- rule_new ----------------------------------------------------------------------


def test_new_rule_is_saved_normalised_at_the_end(client_owner, portfolio):
    ImportRuleFactory(portfolio=portfolio, position=4, pattern="first")
    response = client_owner.post(new_url(portfolio), form_data())
    assert response.status_code == 302 and response["Location"] == rules_url(portfolio)
    rule = ImportRule.objects.get(portfolio=portfolio, pattern="acme payroll")
    assert (rule.position, rule.direction, rule.category, rule.action) == (
        5,
        "in",
        "salary",
        "file",
    )
    assert rule.amount_min is None and rule.amount_max is None and rule.stream is None
    assert order(portfolio) == ["first", "acme payroll"]
    assert texts(response) == ["Rule for “acme payroll” added."]


def test_first_rule_gets_position_zero(client_owner, portfolio):
    client_owner.post(new_url(portfolio), form_data())
    assert ImportRule.objects.get(portfolio=portfolio).position == 0


def test_new_rule_with_a_stream_takes_its_category(client_owner, portfolio):
    rent = StreamFactory(portfolio=portfolio, name="Flat rent", category="rent")
    client_owner.post(new_url(portfolio), form_data(pattern="tenant", category="", stream=rent.pk))
    rule = ImportRule.objects.get(portfolio=portfolio)
    assert (rule.category, rule.stream) == ("rent", rent)


def test_new_ignore_rule(client_owner, portfolio):
    data = form_data(pattern="Transfer to savings", action="ignore", category="", direction="any")
    client_owner.post(new_url(portfolio), data)
    rule = ImportRule.objects.get(portfolio=portfolio)
    assert (rule.pattern, rule.action, rule.category) == ("transfer to savings", "ignore", "")


def test_new_rule_with_an_amount_range_reads_the_one_number_grammar(client_owner, portfolio):
    client_owner.post(new_url(portfolio), form_data(amount_min="10", amount_max="1200.5"))
    rule = ImportRule.objects.get(portfolio=portfolio)
    assert (rule.amount_min, rule.amount_max) == (Decimal("10.00"), Decimal("1200.50"))


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"pattern": "  4411 02.01.2026 "}, "pattern", PATTERN_EMPTY),
        ({"pattern": ""}, "pattern", "This field is required."),
        ({"pattern": "ﬁ" * 150}, "pattern", "Write at most 200 letters."),
        ({"amount_min": "-5"}, "amount_min", "Enter an amount above zero."),
        ({"amount_max": "1e3"}, "amount_max", "Enter an amount as a plain number"),
        ({"amount_max": "1000000000000"}, "amount_max", "Enter an amount below"),
        ({"amount_min": "0.001"}, "amount_min", "Use at most 2 decimal places"),
        (
            {"amount_min": "50", "amount_max": "10"},
            "amount_max",
            "The largest amount cannot be below the smallest.",
        ),
        ({"category": ""}, "category", "Choose a category, or a stream to take it from."),
        ({"category": "pocket_money"}, "category", "Choose one of the categories in the list."),
        (
            {"action": "ignore"},
            "category",
            "An ignored row is not filed: leave the category empty.",
        ),
        ({"direction": "sideways"}, "direction", "Select a valid choice."),
        ({"action": "delete"}, "action", "Select a valid choice."),
    ],
)
def test_new_rule_refuses_bad_input(client_owner, portfolio, overrides, field, message):
    response = client_owner.post(new_url(portfolio), form_data(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(message in error for error in errors), errors
    assert not ImportRule.objects.exists()


def test_new_rule_refuses_an_ignore_with_a_stream(client_owner, portfolio):
    stream = StreamFactory(portfolio=portfolio)
    data = form_data(action="ignore", category="", stream=stream.pk)
    response = client_owner.post(new_url(portfolio), data)
    assert response.context["form"].errors["stream"] == [
        "An ignored row is not filed: leave the stream empty."
    ]
    assert not ImportRule.objects.exists()


def test_new_rule_refuses_another_portfolios_stream(client_owner, portfolio, stranger):
    theirs = StreamFactory(portfolio=stranger.portfolios.get())
    response = client_owner.post(new_url(portfolio), form_data(stream=theirs.pk))
    assert response.context["form"].errors["stream"] == ["Choose one of this portfolio's streams."]
    assert not ImportRule.objects.exists()


def test_new_rule_form_offers_grouped_categories_and_only_this_portfolios_streams(
    client_owner, portfolio, stranger
):
    StreamFactory(portfolio=portfolio, name="ACME salary")
    StreamFactory(portfolio=stranger.portfolios.get(), name="Secret pay")
    page = client_owner.get(new_url(portfolio)).content.decode()
    assert '<optgroup label="Earned">' in page and '<optgroup label="Outgoing">' in page
    assert "ACME salary" in page and "Secret pay" not in page


def test_new_rule_in_a_strangers_portfolio_is_404(client_owner, strangers_rule):
    portfolio = strangers_rule.portfolio
    assert client_owner.get(new_url(portfolio)).status_code == 404
    assert client_owner.post(new_url(portfolio), form_data()).status_code == 404
    assert order(portfolio) == ["secret employer"]


def test_new_rule_refuses_other_methods(client_owner, portfolio):
    assert client_owner.put(new_url(portfolio)).status_code == 405


# --- The form prefilled from a preview row ------------------------------------------


def test_new_rule_is_prefilled_from_the_query_string(client_owner, portfolio):
    salary = StreamFactory(portfolio=portfolio, name="ACME salary")
    query = f"?pattern=acme+payroll&direction=in&category=salary&stream={salary.pk}&job=77"
    response = client_owner.get(new_url(portfolio) + query)
    form = response.context["form"]
    assert form["pattern"].value() == "acme payroll"
    assert form["direction"].value() == "in"
    assert form["category"].value() == "salary"
    assert form["stream"].value() == salary.pk
    assert form["job"].value() == 77
    assert 'name="job" value="77"' in response.content.decode()


def test_prefill_of_a_long_description_keeps_its_first_whole_words(client_owner, portfolio):
    words = " ".join(["transfer"] * 30)  # 269 letters
    form = client_owner.get(new_url(portfolio) + f"?pattern={words}").context["form"]
    assert form["pattern"].value() == " ".join(["transfer"] * 22)  # 197 letters


def test_prefill_leaves_out_what_is_not_a_choice(client_owner, portfolio, stranger):
    theirs = StreamFactory(portfolio=stranger.portfolios.get())
    query = f"?pattern=x&direction=up&category=loot&stream={theirs.pk}&job=abc"
    form = client_owner.get(new_url(portfolio) + query).context["form"]
    assert form["direction"].value() == "any"
    assert form["category"].value() is None
    assert form["stream"].value() is None
    assert form["job"].value() is None


def statement_job(portfolio, **fields) -> ImportJob:
    """A statement staged and waiting in its preview: a salary, two groceries, a refund."""
    job = ImportJob.objects.create(
        owner=portfolio.owner,
        portfolio=portfolio,
        **{"kind": "statement", "state": "ready", **fields},
    )
    rows = [
        ("2026-10-01", "ACME PAYROLL OCT 2026", "4200.00"),
        ("2026-10-03", "CARD 4411 REWE SAGT DANKE", "-42.10"),
        ("2026-10-09", "CARD 4411 REWE SAGT DANKE", "-18.35"),
        ("2026-10-12", "ACME PAYROLL CORRECTION", "-120.00"),
    ]
    for line, (day, description, amount) in enumerate(rows, start=2):
        StagedEntry.objects.create(
            job=job,
            line=line,
            date=day,
            description=description,
            normalized=normalize_description(description),
            bank_amount=Decimal(amount),
            key=f"{line:064x}",
        )
    return job


def decisions(job) -> list[tuple]:
    return list(
        job.staged_entries.order_by("line").values_list("category", "stream__name", "rule__pattern")
    )


def test_rule_made_from_a_preview_row_decides_the_statement_again(client_owner, portfolio):
    salary = StreamFactory(portfolio=portfolio, name="ACME salary")
    job = statement_job(portfolio)
    query = f"?pattern=acme+payroll&direction=in&stream={salary.pk}&job={job.pk}"
    form = client_owner.get(new_url(portfolio) + query).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    response = client_owner.post(new_url(portfolio), data)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "dataport:statement_preview", args=[portfolio.pk, job.pk]
    )
    rule = ImportRule.objects.get(portfolio=portfolio)
    assert (rule.pattern, rule.direction, rule.category, rule.stream) == (
        "acme payroll",
        "in",
        "salary",
        salary,
    )
    # Money in only: the correction (money out) still waits for a decision.
    assert decisions(job) == [
        ("salary", "ACME salary", "acme payroll"),
        ("", None, None),
        ("", None, None),
        ("", None, None),
    ]


def test_cancel_of_a_prefilled_rule_goes_back_to_the_preview(client_owner, portfolio):
    job = statement_job(portfolio)
    page = client_owner.get(new_url(portfolio) + f"?pattern=rewe&job={job.pk}").content.decode()
    preview = reverse("dataport:statement_preview", args=[portfolio.pk, job.pk])
    assert f'href="{preview}">Cancel' in page


@pytest.mark.parametrize(
    "fields",
    [{"kind": "entries_csv"}, {"state": "done"}, {"state": "mapping"}],
    ids=["csv-of-entries", "done", "mapping"],
)
def test_rule_with_a_job_that_is_no_ready_statement_goes_to_the_rules(
    client_owner, portfolio, fields
):
    job = statement_job(portfolio, **fields)
    response = client_owner.post(new_url(portfolio), form_data(pattern="rewe", job=job.pk))
    assert response["Location"] == rules_url(portfolio)
    assert order(portfolio) == ["rewe"]
    assert not job.staged_entries.filter(rule__isnull=False).exists()


def test_rule_with_another_portfolios_job_leaves_that_job_alone(client_owner, owner, portfolio):
    other = PortfolioFactory(owner=owner, name="Company")
    job = statement_job(other)
    response = client_owner.post(new_url(portfolio), form_data(pattern="rewe", job=job.pk))
    assert response["Location"] == rules_url(portfolio)
    assert not job.staged_entries.filter(rule__isnull=False).exists()


def test_a_rule_added_on_the_rules_page_decides_an_open_preview(client_owner, portfolio):
    job = statement_job(portfolio)
    response = client_owner.post(
        new_url(portfolio), form_data(pattern="rewe", direction="out", category="living_expenses")
    )
    assert response["Location"] == rules_url(portfolio)
    assert decisions(job)[1:3] == [("living_expenses", None, "rewe")] * 2


def test_a_rule_edited_deleted_or_moved_decides_open_previews_again(client_owner, portfolio):
    job = statement_job(portfolio)
    done = statement_job(portfolio, state="done")
    groceries = ImportRuleFactory(
        portfolio=portfolio, position=0, pattern="rewe", direction="out", category="living_expenses"
    )
    taxes = ImportRuleFactory(
        portfolio=portfolio, position=1, pattern="sagt danke", direction="out", category="taxes"
    )
    client_owner.post(rule_url("rule_move", taxes), {"direction": "up"})
    # The rule above now wins the REWE rows of the open preview; a finished job is left.
    assert decisions(job)[1:3] == [("taxes", None, "sagt danke")] * 2
    assert decisions(done)[1:3] == [("", None, None)] * 2

    client_owner.post(
        rule_url("rule_edit", taxes),
        form_data(pattern="sagt danke", direction="out", category="fees"),
    )
    assert decisions(job)[1:3] == [("fees", None, "sagt danke")] * 2

    client_owner.post(rule_url("rule_delete", taxes))
    # Not left as if filed by hand: the remaining rule decides them.
    assert decisions(job)[1:3] == [("living_expenses", None, "rewe")] * 2
    client_owner.post(rule_url("rule_delete", groceries))
    assert decisions(job)[1:3] == [("", None, None)] * 2


def test_a_decision_by_hand_outlives_a_rule_change(client_owner, portfolio):
    job = statement_job(portfolio)
    job.staged_entries.filter(line=3).update(category="taxes")  # filed in the preview
    rule = ImportRuleFactory(
        portfolio=portfolio, pattern="rewe", direction="out", category="living_expenses"
    )
    client_owner.post(
        rule_url("rule_edit", rule), form_data(pattern="rewe", direction="out", category="fees")
    )
    assert decisions(job)[1:3] == [("taxes", None, None), ("fees", None, "rewe")]


# --- rule_edit ---------------------------------------------------------------------


def test_edit_saves_the_rule_in_its_place(client_owner, portfolio):
    ImportRuleFactory(portfolio=portfolio, position=0, pattern="first")
    rule = ImportRuleFactory(portfolio=portfolio, position=1, pattern="old words")
    ImportRuleFactory(portfolio=portfolio, position=2, pattern="last")
    response = client_owner.post(
        rule_url("rule_edit", rule),
        form_data(pattern="New WORDS", direction="out", category="fees"),
    )
    assert response["Location"] == rules_url(portfolio)
    rule.refresh_from_db()
    assert (rule.pattern, rule.direction, rule.category, rule.position) == (
        "new words",
        "out",
        "fees",
        1,
    )
    assert order(portfolio) == ["first", "new words", "last"]


def test_edit_shows_the_rule(client_owner, portfolio):
    rule = ImportRuleFactory(portfolio=portfolio, pattern="acme payroll")
    response = client_owner.get(rule_url("rule_edit", rule))
    assert response.status_code == 200
    assert response.context["form"]["pattern"].value() == "acme payroll"


def test_edit_refuses_bad_input_and_changes_nothing(client_owner, portfolio):
    rule = ImportRuleFactory(portfolio=portfolio, pattern="acme payroll")
    response = client_owner.post(rule_url("rule_edit", rule), form_data(pattern="1234"))
    assert response.context["form"].errors["pattern"] == [PATTERN_EMPTY]
    rule.refresh_from_db()
    assert rule.pattern == "acme payroll"


def test_edit_refusing_one_field_keeps_the_rules_name_in_the_title(client_owner, portfolio):
    rule = ImportRuleFactory(portfolio=portfolio, pattern="acme payroll")
    data = form_data(pattern="other words", amount_min="-1")
    response = client_owner.post(rule_url("rule_edit", rule), data)
    assert "Edit the rule for “acme payroll”" in response.content.decode()
    rule.refresh_from_db()
    assert (rule.pattern, rule.amount_min) == ("acme payroll", None)


def test_edit_of_a_strangers_rule_is_404(client_owner, strangers_rule):
    url = rule_url("rule_edit", strangers_rule)
    assert client_owner.get(url).status_code == 404
    assert client_owner.post(url, form_data()).status_code == 404
    strangers_rule.refresh_from_db()
    assert strangers_rule.pattern == "secret employer"


def test_edit_of_a_rule_through_another_portfolio_is_404(client_owner, portfolio, strangers_rule):
    url = reverse("dataport:rule_edit", args=[portfolio.pk, strangers_rule.pk])
    assert client_owner.get(url).status_code == 404


# --- rule_delete -------------------------------------------------------------------


def test_delete_asks_then_deletes(client_owner, portfolio):
    rule = ImportRuleFactory(portfolio=portfolio, pattern="acme payroll")
    page = client_owner.get(rule_url("rule_delete", rule))
    assert page.status_code == 200 and "Delete this rule?" in page.content.decode()
    assert ImportRule.objects.filter(pk=rule.pk).exists()
    response = client_owner.post(rule_url("rule_delete", rule))
    assert response["Location"] == rules_url(portfolio)
    assert not ImportRule.objects.filter(pk=rule.pk).exists()
    assert texts(response) == ["Rule for “acme payroll” deleted."]


def test_delete_of_a_strangers_rule_is_404(client_owner, strangers_rule):
    assert client_owner.post(rule_url("rule_delete", strangers_rule)).status_code == 404
    assert ImportRule.objects.filter(pk=strangers_rule.pk).exists()


def test_delete_refuses_other_methods(client_owner, portfolio):
    rule = ImportRuleFactory(portfolio=portfolio)
    assert client_owner.put(rule_url("rule_delete", rule)).status_code == 405


# --- rule_move ---------------------------------------------------------------------


@pytest.fixture
def three_rules(portfolio):
    # Positions with gaps and a tie, as deletions and simultaneous additions leave them.
    return [
        ImportRuleFactory(portfolio=portfolio, position=3, pattern="alpha"),
        ImportRuleFactory(portfolio=portfolio, position=7, pattern="bravo"),
        ImportRuleFactory(portfolio=portfolio, position=7, pattern="charlie"),
    ]


def test_move_up_swaps_with_the_rule_above_and_renumbers(client_owner, portfolio, three_rules):
    response = client_owner.post(rule_url("rule_move", three_rules[2]), {"direction": "up"})
    assert response["Location"] == rules_url(portfolio)
    assert order(portfolio) == ["alpha", "charlie", "bravo"]
    positions = ImportRule.objects.filter(portfolio=portfolio).values_list("position", flat=True)
    assert list(positions) == [0, 1, 2]
    assert texts(response) == ["Rule for “charlie” moved up."]


def test_move_down_swaps_with_the_rule_below(client_owner, portfolio, three_rules):
    client_owner.post(rule_url("rule_move", three_rules[0]), {"direction": "down"})
    assert order(portfolio) == ["bravo", "alpha", "charlie"]


def test_move_past_the_end_changes_nothing(client_owner, portfolio, three_rules):
    response = client_owner.post(rule_url("rule_move", three_rules[0]), {"direction": "up"})
    assert texts(response) == ["The rule for “alpha” is already the first."]
    response = client_owner.post(rule_url("rule_move", three_rules[2]), {"direction": "down"})
    assert texts(response)[-1] == "The rule for “charlie” is already the last."
    assert order(portfolio) == ["alpha", "bravo", "charlie"]


def test_move_without_a_direction_changes_nothing(client_owner, portfolio, three_rules):
    response = client_owner.post(rule_url("rule_move", three_rules[1]), {"direction": "top"})
    assert texts(response) == ["Nothing was moved: move a rule up or down."]
    assert order(portfolio) == ["alpha", "bravo", "charlie"]


def test_move_needs_post(client_owner, portfolio, three_rules):
    assert client_owner.get(rule_url("rule_move", three_rules[1])).status_code == 405


def test_move_of_a_strangers_rule_is_404(client_owner, strangers_rule):
    url = rule_url("rule_move", strangers_rule)
    assert client_owner.post(url, {"direction": "down"}).status_code == 404


def test_list_offers_moves_only_where_a_rule_can_go(client_owner, portfolio, three_rules):
    page = client_owner.get(rules_url(portfolio)).content.decode()
    assert page.count('name="direction" value="up"') == 2
    assert page.count('name="direction" value="down"') == 2


# --- A household member with view-only sharing ----------------------------------------


def test_viewer_reads_the_rules_without_change_links(client, portfolio, viewer):
    rule = ImportRuleFactory(portfolio=portfolio, pattern="acme payroll")
    client.force_login(viewer)
    response = client.get(rules_url(portfolio))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Description contains “acme payroll”" in page
    assert new_url(portfolio) not in page and rule_url("rule_edit", rule) not in page
    assert 'name="direction"' not in page


def test_viewer_cannot_change_the_rules(client, portfolio, viewer):
    rule = ImportRuleFactory(portfolio=portfolio, pattern="acme payroll")
    other = ImportRuleFactory(portfolio=portfolio, pattern="rewe", category="living_expenses")
    client.force_login(viewer)
    assert client.get(new_url(portfolio)).status_code == 403
    assert client.post(new_url(portfolio), form_data(pattern="mine")).status_code == 403
    assert client.get(rule_url("rule_edit", rule)).status_code == 403
    assert client.post(rule_url("rule_edit", rule), form_data(pattern="mine")).status_code == 403
    assert client.post(rule_url("rule_delete", rule)).status_code == 403
    assert client.post(rule_url("rule_move", other), {"direction": "up"}).status_code == 403
    assert order(portfolio) == ["acme payroll", "rewe"]


def test_editor_in_the_household_changes_the_rules(client, portfolio, viewer):
    portfolio_share(portfolio=portfolio, sharing=Portfolio.Sharing.EDIT)
    client.force_login(viewer)
    response = client.post(new_url(portfolio), form_data())
    assert response.status_code == 302
    assert order(portfolio) == ["acme payroll"]


# --- From a real statement's preview -------------------------------------------------


def test_make_a_rule_from_a_preview_row_of_a_real_statement(client_owner, portfolio):
    """The preview's "Make a rule" link opens the form prefilled; saved, the rule files
    every row of that description in the preview."""
    data = (Path(__file__).parent / "statements" / "ofx102-checking.ofx").read_bytes()
    job = import_jobs.job_start(
        owner=portfolio.owner,
        portfolio=portfolio,
        kind=ImportJob.Kind.STATEMENT,
        data=data,
        file_name="ofx102-checking.ofx",
    )
    import_jobs.statement_stage(job.pk)
    job.refresh_from_db()
    assert job.state == ImportJob.State.READY, job.problems
    preview = reverse("dataport:statement_preview", args=[portfolio.pk, job.pk])
    page = client_owner.get(preview + "?show=all").content.decode()
    link = re.search(r'href="([^"]+)">Make a rule</a>', page)
    assert link, page[:3000]
    form = client_owner.get(html.unescape(link.group(1))).context["form"]
    pattern = form["pattern"].value()
    fields = {name: form[name].value() for name in form.fields}
    fields = {name: "" if value is None else value for name, value in fields.items()}
    response = client_owner.post(new_url(portfolio), {**fields, "category": "fees"})
    assert response.status_code == 302 and response["Location"] == preview
    rule = ImportRule.objects.get(portfolio=portfolio)
    assert (rule.pattern, rule.category, fields["job"]) == (pattern, "fees", job.pk)
    matched = job.staged_entries.filter(normalized=pattern, problem="", duplicate=False)
    fitting = [
        row
        for row in matched
        if rule.direction == "any" or (row.bank_amount > 0) == (rule.direction == "in")
    ]
    assert fitting
    assert {(row.rule_id, row.category) for row in fitting} == {(rule.pk, "fees")}
