"""The API documentation page in Chromium: Swagger UI draws every group of
operations from the app's schema under the strict CSP."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.e2e.helpers import log_in, page_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_page_draws_the_operations(live_server, client_owner, page):
    log_in(page, live_server, client_owner)
    problems = page_errors(page)
    page.goto(live_server.url + reverse("api:docs"))
    page.locator(".opblock-tag", has_text="entries").first.wait_for()
    tags = page.locator(".opblock-tag").all_inner_texts()
    for tag in ("entries", "goals", "holdings", "portfolios", "streams"):
        assert any(text.strip().startswith(tag) for text in tags), tags
    assert page.locator(".opblock").count() >= 31
    assert problems == []


def test_try_it_out_makes_a_portfolio_with_the_session_and_its_csrf_token(
    live_server, client_owner, owner, page
):
    log_in(page, live_server, client_owner)
    problems = page_errors(page)
    page.goto(live_server.url + reverse("api:docs"))
    operation = page.locator("#operations-portfolios-portfolios_create")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.locator("textarea.body-param__text").fill('{"name": "From the docs"}')
    operation.get_by_role("button", name="Execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip().startswith("201")
    assert owner.portfolios.filter(name="From the docs").exists()
    assert problems == []
