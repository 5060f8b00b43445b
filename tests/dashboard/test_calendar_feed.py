"""The calendar feed: a secret, revocable address serving RFC 5545 iCalendar."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from decimal import Decimal

import icalendar
import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portfolio.models import CalendarFeed
from tests.factories import EntryFactory, HoldingFactory, StreamFactory

pytestmark = pytest.mark.django_db
D = Decimal
SETTINGS = reverse("accounts:settings")
CREATE = reverse("dashboard:feed_create")
REVOKE = reverse("dashboard:feed_revoke")


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2027, 11, 10, 12, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def payments(portfolio):
    """Rent at the month's end, a quarterly dividend, a yearly royalty; December's rent
    already recorded in two entries (one a correction), and an unlinked interest entry."""
    flat = HoldingFactory(portfolio=portfolio, name="Flat", kind="property")
    rent = StreamFactory(
        portfolio=portfolio,
        name="Flat rent",
        category="rent",
        amount=D("900"),
        first_date=dt.date(2027, 1, 31),
        holding=flat,
    )
    StreamFactory(
        portfolio=portfolio,
        name="Fund dividend",
        category="dividends",
        amount=D("300"),
        frequency="quarterly",
        first_date=dt.date(2026, 11, 30),
    )
    StreamFactory(
        portfolio=portfolio,
        name="Royalty",
        category="royalties",
        amount=D("1200"),
        frequency="yearly",
        first_date=dt.date(2024, 12, 31),
    )
    StreamFactory(portfolio=portfolio, name="Salary", amount=D("5000"))  # earned: not in it
    EntryFactory(
        portfolio=portfolio,
        stream=rent,
        category="rent",
        date=dt.date(2027, 12, 30),
        amount=D("950"),
    )
    EntryFactory(
        portfolio=portfolio,
        stream=rent,
        category="rent",
        date=dt.date(2027, 12, 30),
        amount=D("-50"),
    )
    EntryFactory(
        portfolio=portfolio, category="interest", date=dt.date(2028, 1, 15), amount=D("12")
    )
    return rent


def make_address(client) -> str:
    response = client.post(CREATE)
    assert response.status_code == 200
    return re.search(r'value="([^"]+)" data-feed-url', response.content.decode())[1]


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def fetch(url: str):
    """The feed as a calendar app gets it: no session, no cookie."""
    return Client().get(path_of(url))


def unfold(text: str) -> list[str]:
    """RFC 5545 3.1, independently of icalendar: every line ends in CRLF, is at most 75
    octets, and a line starting with a space or a tab continues the one before."""
    assert text.endswith("\r\n")
    physical = text.split("\r\n")[:-1]
    assert all(len(line.encode()) <= 75 for line in physical)
    logical: list[str] = []
    for line in physical:
        if line[:1] in (" ", "\t"):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    return logical


def vevents(lines: list[str]) -> list[dict[str, str]]:
    """Each VEVENT as {NAME or NAME;PARAMS: value}, checking BEGIN/END nesting."""
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    events, current = [], None
    for line in lines[1:-1]:
        if line == "BEGIN:VEVENT":
            assert current is None
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            name, value = line.split(":", 1)
            current[name] = value
    assert current is None
    return events


EXPECTED = [  # (all-day date, summary) over December 2027 to October 2028 shown in November 2027
    (dt.date(2027, 11, 30), "Flat rent: $900.00"),
    (dt.date(2027, 11, 30), "Fund dividend: $300.00"),
    (dt.date(2027, 12, 30), "Flat rent: $900.00"),  # recorded 950 - 50, one event
    (dt.date(2027, 12, 31), "Royalty: $1,200.00"),
    (dt.date(2028, 1, 15), "Interest: $12.00"),
    (dt.date(2028, 1, 31), "Flat rent: $900.00"),
    (dt.date(2028, 2, 29), "Flat rent: $900.00"),
    (dt.date(2028, 2, 29), "Fund dividend: $300.00"),
    *[(dt.date(2028, m, d), "Flat rent: $900.00") for m, d in [(3, 31), (4, 30)]],
    (dt.date(2028, 5, 30), "Fund dividend: $300.00"),
    (dt.date(2028, 5, 31), "Flat rent: $900.00"),
    *[(dt.date(2028, m, d), "Flat rent: $900.00") for m, d in [(6, 30), (7, 31)]],
    (dt.date(2028, 8, 30), "Fund dividend: $300.00"),
    (dt.date(2028, 8, 31), "Flat rent: $900.00"),
    *[(dt.date(2028, m, d), "Flat rent: $900.00") for m, d in [(9, 30), (10, 31)]],
]


def test_the_feed_parses_back_with_icalendar_and_by_hand(client_owner, payments):
    response = fetch(make_address(client_owner))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies  # no session is made or read
    body = response.content.decode()

    parsed = icalendar.Calendar.from_ical(body)
    assert parsed["VERSION"] == "2.0" and parsed["PRODID"]
    events = parsed.walk("VEVENT")
    got = sorted((e.decoded("DTSTART"), str(e["SUMMARY"])) for e in events)
    assert got == sorted(EXPECTED)
    for event in events:
        assert isinstance(event.decoded("DTSTART"), dt.date)
        assert not isinstance(event.decoded("DTSTART"), dt.datetime)  # all-day
        assert event.decoded("DTEND") == event.decoded("DTSTART") + dt.timedelta(days=1)
        assert event.decoded("DTSTAMP") == dt.datetime(2027, 11, 10, 12, tzinfo=dt.UTC)
    assert len({str(e["UID"]) for e in events}) == len(events)

    by_hand = vevents(unfold(body))
    assert len(by_hand) == len(EXPECTED)
    for event in by_hand:
        assert re.fullmatch(r"\S+@\S+", event["UID"])
        assert re.fullmatch(r"\d{8}T\d{6}Z", event["DTSTAMP"])
        assert re.fullmatch(r"\d{8}", event["DTSTART;VALUE=DATE"])
    assert sorted(
        (
            dt.datetime.strptime(e["DTSTART;VALUE=DATE"], "%Y%m%d").date(),
            e["SUMMARY"].replace("\\,", ","),
        )
        for e in by_hand
    ) == sorted(EXPECTED)


def test_uids_stay_the_same_from_one_fetch_to_the_next(client_owner, payments):
    url = make_address(client_owner)
    first = icalendar.Calendar.from_ical(fetch(url).content)
    with time_machine.travel(dt.datetime(2027, 11, 20, 9, tzinfo=dt.UTC), tick=False):
        later = icalendar.Calendar.from_ical(fetch(url).content)
    uids = {(str(e["UID"]), e.decoded("DTSTART")) for e in first.walk("VEVENT")}
    assert uids == {(str(e["UID"]), e.decoded("DTSTART")) for e in later.walk("VEVENT")}
    assert {e.decoded("DTSTAMP") for e in later.walk("VEVENT")} == {
        dt.datetime(2027, 11, 20, 9, tzinfo=dt.UTC)
    }
    assert f"stream-{payments.pk}-20271231@" not in str(uids)  # rent is on the 30th then
    assert any(uid.startswith(f"stream-{payments.pk}-20271230@") for uid, _ in uids)


def test_a_revoked_address_answers_404(client_owner, payments):
    url = make_address(client_owner)
    assert fetch(url).status_code == 200
    response = client_owner.post(REVOKE)
    assert response.status_code == 302 and response["Location"] == SETTINGS
    assert fetch(url).status_code == 404
    assert not CalendarFeed.objects.exists()


def test_a_new_address_stops_the_old_one(client_owner, payments):
    old = make_address(client_owner)
    new = make_address(client_owner)
    assert old != new
    assert fetch(old).status_code == 404
    assert fetch(new).status_code == 200


def test_a_strangers_address_shows_only_the_strangers_payments(client, owner, payments, stranger):
    client.force_login(stranger)
    StreamFactory(
        portfolio=stranger.portfolios.get(), name="Their coupon", category="interest", amount=D("7")
    )
    body = fetch(make_address(client)).content.decode()
    assert "Their coupon" in body
    assert "Flat rent" not in body and "Royalty" not in body and f"user-{owner.pk}-" not in body


def test_made_up_addresses_answer_404(client_owner, payments):
    make_address(client_owner)
    for token in ["x", "A" * 43, CalendarFeed.objects.get().token_hash]:
        assert Client().get(reverse("dashboard:feed", args=[token])).status_code == 404


def test_only_a_hash_of_the_token_is_stored(client_owner, owner, payments):
    url = make_address(client_owner)
    token = path_of(url).rsplit("/", 1)[1].removesuffix(".ics")
    assert len(token) >= 43  # 32 random bytes
    row = CalendarFeed.objects.get(owner=owner)
    assert token not in row.token_hash
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()


def test_the_settings_page_makes_and_revokes_the_feed(client_owner, payments):
    page = client_owner.get(SETTINGS).content.decode()
    assert "You have no feed address." in page
    assert f'action="{CREATE}"' in page
    url = make_address(client_owner)
    assert url.startswith("http") and url.endswith(".ics")
    page = client_owner.get(SETTINGS).content.decode()
    assert "You made a feed address on 10 November 2027." in page
    assert url not in page  # shown once, when made
    assert f'action="{REVOKE}"' in page


def test_making_and_revoking_take_a_logged_in_post(client, client_owner):
    assert client_owner.get(CREATE).status_code == 405
    assert client_owner.get(REVOKE).status_code == 405
    anonymous = Client()
    for url in (CREATE, REVOKE):
        response = anonymous.post(url)
        assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert not CalendarFeed.objects.exists()


def test_feed_queries_are_the_same_with_one_and_fifty_streams(client_owner, portfolio):
    StreamFactory(portfolio=portfolio, name="Rent", category="rent")
    url = make_address(client_owner)
    with CaptureQueriesContext(connection) as one:
        assert fetch(url).status_code == 200
    for i in range(49):
        StreamFactory(
            portfolio=portfolio, category=["dividends", "interest"][i % 2], frequency="quarterly"
        )
    with CaptureQueriesContext(connection) as fifty:
        response = fetch(url)
    assert len(icalendar.Calendar.from_ical(response.content).walk("VEVENT")) == 12 + 49 * 4
    assert len(fifty) == len(one)
