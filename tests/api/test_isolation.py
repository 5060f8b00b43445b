"""The API's isolation sweep: a stranger's read-write token on every object
endpoint, and in every reference field of every body, gets 404 and changes nothing.

The stranger's own rows are the bodies' other fields, so each request would be
accepted but for the one reference to the owner's row; the operations are read
off the schema, so a new one cannot be left out of the sweep unnoticed.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.apps import apps
from django.urls import reverse

from tests.api.clients import api_client
from tests.factories import (
    EntryFactory,
    GoalFactory,
    HoldingFactory,
    StreamFactory,
    ValuationFactory,
)

pytestmark = pytest.mark.django_db
V1 = "/api/v1"


def rows_of(user) -> dict[str, object]:
    portfolio = user.portfolios.get()
    home = HoldingFactory(portfolio=portfolio, name="Home", kind="property")
    holding = HoldingFactory(portfolio=portfolio, name="Broker")
    mortgage = HoldingFactory(portfolio=portfolio, name="Mortgage", kind="loan")
    stream = StreamFactory(portfolio=portfolio, holding=holding, category="dividends")
    return {
        "portfolios": portfolio,
        "holdings": holding,
        "home": home,
        "mortgage": mortgage,
        "valuations": ValuationFactory(holding=holding),
        "streams": stream,
        "entries": EntryFactory(portfolio=portfolio, stream=stream),
        "goals": GoalFactory(owner=user),
    }


def everything() -> dict[str, list[tuple]]:
    """Every row of the data models, as it stands."""
    return {
        model._meta.label: sorted(model.objects.values_list())
        for model in apps.get_models()
        if model._meta.app_label in ("portfolio", "goals")
    }


@pytest.fixture
def world(owner, stranger):
    return rows_of(owner), rows_of(stranger), api_client(stranger)


def detail_operations(client) -> list[tuple[str, str]]:
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json").json()
    return [
        (path, method)
        for path, operations in schema["paths"].items()
        if "{id}" in path
        for method in operations
        if method in ("get", "post", "patch", "delete")
    ]


def test_every_object_endpoint_is_404_to_a_stranger(world):
    owners, _strangers, api = world
    before = everything()
    operations = detail_operations(api)
    assert len(operations) == 17  # five resources x read/change/delete, valuations
    for path, method in operations:
        resource = path.split("/")[3]
        url = path.replace("{id}", str(owners[resource].pk))
        body = {"name": "Mine now", "date": "2026-01-01", "value": "1", "amount": "1"}
        if method in ("get", "delete"):
            response = getattr(api, method)(url)
        else:
            response = getattr(api, method)(url, body)
        assert response.status_code == 404, (method, url, response.content)
        assert response["Content-Type"] == "application/problem+json"
    assert everything() == before


def reference_probes(owners, strangers):
    """(endpoint, method, body) each naming exactly one of the owner's rows."""
    mine = strangers["portfolios"].pk
    holding = {"name": "New", "kind": "cash", "liquidity": "kind"}
    stream = {
        "name": "New",
        "category": "rent",
        "amount": "10",
        "frequency": "monthly",
        "first_date": "2026-01-01",
    }
    entry = {"date": "2026-01-01", "amount": "10", "category": "rent"}
    goal = {"metric": "wealth_ratio", "year": date.today().year, "target": "20%", "baseline": "10%"}
    theirs = {key: row.pk for key, row in owners.items()}
    return [
        ("holdings/", "post", {**holding, "portfolio": theirs["portfolios"]}),
        ("holdings/", "post", {**holding, "kind": "loan", "portfolio": mine,
                               "secured_against": theirs["home"]}),
        (f"holdings/{strangers['mortgage'].pk}/", "patch",
         {"secured_against": theirs["home"]}),
        ("streams/", "post", {**stream, "portfolio": theirs["portfolios"]}),
        ("streams/", "post", {**stream, "portfolio": mine, "holding": theirs["holdings"]}),
        (f"streams/{strangers['streams'].pk}/", "patch", {"holding": theirs["holdings"]}),
        ("entries/", "post", {**entry, "portfolio": theirs["portfolios"]}),
        ("entries/", "post", {**entry, "portfolio": mine, "stream": theirs["streams"]}),
        (f"entries/{strangers['entries'].pk}/", "patch", {"stream": theirs["streams"]}),
        ("goals/", "post", {**goal, "metric": "savings_rate", "portfolio": theirs["portfolios"]}),
        (f"goals/{strangers['goals'].pk}/", "patch", {"portfolio": theirs["portfolios"]}),
    ]  # fmt: skip


def test_every_reference_to_a_strangers_row_is_404(world):
    owners, strangers, api = world
    before = everything()
    for path, method, body in reference_probes(owners, strangers):
        response = getattr(api, method)(f"{V1}/{path}", body)
        assert response.status_code == 404, (method, path, body, response.content)
    assert everything() == before


def test_the_same_bodies_with_the_strangers_own_rows_are_accepted(world):
    """The control: each probe is refused for its reference alone (its other
    fields are valid)."""
    _owners, strangers, api = world
    for number, (path, method, body) in enumerate(reference_probes(strangers, strangers)):
        if "name" in body:
            body = {**body, "name": f"New {number}"}  # names are unique in a portfolio
        response = getattr(api, method)(f"{V1}/{path}", body)
        assert response.status_code in (200, 201), (method, path, body, response.content)


@pytest.mark.parametrize("resource", ["holdings", "streams", "entries", "goals"])
def test_lists_and_filters_show_a_stranger_nothing(world, resource):
    owners, _strangers, api = world
    rows = api.get(f"{V1}/{resource}/", {"portfolio": owners["portfolios"].pk}).json()
    assert all(row["portfolio"] != owners["portfolios"].pk for row in rows["results"])
