"""Streams of a portfolio: recurring income and spending, and confirming a month."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.page_cache import cached_page
from portfolio import categories, metrics, months, schedule, selectors, services
from portfolio.access import get_portfolio, get_stream
from portfolio.forms import StreamForm
from portfolio.models import Holding, Portfolio, Stream
from portfolio.saving import save_unique
from portfolio.views.entries import month_label

NAME_TAKEN = "This portfolio already has a stream with this name."


def _row(stream: Stream, today: date) -> dict:
    spec = stream.spec()
    monthly = schedule.monthly_equivalent(spec)
    group = categories.GROUP_OF[stream.category]
    per_hour = None
    if group == categories.PASSIVE or (group == categories.EARNED and stream.hours_per_month):
        # Earned income with no hours recorded has no meaningful rate per hour.
        per_hour = metrics.passive_income_per_hour(monthly, stream.hours_per_month)
    return {
        "stream": stream,
        "monthly": monthly,
        "per_hour": per_hour,
        "ended": stream.end_date is not None and stream.end_date < today,
        "not_passive": group == categories.PASSIVE
        and stream.hours_per_month > settings.PASSIVE_HOURS_LIMIT,
    }


@login_required
@require_safe
@cached_page
def stream_list(request, pk: int):
    portfolio = get_portfolio(request, pk)
    today = months.user_today(request.user)
    rows = [
        _row(stream, today)
        for stream in Stream.objects.filter(portfolio=portfolio).select_related("holding")
    ]
    # Amounts in another currency show their worth in the base currency at today's rate.
    shown = selectors.in_base_currency(
        (
            pair
            for row in rows
            for pair in (
                (row["stream"].amount, row["stream"].currency, today),
                (row["monthly"], row["stream"].currency, today),
            )
        ),
        currency=request.user.currency,
        owner_id=request.user.pk,
    )
    for row, base_amount, base_monthly in zip(rows, shown[::2], shown[1::2], strict=True):
        row["base_amount"], row["base_monthly"] = base_amount, base_monthly
    groups = []
    for group in categories.GROUPS:
        in_group = [r for r in rows if categories.GROUP_OF[r["stream"].category] == group]
        running = [
            r["monthly"] if r["base_monthly"] is None else r["base_monthly"]
            for r in in_group
            if not r["ended"]
        ]
        known = all(isinstance(amount, Decimal) for amount in running)
        groups.append(
            {
                "key": group,
                "label": categories.GROUP_LABELS[group],
                "rows": in_group,
                # Unknown (a dash) when a running stream's currency has no rate.
                "monthly_total": sum(running, start=Decimal(0)) if known else None,
            }
        )
    return render(
        request,
        "portfolio/streams/list.html",
        {
            "portfolio": portfolio,
            "tab": "streams",
            "groups": groups,
            "has_streams": bool(rows),
            "hours_limit": settings.PASSIVE_HOURS_LIMIT,
        },
    )


def _save(form: StreamForm) -> Stream | None:
    return save_unique(form, message=NAME_TAKEN)


def _prefill(request, portfolio: Portfolio) -> dict:
    """Initial holding and category from the query string (``?holding=3&category=rent``,
    the holdings' "Does it pay you?" link); a holding of another portfolio is ignored."""
    initial: dict = {}
    holding = request.GET.get("holding", "")
    if holding.isascii() and holding.isdigit() and len(holding) < 19:  # a bigint key
        initial["holding"] = Holding.objects.filter(portfolio=portfolio, pk=int(holding)).first()
    if request.GET.get("category") in categories.GROUP_OF:
        initial["category"] = request.GET["category"]
    return {name: value for name, value in initial.items() if value is not None}


@login_required
@require_http_methods(["GET", "POST"])
def stream_create(request, pk: int):
    portfolio = get_portfolio(request, pk, change=True)
    initial = {"first_date": months.user_today(request.user), **_prefill(request, portfolio)}
    form = StreamForm(request.POST or None, portfolio=portfolio, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and (stream := save_unique(form, message=NAME_TAKEN))
    ):
        messages.success(request, f"Stream “{stream.name}” added.")
        return redirect("portfolio:stream_list", portfolio.pk)
    return render(
        request,
        "portfolio/streams/form.html",
        {"portfolio": portfolio, "tab": "streams", "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def stream_edit(request, pk: int):
    stream = get_stream(request, pk, change=True)
    form = StreamForm(request.POST or None, instance=stream, portfolio=stream.portfolio)
    if request.method == "POST" and form.is_valid() and (saved := _save(form)):
        messages.success(request, f"Stream “{saved.name}” saved.")
        return redirect("portfolio:stream_list", saved.portfolio_id)
    return render(
        request,
        "portfolio/streams/form.html",
        {"portfolio": stream.portfolio, "tab": "streams", "form": form, "stream": stream},
    )


@login_required
@require_http_methods(["GET", "POST"])
def stream_delete(request, pk: int):
    stream = get_stream(request, pk, change=True)
    if request.method == "POST":
        with transaction.atomic():  # linked entries are kept, unlinked
            stream.delete()
        messages.success(request, f"Stream “{stream.name}” deleted.")
        return redirect("portfolio:stream_list", stream.portfolio_id)
    return render(
        request,
        "portfolio/streams/delete.html",
        {
            "portfolio": stream.portfolio,
            "tab": "streams",
            "stream": stream,
            "entry_count": stream.entries.count(),
        },
    )


@login_required
@require_POST
def stream_confirm(request, pk: int):
    """Record the stream's expected payments in ``month`` (YYYY-MM) as entries, once."""
    stream = get_stream(request, pk, change=True)
    entries_url = reverse("portfolio:entry_list", args=[stream.portfolio_id])
    month = months.parse_month(request.POST.get("month", ""))
    if month is None:
        messages.error(request, "Nothing was confirmed: choose a month as YYYY-MM.")
        return redirect(entries_url)
    label = month_label(month)
    back = f"{entries_url}?month={months.month_period(month)}"
    if not schedule.payment_dates(stream.spec(), month.year, month.month):
        messages.info(request, f"“{stream.name}” pays nothing in {label}.")
        return redirect(back)
    made = services.stream_confirm_month(stream=stream, year=month.year, month=month.month)
    if made:
        messages.success(
            request, f"Confirmed {len(made)} payment(s) of “{stream.name}” for {label}."
        )
    else:
        messages.info(
            request, f"Already confirmed: “{stream.name}” has entries in {label}; nothing added."
        )
    return redirect(back)
