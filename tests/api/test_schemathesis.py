"""schemathesis against the live schema, every operation, with a read-write token:
no 500, and every answer (status, content type, body) is one the schema describes.

The schema is fetched from the app (its WSGI application), and the requests run
in the test's database. Examples are bounded (10 an
operation, derandomized) so the sweep takes seconds; ids in paths and bodies
name the owner's rows, so operations meet rows that exist.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.tokens import token_create
from config.wsgi import application
from tests.factories import (
    EntryFactory,
    GoalFactory,
    HoldingFactory,
    StreamFactory,
    ValuationFactory,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


# Fetched from the app itself when the module loads (the schema view reads no data).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)


@pytest.fixture(autouse=True)
def _keep_the_test_transaction():
    # The WSGI handler closes the database connection after each request, which
    # would end the test's transaction; Django's test client keeps it the same way.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def rows(owner, db) -> dict[str, int]:
    """One row of each kind, by the name of its endpoint (and of a reference to it)."""
    portfolio = owner.portfolios.get()
    holding = HoldingFactory(portfolio=portfolio)
    valuation = ValuationFactory(holding=holding)
    stream = StreamFactory(portfolio=portfolio, holding=holding)
    entry = EntryFactory(portfolio=portfolio, stream=stream)
    goal = GoalFactory(owner=owner)
    return {
        "portfolios": portfolio.pk,
        "holdings": holding.pk,
        "valuations": valuation.pk,
        "streams": stream.pk,
        "entries": entry.pk,
        "goals": goal.pk,
        "portfolio": portfolio.pk,
        "holding": holding.pk,
        "secured_against": holding.pk,
        "stream": stream.pk,
    }


@pytest.fixture
def bearer(owner, db) -> dict[str, str]:
    _, secret = token_create(user=owner, name="schemathesis", scope="read-write", expires_at=None)
    return {"Authorization": f"Bearer {secret}"}


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_its_schema_says(case, rows, bearer):
    # Generated ids would almost never exist: aim the detail operations, and the
    # references in bodies, at the owner's rows (strangers' ids: test_isolation.py).
    if isinstance(case.path_parameters, dict) and "id" in case.path_parameters:
        case.path_parameters["id"] = rows[case.path.split("/")[3]]
    if isinstance(case.body, dict):
        for field in ("portfolio", "holding", "secured_against", "stream"):
            if isinstance(case.body.get(field), int):
                case.body[field] = rows[field]
    # Schemathesis says it accepts gzip but reads a WSGI body as it comes, and the
    # app gzips for every client that accepts it: ask for the plain body.
    case.call_and_validate(headers={**bearer, "Accept-Encoding": "identity"}, checks=CHECKS)
