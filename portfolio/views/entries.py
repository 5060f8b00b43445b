"""Entries of a portfolio: actual dated cash flows, and the payments expected in a month."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateformat import format as format_date
from django.views.decorators.http import require_http_methods, require_safe

from accounts.page_cache import cached_page
from portfolio import categories, months, schedule, selectors
from portfolio.access import get_entry, get_portfolio
from portfolio.formatting import money
from portfolio.forms import EntryForm
from portfolio.models import Entry, Portfolio, Stream

PAGE_SIZE = 50


def month_label(month: date) -> str:
    """ "October 2026"."""
    return format_date(month, "F Y")


def _entries_url(portfolio_id: int, day: date) -> str:
    return f"{reverse('portfolio:entry_list', args=[portfolio_id])}?month={day:%Y-%m}"


def _expected(portfolio: Portfolio, year: int, month: int) -> list[dict]:
    """Streams that pay in the month and have no entry in it yet, in one query."""
    first, last = months.month_bounds(year, month)
    confirmed = Entry.objects.filter(stream=OuterRef("pk"), date__range=(first, last))
    streams = Stream.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=first),
        ~Exists(confirmed),
        portfolio=portfolio,
        first_date__lte=last,
    )
    rows = []
    for stream in streams:
        spec = stream.spec()
        dates = schedule.payment_dates(spec, year, month)
        if dates:
            rows.append(
                {
                    "stream": stream,
                    "dates": dates,
                    "amount": schedule.expected_in_month(spec, year, month),
                    "outgoing": categories.GROUP_OF[stream.category] == categories.OUTGOING,
                }
            )
    return rows


@login_required
@require_safe
@cached_page
def entry_list(request, pk: int):
    portfolio = get_portfolio(request, pk)
    today = months.user_today(request.user)
    entries = Entry.objects.filter(portfolio=portfolio).select_related("stream")

    month = None
    if month_text := request.GET.get("month", "").strip():
        month = months.parse_month(month_text)
        if month is None:
            messages.error(
                request, "The month filter was ignored: choose a month as YYYY-MM, e.g. 2026-10."
            )
    if month:
        entries = entries.filter(date__range=months.month_bounds(month.year, month.month))
    category = request.GET.get("category", "").strip()
    if category and category not in categories.GROUP_OF:
        messages.error(request, "The category filter was ignored: choose one from the list.")
        category = ""
    if category:
        entries = entries.filter(category=category)

    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    # Entries in another currency show their worth in the base currency at their date.
    shown = selectors.in_base_currency(
        ((e.amount, e.currency, e.date) for e in page.object_list),
        currency=request.user.currency,
        owner_id=request.user.pk,
    )
    for entry, base_amount in zip(page.object_list, shown, strict=True):
        entry.base_amount = base_amount
    box = month or months.month_start(today)
    return render(
        request,
        "portfolio/entries/list.html",
        {
            "portfolio": portfolio,
            "tab": "entries",
            "page": page,
            "month": month,
            "month_value": months.month_period(month) if month else "",
            "category": category,
            "category_groups": categories.CATEGORY_OPTGROUPS,
            "box_label": month_label(box),
            "box_value": months.month_period(box),
            "expected": _expected(portfolio, box.year, box.month),
        },
    )


def _describe(request, entry: Entry) -> str:
    amount = money(entry.amount, entry.currency)
    day = format_date(entry.date, "j F Y")
    return f"Entry of {amount} ({entry.get_category_display()}) on {day}"


@login_required
@require_http_methods(["GET", "POST"])
def entry_create(request, pk: int):
    portfolio = get_portfolio(request, pk, change=True)
    initial = {"date": months.user_today(request.user)}
    form = EntryForm(request.POST or None, portfolio=portfolio, initial=initial)
    if request.method == "POST" and form.is_valid():
        entry = form.save()
        messages.success(request, f"{_describe(request, entry)} added.")
        return redirect(_entries_url(portfolio.pk, entry.date))
    return render(
        request,
        "portfolio/entries/form.html",
        {"portfolio": portfolio, "tab": "entries", "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def entry_edit(request, pk: int):
    entry = get_entry(request, pk, change=True)
    form = EntryForm(request.POST or None, instance=entry, portfolio=entry.portfolio)
    if request.method == "POST" and form.is_valid():
        entry = form.save()
        messages.success(request, f"{_describe(request, entry)} saved.")
        return redirect(_entries_url(entry.portfolio_id, entry.date))
    return render(
        request,
        "portfolio/entries/form.html",
        {"portfolio": entry.portfolio, "tab": "entries", "form": form, "entry": entry},
    )


@login_required
@require_http_methods(["GET", "POST"])
def entry_delete(request, pk: int):
    entry = get_entry(request, pk, change=True)
    if request.method == "POST":
        with transaction.atomic():  # with the snapshots' recompute marker
            entry.delete()
        messages.success(request, f"{_describe(request, entry)} deleted.")
        return redirect(_entries_url(entry.portfolio_id, entry.date))
    return render(
        request,
        "portfolio/entries/delete.html",
        {"portfolio": entry.portfolio, "tab": "entries", "entry": entry},
    )
