"""Portfolios: list, create, rename, delete, share (each one's dashboard is in ``dashboard``).

The list shows the user's own portfolios and those their household shares with
them; only the owner renames, deletes or shares a portfolio.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.page_cache import cached_page
from households.models import Membership
from portfolio import access, services
from portfolio.forms import PortfolioForm, SharingForm
from portfolio.models import Portfolio
from portfolio.saving import save_unique

NAME_TAKEN = "You already have a portfolio with this name."
ONLY_PORTFOLIO = "This is your only portfolio; add another before deleting it."


def _save(form: PortfolioForm) -> Portfolio | None:
    return save_unique(form, message=NAME_TAKEN)


@login_required
@require_GET
@cached_page
def portfolio_list(request):
    portfolios = list(
        access.readable_portfolios(request.user)
        .select_related("owner")
        .annotate(
            holding_count=Count("holdings", distinct=True),
            stream_count=Count("streams", distinct=True),
        )
    )
    in_household = Membership.objects.filter(user=request.user).exists()
    for portfolio in portfolios:
        if portfolio.owner_id == request.user.pk and in_household:
            portfolio.sharing_form = SharingForm(
                instance=portfolio, auto_id=f"id_%s_{portfolio.pk}"
            )
    mine = [p for p in portfolios if p.owner_id == request.user.pk]
    shared = [p for p in portfolios if p.owner_id != request.user.pk]
    return render(
        request,
        "portfolio/portfolios/list.html",
        {"portfolios": mine, "shared_with_me": shared, "in_household": in_household},
    )


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
    portfolio = access.get_owned_portfolio(request, pk)
    form = PortfolioForm(request.POST or None, instance=portfolio, owner=request.user)
    if request.method == "POST" and form.is_valid() and _save(form):
        messages.success(request, f"Portfolio renamed to “{portfolio.name}”.")
        return redirect("dashboard:portfolio", pk=portfolio.pk)
    return render(request, "portfolio/portfolios/form.html", {"form": form, "portfolio": portfolio})


@login_required
@require_http_methods(["GET", "POST"])
def portfolio_delete(request, pk: int):
    portfolio = access.get_owned_portfolio(request, pk)
    is_only = not access.owned_portfolios(request.user).exclude(pk=portfolio.pk).exists()
    if request.method == "POST":
        name = portfolio.name
        if not services.portfolio_delete(portfolio=portfolio):
            messages.error(request, ONLY_PORTFOLIO)
            return redirect("dashboard:portfolio", pk=portfolio.pk)
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


@login_required
@require_POST
def portfolio_sharing(request, pk: int):
    """Private, shared for viewing or for editing with the owner's household."""
    portfolio = access.get_owned_portfolio(request, pk)
    form = SharingForm(request.POST, instance=portfolio)
    if not form.is_valid():
        messages.error(request, "Sharing was not changed: choose one of the options.")
        return redirect("portfolio:portfolio_list")
    services.portfolio_share(portfolio=portfolio, sharing=form.cleaned_data["sharing"])
    messages.success(request, f"“{portfolio.name}”: {portfolio.get_sharing_display().lower()}.")
    return redirect("portfolio:portfolio_list")
