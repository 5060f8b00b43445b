"""Milestones worth celebrating, recorded from freshly computed snapshots.

Set-based: for a batch of users, three queries (users, this year's open goals,
the current-month snapshots those read) and one bulk insert; each user's milestones
are worked out on their own, so one user's bad data does not cost the others theirs.
A milestone's natural key (user, kind, key) is unique, so recording the same one
again is a no-op and the e-mail about it goes exactly once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Q

from goals.models import METRIC_FIGURE, Goal, Milestone, metric_value
from households.page_versions import pages_changed
from portfolio.models import Snapshot
from portfolio.months import local_today

logger = logging.getLogger(__name__)

ONE = Decimal(1)


def _reached(snapshot: Snapshot, figure: str, target: Decimal) -> bool:
    """The figure meets the target, and not merely because no spending is recorded
    (passive income does not "cover" spending of nothing)."""
    value = snapshot.figure(figure)
    return value is not None and value >= target and not snapshot.rests_on_no_spending(figure)


@dataclass(frozen=True)
class MilestonesRecorded:
    """What a recording did: milestones seen (already recorded ones included), users
    whose milestones could not be worked out (logged; their next recompute, at the
    latest the nightly one, tries again), and the users with one recorded just now."""

    found: int
    failed: int
    news_for: frozenset[int] = frozenset()


def milestones_record(user_ids: Iterable[int], *, now: datetime) -> MilestonesRecorded:
    """Record the milestones that the users' current-month snapshots reveal.

    One user's bad data (a time zone that does not exist, say) is logged with the
    user and skips that user only.
    """
    users = {
        u.pk: u
        for u in get_user_model().objects.filter(pk__in=list(user_ids)).only("pk", "time_zone")
    }
    today: dict[int, date] = {}
    failed = 0
    for pk, user in users.items():
        try:
            today[pk] = local_today(user.time_zone, now)
        except Exception:
            logger.exception("Milestones: user %s has no today (time zone %r)", pk, user.time_zone)
            failed += 1
    if not today:
        return MilestonesRecorded(found=0, failed=failed)
    goals: dict[int, list[Goal]] = defaultdict(list)
    # A household's goals follow the household's figures, not the member's who set them.
    for goal in Goal.objects.filter(
        owner_id__in=today,
        household=None,
        closed_at__isnull=True,
        year__in={d.year for d in today.values()},
    ):
        goals[goal.owner_id].append(goal)
    # The users' own rows, and those of the portfolios their goals follow: not every
    # portfolio's (a recompute's batch would load twice the rows for nothing).
    goal_portfolios = {g.portfolio_id for own in goals.values() for g in own if g.portfolio_id}
    months = {pk: day.replace(day=1) for pk, day in today.items()}
    snapshots = Snapshot.objects.filter(
        Q(portfolio=None) | Q(portfolio_id__in=goal_portfolios),
        owner_id__in=today,
        month__in=set(months.values()),
    )
    current = {(s.owner_id, s.portfolio_id): s for s in snapshots if s.month == months[s.owner_id]}
    found: list[Milestone] = []
    for user_id, day in today.items():
        try:
            found += _milestones_of(user_id, day, goals[user_id], current)
        except Exception:
            logger.exception("Milestones of user %s could not be worked out", user_id)
            failed += 1
    # Most recomputes see milestones recorded before (a ratio above 100% stays so
    # month after month): only the new ones change pages and call for an e-mail.
    recorded = set(
        Milestone.objects.filter(user_id__in={m.user_id for m in found}).values_list(
            "user_id", "kind", "key"
        )
        if found
        else ()
    )
    new = [m for m in found if (m.user_id, m.kind, m.key) not in recorded]
    # A concurrent recording may insert the same one meanwhile: the key stays unique.
    Milestone.objects.bulk_create(new, ignore_conflicts=True)
    news_for = frozenset(milestone.user_id for milestone in new)
    pages_changed(news_for)
    return MilestonesRecorded(found=len(found), failed=failed, news_for=news_for)


def _milestones_of(
    user_id: int, today: date, goals: list[Goal], current: dict[tuple, Snapshot]
) -> list[Milestone]:
    """The milestones one user's current-month snapshots reveal today."""
    found: list[Milestone] = []
    for goal in goals:
        snapshot = current.get((user_id, goal.portfolio_id))
        if goal.year != today.year or snapshot is None:
            continue
        if _reached(snapshot, METRIC_FIGURE[goal.metric], goal.target):
            value = metric_value(snapshot, goal.metric)
            found.append(
                _milestone(
                    user_id, Milestone.Kind.GOAL_ACHIEVED, today, value, key=str(goal.pk), goal=goal
                )
            )
    overall = current.get((user_id, None))
    if overall is None:
        return found
    for kind, figure in (
        (Milestone.Kind.RATIO_100, "wealth_ratio"),
        (Milestone.Kind.PASSIVE_COVERS_SPENDING, "passive_coverage"),
    ):
        if _reached(overall, figure, ONE):
            found.append(_milestone(user_id, kind, today, overall.figure(figure)))
    return found


def _milestone(user_id, kind, today: date, value, *, key="", goal=None) -> Milestone:
    finite = value is not None and value.is_finite()
    return Milestone(
        user_id=user_id,
        kind=kind,
        key=key,
        goal=goal,
        value=round(value, 6) if finite else None,
        occurred_on=today,
    )
