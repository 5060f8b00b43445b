"""Read-only figures: the dashboard's at a date and the monthly snapshot history (for
the user's portfolios, one portfolio, or their household), goal progress, and the
projection (assumptions in, rows out, through the page's form and formula)."""

from __future__ import annotations

from datetime import date

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api.serializers import (
    FiguresSerializer,
    GoalProgressSerializer,
    ProjectionRowSerializer,
    ProjectionSerializer,
    SnapshotSerializer,
)
from api.writes import validated
from goals import services as goals_services
from households.models import Membership
from portfolio import access, metrics, months, selectors
from portfolio.limits import FIRST_YEAR, LAST_YEAR
from portfolio.models import Snapshot
from portfolio.projection_form import ProjectionForm
from portfolio.views.projection import projection_defaults

SCOPE = [
    OpenApiParameter("portfolio", int, description="One portfolio you may read."),
    OpenApiParameter("household", bool, description="Your household's shared portfolios."),
]


def _scope(request):
    """(portfolios, snapshot filter) for the scope asked: a portfolio, the household,
    or (by default) everything the user owns."""
    params = request.query_params
    if portfolio_id := params.get("portfolio"):
        try:
            pk = int(portfolio_id)
        except ValueError:
            raise ValidationError({"portfolio": ["Enter a whole number."]}) from None
        portfolio = access.get_portfolio(request, pk)
        return access.readable_portfolios(request.user).filter(pk=pk), {"portfolio": portfolio}
    if params.get("household") in ("true", "1"):
        membership = Membership.objects.filter(user=request.user).first()
        if membership is None:
            raise Http404
        return access.household_portfolios(request.user), {"household_id": membership.household_id}
    return access.owned_portfolios(request.user), {"owner": request.user, "portfolio": None}


def _day(text: str, name: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValidationError({name: ["Enter a date as YYYY-MM-DD."]}) from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValidationError({name: [f"Enter a date between {FIRST_YEAR} and {LAST_YEAR}."]})
    return day


def _month(text: str, name: str) -> date:
    month = months.parse_month(text)
    if month is None:
        raise ValidationError({name: ["Choose a month as YYYY-MM, e.g. 2026-10."]})
    return month


@extend_schema(
    parameters=[*SCOPE, OpenApiParameter("date", OpenApiTypes.DATE, description="Default: today.")],
    responses=FiguresSerializer,
)
@api_view(["GET"])
def figures(request):
    """Every figure of the dashboard at a date (flows over the trailing 12 months)."""
    portfolios, scope = _scope(request)
    text = request.query_params.get("date")
    as_of = _day(text, "date") if text else months.user_today(request.user)
    # The household's figures are in its creator's base currency, as on its dashboard.
    currency = (
        access.household_currency(request.user)
        if "household_id" in scope
        else request.user.currency
    )
    figures = selectors.figures_at(portfolios=portfolios, as_of=as_of, currency=currency)
    return Response(FiguresSerializer(figures, context={"currency": currency}).data)


@extend_schema(
    parameters=[
        *SCOPE,
        OpenApiParameter("from", str, description="First month, YYYY-MM."),
        OpenApiParameter("to", str, description="Last month, YYYY-MM."),
    ],
    responses=SnapshotSerializer(many=True),
)
@api_view(["GET"])
def snapshots(request):
    """The monthly history, oldest first: one row per month end."""
    _, owner = _scope(request)
    rows = Snapshot.objects.filter(**owner).order_by("month")
    if text := request.query_params.get("from"):
        rows = rows.filter(month__gte=_month(text, "from"))
    if text := request.query_params.get("to"):
        rows = rows.filter(month__lte=_month(text, "to"))
    return Response(SnapshotSerializer(rows, many=True).data)


@extend_schema(responses=GoalProgressSerializer(many=True))
@api_view(["GET"])
def goal_progress(request):
    """This year's goals (yours, then your household's) with their progress, as on the
    goals page."""
    today = months.user_today(request.user)
    cards = [
        *goals_services.goal_cards(user=request.user, today=today),
        *goals_services.household_goal_cards(user=request.user, today=today),
    ]
    return Response(GoalProgressSerializer(cards, many=True).data)


ASSUMPTIONS = [
    OpenApiParameter(name, str, description=f"{field.label}: {field.help_text}")
    for name, field in ProjectionForm.base_fields.items()
]


def _assumptions(defaults: dict, query) -> dict:
    """The page's defaults as the form's text, then the assumptions asked for."""
    data = {
        name: ("true" if value else "false")
        if name == "reinvest"
        else str(ProjectionForm.base_fields[name].prepare_value(value))
        for name, value in defaults.items()
    }
    data.update({name: query[name] for name in ProjectionForm.base_fields if name in query})
    return data


@extend_schema(
    parameters=[SCOPE[0], *ASSUMPTIONS],
    responses=ProjectionSerializer,
)
@api_view(["GET"])
def projection(request):
    """Years ahead from today's figures (year 0), under the assumptions given; each one
    left out starts where the projection page starts it."""
    portfolio = None
    if chosen := request.query_params.get("portfolio"):
        if not chosen.isdigit():
            raise Http404
        portfolio = access.get_portfolio(request, int(chosen))
    today = months.user_today(request.user)
    data = selectors.load_owner_data(
        [portfolio] if portfolio else access.owned_portfolios(request.user),
        first=months.window_start(today),
        last=months.month_end(today),
        values_on=today,
        currency=request.user.currency,
    )
    figures = data.figures_at(today)
    defaults = projection_defaults(figures, liquid_income=selectors.liquid_income_at(data, figures))
    assumptions = validated(ProjectionForm(_assumptions(defaults, request.query_params)))
    chosen = assumptions.cleaned_data
    now = metrics.projection_today(
        capital=chosen["capital"],
        yearly_yield=chosen["yearly_yield"],
        earned_yearly=chosen["earned_yearly"],
        spending_yearly=chosen["spending_yearly"],
        other_passive_yearly=chosen["other_passive_yearly"],
    )
    body = {
        "assumptions": {
            name: str(value).lower() if isinstance(value, bool) else str(value)
            for name, value in chosen.items()
        },
        "rows": ProjectionRowSerializer([now, *metrics.project(**chosen)], many=True).data,
    }
    return Response(body)
