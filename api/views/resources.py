"""Portfolios, holdings (with valuations), streams, entries and goals.

Reads start from ``portfolio.access`` (strangers get 404); writes fetch through its
helpers with ``change=True`` (household viewers get 403) and validate with the
pages' forms (api/writes.py). A POST may carry an ``Idempotency-Key``.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from api import serializers as out
from api import write_bodies as bodies
from api.idempotency import HEADER, idempotent
from api.writes import body_of, check_references, merged, validated
from goals.forms import GoalForm
from goals.models import Goal
from goals.views import DUPLICATE as GOAL_DUPLICATE
from portfolio import access, categories, months, services
from portfolio.forms import EntryForm, HoldingForm, PortfolioForm, StreamForm, ValuationForm
from portfolio.models import Entry, Holding, Stream, Valuation
from portfolio.saving import save_unique
from portfolio.views.holdings import NAME_TAKEN as HOLDING_NAME_TAKEN
from portfolio.views.portfolios import NAME_TAKEN as PORTFOLIO_NAME_TAKEN
from portfolio.views.portfolios import ONLY_PORTFOLIO
from portfolio.views.streams import NAME_TAKEN as STREAM_NAME_TAKEN

IDEMPOTENCY = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Retrying with the same key and body within 24 hours returns the first "
    "response and creates nothing.",
)


def _saved(form, message: str, field: str | None = "name", save=None):
    """``save_unique`` whose refusal (a simultaneous duplicate) is a field error."""
    row = save_unique(form, message=message, field=field, save=save)
    if row is None:
        validated(form)
    return row


class Resource(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """A resource whose rows belong to a portfolio: list, read, create, update, delete."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_converter = "int"  # any other id is a 404, as on the pages
    get_row = None  # the access helper: (request, pk, change=...) -> row
    stays_in_portfolio = True  # a PATCH cannot move a row to another portfolio

    def get_object(self):
        change = self.request.method not in ("GET", "HEAD", "OPTIONS")
        return type(self).get_row(self.request, self.kwargs["pk"], change=change)

    def create(self, request):
        return idempotent(request, lambda: self._create(body_of(request)))

    def _create(self, data: dict) -> Response:
        check_references(self.request, data)
        portfolio = access.get_portfolio(self.request, _portfolio_id(data), change=True)
        row = self.save_new(portfolio, data)
        return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        row = self.get_object()
        data = body_of(request)
        check_references(request, data)
        if self.stays_in_portfolio:
            data.pop("portfolio", None)
        row = self.save_changed(row, data)
        return Response(self.get_serializer(row).data)

    def perform_destroy(self, row) -> None:
        with transaction.atomic():  # with the snapshots' recompute marker
            row.delete()


def _portfolio_id(data: dict) -> int:
    try:
        return int(data["portfolio"])
    except KeyError:
        raise ValidationError({"portfolio": ["This field is required."]}) from None
    except (TypeError, ValueError):
        raise ValidationError({"portfolio": ["Choose one of your portfolios."]}) from None


@extend_schema_view(create=extend_schema(parameters=[IDEMPOTENCY], request=bodies.PortfolioBody))
@extend_schema_view(partial_update=extend_schema(request=bodies.PortfolioBody))
class PortfolioViewSet(Resource):
    """Your portfolios and those your household shares with you; only the owner
    renames or deletes one, and never their last."""

    serializer_class = out.PortfolioSerializer

    def get_queryset(self):
        return access.readable_portfolios(self.request.user)

    def get_object(self):
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return access.get_portfolio(self.request, self.kwargs["pk"])
        return access.get_owned_portfolio(self.request, self.kwargs["pk"])

    def _create(self, data: dict) -> Response:
        def make(d):
            return PortfolioForm(d, owner=self.request.user)

        form = validated(make(merged(make, data)))
        row = _saved(form, PORTFOLIO_NAME_TAKEN)
        return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED)

    def save_changed(self, row, data):
        def make(d):
            return PortfolioForm(d, instance=row, owner=self.request.user)

        return _saved(validated(make(merged(make, data))), PORTFOLIO_NAME_TAKEN)

    def perform_destroy(self, row) -> None:
        if not services.portfolio_delete(portfolio=row):
            raise ValidationError({"non_field_errors": [ONLY_PORTFOLIO]})


@extend_schema_view(create=extend_schema(parameters=[IDEMPOTENCY], request=bodies.HoldingBody))
@extend_schema_view(partial_update=extend_schema(request=bodies.HoldingChange))
class HoldingViewSet(Resource):
    """What you own or owe, each with its dated valuations."""

    serializer_class = out.HoldingSerializer
    get_row = access.get_holding

    def get_queryset(self):
        rows = Holding.objects.filter(access.readable_q(self.request.user, "portfolio__"))
        if portfolio := self.request.query_params.get("portfolio"):
            rows = rows.filter(portfolio_id=_int_param("portfolio", portfolio))
        return rows.prefetch_related("valuations")

    def save_new(self, portfolio, data):
        today = months.user_today(self.request.user)

        def make(d):
            return HoldingForm(d, portfolio=portfolio, today=today)

        form = validated(make(merged(make, data)))
        return _saved(
            form,
            HOLDING_NAME_TAKEN,
            save=lambda: services.holding_create(
                holding=form.save(commit=False),
                value=form.cleaned_data["value"],
                valued_on=form.cleaned_data["value_date"],
            ),
        )

    def save_changed(self, row, data):
        today = months.user_today(self.request.user)

        def make(d):
            return HoldingForm(d, instance=row, portfolio=row.portfolio, today=today)

        return _saved(validated(make(merged(make, data))), HOLDING_NAME_TAKEN)

    @extend_schema(
        request=bodies.ValuationBody,
        parameters=[IDEMPOTENCY],
        responses={201: out.ValuationSerializer, 200: out.ValuationSerializer},
    )
    @action(detail=True, methods=["post"], url_path="valuations")
    def valuation_add(self, request, pk=None):
        """The holding's value on a day; a value already on that day is replaced."""
        holding = access.get_holding(request, pk, change=True)

        def create():
            form = validated(ValuationForm(body_of(request)))
            with transaction.atomic():
                valuation, made = holding.valuations.update_or_create(
                    date=form.cleaned_data["date"], defaults={"value": form.cleaned_data["value"]}
                )
            code = status.HTTP_201_CREATED if made else status.HTTP_200_OK
            return Response(out.ValuationSerializer(valuation).data, status=code)

        return idempotent(request, create)


class ValuationViewSet(mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """A holding's value on a day (added through the holding)."""

    serializer_class = out.ValuationSerializer
    lookup_value_converter = "int"
    queryset = Valuation.objects.none()

    def get_object(self):
        return access.get_valuation(self.request, self.kwargs["pk"], change=True)

    def perform_destroy(self, row) -> None:
        with transaction.atomic():
            row.delete()


@extend_schema_view(create=extend_schema(parameters=[IDEMPOTENCY], request=bodies.StreamBody))
@extend_schema_view(partial_update=extend_schema(request=bodies.StreamChange))
class StreamViewSet(Resource):
    """Recurring cash flows: salary, dividends, rent, spending."""

    serializer_class = out.StreamSerializer
    get_row = access.get_stream

    def get_queryset(self):
        rows = Stream.objects.filter(access.readable_q(self.request.user, "portfolio__"))
        params = self.request.query_params
        if portfolio := params.get("portfolio"):
            rows = rows.filter(portfolio_id=_int_param("portfolio", portfolio))
        if category := params.get("category"):
            rows = rows.filter(category=_category_param(category))
        return rows

    def save_new(self, portfolio, data):
        def make(d):
            return StreamForm(d, portfolio=portfolio)

        return _saved(validated(make(merged(make, data))), STREAM_NAME_TAKEN)

    def save_changed(self, row, data):
        def make(d):
            return StreamForm(d, instance=row, portfolio=row.portfolio)

        return _saved(validated(make(merged(make, data))), STREAM_NAME_TAKEN)


ENTRY_FILTERS = [
    OpenApiParameter("portfolio", int, description="Only this portfolio's entries."),
    OpenApiParameter("stream", int, description="Only entries of this stream."),
    OpenApiParameter("category", str, enum=[value for value, _ in categories.CATEGORY_CHOICES]),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="On or after this day."),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="On or before this day."),
]


@extend_schema_view(list=extend_schema(parameters=ENTRY_FILTERS))
@extend_schema_view(create=extend_schema(parameters=[IDEMPOTENCY], request=bodies.EntryBody))
@extend_schema_view(partial_update=extend_schema(request=bodies.EntryChange))
class EntryViewSet(Resource):
    """Actual dated cash flows, newest last; filter by date range, category,
    stream and portfolio."""

    serializer_class = out.EntrySerializer
    get_row = access.get_entry

    def get_queryset(self):
        rows = Entry.objects.filter(access.readable_q(self.request.user, "portfolio__"))
        params = self.request.query_params
        for name in ("portfolio", "stream"):
            if value := params.get(name):
                rows = rows.filter(**{f"{name}_id": _int_param(name, value)})
        if category := params.get("category"):
            rows = rows.filter(category=_category_param(category))
        if day := params.get("date_from"):
            rows = rows.filter(date__gte=_date_param("date_from", day))
        if day := params.get("date_to"):
            rows = rows.filter(date__lte=_date_param("date_to", day))
        return rows

    def save_new(self, portfolio, data):
        def make(d):
            return EntryForm(d, portfolio=portfolio)

        return validated(make(merged(make, data))).save()

    def save_changed(self, row, data):
        def make(d):
            return EntryForm(d, instance=row, portfolio=row.portfolio)

        return validated(make(merged(make, data))).save()


@extend_schema_view(create=extend_schema(parameters=[IDEMPOTENCY], request=bodies.GoalBody))
@extend_schema_view(partial_update=extend_schema(request=bodies.GoalChange))
class GoalViewSet(Resource):
    """The user's goals and their household's (which every member may change)."""

    serializer_class = out.GoalSerializer
    stays_in_portfolio = False  # a goal's scope may change, as on its page

    def get_queryset(self):
        user = self.request.user
        mine = Q(owner=user, household=None) | Q(household__memberships__user=user)
        return Goal.objects.filter(mine)

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def _create(self, data: dict) -> Response:
        check_references(self.request, data)
        if data.get("portfolio") not in (None, ""):
            # A goal is set on one's own portfolios only (the form's choices).
            portfolio = access.get_portfolio(self.request, _portfolio_id(data))
            if portfolio.owner_id != self.request.user.pk:
                raise PermissionDenied("A goal is set on your own portfolios only.")
        today = months.user_today(self.request.user)

        def make(d):
            return GoalForm(d, owner=self.request.user, today=today)

        form = validated(make(merged(make, data)))
        row = _saved(form, GOAL_DUPLICATE, field=None)
        return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED)

    def save_changed(self, row, data):
        today = months.user_today(self.request.user)

        def make(d):
            return GoalForm(d, instance=row, owner=self.request.user, today=today)

        return _saved(validated(make(merged(make, data))), GOAL_DUPLICATE, field=None)


def _int_param(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValidationError({name: ["Enter a whole number."]}) from None


def _category_param(value: str) -> str:
    if value not in categories.GROUP_OF:
        raise ValidationError({"category": ["Choose one of the categories."]})
    return value


def _date_param(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError({name: ["Enter a date as YYYY-MM-DD."]}) from None
