"""A user's own exchange rates, for currencies the ECB does not publish."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from portfolio.forms import ManualRateForm
from portfolio.models import ManualRate


@login_required
@require_http_methods(["GET", "POST"])
def manual_rates(request):
    """The user's rates, and the form to add one; saving one recomputes their figures."""
    form = ManualRateForm(request.POST or None, owner=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():  # with the recompute marker of the figures it changes
            rate = form.save()
        messages.success(
            request,
            f"From {rate.date:%Y-%m-%d}, 1 EUR = {rate.units_per_euro.normalize():f} "
            f"{rate.currency}. Your figures are being recomputed.",
        )
        return redirect("portfolio:manual_rates")
    return render(
        request,
        "portfolio/rates/list.html",
        {"form": form, "rates": ManualRate.objects.filter(owner=request.user)},
    )


@login_required
@require_POST
def manual_rate_delete(request, pk: int):
    rate = get_object_or_404(ManualRate, pk=pk, owner=request.user)
    with transaction.atomic():
        rate.delete()
    messages.success(request, f"Your {rate.currency} rate from {rate.date:%Y-%m-%d} was removed.")
    return redirect("portfolio:manual_rates")
