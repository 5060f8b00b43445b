"""Calendar months, pure Python: the one home of month arithmetic.

No Django import. A month is written as the date of its first day, or as an
integer *month index* (``year * 12 + month - 1``) where arithmetic is easier.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, date, datetime

from portfolio.limits import FIRST_YEAR, LAST_YEAR

_YEAR_MONTH = re.compile(r"(\d{4})-(\d{2})")
_YEAR_MONTH_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# Fixed English names: the calendar module's follow the process locale.
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def month_index(day: date) -> int:
    """``day``'s month as one integer, so that months add and subtract like numbers."""
    return day.year * 12 + day.month - 1


def from_index(index: int) -> date:
    """The first day of the month ``index`` (the inverse of ``month_index``)."""
    return date(index // 12, index % 12 + 1, 1)


def month_start(day: date) -> date:
    return day.replace(day=1)


_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def days_in_month(year: int, month: int) -> int:
    """The number of days of (``year``, ``month``), for a valid month.

    ``calendar.monthrange`` computes the first weekday too: the snapshots ask this
    for every stream and month of a history.
    """
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _DAYS_IN_MONTH[month - 1]


def month_end(day: date) -> date:
    return day.replace(day=days_in_month(day.year, day.month))


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """The first and last day of (``year``, ``month``)."""
    first = date(year, month, 1)
    return first, month_end(first)


def add_months(day: date, count: int) -> date:
    """The first day of the month ``count`` months after ``day``'s (before, if negative)."""
    return from_index(month_index(day) + count)


def window_start(as_of: date, months: int = 12) -> date:
    """The first day of the ``months`` calendar months that end with ``as_of``'s month."""
    return add_months(as_of, 1 - months)


def months_between(first: date, last: date) -> int:
    """How many calendar months from ``first``'s to ``last``'s, both counted."""
    return month_index(last) - month_index(first) + 1


def parse_month(text: str) -> date | None:
    """ "2026-01" -> date(2026, 1, 1); None for anything else or a year out of range."""
    match = _YEAR_MONTH.fullmatch(text.strip())
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def day_past_month_end(text: str) -> str | None:
    """For "YYYY-MM-DD" naming a day its month does not have ("2026-11-31"), the
    sentence that says so: "November has 30 days." February names its year
    ("February 2027 has 28 days."), the only month whose length changes.
    None for a real day and for text of any other shape."""
    match = _YEAR_MONTH_DAY.fullmatch(text.strip())
    if not match:
        return None
    year, month, day = (int(part) for part in match.groups())
    if not (year >= 1 and 1 <= month <= 12):
        return None
    length = days_in_month(year, month)
    if day <= length:
        return None
    name = MONTH_NAMES[month - 1]
    return f"{name} {year} has {length} days." if month == 2 else f"{name} has {length} days."


def month_period(month: date) -> str:
    """The inverse of ``parse_month``: "2026-01"."""
    return f"{month:%Y-%m}"


def local_today(time_zone: str, now: datetime | None = None) -> date:
    """Today's date in ``time_zone`` (an IANA name): a user's month starts at their midnight."""
    moment = now if now is not None else datetime.now(UTC)
    return moment.astimezone(zoneinfo.ZoneInfo(time_zone)).date()


def user_today(user, now: datetime | None = None) -> date:
    """Today's date where ``user`` (anything with a ``time_zone``) lives."""
    return local_today(user.time_zone, now)
