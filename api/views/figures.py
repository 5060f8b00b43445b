"""Read-only figures: the dashboard's at a date, and the monthly snapshot history,
for the user (all their portfolios), one portfolio, or their household."""

from __future__ import annotations

from datetime import date

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api.serializers import FiguresSerializer, SnapshotSerializer
from households.models import Membership
from portfolio import access, months, selectors
from portfolio.limits import FIRST_YEAR, LAST_YEAR
from portfolio.models import Snapshot

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
    portfolios, _ = _scope(request)
    text = request.query_params.get("date")
    as_of = _day(text, "date") if text else months.user_today(request.user)
    return Response(
        FiguresSerializer(selectors.figures_at(portfolios=portfolios, as_of=as_of)).data
    )


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
