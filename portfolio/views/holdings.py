"""Holdings of a portfolio, each with its valuation history and cash-flow class.

Values show in the holding's currency, with their worth in the base currency
beside them where it differs; totals and cash flows are in the base currency.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models.functions import Lower
from django.shortcuts import redirect, render
from django.utils.dateformat import format as format_date
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.page_cache import cached_page
from portfolio import metrics, months, schedule, selectors, services
from portfolio.access import get_holding, get_portfolio, get_valuation
from portfolio.conversion import MissingRate, NoRate
from portfolio.formatting import money
from portfolio.forms import HoldingForm, ValuationForm
from portfolio.models import Holding
from portfolio.saving import save_unique

NAME_TAKEN = "This portfolio already has a holding with this name."


def _asks_for_income(holding: Holding, value: Decimal | None, nets: dict) -> bool:
    """Something of value with no flow linked to it, perhaps because none was recorded:
    "Does it pay you?" (a loan never pays you; a balanced holding has its flows)."""
    return (
        holding.kind != Holding.Kind.LOAN
        and value is not None
        and value > 0
        and holding.pk not in nets
    )


def _date(day: date) -> str:
    return format_date(day, "j F Y")


@login_required
@require_safe
@cached_page
def holding_list(request, pk: int):
    portfolio = get_portfolio(request, pk)
    today = months.user_today(request.user)
    base = request.user.currency
    holdings = list(
        selectors.holdings_with_value([portfolio], today).select_related("secured_against")
    )
    streams = selectors.holding_streams(holdings)
    convert = selectors.page_converter(
        {row.currency for row in (*holdings, *streams)},
        currency=base,
        on=today,
        owner_id=request.user.pk,
    )
    no_rate = None
    try:
        nets = selectors.holding_cash_flows(streams, today, convert=convert)
    except MissingRate as missing:
        nets, no_rate = None, missing.no_rate.message
    by_kind: dict[str, list[Holding]] = defaultdict(list)
    for holding in holdings:
        holding.base_value = _in_base(convert, holding.value, holding.currency, base, today)
        if isinstance(holding.base_value, NoRate):
            no_rate = no_rate or holding.base_value.message
        holding.monthly_net = None if nets is None else nets.get(holding.pk, schedule.ZERO)
        holding.cash_flow_class = (
            None if nets is None else metrics.holding_class(holding.monthly_net)
        )
        holding.asks_for_income = _asks_for_income(holding, holding.value, nets)
        by_kind[holding.kind].append(holding)
    groups = [
        {"label": kind.label, "holdings": by_kind[kind], "total": _total(by_kind[kind])}
        for kind in Holding.Kind
        if by_kind[kind]
    ]
    try:
        liquid, net_worth = selectors.balance_sheet(holdings, convert=convert, on=today)
    except MissingRate:
        liquid = net_worth = None
    return render(
        request,
        "portfolio/holdings/list.html",
        {
            "portfolio": portfolio,
            "tab": "holdings",
            "groups": groups,
            "today": today,
            "net_worth": net_worth,
            "liquid_assets": liquid,
            "no_rate": no_rate,
        },
    )


def _in_base(convert, value, currency: str, base: str, day: date) -> Decimal | NoRate | None:
    """A value in the base currency where it is in another (None where it is not)."""
    if value is None or currency == base:
        return None
    try:
        return convert(value, currency, day)
    except MissingRate as missing:
        return missing.no_rate


def _total(holdings: list[Holding]):
    """The group's values in the base currency (unknown if one lacks a rate)."""
    values = [h.value if h.base_value is None else h.base_value for h in holdings]
    if any(isinstance(v, NoRate) for v in values):
        return None
    return sum((v or schedule.ZERO for v in values), start=schedule.ZERO)


@login_required
@require_http_methods(["GET", "POST"])
def holding_create(request, pk: int):
    portfolio = get_portfolio(request, pk, change=True)
    today = months.user_today(request.user)
    form = HoldingForm(request.POST or None, portfolio=portfolio, today=today)
    if request.method == "POST" and form.is_valid():
        holding = save_unique(
            form,
            message=NAME_TAKEN,
            save=lambda: services.holding_create(
                holding=form.save(commit=False),
                value=form.cleaned_data.get("value"),
                valued_on=form.cleaned_data.get("value_date"),
            ),
        )
        if holding:
            messages.success(request, f"Holding “{holding.name}” added.")
            return redirect("portfolio:holding_detail", holding.pk)
    return render(
        request,
        "portfolio/holdings/form.html",
        {"portfolio": portfolio, "tab": "holdings", "form": form},
    )


def _detail(request, holding: Holding, valuation_form: ValuationForm):
    today = months.user_today(request.user)
    valuations = list(holding.valuations.all())
    current = next((v for v in valuations if v.date <= today), None)
    # Its own streams, then those of the loans secured against it.
    streams = selectors.holding_streams([holding])
    streams.sort(key=lambda stream: stream.holding_id != holding.pk)
    base = request.user.currency
    monthly = [schedule.monthly_equivalent(stream.spec()) for stream in streams]
    # Each valuation at its date's rate, today's value and the streams at today's.
    shown = selectors.in_base_currency(
        [
            *((v.value, holding.currency, v.date) for v in valuations),
            (current and current.value, holding.currency, today),
            *((m, s.currency, today) for m, s in zip(monthly, streams, strict=True)),
        ],
        currency=base,
        owner_id=request.user.pk,
    )
    for valuation, converted in zip(valuations, shown, strict=False):
        valuation.base_value = converted
    current_base = shown[len(valuations)]
    rows = [
        {
            "stream": stream,
            "monthly": amount,
            "base_monthly": converted,
            "ended": stream.end_date is not None and stream.end_date < today,
            "loan": None if stream.holding_id == holding.pk else stream.holding,
        }
        for stream, amount, converted in zip(
            streams, monthly, shown[len(valuations) + 1 :], strict=True
        )
    ]
    convert = selectors.page_converter(
        {s.currency for s in streams}, currency=base, on=today, owner_id=request.user.pk
    )
    try:
        nets = selectors.holding_cash_flows(streams, today, convert=convert)
        monthly_net, no_rate = nets.get(holding.pk, schedule.ZERO), None
    except MissingRate as missing:
        nets, monthly_net, no_rate = {}, None, missing.no_rate.message
    return render(
        request,
        "portfolio/holdings/detail.html",
        {
            "portfolio": holding.portfolio,
            "tab": "holdings",
            "holding": holding,
            "valuations": valuations,
            "current": current,
            "current_base": current_base,
            "stream_rows": rows,
            "monthly_net": monthly_net,
            "no_rate": no_rate,
            "cash_flow_class": None if monthly_net is None else metrics.holding_class(monthly_net),
            "asks_for_income": _asks_for_income(holding, current and current.value, nets),
            "loans": list(holding.loans.order_by(Lower("name"), "pk")),
            "valuation_form": valuation_form,
        },
    )


@login_required
@require_safe
def holding_detail(request, pk: int):
    holding = get_holding(request, pk)
    form = ValuationForm(initial={"date": months.user_today(request.user)})
    return _detail(request, holding, form)


@login_required
@require_http_methods(["GET", "POST"])
def holding_edit(request, pk: int):
    holding = get_holding(request, pk, change=True)
    form = HoldingForm(
        request.POST or None,
        instance=holding,
        portfolio=holding.portfolio,
        today=months.user_today(request.user),
    )
    if request.method == "POST" and form.is_valid() and save_unique(form, message=NAME_TAKEN):
        messages.success(request, f"Holding “{holding.name}” saved.")
        return redirect("portfolio:holding_detail", holding.pk)
    return render(
        request,
        "portfolio/holdings/form.html",
        {"portfolio": holding.portfolio, "tab": "holdings", "form": form, "holding": holding},
    )


@login_required
@require_http_methods(["GET", "POST"])
def holding_delete(request, pk: int):
    holding = get_holding(request, pk, change=True)
    if request.method == "POST":
        portfolio = holding.portfolio
        with transaction.atomic():  # valuations go, linked streams and loans are unlinked
            holding.delete()
        messages.success(request, f"Holding “{holding.name}” deleted.")
        return redirect("portfolio:holding_list", portfolio.pk)
    return render(
        request,
        "portfolio/holdings/delete.html",
        {
            "portfolio": holding.portfolio,
            "tab": "holdings",
            "holding": holding,
            "stream_count": holding.streams.count(),
            "valuation_count": holding.valuations.count(),
            "loan_count": holding.loans.count(),
        },
    )


@login_required
@require_POST
def valuation_add(request, pk: int):
    holding = get_holding(request, pk, change=True)
    form = ValuationForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The value was not recorded: see the errors below.")
        return _detail(request, holding, form)
    day, value = form.cleaned_data["date"], form.cleaned_data["value"]
    shown = money(value, holding.currency)
    with transaction.atomic():
        _, created = holding.valuations.update_or_create(date=day, defaults={"value": value})
    if created:
        messages.success(request, f"Value of “{holding.name}” on {_date(day)} recorded: {shown}.")
    else:
        messages.success(
            request,
            f"“{holding.name}” already had a value on {_date(day)}: it was replaced by {shown}.",
        )
    return redirect("portfolio:holding_detail", holding.pk)


@login_required
@require_POST
def valuation_delete(request, pk: int):
    valuation = get_valuation(request, pk, change=True)
    holding = valuation.holding
    with transaction.atomic():  # with the snapshots' recompute marker
        valuation.delete()
    messages.success(request, f"Value of “{holding.name}” on {_date(valuation.date)} removed.")
    return redirect("portfolio:holding_detail", holding.pk)
