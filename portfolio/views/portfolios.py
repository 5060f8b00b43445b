"""Portfolios: list, create, rename, delete (each one's dashboard is in ``dashboard``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from portfolio.forms import PortfolioForm
from portfolio.models import Portfolio
from portfolio.saving import save_unique
from portfolio.views.ownership import get_portfolio

NAME_TAKEN = "You already have a portfolio with this name."
ONLY_PORTFOLIO = "This is your only portfolio; add another before deleting it."


def _save(form: PortfolioForm) -> Portfolio | None:
    return save_unique(form, message=NAME_TAKEN)


@login_required
@require_GET
def portfolio_list(request):
    portfolios = Portfolio.objects.filter(owner=request.user).annotate(
        holding_count=Count("holdings", distinct=True),
        stream_count=Count("streams", distinct=True),
    )
    return render(request, "portfolio/portfolios/list.html", {"portfolios": portfolios})


@login_required
@require_http_methods(["GET", "POST"])
def portfolio_create(request):
    form = PortfolioForm(request.POST or None, owner=request.user)
    if (
        request.method == "POST"
        and form.is_valid()
        and (portfolio := save_unique(form, message=NAME_TAKEN))
    ):
        messages.success(request, f"Portfolio “{portfolio.name}” created.")
        return redirect("dashboard:portfolio", pk=portfolio.pk)
    return render(request, "portfolio/portfolios/form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def portfolio_rename(request, pk: int):
    portfolio = get_portfolio(request, pk)
    form = PortfolioForm(request.POST or None, instance=portfolio, owner=request.user)
    if request.method == "POST" and form.is_valid() and _save(form):
        messages.success(request, f"Portfolio renamed to “{portfolio.name}”.")
        return redirect("dashboard:portfolio", pk=portfolio.pk)
    return render(request, "portfolio/portfolios/form.html", {"form": form, "portfolio": portfolio})


@login_required
@require_http_methods(["GET", "POST"])
def portfolio_delete(request, pk: int):
    portfolio = get_portfolio(request, pk)
    is_only = not Portfolio.objects.filter(owner=request.user).exclude(pk=portfolio.pk).exists()
    if request.method == "POST":
        with transaction.atomic():
            # Lock the user's portfolios: two deletes at once must not leave none.
            mine = Portfolio.objects.select_for_update().filter(owner=request.user)
            if len(mine.values_list("pk", flat=True)) < 2:
                messages.error(request, ONLY_PORTFOLIO)
                return redirect("dashboard:portfolio", pk=portfolio.pk)
            name = portfolio.name
            portfolio.delete()
        messages.success(request, f"Portfolio “{name}” and everything in it deleted.")
        return redirect("portfolio:portfolio_list")
    counts = {
        "holdings": portfolio.holdings.count(),
        "streams": portfolio.streams.count(),
        "entries": portfolio.entries.count(),
    }
    return render(
        request,
        "portfolio/portfolios/delete.html",
        {"portfolio": portfolio, "counts": counts, "is_only": is_only},
    )
