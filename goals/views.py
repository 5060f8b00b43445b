"""Goal pages: the list (this year first, then history), create, edit, delete."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.page_cache import cached_page
from goals import progress
from goals.forms import GoalForm
from goals.models import Goal
from goals.services import goal_cards, household_goal_cards, household_goals, own_goals
from portfolio.access import household_currency
from portfolio.months import user_today
from portfolio.saving import save_unique

DUPLICATE = "You already have a goal on this figure for this year and scope; edit that one."


def _goals_of(user):
    """The user's own goals and their household's: the goals they may see and change."""
    return own_goals(user) | household_goals(user)


def _get_goal(request, pk: int) -> Goal:
    """The user's own goal, or one of their household's; 404 for any other."""
    return get_object_or_404(_goals_of(request.user).select_related("portfolio"), pk=pk)


def _save(form: GoalForm) -> Goal | None:
    # The form checks for a duplicate; a simultaneous save is caught by the constraint.
    return save_unique(form, field=None, message=DUPLICATE)


@login_required
@require_GET
@cached_page
def goal_list(request):
    today = user_today(request.user)
    history = list(
        # The household's goals too: in December its goals for next year are set
        # here, and the household page's "All goals" link leads here.
        _goals_of(request.user)
        .exclude(year=today.year)
        .select_related("portfolio", "household")
        # Later years first: the years ahead, then history with final values; in a
        # year, the user's own goals before the household's.
        .order_by("-year", F("household").asc(nulls_first=True), "portfolio__name", "metric")
    )
    # A household's goals are in the currency of its figures, its creator's.
    theirs = household_currency(request.user)
    for goal in history:
        goal.currency = theirs if goal.household_id else request.user.currency
    context = {
        "cards": goal_cards(user=request.user, today=today),
        "household_cards": household_goal_cards(user=request.user, today=today),
        "other_goals": history,
        "today": today,
        # The year a new goal is for: next year's in December (this one ends).
        "plan_year": progress.goal_year(today),
    }
    return render(request, "goals/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def goal_create(request):
    today = user_today(request.user)
    initial = {key: request.GET[key] for key in ("metric", "target", "year") if key in request.GET}
    form = GoalForm(request.POST or None, initial=initial, owner=request.user, today=today)
    if request.method == "POST" and form.is_valid() and (goal := _save(form)):
        messages.success(request, f"Goal set: {goal.get_metric_display().lower()} in {goal.year}.")
        return redirect("goals:goal_list")
    return render(request, "goals/form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def goal_edit(request, pk: int):
    goal = _get_goal(request, pk)
    form = GoalForm(
        request.POST or None, instance=goal, owner=request.user, today=user_today(request.user)
    )
    if request.method == "POST" and form.is_valid() and _save(form):
        messages.success(request, "Goal updated.")
        return redirect("goals:goal_list")
    return render(request, "goals/form.html", {"form": form, "goal": goal})


@login_required
@require_http_methods(["GET", "POST"])
def goal_delete(request, pk: int):
    goal = _get_goal(request, pk)
    if request.method == "POST":
        with transaction.atomic():
            goal.delete()
        messages.success(request, f"Goal for {goal.year} deleted.")
        return redirect("goals:goal_list")
    return render(request, "goals/delete.html", {"goal": goal})
