"""The sweep: a household member tries every object URL and every form reference of
another member's private, viewed and edited portfolios, then leaves and tries again.

- private: 404 everywhere (it does not exist for anyone but its owner);
- shared for viewing: every page reads (200) without a form or a change link, every
  change answers 403, GET or POST, and changes nothing;
- shared for editing: pages read and change forms open (200); the owner's own
  actions (rename, delete, sharing) stay 403;
- after leaving: 404 everywhere, whatever the portfolio was.

Form references point from the member's own portfolio at the other's objects; they
are refused whatever the sharing, since a holding, stream or loan belongs to one
portfolio.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import reverse

from dataport.models import ImportRule
from goals.models import Goal
from households import services
from portfolio.models import Entry, Holding, Portfolio, Stream, Valuation
from portfolio.services import portfolio_share
from tests.factories import (
    EntryFactory,
    HoldingFactory,
    ImportRuleFactory,
    StreamFactory,
    ValuationFactory,
)

pytestmark = pytest.mark.django_db

Sharing = Portfolio.Sharing

READ = "read"  # a page to look at
CHANGE = "change"  # a form or action changing the portfolio's contents
OWN = "own"  # the owner's alone: rename, delete, share


@dataclass(frozen=True)
class Probe:
    name: str
    key: str  # which of the portfolio's objects the URL takes
    kind: str
    methods: tuple[str, ...]


PROBES = [
    Probe("dashboard:portfolio", "portfolio", READ, ("get",)),
    Probe("portfolio:holding_list", "portfolio", READ, ("get",)),
    Probe("portfolio:stream_list", "portfolio", READ, ("get",)),
    Probe("portfolio:entry_list", "portfolio", READ, ("get",)),
    Probe("dashboard:portfolio_calendar", "portfolio", READ, ("get",)),
    Probe("portfolio:holding_detail", "holding", READ, ("get",)),
    Probe("portfolio:holding_create", "portfolio", CHANGE, ("get", "post")),
    Probe("portfolio:stream_create", "portfolio", CHANGE, ("get", "post")),
    Probe("portfolio:entry_create", "portfolio", CHANGE, ("get", "post")),
    Probe("dataport:entry_import", "portfolio", CHANGE, ("get", "post")),
    Probe("dataport:rules", "portfolio", READ, ("get",)),
    Probe("dataport:rule_new", "portfolio", CHANGE, ("get", "post")),
    Probe("dataport:rule_edit", "rule", CHANGE, ("get", "post")),
    Probe("dataport:rule_move", "rule", CHANGE, ("post",)),
    Probe("portfolio:holding_edit", "holding", CHANGE, ("get", "post")),
    Probe("portfolio:valuation_add", "holding", CHANGE, ("post",)),
    Probe("portfolio:stream_edit", "stream", CHANGE, ("get", "post")),
    Probe("portfolio:stream_confirm", "stream", CHANGE, ("post",)),
    Probe("portfolio:entry_edit", "entry", CHANGE, ("get", "post")),
    # Deletions last: a deleted holding takes its valuations with it.
    Probe("portfolio:valuation_delete", "valuation", CHANGE, ("post",)),
    Probe("dataport:rule_delete", "rule", CHANGE, ("get", "post")),
    Probe("portfolio:entry_delete", "entry", CHANGE, ("get", "post")),
    Probe("portfolio:stream_delete", "stream", CHANGE, ("get", "post")),
    Probe("portfolio:holding_delete", "holding", CHANGE, ("get", "post")),
    Probe("portfolio:portfolio_rename", "portfolio", OWN, ("get", "post")),
    Probe("portfolio:portfolio_delete", "portfolio", OWN, ("get", "post")),
    Probe("portfolio:portfolio_sharing", "portfolio", OWN, ("post",)),
]


def objects_of(portfolio: Portfolio) -> dict[str, int]:
    holding = HoldingFactory(portfolio=portfolio, name=f"Cash of {portfolio.name}")
    valuation = ValuationFactory(holding=holding)
    stream = StreamFactory(portfolio=portfolio, holding=holding, name=f"Pay of {portfolio.name}")
    entry = EntryFactory(portfolio=portfolio, stream=stream)
    rule = ImportRuleFactory(portfolio=portfolio, stream=stream)
    return {
        "portfolio": portfolio.pk,
        "holding": holding.pk,
        "valuation": valuation.pk,
        "stream": stream.pk,
        "entry": entry.pk,
        # A rule's pages are under its portfolio's.
        "rule": (portfolio.pk, rule.pk),
    }


def url_of(probe: Probe, keys: dict) -> str:
    key = keys[probe.key]
    return reverse(probe.name, args=key if isinstance(key, tuple) else [key])


@pytest.fixture
def bobs(bob, couple):
    """Bob's three portfolios, one per sharing, each with one object of every kind."""
    made = {}
    for sharing in Sharing:
        portfolio = Portfolio.objects.create(owner=bob, name=f"Bob {sharing.label}")
        portfolio_share(portfolio=portfolio, sharing=sharing)
        made[sharing] = objects_of(portfolio)
    return made


def counts() -> tuple[int, ...]:
    models = (Portfolio, Holding, Valuation, Stream, Entry, ImportRule)
    return tuple(m.objects.count() for m in models)


def expected(kind: str, sharing: str, method: str) -> int:
    if sharing == Sharing.PRIVATE:
        return 404
    if kind == READ:
        return 200
    if kind == OWN or sharing == Sharing.VIEW:
        return 403
    return 200 if method == "get" else None  # a POST of an empty form: see below


def sweep(client, keys: dict[str, int], sharing: str, *, left: bool = False) -> list[str]:
    """Every probe against one portfolio's objects; the lines that went wrong."""
    wrong = []
    for probe in PROBES:
        url = url_of(probe, keys)
        for method in probe.methods:
            status = getattr(client, method)(url).status_code
            want = 404 if left else expected(probe.kind, sharing, method)
            # ``None``: allowed. An empty form is answered with its errors (200), an
            # action redirects (302); never a refusal.
            ok = status in (200, 302) if want is None else status == want
            if not ok:
                wrong.append(f"{method.upper()} {probe.name} ({sharing}): {status}, not {want}")
    return wrong


def test_the_sweep(client, alice, bobs):
    client.force_login(alice)
    before = counts()
    for sharing in (Sharing.PRIVATE, Sharing.VIEW):
        assert sweep(client, bobs[sharing], sharing) == []
    # Nothing of the private or viewed portfolios changed.
    assert counts() == before
    refused = client.post(
        reverse("portfolio:stream_create", args=[bobs[Sharing.VIEW]["portfolio"]])
    )
    assert "shared with you for viewing only" in refused.text
    assert "Nothing was changed." in refused.text
    assert sweep(client, bobs[Sharing.EDIT], Sharing.EDIT) == []

    services.member_leave(user=alice)
    for sharing in Sharing:
        assert sweep(client, bobs[sharing], sharing, left=True) == []


def test_after_being_removed_everything_is_404_for_the_removed_member_too(client, alice, bob, bobs):
    mine = objects_of(Portfolio.objects.create(owner=alice, name="Alice's"))
    portfolio_share(portfolio=Portfolio.objects.get(pk=mine["portfolio"]), sharing=Sharing.EDIT)
    services.member_remove(by=alice, membership=bob.household_membership)
    client.force_login(bob)
    assert sweep(client, mine, Sharing.EDIT, left=True) == []
    # And Bob's portfolios are private again: joining another household shares nothing.
    assert set(Portfolio.objects.filter(owner=bob).values_list("sharing", flat=True)) == {
        Sharing.PRIVATE
    }


def test_a_viewer_sees_no_form_and_no_change_link(client, alice, bobs):
    client.force_login(alice)
    keys = bobs[Sharing.VIEW]
    change_urls = [url_of(p, keys) for p in PROBES if p.kind in (CHANGE, OWN)]
    for probe in (p for p in PROBES if p.kind == READ):
        page = client.get(url_of(probe, keys)).text
        assert [url for url in change_urls if f'"{url}' in page] == [], probe.name
        assert "shared for viewing by bob@example.com" in page
    listing = client.get(reverse("portfolio:portfolio_list")).text
    assert "Bob Shared for viewing" in listing and "Bob Private" not in listing


def test_an_editor_changes_holdings_streams_and_entries_through_the_same_pages(client, alice, bobs):
    client.force_login(alice)
    keys = bobs[Sharing.EDIT]
    response = client.post(
        reverse("portfolio:holding_create", args=[keys["portfolio"]]),
        {
            "name": "Joint savings",
            "kind": "deposit",
            "liquidity": "kind",
            "value": "5000",
            "value_date": "2026-01-31",
        },
    )
    assert response.status_code == 302
    assert Holding.objects.get(name="Joint savings").portfolio_id == keys["portfolio"]
    response = client.post(
        reverse("portfolio:entry_edit", args=[keys["entry"]]),
        {"date": "2026-01-20", "amount": "250.00", "category": "living_expenses", "note": "x"},
    )
    assert response.status_code == 302
    assert str(Entry.objects.get(pk=keys["entry"]).amount) == "250.00"
    response = client.post(reverse("portfolio:stream_delete", args=[keys["stream"]]))
    assert response.status_code == 302 and not Stream.objects.filter(pk=keys["stream"]).exists()
    # Ownership stays with Bob.
    assert Portfolio.objects.get(pk=keys["portfolio"]).owner.email == "bob@example.com"


def test_form_references_to_the_other_member_s_objects_are_refused(client, alice, bobs):
    client.force_login(alice)
    mine = alice.portfolios.get()
    home = HoldingFactory(portfolio=mine, name="Flat", kind="property")
    for sharing, keys in bobs.items():
        holding, stream = keys["holding"], keys["stream"]
        response = client.post(
            reverse("portfolio:holding_create", args=[mine.pk]),
            {
                "name": f"Loan {sharing}",
                "kind": "loan",
                "liquidity": "kind",
                "secured_against": holding,
            },
        )
        assert "Choose one of this portfolio" in response.text, sharing
        response = client.post(
            reverse("portfolio:stream_create", args=[mine.pk]),
            {
                "name": f"Rent {sharing}",
                "category": "rent",
                "amount": "10",
                "frequency": "monthly",
                "first_date": "2026-01-01",
                "hours_per_month": "0",
                "holding": holding,
            },
        )
        assert "Choose one of this portfolio" in response.text, sharing
        response = client.post(
            reverse("portfolio:entry_create", args=[mine.pk]),
            {"date": "2026-01-02", "amount": "5", "category": "salary", "stream": stream},
        )
        assert "Choose one of this portfolio" in response.text, sharing
        prefill = client.get(
            reverse("portfolio:stream_create", args=[mine.pk]) + f"?holding={holding}"
        )
        assert f'value="{holding}" selected' not in prefill.text
        response = client.post(
            reverse("goals:goal_create"),
            {
                "year": "2026",
                "metric": "wealth_ratio",
                "target": "10",
                "portfolio": keys["portfolio"],
            },
        )
        assert "Select a valid choice" in response.text, sharing
        projection = client.get(reverse("portfolio:projection") + f"?portfolio={keys['portfolio']}")
        assert projection.status_code == (404 if sharing == Sharing.PRIVATE else 200), sharing
    assert list(Holding.objects.filter(portfolio=mine)) == [home]
    assert not Stream.objects.filter(portfolio=mine).exists()
    assert not Entry.objects.filter(portfolio=mine).exists()
    assert not Goal.objects.exists()


def test_deleting_the_owner_s_account_removes_their_portfolios_from_the_household(
    client, alice, bob, bobs
):
    bob.delete()
    client.force_login(alice)
    for sharing in Sharing:
        assert sweep(client, bobs[sharing], sharing, left=True) == []
    assert "Shared with you" not in client.get(reverse("portfolio:portfolio_list")).text
