"""Which progress e-mails are due, what each one says, and the batches that send them.

The hourly job (``emails_dispatch_due``) finds the users for whom it is the 1st of
the month, 08:00 or later, in their own time zone, and fans them out in batches;
each batch (``emails_send_month_start``) sends the monthly progress e-mail, the
log reminder and, in January, the new-year invitation, each at most once thanks
to ``notifications.emails.deliver``. Milestones go from ``emails_send_milestones``, called
right after the snapshot that reveals them and swept hourly in case that was lost.

Who gets what is decided once, in SQL (``_recipients``): the same annotations pick
the users in the hourly job and are checked again by the batch, so an e-mail
becomes due or not for the same reasons everywhere.

Time zones. A monthly e-mail is about the month that just ended in the user's
time zone, and its period key is that month ("2026-01"), never the day it is
sent: a user who moves to another time zone after being e-mailed gets nothing
more for that month. It is due from 08:00 on the 1st until the end of the 2nd
(local time), so moving *ahead* across the 08:00 hour (as much as 26 hours, from
UTC-12 to UTC+14) cannot skip it either, and an hour or two of beat downtime
costs nothing. With beat running, it goes in the hourly run between 08:00 and
08:59 local time.
"""

from __future__ import annotations

import functools
import logging
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    CharField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils import dateformat, timezone, translation

from config.tasks import TRANSIENT
from goals import progress
from goals.models import Goal, Metric, Milestone, metric_value
from goals.services import GoalCard, goal_card
from notifications.chart_image import ChartPoint, ratio_chart_png
from notifications.emails import (
    STALE_AFTER,
    DeliveryReport,
    InlineImage,
    Outgoing,
    absolute_url,
    deliver,
    page_url,
    site_host,
)
from notifications.models import SentEmail
from portfolio import formatting, metrics
from portfolio.batch_loading import OwnersData, load_owners_data
from portfolio.history_trend import summarize
from portfolio.limits import TREND_MAX_MONTHS
from portfolio.models import Entry, Portfolio, Snapshot
from portfolio.months import add_months, month_period, window_start
from portfolio.selectors import OwnerData

logger = logging.getLogger(__name__)

Kind = SentEmail.Kind
Status = SentEmail.Status

DUE_FROM = time(8)  # local time on the 1st
CATCH_UP_DAYS = 2  # due on the 1st (from DUE_FROM) and the 2nd, local time
# Users per send task: a few queries for all of them. A batch costs about 18 ms
# whatever its size (compiling and running those queries, checking the SMTP
# connection, its first e-mail sent alone; docs/scaling.md): 100 halves that share
# of an e-mail's time against 50, and a batch still takes well under a second.
BATCH_SIZE = 100
# Milestones are news: one that could not be e-mailed within a week is not sent.
MILESTONE_FRESH_FOR = timedelta(days=7)
CHART_MONTHS = 12

Log = Callable[[str], None]


def _quiet(_line: str) -> None:
    pass


# --- Months and periods ------------------------------------------------------------------


def milestone_period(kind: str, key: str) -> str:
    return f"{kind}:{key}"


def due_month(now: datetime, time_zone: str) -> date | None:
    """The month to report on, if the monthly e-mails are due at ``now`` in ``time_zone``."""
    local = now.astimezone(zoneinfo.ZoneInfo(time_zone))
    if local.day > CATCH_UP_DAYS or (local.day == 1 and local.time() < DUE_FROM):
        return None
    return add_months(local.date(), -1)


def month_name(month: date) -> str:
    """ "January 2026": in the language of the pages (numbers follow NUMBER_LOCALE)."""
    return month_format(month, "F Y")


def month_format(month: date, format_string: str) -> str:
    """``dateformat.format`` of a month, in the active language, formatted once per
    process: every e-mail of a batch names the same dozen months (the chart's labels,
    "January 2026"), and Django's date formatting is a good part of building one."""
    return _month_format(month, format_string, translation.get_language())


def month_formats(months: Iterable[date], format_string: str) -> list[str]:
    """``month_format`` of each of ``months``, the active language looked up once
    (it costs more than formatting a month from the cache)."""
    language = translation.get_language()
    return [_month_format(month, format_string, language) for month in months]


@functools.lru_cache(maxsize=1024)
def _month_format(month: date, format_string: str, language: str | None) -> str:
    return dateformat.format(month, format_string)


# --- Who gets what (one definition, used by the hourly job and by the batches) -------------


def _taken(kind: str, period, *, operator: bool) -> Exists:
    """An e-mail of ``kind`` and ``period`` that must not be sent again by this sender.

    Automatic sending takes back only ``deferred`` rows; the operator command also
    takes back ``failed`` ones and ``pending`` claims of dead workers.
    """
    rows = SentEmail.objects.filter(user=OuterRef("pk"), kind=kind, period=period)
    if operator:
        rows = rows.filter(
            Q(status=Status.SENT)
            | Q(status=Status.PENDING, claimed_at__gte=timezone.now() - STALE_AFTER)
        )
    else:
        rows = rows.exclude(status=Status.DEFERRED)
    return Exists(rows)


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


def _addressed(users: QuerySet) -> QuerySet:
    """Active users with ``address``, their verified primary e-mail address: the only one used."""
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), primary=True, verified=True)
    return (
        users.filter(is_active=True)
        .annotate(address=Subquery(verified.values("email")[:1]))
        .filter(address__isnull=False)
    )


def _recipients(users: QuerySet, month: date, *, operator: bool = False) -> QuerySet:
    """``_addressed`` users annotated with what is due to them about ``month``.

    ``monthly_due``, ``reminder_due``, ``new_year_due``: the e-mails about ``month``
    (the month that just ended for them) still to send.
    """
    period = month_period(month)
    next_month = add_months(month, 1)
    month_end = next_month - timedelta(days=1)
    users = _addressed(users).annotate(
        has_snapshot=Exists(
            Snapshot.objects.filter(owner=OuterRef("pk"), portfolio=None, month=month)
        ),
        has_entries=Exists(
            Entry.objects.filter(portfolio__owner=OuterRef("pk"), date__range=(month, month_end))
        ),
        has_next_goal=Exists(
            Goal.objects.filter(owner=OuterRef("pk"), household=None, year=next_month.year)
        ),
        monthly_taken=_taken(Kind.MONTHLY, period, operator=operator),
        reminder_taken=_taken(Kind.REMINDER, period, operator=operator),
        new_year_taken=_taken(Kind.NEW_YEAR, str(next_month.year), operator=operator),
    )
    return users.annotate(
        # Something to report: figures of a month that ended after the account was made.
        monthly_due=_flag(
            Q(
                email_monthly_progress=True,
                has_snapshot=True,
                monthly_taken=False,
                date_joined__lt=datetime.combine(next_month, time.min, tzinfo=UTC),
            )
        ),
        # Nothing recorded for a month the user had an account in.
        reminder_due=_flag(
            Q(
                email_log_reminder=True,
                has_entries=False,
                reminder_taken=False,
                date_joined__lt=datetime.combine(next_month, time.min, tzinfo=UTC),
            )
        ),
        # January: no goal set for the new year yet.
        new_year_due=_flag(
            Q(email_new_year=True, has_next_goal=False, new_year_taken=False)
            if next_month.month == 1
            else Q(pk__in=[])
        ),
    )


def due_month_start(now: datetime) -> dict[date, list[int]]:
    """{month reported on: ids of users with an e-mail about it due now}."""
    zones = (
        get_user_model()
        .objects.filter(is_active=True)
        .values_list("time_zone", flat=True)
        .distinct()
    )
    zones_by_month: dict[date, list[str]] = defaultdict(list)
    for zone in zones:
        try:
            month = due_month(now, zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            # Written in SQL, not through the settings: those users' month has no start.
            logger.exception("E-mails: no e-mail for the users of the unknown time zone %r", zone)
            continue
        if month is not None:
            zones_by_month[month].append(zone)
    due = {}
    for month, zone_names in zones_by_month.items():
        users = get_user_model().objects.filter(time_zone__in=zone_names)
        ids = list(
            _recipients(users, month)
            .filter(Q(monthly_due=True) | Q(reminder_due=True) | Q(new_year_due=True))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if ids:
            due[month] = ids
    return due


def _milestones(*, operator: bool = False) -> QuerySet:
    """Milestones annotated with ``emailed``: their e-mail must not be sent again."""
    rows = SentEmail.objects.filter(
        user=OuterRef("user"),
        kind=Kind.MILESTONE,
        period=Concat(OuterRef("kind"), Value(":"), OuterRef("key"), output_field=CharField()),
    )
    if operator:
        rows = rows.filter(
            Q(status=Status.SENT)
            | Q(status=Status.PENDING, claimed_at__gte=timezone.now() - STALE_AFTER)
        )
    else:
        rows = rows.exclude(status=Status.DEFERRED)
    return Milestone.objects.annotate(emailed=Exists(rows))


def due_milestone_users(now: datetime) -> list[int]:
    """Users with a recent milestone not e-mailed yet: the sweep behind the on-commit task."""
    return list(
        _milestones()
        .filter(
            emailed=False,
            created_at__gte=now - MILESTONE_FRESH_FOR,
            user__is_active=True,
            user__email_milestones=True,
        )
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )


# --- What each e-mail says ------------------------------------------------------------------


def _change(new: Decimal | None, old: Decimal | None) -> Decimal | None:
    if new is None or old is None or not (new.is_finite() and old.is_finite()):
        return None
    return new - old


def _goal_cards(
    user, goals: list[Goal], snapshots, month: date, as_of: date, data: OwnerData | None
) -> list[GoalCard]:
    """The dashboard's goal cards, read from the month's snapshots; the status from
    the projected 31 December, from ``data`` (``_projection_data``: loaded for the
    whole batch, only for users with goals)."""
    if not goals:
        return []
    year_end = date(month.year, 12, 31)
    cards = []
    for goal in goals:
        snapshot = snapshots.get((goal.portfolio_id, month))
        cards.append(
            goal_card(
                goal,
                as_of=as_of,
                current=None if snapshot is None else metric_value(snapshot, goal.metric),
                projected=metric_value(data.figures_at(year_end, goal.portfolio_id), goal.metric),
                monthly_earned=None if snapshot is None else snapshot.monthly_earned,
                monthly_passive=None if snapshot is None else snapshot.monthly_passive,
                yearly_yield=user.assumed_yield,
            )
        )
    return cards


def _chart(
    user, month: date, history: dict[date, Snapshot], ratio_goal: Goal | None
) -> tuple[InlineImage, str, list[tuple[str, str]]]:
    """The PNG, its alt text, and the same numbers as (month, ratio) pairs for the text part."""
    days = tuple(add_months(month, -offset) for offset in range(CHART_MONTHS - 1, -1, -1))
    points = []
    for day, label in zip(days, month_formats(days, "M"), strict=True):
        snapshot = history.get(day)
        value = None if snapshot is None else snapshot.figure("wealth_ratio")
        points.append(ChartPoint(label=label, value=value, text=formatting.ratio(value)))
    target = ratio_goal.target if ratio_goal is not None else None
    png = ratio_chart_png(
        points,
        target=target,
        target_text=f"Goal {formatting.percent(target)}" if target is not None else "",
    )
    numbers = [(point.label, point.text) for point in points]
    alt = "Wealth ratio by month: " + ", ".join(f"{label} {text}" for label, text in numbers)
    if target is not None:
        alt += f"; goal {formatting.percent(target)}"
    cid = f"ratio-{month:%Y-%m}-{user.pk}@{site_host()}"
    return InlineImage(cid=cid, content=png, filename="ratio.png"), alt, numbers


def _projection_data(users: Iterable, month: date) -> OwnersData:
    """What the goal cards of ``users`` project 31 December of ``month``'s year from:
    their streams, entries and holdings, loaded for all of them in a few queries."""
    year_end = date(month.year, 12, 31)
    return load_owners_data(
        {user.pk: user.currency for user in users},
        first=window_start(year_end),
        last=year_end,
        values_on=add_months(month, 1) - timedelta(days=1),
    )


def monthly_outgoing(
    user,
    month: date,
    snapshots: dict[tuple[int | None, date], Snapshot],
    goals: list[Goal],
    household: Snapshot | None = None,
    owner_data: OwnerData | None = None,
) -> Outgoing | None:
    """The monthly progress e-mail about ``month``, from the user's snapshots; with the
    month's ``household`` snapshot when the user asked for their household's figures.
    ``owner_data`` (from ``_projection_data``) is needed when there are ``goals``."""
    current = snapshots.get((None, month))
    if current is None:
        return None
    before = snapshots.get((None, add_months(month, -1)))
    year_start = snapshots.get((None, date(month.year - 1, 12, 1)))
    as_of = add_months(month, 1) - timedelta(days=1)

    def change(name: str, earlier: Snapshot | None) -> Decimal | None:
        return None if earlier is None else _change(current.figure(name), earlier.figure(name))

    cards = _goal_cards(user, goals, snapshots, month, as_of, owner_data)
    ratio_goal = next(
        (g for g in goals if g.metric == Metric.WEALTH_RATIO and g.portfolio_id is None), None
    )
    history = {day: row for (scope, day), row in snapshots.items() if scope is None}
    image, chart_alt, chart_numbers = _chart(user, month, history, ratio_goal)
    trend = summarize(history.values(), month=month)
    context = {
        "month": month,
        "month_name": month_name(month),
        "month_before_name": month_name(add_months(month, -1)),
        "month_only": month_format(month, "F"),
        "snapshot": current,
        "ratio": current.figure("wealth_ratio"),
        "runway": current.figure("runway_months"),
        "runway_with_passive": current.figure("runway_with_passive_months"),
        "coverage": current.figure("passive_coverage"),
        "monthly_passive": current.monthly_passive,
        "monthly_earned": current.monthly_earned,
        "monthly_spending": current.monthly_spending,
        "ratio_change_month": change("wealth_ratio", before),
        "ratio_change_year": change("wealth_ratio", year_start),
        "runway_change_month": change("runway_months", before),
        "runway_change_year": change("runway_months", year_start),
        "has_month_before": before is not None,
        "has_year_start": year_start is not None and month.month != 1,
        "cards": cards,
        "chart_cid": image.cid,
        "chart_alt": chart_alt,
        "chart_numbers": chart_numbers,
        "goals_url": page_url("goals:goal_list"),
        "household": household,
        "household_ratio": household and household.figure("wealth_ratio"),
        "household_runway": household and household.figure("runway_months"),
        "household_url": page_url("dashboard:household"),
        "trend": trend,
        "trend_url": f"{page_url('portfolio:projection')}?{trend.projection_query}"
        if trend
        else None,
    }
    return Outgoing(
        user, user.address, Kind.MONTHLY, month_period(month), "monthly", context, (image,)
    )


def reminder_outgoing(user, month: date, portfolio: Portfolio | None) -> Outgoing:
    entries_url = (
        reverse("portfolio:entry_list", args=[portfolio.pk])
        if portfolio is not None
        else reverse("portfolio:portfolio_list")
    )
    context = {
        "month": month,
        "month_name": month_name(month),
        "month_only": month_format(month, "F"),
        "entries_url": absolute_url(entries_url),
        "import_url": absolute_url(reverse("dataport:statement_import", args=[portfolio.pk]))
        if portfolio is not None
        else None,
    }
    return Outgoing(user, user.address, Kind.REMINDER, month_period(month), "reminder", context)


def new_year_outgoing(user, year: int, december: Snapshot | None) -> Outgoing:
    ratio = None if december is None else december.figure("wealth_ratio")
    invite = progress.suggest_goal(
        ratio=ratio,
        monthly_earned=Decimal(0) if december is None else december.monthly_earned,
        today=date(year, 1, 1),
    )
    # As on the dashboard: no ratio to raise without earned income; a first income in
    # money at a ratio of 0; otherwise double it.
    suggestion = invite.target if invite is not None else None
    goal_url = reverse("goals:goal_create")
    if suggestion is not None:
        # As the dashboard's invitation does: the goal form opens filled in.
        goal_url += "?" + urlencode(
            {
                "metric": Metric.WEALTH_RATIO,
                "target": formatting.percent(suggestion, 0),
                "year": year,
            }
        )
    context = {
        "year": year,
        "ratio": ratio,
        "suggestion": suggestion,
        "first_income": invite.monthly_passive if invite is not None else None,
        "ask_earned": december is not None
        and invite is not None
        and invite.kind == progress.ASK_EARNED,
        "fully_passive": ratio is not None and ratio.is_infinite(),
        "goal_url": absolute_url(goal_url),
    }
    return Outgoing(user, user.address, Kind.NEW_YEAR, str(year), "new_year", context)


def milestone_outgoing(user, milestone: Milestone) -> Outgoing:
    # A milestone is recorded only once its figure is reached, so a missing value
    # means an unbounded one (a fully passive ratio, say).
    value = metrics.INFINITY if milestone.value is None else milestone.value
    context = {
        "milestone": milestone,
        "goal": milestone.goal,
        "value": value,
        "achieved": milestone.kind == Milestone.Kind.GOAL_ACHIEVED,
        "ratio_100": milestone.kind == Milestone.Kind.RATIO_100,
        "covers_spending": milestone.kind == Milestone.Kind.PASSIVE_COVERS_SPENDING,
        "goals_url": page_url("goals:goal_list"),
    }
    period = milestone_period(milestone.kind, milestone.key)
    return Outgoing(user, user.address, Kind.MILESTONE, period, "milestone", context)


# --- Batches --------------------------------------------------------------------------------


def month_start_outgoings(
    *,
    user_ids: Iterable[int],
    month: date,
    kinds: Iterable[str] = (Kind.MONTHLY, Kind.REMINDER, Kind.NEW_YEAR),
    operator: bool = False,
    log: Log = _quiet,
    failures: list[int] | None = None,
) -> Iterator[Outgoing]:
    """The e-mails about ``month`` still due to ``user_ids``, built one at a time.

    A fixed number of queries for the whole batch: users with their flags,
    snapshots, goals, portfolios, and the goal cards' streams, entries and holdings
    (``load_owners_data``). A user whose e-mail cannot be built is logged and
    appended to ``failures`` (once per e-mail), and the others' e-mails still come.
    """
    kinds = set(kinds)
    users = list(
        _recipients(
            get_user_model().objects.filter(pk__in=list(user_ids)), month, operator=operator
        ).order_by("pk")
    )
    due_flag = {
        Kind.MONTHLY: "monthly_due",
        Kind.REMINDER: "reminder_due",
        Kind.NEW_YEAR: "new_year_due",
    }
    wanted: dict[str, list] = {kind: [] for kind in due_flag}
    for user in users:
        for kind in sorted(kinds):
            if getattr(user, due_flag[kind]):
                wanted[kind].append(user)
            else:
                log(f"not due: {kind} to {user.address} (unsubscribed, nothing to say, or taken)")

    monthly_ids = [u.pk for u in wanted[Kind.MONTHLY]]
    snapshots: dict[int, dict[tuple[int | None, date], Snapshot]] = defaultdict(dict)
    goals: dict[int, list[Goal]] = defaultdict(list)
    if monthly_ids or wanted[Kind.NEW_YEAR]:
        rows = Snapshot.objects.filter(
            owner_id__in=monthly_ids + [u.pk for u in wanted[Kind.NEW_YEAR]]
        ).filter(
            Q(
                portfolio__isnull=True,
                month__range=(add_months(month, -max(CHART_MONTHS, TREND_MAX_MONTHS)), month),
            )
            | Q(portfolio__isnull=False, month=month)
        )
        # The e-mails show metrics and monthly figures, never the categories nor when
        # a row was computed: their JSON and time stamp (a time-zone-aware datetime
        # is about a third of building a row) are left in the database rather than
        # decoded for two dozen rows a user.
        for row in rows.defer("by_category", "computed_at"):
            snapshots[row.owner_id][(row.portfolio_id, row.month)] = row
    if monthly_ids:
        for goal in (
            Goal.objects.filter(owner_id__in=monthly_ids, household=None, year=month.year)
            .select_related("portfolio")
            .order_by("owner_id", "portfolio__name", "metric")
        ):
            goals[goal.owner_id].append(goal)
    household_rows: dict[int, Snapshot] = {}
    household_ids = [u.pk for u in wanted[Kind.MONTHLY] if u.email_monthly_household]
    if household_ids:
        for row in (
            Snapshot.objects.filter(household__memberships__user_id__in=household_ids, month=month)
            .annotate(member_id=F("household__memberships__user_id"))
            .select_related("household")
        ):
            household_rows[row.member_id] = row
    first_portfolio: dict[int, Portfolio] = {}
    if wanted[Kind.REMINDER]:
        for portfolio in Portfolio.objects.filter(
            owner_id__in=[u.pk for u in wanted[Kind.REMINDER]]
        ).order_by("owner_id", "pk"):
            first_portfolio.setdefault(portfolio.owner_id, portfolio)

    projection = _projection_data([u for u in wanted[Kind.MONTHLY] if goals[u.pk]], month)

    def built(kind: str, build: Callable[[Any], Outgoing | None]) -> Iterator[Outgoing]:
        return _each_built(wanted[kind], kind, build, failures=failures, log=log)

    yield from built(
        Kind.MONTHLY,
        lambda user: monthly_outgoing(
            user,
            month,
            snapshots[user.pk],
            goals[user.pk],
            household_rows.get(user.pk),
            # A user whose rows could not be loaded raises here: set aside, logged.
            projection[user.pk] if goals[user.pk] else None,
        ),
    )
    yield from built(
        Kind.REMINDER, lambda user: reminder_outgoing(user, month, first_portfolio.get(user.pk))
    )
    yield from built(
        Kind.NEW_YEAR,
        lambda user: new_year_outgoing(user, month.year + 1, snapshots[user.pk].get((None, month))),
    )


def _each_built(
    users: Iterable,
    kind: str,
    build: Callable[[Any], Outgoing | None],
    *,
    failures: list[int] | None,
    log: Log,
) -> Iterator[Outgoing]:
    """``build(user)`` for each of ``users``. One that raises (the user's data cannot
    be computed, a bug) is logged with the user and the traceback and added to
    ``failures``, and the batch goes on: nothing was claimed, so the next run tries
    that e-mail again."""
    for user in users:
        try:
            outgoing = build(user)
        except TRANSIENT:
            raise
        except Exception:
            logger.exception(
                "The %s e-mail of user %s could not be built; the next run tries again",
                kind,
                user.pk,
            )
            log(f"error: the {kind} e-mail to {user.address} could not be built")
            if failures is not None:
                failures.append(user.pk)
            continue
        if outgoing is not None:
            yield outgoing


def emails_send_month_start(*, user_ids: Iterable[int], month: date) -> DeliveryReport:
    """Send the month-start e-mails about ``month`` due to a batch of users.

    ``errors`` in the report counts the e-mails that could not be built, each logged
    with its user: one user's bad data does not stop the batch.
    """
    failures: list[int] = []
    report = deliver(month_start_outgoings(user_ids=user_ids, month=month, failures=failures))
    report.errors += len(failures)
    return report


def milestone_outgoings(
    *,
    user_ids: Iterable[int] | None,
    now: datetime,
    period: str | None = None,
    operator: bool = False,
    log: Log = _quiet,
) -> Iterator[Outgoing]:
    """One e-mail per milestone of ``user_ids`` not e-mailed yet.

    Only recent ones (``MILESTONE_FRESH_FOR``), unless the operator names one by ``period``.
    """
    rows = _milestones(operator=operator).filter(emailed=False).select_related("goal")
    if user_ids is not None:
        rows = rows.filter(user_id__in=list(user_ids))
    if period is None:
        rows = rows.filter(created_at__gte=now - MILESTONE_FRESH_FOR)
    else:
        kind, _, key = period.partition(":")
        rows = rows.filter(kind=kind, key=key)
    by_user: dict[int, list[Milestone]] = defaultdict(list)
    for milestone in rows.order_by("user_id", "occurred_on", "pk"):
        by_user[milestone.user_id].append(milestone)
    if not by_user:
        return
    for user in _addressed(get_user_model().objects.filter(pk__in=list(by_user))).order_by("pk"):
        if not user.email_milestones:
            log(f"nothing to send to {user.address}: unsubscribed from milestones")
            continue
        for milestone in by_user[user.pk]:
            yield milestone_outgoing(user, milestone)


def emails_send_milestones(*, user_ids: Iterable[int], now: datetime) -> DeliveryReport:
    """E-mail every recent milestone of ``user_ids`` that was not e-mailed yet."""
    return deliver(milestone_outgoings(user_ids=user_ids, now=now))
