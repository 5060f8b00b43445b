"""The calendar feed: a secret address that serves the passive-income calendar as
iCalendar (RFC 5545) to a calendar app, without a session.

The token is 32 random bytes; only its SHA-256 is stored (``CalendarFeed``), so
the database alone cannot open anyone's feed. A fast hash is enough: the token
has 256 bits of entropy, so there is nothing to guess, and the hash is the
indexed lookup key. See docs/security.md, "The calendar feed".
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from icalendar import Calendar, Event

from portfolio import formatting
from portfolio.income_calendar import income_calendar
from portfolio.models import CalendarFeed, Portfolio
from portfolio.months import user_today

PRODID = "-//Wealth Ratio//Passive-income calendar//EN"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def make_feed(user) -> str:
    """A new feed token for ``user``, replacing any earlier one (which stops working)."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeed.objects.filter(owner=user).delete()
        CalendarFeed.objects.create(owner=user, token_hash=_hash(token))
    return token


def revoke_feed(user) -> bool:
    """Stop ``user``'s feed address working; whether there was one."""
    deleted, _ = CalendarFeed.objects.filter(owner=user).delete()
    return bool(deleted)


def feed_owner(token: str):
    """The user whose feed ``token`` opens, or None (unknown, revoked or replaced)."""
    feed = CalendarFeed.objects.select_related("owner").filter(token_hash=_hash(token)).first()
    return None if feed is None or not feed.owner.is_active else feed.owner


def feed_ics(user, *, now: datetime | None = None) -> bytes:
    """The user's next twelve months of passive payments as an iCalendar document:
    one all-day event per stream and day (payments of one stream on one day, or of
    one category's unlinked entries, summed), its UID stable across fetches."""
    now = now or datetime.now(UTC)
    today = user_today(user, now)
    calendar = income_calendar(user, Portfolio.objects.filter(owner=user), today=today)
    host = urlsplit(settings.SITE_URL).hostname or "localhost"

    events: dict[tuple[str, date], dict] = {}
    amounts: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    for month in calendar.months:
        for line in month.lines:
            if line.stream_id is not None:
                key = (f"stream-{line.stream_id}", line.date)
            else:
                key = (f"user-{user.pk}-{line.category}", line.date)
            events.setdefault(key, {"name": line.stream, "holding": line.holding})
            amounts[key] += line.amount

    document = Calendar()
    document.add("prodid", PRODID)
    document.add("version", "2.0")
    document.add("calscale", "GREGORIAN")
    document.add("x-wr-calname", "Passive income")
    for (uid, day), about in sorted(events.items(), key=lambda item: (item[0][1], item[0][0])):
        money = formatting.money(amounts[uid, day], user.currency)
        event = Event()
        event.add("uid", f"{uid}-{day:%Y%m%d}@{host}")
        event.add("dtstamp", now.astimezone(UTC))
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        event.add("summary", f"{about['name']}: {money}")
        if about["holding"]:
            event.add("description", f"Passive income from {about['holding']}.")
        event.add("transp", "TRANSPARENT")
        document.add_component(event)
    return document.to_ical()
