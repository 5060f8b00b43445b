"""The OpenAPI 3 schema and the documentation page, both served by the app."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("/api/v1/portfolios/", "get"), ("/api/v1/portfolios/", "post"),
    ("/api/v1/portfolios/{id}/", "get"), ("/api/v1/portfolios/{id}/", "patch"),
    ("/api/v1/portfolios/{id}/", "delete"),
    ("/api/v1/holdings/", "get"), ("/api/v1/holdings/", "post"),
    ("/api/v1/holdings/{id}/", "get"), ("/api/v1/holdings/{id}/", "patch"),
    ("/api/v1/holdings/{id}/", "delete"), ("/api/v1/holdings/{id}/valuations/", "post"),
    ("/api/v1/valuations/{id}/", "delete"),
    ("/api/v1/streams/", "get"), ("/api/v1/streams/", "post"),
    ("/api/v1/streams/{id}/", "get"), ("/api/v1/streams/{id}/", "patch"),
    ("/api/v1/streams/{id}/", "delete"),
    ("/api/v1/entries/", "get"), ("/api/v1/entries/", "post"),
    ("/api/v1/entries/{id}/", "get"), ("/api/v1/entries/{id}/", "patch"),
    ("/api/v1/entries/{id}/", "delete"),
    ("/api/v1/goals/", "get"), ("/api/v1/goals/", "post"),
    ("/api/v1/goals/{id}/", "get"), ("/api/v1/goals/{id}/", "patch"),
    ("/api/v1/goals/{id}/", "delete"),
    ("/api/v1/figures/", "get"), ("/api/v1/snapshots/", "get"),
    ("/api/v1/goal-progress/", "get"), ("/api/v1/projection/", "get"),
}  # fmt: skip


def test_the_schema_lists_every_operation_with_its_problems(api):
    response = api.get(reverse("api:schema"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    found = {
        (path, method)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("get", "post", "patch", "delete")
    }
    assert found == OPERATIONS
    post = schema["paths"]["/api/v1/entries/"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in post["parameters"]]
    assert set(post["responses"]) >= {"201", "400", "401", "403", "404", "422", "429"}
    assert schema["components"]["securitySchemes"]["accessToken"]["scheme"] == "bearer"


def test_the_schema_is_public_and_the_data_is_not(client):
    # It describes operations, nothing of anyone's data: scripts and tools read it
    # before they have a token.
    assert client.get(reverse("api:schema")).status_code == 200
    assert client.get("/api/v1/entries/").status_code == 401


def test_the_docs_page_loads_only_our_own_scripts_under_the_strict_csp(client_owner):
    response = client_owner.get(reverse("api:docs"))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    scripts = re.findall(r"<script([^>]*)>", response.text)
    assert scripts and all('src="/static/' in attributes for attributes in scripts)
    assert 'data-schema-url="/api/v1/schema/"' in response.text


def test_the_docs_page_needs_a_log_in(client):
    assert client.get(reverse("api:docs")).status_code == 302
