"""The household dashboard: the combined figures of every portfolio shared with the
household, each member's beside them, and the history of the combined figures; and
the household's passive-income calendar.

The figures come from one load of the shared portfolios (``load_owner_data``) and
the core's one formula, per member and for all together: a fixed number of queries
whatever the number of members and portfolios.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from accounts.page_cache import cached_page
from dashboard.charts import history_section
from goals.services import coming_goals, household_goal_cards, household_goals
from households.models import Membership
from portfolio.access import household_portfolios
from portfolio.income_calendar import income_calendar
from portfolio.months import month_end, user_today, window_start
from portfolio.selectors import load_owner_data


def _household_of(request):
    """The user's household, or None after telling them how to have one."""
    membership = Membership.objects.select_related("household").filter(user=request.user).first()
    if membership is None:
        messages.info(request, "Create a household, or accept an invitation, to see one.")
        return None
    return membership.household


@login_required
@require_GET
@cached_page
def household_dashboard(request):
    household = _household_of(request)
    if household is None:
        return redirect("households:household")
    shared = list(household_portfolios(request.user).select_related("owner"))
    today = user_today(request.user)
    # In the creator's base currency, as the household's snapshots and goals are.
    currency = household.currency()
    data = load_owner_data(
        shared,
        first=window_start(today),
        last=month_end(today),
        values_on=today,
        currency=currency,
    )
    members = []
    creator = None
    for member in household.memberships.select_related("user"):
        if member.is_creator:
            creator = member.user
        theirs = [p for p in shared if p.owner_id == member.user_id]
        members.append(
            {
                "user": member.user,
                "portfolios": theirs,
                "figures": data.figures_at(today, portfolio_ids={p.pk for p in theirs}),
            }
        )
    context = {
        "household": household,
        "currency": currency,
        "creator": creator,
        "figures": data.figures_at(today),
        "members": members,
        "has_shared": bool(shared),
        "charts_section": history_section(user=request.user, today=today, household=household).html,
        "goal_cards": household_goal_cards(user=request.user, today=today),
        "coming_goals": coming_goals(household_goals(request.user), today),
        "today": today,
    }
    return render(request, "dashboard/household.html", context)


@login_required
@require_GET
def household_calendar(request):
    """The next twelve months of passive payments of every portfolio shared with the
    household, whoever owns it."""
    household = _household_of(request)
    if household is None:
        return redirect("households:household")
    calendar = income_calendar(
        request.user,
        household_portfolios(request.user),
        household=household,
        today=user_today(request.user),
    )
    return render(
        request, "dashboard/calendar.html", {"calendar": calendar, "household": household}
    )
