"""Milestones worth celebrating, recorded from freshly computed snapshots.

Set-based: for a batch of users, three queries (users, this year's open goals,
current-month snapshots) and one bulk insert. A milestone's natural key
(user, kind, key) is unique, so recording the same one again is a no-op and the
e-mail about it goes exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth import get_user_model

from goals.models import Goal, Milestone, metric_value
from portfolio.models import Snapshot
from portfolio.months import local_today

ONE = Decimal(1)


def _reached(value: Decimal | None, target: Decimal) -> bool:
    return value is not None and value >= target


def milestones_record(user_ids: Iterable[int], *, now: datetime) -> int:
    """Record the milestones that the users' current-month snapshots reveal.

    Returns how many candidate milestones were seen (already recorded ones included).
    """
    users = {
        u.pk: u
        for u in get_user_model().objects.filter(pk__in=list(user_ids)).only("pk", "time_zone")
    }
    if not users:
        return 0
    today = {pk: local_today(u.time_zone, now) for pk, u in users.items()}
    months = {pk: day.replace(day=1) for pk, day in today.items()}
    snapshots = Snapshot.objects.filter(owner_id__in=users, month__in=set(months.values()))
    current = {(s.owner_id, s.portfolio_id): s for s in snapshots if s.month == months[s.owner_id]}
    # A household's goals follow the household's figures, not the member's who set them.
    goals = Goal.objects.filter(
        owner_id__in=users,
        household=None,
        closed_at__isnull=True,
        year__in={d.year for d in today.values()},
    )
    found: list[Milestone] = []
    for goal in goals:
        snapshot = current.get((goal.owner_id, goal.portfolio_id))
        if goal.year != today[goal.owner_id].year or snapshot is None:
            continue
        value = metric_value(snapshot, goal.metric)
        if _reached(value, goal.target):
            found.append(
                _milestone(
                    goal.owner_id,
                    Milestone.Kind.GOAL_ACHIEVED,
                    today,
                    value,
                    key=str(goal.pk),
                    goal=goal,
                )
            )
    for user_id in users:
        overall = current.get((user_id, None))
        if overall is None:
            continue
        if _reached(overall.figure("wealth_ratio"), ONE):
            found.append(
                _milestone(user_id, Milestone.Kind.RATIO_100, today, overall.figure("wealth_ratio"))
            )
        if _reached(overall.figure("passive_coverage"), ONE):
            found.append(
                _milestone(
                    user_id,
                    Milestone.Kind.PASSIVE_COVERS_SPENDING,
                    today,
                    overall.figure("passive_coverage"),
                )
            )
    Milestone.objects.bulk_create(found, ignore_conflicts=True)
    return len(found)


def _milestone(user_id, kind, today: dict[int, date], value, *, key="", goal=None) -> Milestone:
    finite = value is not None and value.is_finite()
    return Milestone(
        user_id=user_id,
        kind=kind,
        key=key,
        goal=goal,
        value=round(value, 6) if finite else None,
        occurred_on=today[user_id],
    )
