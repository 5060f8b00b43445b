"""PostgreSQL refusing connections: pages answer 503 "back in a moment", logged sparingly.

The real web process (gunicorn) runs with ``DATABASE_URL`` at a port where nothing
listens, as it would while the database server is down or restarting; what a
visitor gets and what the operator's log shows are read back from it. The
once-a-minute rule and the plain 500 of other errors are checked in this process
(config/middleware.py).
"""

from __future__ import annotations

import json
import logging

import pytest
from django.db import OperationalError
from django.template.loader import render_to_string
from django.test import RequestFactory

from config import middleware
from config.middleware import DatabaseOutageMiddleware

# The session cookie of a logged-in browser: the app cannot even look it up.
SESSION = {"sessionid": "k" * 32}
TOKEN = "a-long-random-token-for-the-monitor"
BACK_IN_A_MOMENT = "Back in a moment"


@pytest.fixture
def web(start_web, dead_port):
    """The app with its database down (Redis and everything else as configured)."""
    return start_web(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{dead_port}/wealthratio",
        HEALTH_TOKEN=TOKEN,
    )


def app_log(web) -> list[str]:
    """What the app logged since its worker booted (gunicorn's own lines left out)."""
    lines = web.output().splitlines()
    booted = max(i for i, line in enumerate(lines) if "Booting worker" in line)
    return lines[booted + 1 :]


def test_a_page_with_a_session_answers_the_503_page(web):
    browser = web.browser()
    browser.cookies.update(SESSION)
    for path in ("/dashboard/", "/portfolios/1/entries/", "/accounts/settings/"):
        response = browser.get(path)
        assert response.status == 503, (path, response.text[:500])
        assert BACK_IN_A_MOMENT in response.text
        assert "cannot reach its database" in response.text
        assert response.headers["Retry-After"] == "30"
        assert "no-store" in response.headers["Cache-Control"]


def test_a_save_answers_503_and_no_error_page(web):
    browser = web.browser()
    browser.cookies.update({**SESSION, "csrftoken": "c" * 32})
    response = browser.post(
        "/portfolios/1/entries/new/",
        {"date": "2026-10-03", "amount": "42.10", "category": "dividends"},
    )
    assert response.status == 503
    assert BACK_IN_A_MOMENT in response.text


def test_the_anonymous_landing_page_still_works(web):
    browser = web.browser()
    response = browser.get("/")
    assert response.status == 200
    assert "Log in" in response.text
    assert "sessionid" not in browser.cookies
    assert not any("Traceback" in line for line in app_log(web))


def test_twenty_requests_log_one_traceback_then_one_line_each(web):
    browser = web.browser()
    browser.cookies.update(SESSION)
    for _ in range(20):
        assert browser.get("/dashboard/").status == 503

    log = app_log(web)
    outage_lines = [i for i, line in enumerate(log) if line.startswith("Database unavailable:")]
    assert len(outage_lines) == 20, "\n".join(log)
    first, second = outage_lines[0], outage_lines[1]
    # The first request: its line and the whole traceback, the psycopg error named...
    assert log[first] == "Database unavailable: GET /dashboard/"
    traceback = log[first + 1 : second]
    assert traceback[0].startswith("Traceback (most recent call last)")
    assert "Connection refused" in "\n".join(traceback)
    # ...then exactly one short line per request, and nothing else at all.
    assert log[second:] == ["Database unavailable: GET /dashboard/ (OperationalError)"] * 19


def test_the_health_page_reports_the_database(web):
    response = web.browser(Authorization=f"Bearer {TOKEN}").get("/health/")
    assert response.status == 503
    body = json.loads(response.text)
    assert (body["status"], body["database"], body["cache"]) == (
        "error",
        "error: OperationalError",
        "ok",
    )
    # The load balancer's view, which names nothing.
    public = web.browser().get("/health/")
    assert (public.status, public.text) == (503, "unavailable")
    # A staff user's session cannot be checked either: no details, no error page.
    browser = web.browser()
    browser.cookies.update(SESSION)
    assert (browser.get("/health/").status, browser.get("/health/").text) == (503, "unavailable")


# --- The rules of the middleware, in this process -----------------------------------


@pytest.fixture
def _fresh_burst(monkeypatch):
    monkeypatch.setattr(middleware.outage_log, "last_traceback_at", None)


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


@pytest.mark.usefixtures("_fresh_burst")
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


@pytest.mark.usefixtures("_fresh_burst")
def test_a_new_traceback_once_a_minute(caplog):
    caplog.set_level(logging.WARNING, logger="config.outage")
    outage(RequestFactory().get("/dashboard/"))
    outage(RequestFactory().get("/dashboard/"))
    # The outage goes on: the last traceback is now a minute old.
    middleware.outage_log.last_traceback_at -= middleware.outage_log.every_seconds
    outage(RequestFactory().get("/dashboard/"))
    records = [r for r in caplog.records if r.name == "config.outage"]
    assert [r.exc_info is not None for r in records] == [True, False, True]
