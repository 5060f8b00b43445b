"""Importing an export: round trips give identical figures, ids are never trusted, and a
bad document is refused with a clear message and nothing written."""

from __future__ import annotations

import copy
import datetime as dt
import html
import json
from dataclasses import asdict
from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataport import export as data_export
from dataport import import_jobs, json_reader, json_writer
from dataport.json_schema import FIELDS
from dataport.models import ImportJob
from goals.forms import GoalForm
from goals.models import Goal, Milestone
from portfolio import categories, snapshots
from portfolio.limits import MAX_PORTFOLIOS, RATE_PLACES, RATE_WHOLE_DIGITS
from portfolio.models import (
    Entry,
    Holding,
    ManualRate,
    Portfolio,
    Snapshot,
    Stream,
    Valuation,
)
from portfolio.rates import load_shipped_rates
from portfolio.selectors import figures_at
from tests.factories import (
    EntryFactory,
    HoldingFactory,
    StreamFactory,
    UserFactory,
    full_account,
)
from tests.helpers import store_ecb_rates

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 15, 12, tzinfo=dt.UTC)
URL = reverse("dataport:import")
D = Decimal


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


# --- Helpers -----------------------------------------------------------------------------


def import_into(user, data: bytes) -> json_writer.ImportSummary:
    return json_writer.user_data_import(user=user, document=json_reader.read_document(data))


def exported(user) -> dict:
    document = json.loads(data_export.export_json(user))
    del document["exported_at"]
    return document


def figures(user, as_of: date) -> dict:
    """The dashboard's figures, all portfolios and each one by name: every metric value."""
    portfolios = Portfolio.objects.filter(owner=user)
    result = {None: asdict(figures_at(portfolios=portfolios, as_of=as_of, currency=user.currency))}
    for portfolio in portfolios:
        one = Portfolio.objects.filter(pk=portfolio.pk)
        result[portfolio.name] = asdict(
            figures_at(portfolios=one, as_of=as_of, currency=user.currency)
        )
    return result


def snapshot_rows(user) -> list[tuple]:
    fields = [
        f.name
        for f in Snapshot._meta.concrete_fields
        if f.name not in ("id", "owner", "portfolio", "computed_at")
    ]
    rows = Snapshot.objects.filter(owner=user).values("portfolio__name", *fields)
    return sorted(
        (tuple((k, str(v)) for k, v in row.items()) for row in rows),
        key=lambda row: (row[0][1] or "", row[1][1]),
    )


def state(user) -> dict:
    """Everything an import could write for ``user``, to show that nothing was."""
    user.refresh_from_db()
    return {
        "preferences": data_export.preferences(user),
        "portfolios": list(Portfolio.objects.filter(owner=user).values_list("pk", "name")),
        "holdings": Holding.objects.filter(portfolio__owner=user).count(),
        "valuations": Valuation.objects.filter(holding__portfolio__owner=user).count(),
        "streams": Stream.objects.filter(portfolio__owner=user).count(),
        "entries": Entry.objects.filter(portfolio__owner=user).count(),
        "goals": Goal.objects.filter(owner=user).count(),
        "milestones": Milestone.objects.filter(user=user).count(),
        "manual_rates": ManualRate.objects.filter(owner=user).count(),
        "snapshots": Snapshot.objects.filter(owner=user).count(),
    }


def upload(data: bytes, name: str = "export.json") -> dict:
    return {"file": SimpleUploadedFile(name, data, content_type="application/json")}


def job_of(response) -> int:
    """The import job the upload redirected to."""
    assert response.status_code == 302, response.text[:2000]
    prefix = URL
    assert response["Location"].startswith(prefix), response["Location"]
    return int(response["Location"].removeprefix(prefix).strip("/"))


def post_and_run(client, data: bytes):
    """Upload through the page, run the worker's step directly, and show the job's page."""
    job_id = job_of(client.post(URL, upload(data)))
    import_jobs.json_import_run(job_id)
    return client.get(reverse("dataport:import_job", args=[job_id]))


def valid_document() -> dict:
    """A small document with every list and every kind of reference."""
    return {
        "format": "wealthratio-export",
        "version": 1,
        "exported_at": "2026-03-01T08:00:00Z",
        "user": {"currency": "EUR", "time_zone": "Europe/Paris", "assumed_yield": "0.035"},
        "portfolios": [{"id": 7, "name": "Household"}, {"id": 9, "name": "Company"}],
        "holdings": [
            {"id": 3, "portfolio": 7, "name": "Fund", "kind": "listed", "liquid": True},
            {"id": 4, "portfolio": 9, "name": "Shop", "kind": "website", "liquid": False},
        ],
        "valuations": [{"holding": 3, "date": "2025-12-31", "value": "24000.00"}],
        "streams": [
            {
                "id": 5,
                "portfolio": 7,
                "name": "Salary",
                "category": "salary",
                "amount": "4000.00",
                "frequency": "monthly",
                "first_date": "2025-01-31",
            },
            {
                "id": 6,
                "portfolio": 7,
                "name": "Dividend",
                "category": "dividends",
                "amount": "450",
                "frequency": "quarterly",
                "first_date": "2025-03-15",
                "end_date": None,
                "holding": 3,
                "hours_per_month": "1.5",
                "note": "",
            },
        ],
        "entries": [
            {
                "portfolio": 7,
                "date": "2026-03-15",
                "amount": "512.3",
                "category": "dividends",
                "stream": 6,
            },
            {"portfolio": 9, "date": "2026-02-01", "amount": "-12.50", "category": "fees"},
        ],
        "goals": [
            {
                "id": 11,
                "portfolio": None,
                "year": 2026,
                "metric": "wealth_ratio",
                "baseline": "0.05",
                "baseline_date": "2026-01-01",
                "target": "0.10",
            }
        ],
        "milestones": [{"kind": "goal_achieved", "goal": 11, "occurred_on": "2026-03-01"}],
    }


def encode(document) -> bytes:
    return json.dumps(document).encode()


# --- Round trips ---------------------------------------------------------------------------


def test_round_trip_into_a_fresh_account_gives_identical_figures_and_snapshots(owner):
    full_account(owner)
    snapshots.snapshots_recompute(user_ids=[owner.pk])
    fresh = UserFactory(currency="JPY", time_zone="Asia/Tokyo")

    summary = import_into(fresh, data_export.export_json(owner))

    assert str(summary) == (
        "2 portfolios, 5 holdings, 9 valuations, 6 streams, 6 entries, 3 goals, 2 milestones, "
        "0 exchange rates"
    )
    fresh.refresh_from_db()
    assert (fresh.currency, fresh.time_zone) == ("USD", "UTC")
    today = figures(owner, NOW.date())
    assert today[None]["net_worth"] == D("143000.99")  # real figures, not two empty ones
    assert today[None]["wealth_ratio"] > 0
    assert today["Company"]["passive_per_hour"] > 0
    for as_of in (NOW.date(), date(2025, 12, 31), date(2025, 6, 30), date(2024, 2, 29)):
        assert figures(fresh, as_of) == figures(owner, as_of), as_of
    rows = snapshot_rows(fresh)
    assert len(rows) > 24
    assert rows == snapshot_rows(owner)
    assert exported(fresh) == exported(owner)


@pytest.mark.slow  # stores the whole shipped rate history (a few seconds)
def test_round_trip_of_a_three_currency_account(owner):
    load_shipped_rates()
    full_account(owner)
    mine = {"portfolio__owner": owner}
    # Rows in pounds and euros beside the dollars (updates send no signal: the
    # snapshots are recomputed below, after them).
    Holding.objects.filter(**mine, kind="listed").update(currency="GBP")
    Stream.objects.filter(**mine, category="salary").update(currency="EUR")
    Entry.objects.filter(**mine, category="fees").update(currency="GBP")
    # Pesos, which the ECB never published, and roubles after it stopped (its last
    # RUB rate is of 1 March 2022): converted at the owner's own rates only.
    personal = owner.portfolios.get(name="Personal")
    flat = HoldingFactory(portfolio=personal, name="Flat", kind="property", currency="ARS")
    Valuation.objects.create(holding=flat, date=date(2025, 3, 1), value=D("98000000.00"))
    Valuation.objects.create(holding=flat, date=date(2026, 2, 1), value=D("121000000.00"))
    EntryFactory(
        portfolio=personal,
        date=date(2026, 2, 20),
        amount=D("150000.00"),
        currency="RUB",
        category="rent",
    )
    for currency, day, rate in [
        ("ARS", date(2025, 1, 1), "1080.5"),
        ("ARS", date(2026, 1, 1), "1460.25"),
        ("RUB", date(2022, 3, 2), "117.330000"),
    ]:
        ManualRate.objects.create(owner=owner, currency=currency, date=day, units_per_euro=D(rate))
    snapshots.snapshots_recompute(user_ids=[owner.pk])
    fresh = UserFactory(currency="JPY")

    import_into(fresh, data_export.export_json(owner))

    document = exported(fresh)
    assert {
        r["currency"] for name in ("holdings", "streams", "entries") for r in document[name]
    } == {"USD", "GBP", "EUR", "ARS", "RUB"}
    assert document["manual_rates"] == [
        {"currency": "ARS", "date": "2025-01-01", "units_per_euro": "1080.500000"},
        {"currency": "ARS", "date": "2026-01-01", "units_per_euro": "1460.250000"},
        {"currency": "RUB", "date": "2022-03-02", "units_per_euro": "117.330000"},
    ]
    today = figures(owner, NOW.date())
    assert today[None]["no_rate"] is None
    assert today[None]["rates_on"] == date(2026, 3, 13)  # a Friday: the ECB's latest then
    for as_of in (NOW.date(), date(2025, 12, 31), date(2025, 6, 30), date(2024, 2, 29)):
        assert figures(fresh, as_of) == figures(owner, as_of), as_of
    assert snapshot_rows(fresh) == snapshot_rows(owner)
    assert document == exported(owner)


def test_a_version_1_document_imports_in_the_base_currency(owner):
    owner.currency = "GBP"
    owner.save()
    import_into(owner, encode(valid_document()))  # version 1, user.currency EUR
    mine = {"portfolio__owner": owner}
    assert {h.currency for h in Holding.objects.filter(**mine)} == {"EUR"}
    assert {s.currency for s in Stream.objects.filter(**mine)} == {"EUR"}
    assert {e.currency for e in Entry.objects.filter(**mine)} == {"EUR"}


def test_an_unknown_currency_in_a_document_is_refused(owner):
    document = valid_document()
    document["version"] = 2
    document["streams"][0]["currency"] = "XYZ"
    with pytest.raises(json_reader.DataImportError) as error:
        json_reader.read_document(encode(document))
    assert "streams[0].currency: XYZ is not an ISO 4217 currency code" in str(error.value)


def test_an_own_rate_of_a_currency_the_ecb_publishes_from_its_day_is_refused(owner):
    """As in the manual-rate form: its rates are used up to the ECB's latest day."""
    store_ecb_rates()  # USD up to 10 April 2024
    document = valid_document()
    document["manual_rates"] = [
        {"currency": "USD", "date": "2024-04-10", "units_per_euro": "1.09"},
        {"currency": "USD", "date": "2024-04-11", "units_per_euro": "1.09"},
    ]
    with pytest.raises(json_reader.DataImportError) as refused:
        json_reader.read_document(encode(document))
    assert refused.value.problems == [
        "manual_rates[0].currency: The ECB publishes USD (its latest rate is of 2024-04-10): "
        "its rates are used. Choose a date after it, or another currency."
    ]
    del document["manual_rates"][0]
    import_into(owner, encode(document))
    assert list(owner.manual_rates.values_list("currency", "date", "units_per_euro")) == [
        ("USD", date(2024, 4, 11), D("1.090000"))
    ]


def test_an_account_with_own_rates_is_not_empty(owner):
    ManualRate.objects.create(
        owner=owner, currency="ARS", date=date(2025, 1, 1), units_per_euro=D("1080.5")
    )
    with pytest.raises(json_reader.DataImportError) as refused:
        import_into(owner, encode(valid_document()))
    assert "Your account already has data (1 exchange rate)." in str(refused.value)
    assert not Holding.objects.filter(portfolio__owner=owner).exists()


def test_the_default_portfolio_is_replaced_by_the_documents(owner):
    fresh = UserFactory()
    assert list(fresh.portfolios.values_list("name", flat=True)) == ["Personal"]
    import_into(fresh, encode(valid_document()))
    assert sorted(fresh.portfolios.values_list("name", flat=True)) == ["Company", "Household"]


def test_a_document_without_portfolios_keeps_the_accounts_and_sets_preferences(owner):
    document = {"format": "wealthratio-export", "version": 1, "user": {"currency": "CHF"}}
    import_into(owner, encode(document))
    owner.refresh_from_db()
    assert owner.currency == "CHF"
    assert owner.time_zone == "UTC"  # not in the document: unchanged
    assert list(owner.portfolios.values_list("name", flat=True)) == ["Personal"]


def test_an_imported_change_of_an_email_choice_raises_its_version(owner):
    """Unsubscribe links from before the import then no longer undo it."""
    same = {"email_milestones": True, "currency": "CHF"}
    document = {"format": "wealthratio-export", "version": 1, "user": same}
    import_into(owner, encode(document))
    owner.refresh_from_db()
    assert (owner.currency, owner.email_preferences_version) == ("CHF", 0)
    document["user"] = {"email_milestones": False, "email_new_year": False}
    import_into(owner, encode(document))
    owner.refresh_from_db()
    assert (owner.email_milestones, owner.email_new_year) == (False, False)
    assert owner.email_preferences_version == 1


def test_references_are_remapped_to_the_new_rows(owner):
    import_into(owner, encode(valid_document()))
    dividend = Stream.objects.get(portfolio__owner=owner, name="Dividend")
    assert dividend.holding.name == "Fund"
    assert dividend.holding.portfolio == dividend.portfolio
    assert dividend.portfolio.name == "Household"
    entry = Entry.objects.get(portfolio__owner=owner, stream__isnull=False)
    assert (entry.stream, entry.amount) == (dividend, D("512.30"))
    goal = Goal.objects.get(owner=owner)
    milestone = Milestone.objects.get(user=owner)
    assert (milestone.goal, milestone.key) == (goal, str(goal.pk))


def test_a_round_trip_keeps_the_loan_secured_against_the_home(owner):
    full_account(owner)
    fresh = UserFactory()
    import_into(fresh, data_export.export_json(owner))
    mortgage = Holding.objects.get(portfolio__owner=fresh, name="Mortgage")
    assert mortgage.secured_against.name == "Home"
    assert mortgage.secured_against.portfolio == mortgage.portfolio
    assert (
        Holding.objects.filter(portfolio__owner=fresh, secured_against__isnull=False).count() == 1
    )


def test_a_loan_listed_before_what_secures_it_is_linked(owner):
    document = valid_document()
    document["holdings"][:0] = [
        {
            "id": 20,
            "portfolio": 7,
            "name": "Mortgage",
            "kind": "loan",
            "liquid": False,
            "secured_against": 21,
        },
        {
            "id": 21,
            "portfolio": 7,
            "name": "Home",
            "kind": "property",
            "liquid": False,
            "secured_against": None,
        },
    ]
    import_into(owner, encode(document))
    mortgage = Holding.objects.get(portfolio__owner=owner, name="Mortgage")
    assert mortgage.secured_against == Holding.objects.get(portfolio__owner=owner, name="Home")
    homes = [h for h in exported(owner)["holdings"] if h["name"] in ("Mortgage", "Home")]
    assert [h["secured_against"] for h in homes] == [homes[1]["id"], None]


def test_a_document_without_secured_against_still_imports(owner):
    document = valid_document()
    assert all("secured_against" not in h for h in document["holdings"])
    import_into(owner, encode(document))
    assert not Holding.objects.filter(portfolio__owner=owner, secured_against__isnull=False)


def test_a_goal_achieved_whose_goal_was_deleted_gets_a_key_that_is_no_goal_id(owner):
    document = valid_document()
    document["milestones"] = [{"kind": "goal_achieved", "goal": None, "occurred_on": "2025-05-01"}]
    import_into(owner, encode(document))
    assert Milestone.objects.get(user=owner).key == "imported-1"


def test_another_users_export_imports_as_this_users_data(owner, stranger):
    full_account(stranger)
    snapshots.snapshots_recompute(user_ids=[stranger.pk])
    before = (exported(stranger), snapshot_rows(stranger))

    import_into(owner, data_export.export_json(stranger))

    assert (exported(stranger), snapshot_rows(stranger)) == before
    assert exported(owner) == before[0]
    assert Holding.objects.filter(portfolio__owner=owner).count() == 5
    assert Holding.objects.count() == 10


def test_ids_of_other_users_rows_are_never_trusted(owner, stranger):
    """A document whose ids are the keys of the stranger's rows creates new rows."""
    theirs = stranger.portfolios.get()
    their_holding = HoldingFactory(portfolio=theirs, name="Their flat")
    their_stream = StreamFactory(portfolio=theirs, name="Their rent", holding=their_holding)
    EntryFactory(portfolio=theirs, stream=their_stream)
    document = {
        "format": "wealthratio-export",
        "version": 1,
        "portfolios": [{"id": theirs.pk, "name": "Mine"}],
        "holdings": [
            {
                "id": their_holding.pk,
                "portfolio": theirs.pk,
                "name": "My flat",
                "kind": "property",
                "liquid": False,
            }
        ],
        "streams": [
            {
                "id": their_stream.pk,
                "portfolio": theirs.pk,
                "name": "My rent",
                "category": "rent",
                "amount": "900.00",
                "frequency": "monthly",
                "first_date": "2025-01-01",
                "holding": their_holding.pk,
            }
        ],
        "entries": [
            {
                "portfolio": theirs.pk,
                "date": "2026-01-01",
                "amount": "900.00",
                "category": "rent",
                "stream": their_stream.pk,
            }
        ],
    }
    before = exported(stranger)

    import_into(owner, encode(document))

    assert exported(stranger) == before
    stream = Stream.objects.get(name="My rent")
    assert stream.pk != their_stream.pk
    assert stream.portfolio.owner == owner
    assert stream.holding.portfolio.owner == owner
    assert stream.entries.count() == 1
    assert their_stream.entries.count() == 1


def test_decimals_in_any_plain_form_are_read_exactly(owner):
    document = valid_document()
    document["valuations"][0]["value"] = "24000.5000"
    document["entries"][1]["amount"] = "-0.01"
    import_into(owner, encode(document))
    assert Valuation.objects.get(holding__portfolio__owner=owner).value == D("24000.50")
    assert Entry.objects.filter(amount=D("-0.01"), portfolio__owner=owner).exists()


# --- Hypothesis: generated documents survive import -> export -> import --------------------

_TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=20)
_DAYS = st.dates(min_value=date(2019, 1, 1), max_value=date(2026, 12, 31))
_MONEY = st.decimals(min_value=D("-999999999999.99"), max_value=D("999999999999.99"), places=2).map(
    lambda d: format(d.quantize(D("0.01")), "f")
)
_SMALL_MONEY = st.decimals(min_value=D("-100000"), max_value=D("100000"), places=2)
_FIGURE = st.decimals(min_value=D("-1000000"), max_value=D("1000000"), places=6)
_ID = st.integers(min_value=1, max_value=10**12)


def _places(value: Decimal, places: int) -> str:
    return format(value.quantize(Decimal(1).scaleb(-places)), "f")


_CURRENCY = st.sampled_from(["USD", "EUR", "JPY", "GBP"])
# Own rates: the tests' database has no ECB rates, so any currency but the euro.
_RATE = st.decimals(
    min_value=D(1).scaleb(-RATE_PLACES),
    max_value=D(10) ** RATE_WHOLE_DIGITS - D(1).scaleb(-RATE_PLACES),
    places=RATE_PLACES,
)


@st.composite
def documents(draw) -> dict:
    ids = iter(draw(st.lists(_ID, min_size=30, max_size=30, unique=True)))
    portfolios = [
        {"id": next(ids), "name": f"{i} {draw(_TEXT)}"} for i in range(draw(st.integers(1, 3)))
    ]
    pids = [p["id"] for p in portfolios]
    holdings = [
        {
            "id": next(ids),
            "portfolio": draw(st.sampled_from(pids)),
            "name": f"{i} {draw(_TEXT)}",
            "kind": draw(st.sampled_from(Holding.Kind.values)),
            "liquid": draw(st.booleans()),
            "note": draw(_TEXT),
            "currency": draw(_CURRENCY),
        }
        for i in range(draw(st.integers(0, 4)))
    ]
    for holding in holdings:
        homes = [
            h["id"]
            for h in holdings
            if h["portfolio"] == holding["portfolio"] and h["kind"] != "loan"
        ]
        secured = draw(st.sampled_from([None, *homes])) if holding["kind"] == "loan" else None
        holding["secured_against"] = secured
    valuations = [
        {"holding": h["id"], "date": day.isoformat(), "value": draw(_MONEY)}
        for h in holdings
        for day in draw(st.lists(_DAYS, max_size=3, unique=True))
    ]
    streams = []
    for i in range(draw(st.integers(0, 4))):
        portfolio = draw(st.sampled_from(pids))
        mine = [h["id"] for h in holdings if h["portfolio"] == portfolio]
        first = draw(_DAYS)
        end = draw(st.none() | st.integers(0, 900).map(lambda n, f=first: f + timedelta(n)))
        streams.append(
            {
                "id": next(ids),
                "portfolio": portfolio,
                "name": f"{i} {draw(_TEXT)}",
                "category": draw(st.sampled_from([c for c, _ in categories.CATEGORY_CHOICES])),
                "amount": _places(draw(_SMALL_MONEY.filter(lambda d: d > 0)), 2),
                "frequency": draw(st.sampled_from(categories.FREQUENCIES)),
                "first_date": first.isoformat(),
                "end_date": end and end.isoformat(),
                "holding": draw(st.sampled_from([None, *mine])),
                "hours_per_month": _places(
                    draw(st.decimals(min_value=0, max_value=744, places=1)), 1
                ),
                "note": draw(_TEXT),
                "currency": draw(_CURRENCY),
            }
        )
    entries = []
    for _ in range(draw(st.integers(0, 8))):
        portfolio = draw(st.sampled_from(pids))
        mine = [s["id"] for s in streams if s["portfolio"] == portfolio]
        entries.append(
            {
                "portfolio": portfolio,
                "date": draw(_DAYS).isoformat(),
                "amount": _places(draw(_SMALL_MONEY.filter(bool)), 2),
                "category": draw(st.sampled_from([c for c, _ in categories.CATEGORY_CHOICES])),
                "stream": draw(st.sampled_from([None, *mine])),
                "note": draw(_TEXT),
                "currency": draw(_CURRENCY),
            }
        )
    goal_keys = draw(
        st.lists(
            st.tuples(
                st.sampled_from([None, *pids]),
                st.integers(2019, 2027),
                st.sampled_from(Goal._meta.get_field("metric").choices).map(lambda c: c[0]),
            ),
            max_size=3,
            unique=True,
        )
    )
    goals = []
    for portfolio, year, metric in goal_keys:
        baseline = draw(_FIGURE)
        infinite = draw(st.booleans())
        goals.append(
            {
                "id": next(ids),
                "portfolio": portfolio,
                "year": year,
                "metric": metric,
                "baseline": _places(baseline, 6),
                "baseline_date": date(year, 1, 1).isoformat(),
                "target": _places(baseline + draw(_FIGURE.filter(lambda d: d > 0)), 6),
                "note": draw(_TEXT),
                "closed_at": draw(
                    st.none()
                    | st.datetimes(
                        min_value=dt.datetime(2020, 1, 1),
                        max_value=dt.datetime(2026, 12, 31),
                        timezones=st.sampled_from([dt.UTC, dt.timezone(timedelta(hours=-5))]),
                    ).map(lambda m: m.replace(microsecond=0).isoformat())
                ),
                "final_value": None if infinite else draw(st.none() | _FIGURE.map(_places6)),
                "final_infinite": infinite,
            }
        )
    kinds = draw(st.sets(st.sampled_from(["ratio_100", "passive_covers_spending"])))
    achieved = draw(st.sets(st.sampled_from([g["id"] for g in goals]))) if goals else set()
    milestones = [
        {"kind": kind, "goal": None, "value": None, "occurred_on": draw(_DAYS).isoformat()}
        for kind in sorted(kinds)
    ] + [
        {
            "kind": "goal_achieved",
            "goal": goal,
            "value": draw(st.none() | _FIGURE.map(_places6)),
            "occurred_on": draw(_DAYS).isoformat(),
        }
        for goal in [g["id"] for g in goals if g["id"] in achieved]
    ]
    return {
        "format": "wealthratio-export",
        "version": 2,
        "user": {
            "currency": draw(_CURRENCY),
            "time_zone": draw(st.sampled_from(["UTC", "Europe/Paris", "Pacific/Kiritimati"])),
            "assumed_yield": _places(
                draw(st.decimals(min_value=D("0.0001"), max_value=1, places=4)), 4
            ),
            **{
                name: draw(st.booleans())
                for name in data_export.PREFERENCE_FIELDS
                if name.startswith("email_")
            },
        },
        "portfolios": portfolios,
        "holdings": holdings,
        "valuations": valuations,
        "streams": streams,
        "entries": entries,
        "goals": goals,
        "milestones": milestones,
        "manual_rates": [
            {"currency": currency, "date": day.isoformat(), "units_per_euro": _places6(rate)}
            for (currency, day), rate in draw(
                st.dictionaries(
                    st.tuples(st.sampled_from(["USD", "ARS", "JPY"]), _DAYS), _RATE, max_size=4
                )
            ).items()
        ],
    }


def _places6(value: Decimal) -> str:
    return _places(value, 6)


def canonical(document: dict) -> dict:
    """The document with ids numbered by position and lists in the export's order."""
    document = copy.deepcopy(document)
    document.pop("exported_at", None)
    numbers = {
        name: {record["id"]: n for n, record in enumerate(document[name], 1)}
        for name in ("portfolios", "holdings", "streams", "goals")
    }
    refs = {
        "portfolio": "portfolios",
        "holding": "holdings",
        "secured_against": "holdings",
        "stream": "streams",
        "goal": "goals",
    }
    for name in data_export.TABLES:
        for record in document[name]:
            if "id" in record:
                record["id"] = numbers[name][record["id"]]
            for field, table in refs.items():
                if record.get(field) is not None:
                    record[field] = numbers[table][record[field]]
        if name == "goals":
            for record in document[name]:
                if record["closed_at"]:
                    moment = dt.datetime.fromisoformat(record["closed_at"]).astimezone(dt.UTC)
                    record["closed_at"] = moment.isoformat().replace("+00:00", "Z")
    document["valuations"].sort(key=lambda r: (r["holding"], r["date"]))
    document["entries"].sort(key=lambda r: r["date"])  # stable: ties keep their order
    document["milestones"].sort(key=lambda r: r["occurred_on"])
    document["manual_rates"].sort(key=lambda r: (r["currency"], r["date"]))
    return document


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=documents())
def test_generated_documents_round_trip(document):
    first = UserFactory()
    import_into(first, encode(document))
    assert canonical(exported(first)) == canonical(document)

    second = UserFactory()
    import_into(second, data_export.export_json(first))
    assert exported(second) == exported(first)
    assert figures(second, NOW.date()) == figures(first, NOW.date())
    assert snapshot_rows(second) == snapshot_rows(first)


# --- Bad documents: a clear message, nothing written -----------------------------------------


def _set(path: str, value):
    """A change to ``valid_document()``: ``"streams.1.holding"`` set to ``value``."""

    def change(document: dict) -> None:
        *parents, last = path.split(".")
        target = document
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return change


def _delete(path: str):
    def change(document: dict) -> None:
        *parents, last = path.split(".")
        target = document
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        del target[last]

    return change


def _add(table: str, record: dict):
    return lambda document: document[table].append(record)


def _rate(**fields):
    """An own rate added to the document: ARS from 1 January 2025 unless told."""
    record = {"currency": "ARS", "date": "2025-01-01", "units_per_euro": "1080.5"} | fields
    return lambda document: document.setdefault("manual_rates", []).append(record)


def _raw(text: str | bytes):
    return text.encode() if isinstance(text, str) else text


VALID_TEXT = json.dumps(valid_document())

BAD_DOCUMENTS = {
    "not json": (_raw("this is not JSON"), "The file is not valid JSON (line 1, column 1"),
    "cut short": (_raw(VALID_TEXT[:200]), "The file is not valid JSON"),
    "a zip": (_raw(b"PK\x03\x04\x14\x00\x00\x00"), "This is a zip file."),
    "not utf-8": (_raw(b"\xff\xfe{\x00}\x00"), "The file is not UTF-8 text"),
    "a list": (_raw("[]"), "This is not a Wealth Ratio export"),
    "other format": (_set("format", "other-app"), "This is not a Wealth Ratio export"),
    "newer version": (_set("version", 3), "has version 3, written by a newer Wealth Ratio"),
    "version as text": (_set("version", "1"), "The “version” of the document should be 2."),
    "no version": (_delete("version"), "The “version” of the document should be 2."),
    "NaN literal": (
        _raw(VALID_TEXT.replace('"24000.00"', "NaN")),
        "The document contains NaN, which is not a number",
    ),
    "Infinity literal": (
        _raw(VALID_TEXT.replace('"24000.00"', "-Infinity")),
        "The document contains -Infinity",
    ),
    "NaN text": (
        _set("valuations.0.value", "NaN"),
        "valuations[0].value: “NaN” is not a number: NaN and infinity are refused.",
    ),
    "Infinity text": (
        _set("entries.0.amount", "-Infinity"),
        "entries[0].amount: “-Infinity” is not a number",
    ),
    "13-digit amount": (
        _set("streams.0.amount", "1000000000000.00"),
        "streams[0].amount: “1000000000000.00” has 13 digits before the decimal point; "
        "at most 12 are allowed.",
    ),
    "13-digit debt": (
        _set("valuations.0.value", "-1234567890123"),
        "has 13 digits before the decimal point",
    ),
    "three decimals": (
        _set("entries.0.amount", "1.005"),
        "entries[0].amount: “1.005” has more than 2 decimal places.",
    ),
    "exponent": (_set("entries.0.amount", "1e3"), "no exponent"),
    "thousands separator": (_set("entries.0.amount", "1,000.00"), "no exponent, spaces"),
    "Arabic-Indic digits": (
        _set("entries.0.amount", "\u0663\u0660\u0660.\u0660\u0660"),
        "entries[0].amount: “\u0663\u0660\u0660.\u0660\u0660” has digits other than 0 to 9",
    ),
    "fullwidth digits": (
        _set("valuations.0.value", "\uff11\uff12"),
        "valuations[0].value: “\uff11\uff12” has digits other than 0 to 9",
    ),
    "Arabic-Indic exponent": (
        _set("streams.0.amount", "\u0661e\u0663"),
        "streams[0].amount: “\u0661e\u0663” has digits other than 0 to 9",
    ),
    "underscore": (
        _set("entries.0.amount", "1_000"),
        "“1_000” has a space or separator between its digits",
    ),
    "leading zeros": (
        _set("entries.0.amount", "007.50"),
        "entries[0].amount: “007.50” has leading zeros",
    ),
    "100,000 leading zeros": (
        _set("valuations.0.value", "0" * 100_000 + "1.00"),
        "valuations[0].value: “" + "0" * 39 + "…” has leading zeros",
    ),
    "plus sign": (_set("entries.0.amount", "+12.50"), "“+12.50” is not a plain decimal number"),
    "leading zeros in hours": (
        _set("streams.0.hours_per_month", "01.5"),
        "streams[0].hours_per_month: “01.5” has leading zeros",
    ),
    "leading zeros in a goal": (_set("goals.0.target", "00.5"), "“00.5” has leading zeros"),
    "yield in Arabic-Indic digits": (
        _set("user.assumed_yield", "\u0660.\u0660\u0664"),
        "user.assumed_yield: “\u0660.\u0660\u0664” has digits other than 0 to 9",
    ),
    "float amount": (_set("entries.0.amount", 12.5), "not as a JSON number"),
    "integer amount": (_set("entries.0.amount", 12), "not as a JSON number"),
    "null amount": (_set("entries.0.amount", None), "expected a decimal string"),
    "liquid as text": (
        _set("holdings.0.liquid", "yes"),
        "holdings[0].liquid: expected true or false, got text.",
    ),
    "id as text": (_set("holdings.0.id", "3"), "holdings[0].id: expected a whole number"),
    "id true": (_set("holdings.0.id", True), "holdings[0].id: expected a whole number"),
    "list is an object": (_set("holdings", {}), "holdings: expected a list, got an object."),
    "record is a list": (_set("entries.0", []), "entries[0]: expected an object, got a list."),
    "user is a list": (_set("user", []), "user: expected an object"),
    "stream to a missing holding": (
        _set("streams.1.holding", 99),
        "streams[1].holding: refers to holding 99, which is not in the document.",
    ),
    "stream to another portfolio's holding": (
        _set("streams.1.holding", 4),
        "streams[1].holding: holding 4 is in another portfolio than the stream.",
    ),
    "loan secured against a missing holding": (
        _add(
            "holdings",
            {
                "id": 8,
                "portfolio": 7,
                "name": "Loan",
                "kind": "loan",
                "liquid": False,
                "secured_against": 99,
            },
        ),
        "holdings[2].secured_against: refers to holding 99, which is not in the document.",
    ),
    "loan secured against another portfolio's holding": (
        _add(
            "holdings",
            {
                "id": 8,
                "portfolio": 7,
                "name": "Loan",
                "kind": "loan",
                "liquid": False,
                "secured_against": 4,
            },
        ),
        "holdings[2].secured_against: holding 4 is in another portfolio than the loan.",
    ),
    "a holding that is not a loan secured against one": (
        _set("holdings.0.secured_against", 4),
        "holdings[0].secured_against: only a loan can be secured against a holding, not a listed.",
    ),
    "loan secured against a loan": (
        lambda d: d["holdings"].extend(
            [
                {
                    "id": 8,
                    "portfolio": 7,
                    "name": "Loan",
                    "kind": "loan",
                    "liquid": False,
                    "secured_against": 10,
                },
                {"id": 10, "portfolio": 7, "name": "Loan 2", "kind": "loan", "liquid": False},
            ]
        ),
        "holdings[2].secured_against: holding 10 is a loan; a loan is secured against a non-loan.",
    ),
    "loan secured against itself": (
        _add(
            "holdings",
            {
                "id": 8,
                "portfolio": 7,
                "name": "Loan",
                "kind": "loan",
                "liquid": False,
                "secured_against": 8,
            },
        ),
        "holdings[2].secured_against: a loan cannot be secured against itself.",
    ),
    "secured against as text": (
        _set("holdings.0.secured_against", "4"),
        "holdings[0].secured_against: expected a whole number",
    ),
    "entry to a missing stream": (
        _set("entries.0.stream", 99),
        "entries[0].stream: refers to stream 99",
    ),
    "entry to another portfolio's stream": (
        _set("entries.1.stream", 5),
        "entries[1].stream: stream 5 is in another portfolio.",
    ),
    "valuation of a missing holding": (
        _set("valuations.0.holding", 99),
        "valuations[0].holding: refers to holding 99",
    ),
    "holding in a missing portfolio": (
        _set("holdings.0.portfolio", 99),
        "holdings[0].portfolio: refers to portfolio 99",
    ),
    "goal on a missing portfolio": (_set("goals.0.portfolio", 99), "refers to portfolio 99"),
    "milestone of a missing goal": (_set("milestones.0.goal", 99), "refers to goal 99"),
    "an id twice": (_set("holdings.1.id", 3), "holdings[1].id: id 3 is used twice."),
    "a portfolio name twice": (
        _set("portfolios.1.name", "HOUSEHOLD"),
        "“HOUSEHOLD” is the name of two portfolios",
    ),
    "a valuation twice": (
        _add("valuations", {"holding": 3, "date": "2025-12-31", "value": "1.00"}),
        "holding 3 has two valuations on 2025-12-31",
    ),
    "unknown category": (
        _set("entries.0.category", "lottery"),
        "entries[0].category: “lottery” is not a category (one of salary,",
    ),
    "unknown frequency": (_set("streams.0.frequency", "daily"), "is not a frequency"),
    "unknown field": (
        _set("entries.0.owner", 1),
        "entries[0].owner: is not a field of this list.",
    ),
    "unknown list": (_set("snapshots", []), "“snapshots”: is not part of the document"),
    "missing field": (_delete("streams.0.amount"), "streams[0].amount: is missing."),
    "impossible date": (
        _set("entries.0.date", "2025-02-30"),
        "“2025-02-30” is not a date of the calendar",
    ),
    "date far back": (_set("entries.0.date", "1800-01-01"), "is not between 1900 and 2200"),
    "date in another format": (_set("entries.0.date", "15/03/2026"), "expected a date as"),
    "ends before it starts": (
        _set("streams.0.end_date", "2024-01-01"),
        "streams[0].end_date: is before the first payment.",
    ),
    "zero entry": (_set("entries.0.amount", "0.00"), "entries[0].amount: must not be zero."),
    "negative stream": (_set("streams.0.amount", "-5.00"), "streams[0].amount: must be above"),
    "too many hours": (_set("streams.1.hours_per_month", "745.0"), "744 hours"),
    "empty name": (_set("holdings.0.name", "  "), "holdings[0].name: is empty."),
    "long name": (_set("holdings.0.name", "x" * 101), "is longer than 100 characters"),
    "NUL in a note": (_set("entries.0.note", "a\x00b"), "contains a NUL character"),
    "lone surrogate in a note": (
        _set("entries.0.note", "a\ud800b"),
        "entries[0].note: contains a lone surrogate (such as \\ud800), which is not a character.",
    ),
    "lone surrogate in a name": (
        _set("portfolios.0.name", "\udfff"),
        "portfolios[0].name: contains a lone surrogate",
    ),
    "lone surrogate in a preference": (
        _set("user.currency", "E\ud800R"),
        "user.currency: contains a lone surrogate",
    ),
    "lone surrogate in a choice": (
        _set("entries.0.category", "sal\ud800"),
        "entries[0].category: “sal\ufffd” is not a category",
    ),
    "lone surrogate in a key": (
        _set("entries.0.n\ud800te", ""),
        "entries[0].n\ufffdte: is not a field of this list.",
    ),
    "a goal far ahead": (
        _set("goals.0.year", 2190),
        "goals[0].year: 2190 is more than 10 years ahead: a goal can be set up to 2036.",
    ),
    "a target the form refuses": (
        _set("goals.0.target", "99999999999999.999999"),
        "goals[0].target: “99999999999999.999999” has 14 digits before the decimal point; "
        "at most 12 are allowed.",
    ),
    "a baseline the form refuses": (
        _set("goals.0.baseline", "-1000000000000"),
        "goals[0].baseline: “-1000000000000” has 13 digits before the decimal point",
    ),
    "target below baseline": (
        _set("goals.0.target", "0.01"),
        "goals[0].target: must be above the baseline.",
    ),
    "a goal twice": (
        _add("goals", {**valid_document()["goals"][0], "id": 12}),
        "a second wealth_ratio goal for 2026",
    ),
    "final value and infinite": (
        lambda d: d["goals"][0].update(final_value="1.0", final_infinite=True),
        "must be null when final_infinite is true",
    ),
    "time without offset": (
        _set("goals.0.closed_at", "2026-01-01T06:30:00"),
        "needs its offset from UTC",
    ),
    "ratio milestone with a goal": (
        _add("milestones", {"kind": "ratio_100", "goal": 11, "occurred_on": "2026-01-01"}),
        "must be null for a ratio_100 milestone",
    ),
    "unknown currency": (_set("user.currency", "XYZ"), "user.currency: XYZ is not an ISO 4217"),
    "an own rate of the euro": (
        _rate(currency="EUR"),
        "manual_rates[0].currency: One euro is always one euro.",
    ),
    "an own rate of a withdrawn currency": (
        _rate(currency="VEF"),
        "manual_rates[0].currency: VEF is not a currency in use today",
    ),
    "an own rate of zero": (
        _rate(units_per_euro="0.000000"),
        "manual_rates[0].units_per_euro: must be above zero.",
    ),
    "an own rate below zero": (
        _rate(units_per_euro="-950"),
        "manual_rates[0].units_per_euro: must be above zero.",
    ),
    "an own rate with 7 places": (
        _rate(units_per_euro="0.0000001"),
        "manual_rates[0].units_per_euro: “0.0000001” has more than 6 decimal places.",
    ),
    "an own rate of 10 digits": (
        _rate(units_per_euro="1000000000"),
        "manual_rates[0].units_per_euro: “1000000000” has 10 digits before the decimal "
        "point; at most 9 are allowed.",
    ),
    "an own rate as a number": (_rate(units_per_euro=950), "not as a JSON number"),
    "an own rate far back": (
        _rate(date="1899-12-31"),
        "manual_rates[0].date: 1899-12-31 is not between 1900 and 2200.",
    ),
    "an own rate without its currency": (
        lambda d: d.setdefault("manual_rates", []).append({"date": "2025-01-01"}),
        "manual_rates[0].currency: is missing.",
    ),
    "an own rate twice on a day": (
        lambda d: (_rate()(d), _rate(units_per_euro="990")(d)),
        "manual_rates[1].date: a second ARS rate from 2025-01-01.",
    ),
    "zero yield": (_set("user.assumed_yield", "0"), "user.assumed_yield: Ensure this value is"),
    "yield as a number": (_set("user.assumed_yield", 0.04), "not as a JSON number"),
    "e-mail switch as text": (
        _set("user.email_milestones", "no"),
        "user.email_milestones: expected true or false",
    ),
    "unknown preference": (_set("user.is_staff", True), "user.is_staff: is not a preference."),
    "a key twice": (
        _raw(VALID_TEXT.replace('"version": 1', '"version": 1, "version": 1')),
        "The key “version” appears twice in one object.",
    ),
}


def _bad_bytes(case) -> bytes:
    change = case[0]
    if isinstance(change, bytes):
        return change
    document = valid_document()
    change(document)
    return encode(document)


@pytest.mark.parametrize("case", BAD_DOCUMENTS.values(), ids=BAD_DOCUMENTS.keys())
def test_bad_documents_are_refused_with_a_clear_message(owner, case):
    with pytest.raises(json_reader.DataImportError) as refused:
        json_reader.read_document(_bad_bytes(case))
    assert case[1] in " ".join(refused.value.problems)


@pytest.mark.parametrize(
    "name",
    [
        "not json",
        "newer version",
        "NaN literal",
        "13-digit amount",
        "float amount",
        "Arabic-Indic digits",
        "100,000 leading zeros",
        "stream to a missing holding",
        "zero yield",
        "a goal far ahead",
        "lone surrogate in a note",
        "lone surrogate in a choice",
        "lone surrogate in a key",
        "an own rate twice on a day",
    ],
)
def test_bad_documents_posted_change_nothing(client_owner, owner, name):
    before = state(owner)
    response = post_and_run(client_owner, _bad_bytes(BAD_DOCUMENTS[name]))
    assert response.status_code == 200
    text = html.unescape(response.text)
    assert "Nothing was imported." in text
    assert BAD_DOCUMENTS[name][1] in text
    assert state(owner) == before


def test_the_valid_document_of_these_tests_is_valid(owner):
    import_into(owner, encode(valid_document()))


def test_the_import_reads_the_fields_the_export_writes():
    assert {table: tuple(fields) for table, fields in FIELDS.items()} == data_export.TABLES


# --- Goals: what the goal form accepts, an import accepts ----------------------------------


def _goal_document(**goal) -> bytes:
    document = valid_document()
    document["goals"][0].update(goal)
    return encode(document)


def _is_read(data: bytes) -> bool:
    try:
        json_reader.read_document(data)
    except json_reader.DataImportError:
        return False
    return True


@pytest.mark.parametrize("metric", ["monthly_passive", "runway_months"])
@pytest.mark.parametrize(
    "target",
    [
        "0.01",
        "999999999999.99",
        "1000000000000",
        "1000000000000.00",
        "5000000000000",
        "99999999999999.99",
    ],
)
def test_an_import_is_refused_exactly_where_the_form_refuses(owner, metric, target):
    typed = {"metric": metric, "portfolio": "", "year": "2026", "target": target}
    form = GoalForm({**typed, "baseline": "0", "note": ""}, owner=owner, today=NOW.date())
    assert _is_read(_goal_document(metric=metric, target=target, baseline="0")) == (form.is_valid())


@pytest.mark.parametrize(
    ("year", "imported"),
    [(1900, True), (2019, True), (2025, True), (2036, True), (2037, False), (2190, False)],
)
def test_an_import_brings_goals_of_any_past_year_and_up_to_ten_years_ahead(year, imported):
    assert _is_read(_goal_document(year=year)) is imported


def test_the_years_ahead_count_from_the_importing_users_today(owner):
    data = _goal_document(year=2037)
    with pytest.raises(json_reader.DataImportError, match="can be set up to 2036"):
        json_reader.read_document(data)
    json_reader.read_document(data, today=date(2027, 1, 1))


def test_a_goal_imported_at_the_limit_can_be_edited(owner):
    target = "999999999999.99"
    import_into(owner, _goal_document(metric="monthly_passive", target=target, baseline="0"))
    goal = Goal.objects.get(owner=owner)
    shown = GoalForm(instance=goal, owner=owner, today=NOW.date())
    data = {name: shown[name].value() for name in ("metric", "year", "target", "baseline")}
    form = GoalForm(
        {**data, "portfolio": "", "note": "raised"}, instance=goal, owner=owner, today=NOW.date()
    )
    assert form.is_valid(), form.errors
    assert form.save().target == Decimal(target)


def test_a_goal_the_form_would_refuse_is_not_imported(client_owner, owner):
    before = state(owner)
    data = _goal_document(metric="monthly_passive", target="5000000000000", baseline="0")
    response = post_and_run(client_owner, data)
    assert "goals[0].target: “5000000000000” has 13 digits" in html.unescape(response.text)
    assert state(owner) == before


def test_every_problem_is_listed_up_to_a_limit():
    document = valid_document()
    document["entries"] = [
        {"portfolio": 7, "date": "2026-01-01", "amount": "NaN", "category": "fees"}
    ] * 30
    with pytest.raises(json_reader.DataImportError) as refused:
        json_reader.read_document(encode(document))
    problems = refused.value.problems
    assert len(problems) == json_reader.MAX_PROBLEMS + 1
    assert problems[0].startswith("entries[0].amount:")
    assert problems[19].startswith("entries[19].amount:")
    assert problems[-1] == "Checking stopped here; there may be more problems."


def test_an_account_with_data_is_refused_and_left_alone(owner):
    EntryFactory(portfolio=owner.portfolios.get())
    before = state(owner)
    with pytest.raises(json_reader.DataImportError, match=r"already has data \(1 entry\)"):
        import_into(owner, encode(valid_document()))
    assert state(owner) == before


def test_importing_twice_is_refused_the_second_time(owner):
    import_into(owner, encode(valid_document()))
    before = state(owner)
    with pytest.raises(json_reader.DataImportError, match="already has data"):
        import_into(owner, encode(valid_document()))
    assert state(owner) == before


def test_a_failure_while_writing_rolls_everything_back(owner):
    before = state(owner)
    with (
        mock.patch.object(snapshots, "snapshots_recompute", side_effect=IntegrityError("boom")),
        pytest.raises(json_reader.DataImportError, match="breaks a rule of the database"),
    ):
        import_into(owner, encode(valid_document()))
    assert state(owner) == before


# --- The import page -------------------------------------------------------------------------


def test_the_page_shows_the_form(client_owner):
    response = client_owner.get(URL)
    assert response.status_code == 200
    assert 'type="file"' in response.text
    assert 'enctype="multipart/form-data"' in response.text
    assert "already has data" not in response.text


def test_the_page_warns_when_the_account_has_data(client_owner, owner):
    HoldingFactory(portfolio=owner.portfolios.get())
    assert "This account already has data (1 holding)" in client_owner.get(URL).text


def test_importing_a_file(client_owner, owner):
    response = post_and_run(client_owner, encode(valid_document()))
    assert (
        "Imported 2 portfolios, 2 holdings, 1 valuation, 2 streams, 2 entries, 1 goal, "
        "1 milestone, 0 exchange rates. Your figures are ready." in response.text
    )
    assert reverse("dashboard:dashboard") in response.text
    assert Stream.objects.filter(portfolio__owner=owner).count() == 2
    owner.refresh_from_db()
    assert owner.currency == "EUR"
    assert Snapshot.objects.filter(owner=owner).exists()
    job = ImportJob.objects.get(owner=owner)
    assert (job.state, bytes(job.data)) == (ImportJob.State.DONE, b"")  # the upload is gone


def test_the_upload_only_stores_the_file_and_queues_its_import(
    client_owner, owner, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    data = encode(valid_document())
    with (
        mock.patch.object(json_reader, "read_document", side_effect=AssertionError("read")),
        mock.patch("dataport.tasks.import_json.delay") as queued,
        django_capture_on_commit_callbacks(execute=True),
        django_assert_max_num_queries(15),
    ):
        job_id = job_of(client_owner.post(URL, upload(data)))
    queued.assert_called_once_with(job_id)
    job = ImportJob.objects.get(pk=job_id)
    assert (job.owner, job.kind, job.state) == (owner, "json", ImportJob.State.QUEUED)
    assert bytes(job.data) == data
    assert state(owner)["portfolios"] == [(owner.portfolios.get().pk, "Personal")]


def test_the_job_page_shows_the_same_state_on_every_reload(client_owner, owner):
    job_id = job_of(client_owner.post(URL, upload(encode(valid_document()))))
    page = reverse("dataport:import_job", args=[job_id])
    status = reverse("dataport:import_status", args=[job_id])
    for _reload in range(2):
        html_text = client_owner.get(page).text
        assert "Waiting for its turn" in html_text
        assert f'data-status-url="{status}"' in html_text
        assert '<meta http-equiv="refresh"' in html_text  # without JavaScript
        assert "<script>" not in html_text
    assert client_owner.get(status).json() == {
        "state": "queued",
        "label": "Waiting for its turn",
        "done": 0,
        "total": 0,
    }
    # While it runs, the form says so and a second upload is refused.
    assert page in client_owner.get(URL).text
    response = client_owner.post(URL, upload(encode(valid_document())))
    assert "Another import of yours is still running" in html.unescape(response.text)
    assert ImportJob.objects.filter(owner=owner).count() == 1

    import_jobs.json_import_run(job_id)
    for _reload in range(2):
        html_text = client_owner.get(page).text
        assert "Your figures are ready." in html_text
        assert "import-progress" not in html_text
    assert client_owner.get(status).json()["state"] == "done"


def test_a_retry_after_a_transient_error_imports_the_document_once(client_owner, owner):
    job_id = job_of(client_owner.post(URL, upload(encode(valid_document()))))
    # The first try was writing when the database went away: its write rolled back.
    ImportJob.objects.filter(pk=job_id).update(state=ImportJob.State.WRITING)
    import_jobs.json_import_run(job_id)  # a second delivery: nothing to do
    assert ImportJob.objects.get(pk=job_id).state == ImportJob.State.WRITING
    import_jobs.json_import_run(job_id, retrying=True)
    assert ImportJob.objects.get(pk=job_id).state == ImportJob.State.DONE
    assert Stream.objects.filter(portfolio__owner=owner).count() == 2


def test_a_stranger_gets_404_on_the_job_pages(client_owner, owner, stranger, client):
    job_id = job_of(client_owner.post(URL, upload(encode(valid_document()))))
    client.force_login(stranger)
    for name in ("dataport:import_job", "dataport:import_status"):
        assert client.get(reverse(name, args=[job_id])).status_code == 404
        assert client.get(reverse(name, args=[job_id + 1])).status_code == 404


def test_a_document_with_too_many_portfolios_is_refused_before_anything_is_written(
    client_owner, owner
):
    document = valid_document()
    document["portfolios"] += [
        {"id": 1000 + n, "name": f"Portfolio {n}"} for n in range(MAX_PORTFOLIOS)
    ]
    before = state(owner)
    response = post_and_run(client_owner, encode(document))
    assert (
        f"portfolios: the document has {MAX_PORTFOLIOS + 2} portfolios; an account can have "
        f"at most {MAX_PORTFOLIOS}." in html.unescape(response.text)
    )
    assert state(owner) == before


def test_importing_into_an_account_with_data_changes_nothing(client_owner, owner):
    EntryFactory(portfolio=owner.portfolios.get())
    before = state(owner)
    response = client_owner.post(URL, upload(encode(valid_document())))
    assert "Your account already has data (1 entry)" in html.unescape(response.text)
    assert state(owner) == before


def test_no_file(client_owner, owner):
    before = state(owner)
    response = client_owner.post(URL, {})
    assert "Choose the .json file of an export to import." in response.text
    assert state(owner) == before


def test_an_empty_file(client_owner):
    response = client_owner.post(URL, upload(b""))
    assert "The file is empty." in response.text


def test_a_file_over_the_limit_is_refused(client_owner, owner, monkeypatch):
    monkeypatch.setattr(json_reader, "MAX_BYTES", 100)
    before = state(owner)
    response = client_owner.post(URL, upload(encode(valid_document())))
    assert "The file is larger than 20 MB." in response.text
    assert state(owner) == before


def test_anonymous_is_sent_to_log_in(client):
    job_pages = [
        reverse(name, args=[1]) for name in ("dataport:import_job", "dataport:import_status")
    ]
    for response in (
        client.get(URL),
        client.post(URL, upload(encode(valid_document()))),
        *(client.get(page) for page in job_pages),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert not Stream.objects.exists()


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_not_allowed(client_owner, method):
    assert getattr(client_owner, method)(URL).status_code == 405
