"""With the database unreachable a page is a 503 "back in a moment", logged sparingly."""

from __future__ import annotations

import logging

import pytest
from django.db import OperationalError, connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from config import middleware
from config.middleware import DatabaseOutageMiddleware
from notifications import emails
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fresh_burst(monkeypatch):
    monkeypatch.setattr(middleware, "_last_traceback_at", None)


def view_without_database(request):
    raise OperationalError("connection refused")


def outage(request):
    """What the middleware answers for a view that raised ``OperationalError``."""
    handler = DatabaseOutageMiddleware(view_without_database)
    try:
        return handler(request)
    except OperationalError as exc:
        return handler.process_exception(request, exc)


def test_the_pages_render_without_a_request_or_a_database():
    for name in ("500.html", "503.html"):
        html = render_to_string(name)
        assert "/static/css/app.css" in html
        assert "<script" not in html and "style=" not in html and "<style" not in html


def test_a_view_that_cannot_reach_the_database_answers_503():
    response = outage(RequestFactory().get("/dashboard/"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Back in a moment" in response.content.decode()


def test_handler500_gives_the_503_page_for_a_database_error_outside_a_view():
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = middleware.server_error(RequestFactory().get("/"))
    assert response.status_code == 503
    try:
        raise ValueError("a bug")
    except ValueError:
        response = middleware.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_other_errors_are_left_to_django():
    handler = DatabaseOutageMiddleware(view_without_database)
    assert handler.process_exception(RequestFactory().get("/"), ValueError("x")) is None


def test_one_traceback_a_minute_then_one_line_per_request(caplog, time_machine):
    time_machine.move_to("2030-01-01 12:00", tick=False)
    caplog.set_level(logging.WARNING, logger="config.outage")
    for _ in range(3):
        outage(RequestFactory().get("/dashboard/"))
    records = [r for r in caplog.records if r.name == "config.outage"]
    assert [r.exc_info is not None for r in records] == [True, False, False]
    assert all("GET /dashboard/" in r.getMessage() for r in records)
    assert records[1].getMessage().endswith("(OperationalError)")


@pytest.mark.django_db(transaction=True)
def test_a_refused_connection_gives_the_503_page(client, caplog):
    if connection.vendor != "postgresql":
        pytest.skip("needs a database server on a port")
    user = UserFactory()
    url = reverse(
        "notifications:unsubscribe", args=[emails.unsubscribe_token(user.pk, emails.Kind.MONTHLY)]
    )
    logged_in = client.__class__()
    logged_in.force_login(user)
    # The real connection, pointed at a port nobody listens on, then put back.
    original = dict(connection.settings_dict)
    caplog.set_level(logging.WARNING)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=1)
    try:
        # In a view (the unsubscribe page looks the user up): the middleware.
        response = client.get(url)
        assert response.status_code == 503
        assert "Back in a moment" in response.text
        # A logged-in user's page: even the session cannot be loaded.
        response = logged_in.get(reverse("dashboard:dashboard"))
        assert response.status_code == 503
        assert "Back in a moment" in response.text
        assert [r.exc_info is not None for r in caplog.records] == [True, False]
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)
    assert client.get(url).status_code == 200
