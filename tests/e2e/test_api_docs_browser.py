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
    assert page.locator(".opblock").count() >= 29
    assert problems == []
