"""Fetching a user's objects: anyone but the owner gets 404, never 403.

The owner found is the request's user, set on the portfolio so that reading its
base currency (the default of a new amount's) costs no query.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from portfolio.models import Entry, Holding, Portfolio, Stream, Valuation


def get_portfolio(request, pk: int) -> Portfolio:
    portfolio = get_object_or_404(Portfolio, pk=pk, owner=request.user)
    portfolio.owner = request.user
    return portfolio


def _owned(request, row):
    row.portfolio.owner = request.user
    return row


def get_holding(request, pk: int) -> Holding:
    return _owned(
        request,
        get_object_or_404(
            Holding.objects.select_related("portfolio"), pk=pk, portfolio__owner=request.user
        ),
    )


def get_valuation(request, pk: int) -> Valuation:
    return get_object_or_404(
        Valuation.objects.select_related("holding__portfolio"),
        pk=pk,
        holding__portfolio__owner=request.user,
    )


def get_stream(request, pk: int) -> Stream:
    return _owned(
        request,
        get_object_or_404(
            Stream.objects.select_related("portfolio"), pk=pk, portfolio__owner=request.user
        ),
    )


def get_entry(request, pk: int) -> Entry:
    return _owned(
        request,
        get_object_or_404(
            Entry.objects.select_related("portfolio", "stream"),
            pk=pk,
            portfolio__owner=request.user,
        ),
    )
