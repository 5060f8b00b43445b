"""Fetching a user's objects: anyone but the owner gets 404, never 403."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from portfolio.models import Entry, Holding, Portfolio, Stream, Valuation


def get_portfolio(request, pk: int) -> Portfolio:
    return get_object_or_404(Portfolio, pk=pk, owner=request.user)


def get_holding(request, pk: int) -> Holding:
    return get_object_or_404(
        Holding.objects.select_related("portfolio"), pk=pk, portfolio__owner=request.user
    )


def get_valuation(request, pk: int) -> Valuation:
    return get_object_or_404(
        Valuation.objects.select_related("holding__portfolio"),
        pk=pk,
        holding__portfolio__owner=request.user,
    )


def get_stream(request, pk: int) -> Stream:
    return get_object_or_404(
        Stream.objects.select_related("portfolio"), pk=pk, portfolio__owner=request.user
    )


def get_entry(request, pk: int) -> Entry:
    return get_object_or_404(
        Entry.objects.select_related("portfolio", "stream"), pk=pk, portfolio__owner=request.user
    )
