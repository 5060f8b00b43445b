"""The hourly job: the 1st of the month at 08:00 in each user's time zone, exactly once.

Beat's hourly run is replayed hour by hour with time-machine; tasks run eagerly,
e-mails go to a real SMTP server. UTC+14 (Kiritimati) is the first place on Earth
to reach the 1st, UTC-12 the last; New York leaves summer time on 1 November
2026 and Sydney starts it on 1 October 2028, both at night before the 08:00 hour.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict

import pytest

from accounts.models import User
from notifications.jobs import due_month, due_month_start
from notifications.models import SentEmail
from notifications.tasks import dispatch_due_emails
from tests.notifications.helpers import add_snapshots, at, member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager")]

JANUARY = dt.date(2026, 1, 1)
UTC = dt.UTC


def sweep(mail, start: dt.datetime, hours: int, *, before_hour=None) -> dict[str, list]:
    """Run the hourly job at minute 1 of each hour; {recipient: [(UTC time, subject)]}."""
    arrivals: dict[str, list] = defaultdict(list)
    for hour in range(hours):
        moment = start + dt.timedelta(hours=hour)
        if before_hour is not None:
            before_hour(moment)
        seen = len(mail.messages)
        with at(moment):
            dispatch_due_emails()
        for message in mail.messages[seen:]:
            arrivals[message["X-Envelope-To"]].append((moment, message["Subject"]))
    return arrivals


def subscriber(email: str, time_zone: str, months: list[dt.date]):
    """A user with figures for ``months``; reminders off, so one e-mail a month is expected."""
    user = member(email=email, time_zone=time_zone, email_log_reminder=False)
    add_snapshots(user, months)
    return user


def local(moment: dt.datetime, time_zone: str) -> dt.datetime:
    return moment.astimezone(zoneinfo.ZoneInfo(time_zone))


@pytest.mark.parametrize(
    ("time_zone", "utc", "month"),
    [
        # 07:59 and 08:00 on 1 February in Kiritimati: 17:59 / 18:00 UTC on 31 January.
        ("Pacific/Kiritimati", dt.datetime(2026, 1, 31, 17, 59, tzinfo=UTC), None),
        ("Pacific/Kiritimati", dt.datetime(2026, 1, 31, 18, 0, tzinfo=UTC), JANUARY),
        # UTC-12 (Etc/GMT+12 in the tz database's inverted signs): 20:00 UTC on the 1st.
        ("Etc/GMT+12", dt.datetime(2026, 2, 1, 19, 59, tzinfo=UTC), None),
        ("Etc/GMT+12", dt.datetime(2026, 2, 1, 20, 0, tzinfo=UTC), JANUARY),
        # Still due on the 2nd (catching up), no longer on the 3rd.
        ("UTC", dt.datetime(2026, 2, 2, 23, 59, tzinfo=UTC), JANUARY),
        ("UTC", dt.datetime(2026, 2, 3, 0, 0, tzinfo=UTC), None),
        # New York on 1 November 2026, the day summer time ends: 08:00 EST is 13:00 UTC.
        ("America/New_York", dt.datetime(2026, 11, 1, 12, 30, tzinfo=UTC), None),
        ("America/New_York", dt.datetime(2026, 11, 1, 13, 0, tzinfo=UTC), dt.date(2026, 10, 1)),
    ],
)
def test_due_month(time_zone, utc, month):
    assert due_month(utc, time_zone) == month


def test_each_user_gets_the_monthly_email_once_between_08_00_and_08_59_local_time(mail):
    zones = ["UTC", "Pacific/Kiritimati", "Etc/GMT+12", "Asia/Kolkata", "America/Los_Angeles"]
    for index, zone in enumerate(zones):
        subscriber(f"user{index}@example.com", zone, [JANUARY])

    # From 31 January 00:01 UTC to 3 February 00:01 UTC: every hour, like beat.
    arrivals = sweep(mail, dt.datetime(2026, 1, 31, 0, 1, tzinfo=UTC), 73)

    assert sorted(arrivals) == [f"user{index}@example.com" for index in range(len(zones))]
    for index, zone in enumerate(zones):
        [(moment, subject)] = arrivals[f"user{index}@example.com"]
        when = local(moment, zone)
        assert (when.day, when.hour) == (1, 8), (zone, when)
        assert subject.startswith("Your wealth ratio in January 2026")


@pytest.mark.parametrize(
    ("time_zone", "start", "expected_utc"),
    [
        # Summer time ends at 02:00 on 1 November 2026: 08:00 is 13:00 UTC, not 12:00.
        (
            "America/New_York",
            dt.datetime(2026, 10, 31, 0, 1, tzinfo=UTC),
            dt.datetime(2026, 11, 1, 13, 1, tzinfo=UTC),
        ),
        # Summer time starts at 02:00 on 1 October 2028: 08:00 is 21:00 UTC the day before.
        (
            "Australia/Sydney",
            dt.datetime(2028, 9, 30, 0, 1, tzinfo=UTC),
            dt.datetime(2028, 9, 30, 21, 1, tzinfo=UTC),
        ),
    ],
)
def test_on_a_daylight_saving_change_day(mail, time_zone, start, expected_utc):
    month = (start + dt.timedelta(days=3)).date().replace(day=1)
    last_month = (month - dt.timedelta(days=1)).replace(day=1)
    subscriber("dst@example.com", time_zone, [last_month])

    arrivals = sweep(mail, start, 72)

    assert [moment for moment, _ in arrivals["dst@example.com"]] == [expected_utc]
    assert local(expected_utc, time_zone).hour == 8


def test_running_the_job_twice_sends_one_email_each(mail):
    users = [subscriber(f"twice{index}@example.com", "UTC", [JANUARY]) for index in range(3)]
    moment = dt.datetime(2026, 2, 1, 8, 1, tzinfo=UTC)

    # Two beat schedulers by mistake, or a redelivered dispatch: the same run twice.
    with at(moment):
        dispatch_due_emails()
        dispatch_due_emails()
    with at(moment + dt.timedelta(hours=1)):
        dispatch_due_emails()

    assert sorted(m["X-Envelope-To"] for m in mail.messages) == sorted(u.email for u in users)
    assert SentEmail.objects.filter(status="sent").count() == 3


def test_a_user_moving_back_after_the_email_is_not_emailed_twice(mail):
    subscriber("mover@example.com", "Pacific/Kiritimati", [JANUARY])

    def move(moment):
        # 19:01 UTC on 31 January: e-mailed in Kiritimati an hour ago, now to UTC-12,
        # where it is still 31 January and where 08:00 on the 1st comes 25 hours later.
        if moment == dt.datetime(2026, 1, 31, 19, 1, tzinfo=UTC):
            User.objects.filter(email="mover@example.com").update(time_zone="Etc/GMT+12")

    arrivals = sweep(mail, dt.datetime(2026, 1, 31, 0, 1, tzinfo=UTC), 73, before_hour=move)

    assert [moment for moment, _ in arrivals["mover@example.com"]] == [
        dt.datetime(2026, 1, 31, 18, 1, tzinfo=UTC)
    ]


def test_a_user_moving_ahead_across_the_hour_is_not_skipped(mail):
    subscriber("jumper@example.com", "Etc/GMT+12", [JANUARY])

    def move(moment):
        # 11:01 UTC on 1 February: 23:01 on 31 January in UTC-12, and already 01:01 on
        # 2 February in Kiritimati, whose 08:00 on the 1st has passed.
        if moment == dt.datetime(2026, 2, 1, 11, 1, tzinfo=UTC):
            User.objects.filter(email="jumper@example.com").update(time_zone="Pacific/Kiritimati")

    arrivals = sweep(mail, dt.datetime(2026, 1, 31, 0, 1, tzinfo=UTC), 73, before_hour=move)

    [(moment, subject)] = arrivals["jumper@example.com"]
    assert moment == dt.datetime(2026, 2, 1, 11, 1, tzinfo=UTC)  # the first run after the move
    assert subject.startswith("Your wealth ratio in January 2026")


def test_who_is_due_is_decided_in_the_database(mail, django_assert_max_num_queries):
    for index in range(30):
        subscriber(f"many{index}@example.com", "UTC", [JANUARY])
    member(email="off@example.com", email_monthly_progress=False, email_log_reminder=False)
    member(email="unverified@example.com", verified=False)

    with at(dt.datetime(2026, 2, 1, 8, 1, tzinfo=UTC)), django_assert_max_num_queries(3):
        due = due_month_start(dt.datetime(2026, 2, 1, 8, 1, tzinfo=UTC))

    assert list(due) == [JANUARY]
    assert len(due[JANUARY]) == 30
