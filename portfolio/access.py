"""The one access check: may this user read, or change, this portfolio?

A user reads and changes what they own. A member of a household also reads the
portfolios other members share with it for viewing, and changes those shared for
editing (docs/households.md). Nobody else learns that a portfolio exists: every
helper here answers 404 for it. A portfolio that may be read but not changed
answers 403 to a change, since 404 would lie about what the user just saw.

Every view, form choice list, export and task asks here, through a queryset
(``readable``/``changeable``), a ``Q`` for related rows, or a ``get_*`` helper.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from households.models import Membership
from portfolio.models import Entry, Holding, Portfolio, Stream, Valuation

Sharing = Portfolio.Sharing
SHARED = (Sharing.VIEW, Sharing.EDIT)


def _in_household_of(user, via: str) -> Q:
    """Rows whose portfolio's owner (reached by ``via``) is in ``user``'s household."""
    households = Membership.objects.filter(user=user).values("household_id")
    return Q(**{f"{via}owner__household_membership__household_id__in": households})


def readable_q(user, via: str = "") -> Q:
    """Rows (a portfolio, or whatever reaches one by ``via``, e.g. ``"portfolio__"``)
    that ``user`` may read."""
    shared = Q(**{f"{via}sharing__in": SHARED}) & _in_household_of(user, via)
    return Q(**{f"{via}owner": user}) | shared


def changeable_q(user, via: str = "") -> Q:
    shared = Q(**{f"{via}sharing": Sharing.EDIT}) & _in_household_of(user, via)
    return Q(**{f"{via}owner": user}) | shared


def owned_portfolios(user) -> QuerySet[Portfolio]:
    """What the user owns: their dashboard's sum, their goals' choices, their export."""
    return Portfolio.objects.filter(owner=user)


def readable_portfolios(user) -> QuerySet[Portfolio]:
    return Portfolio.objects.filter(readable_q(user))


def changeable_portfolios(user) -> QuerySet[Portfolio]:
    return Portfolio.objects.filter(changeable_q(user))


def household_portfolios(user) -> QuerySet[Portfolio]:
    """Every portfolio shared with ``user``'s household, theirs included: the
    household dashboard's sum."""
    return Portfolio.objects.filter(Q(sharing__in=SHARED) & _in_household_of(user, ""))


def household_currency(user) -> str:
    """The currency of the figures of ``user``'s household (its creator's base
    currency), or the user's own when they have none."""
    membership = user.household_membership if hasattr(user, "household_membership") else None
    return membership.household.currency() if membership else user.currency


def may_change(user, portfolio: Portfolio) -> bool:
    """For a portfolio ``user`` may read (fetched through this module): may they change it?"""
    return portfolio.owner_id == user.pk or portfolio.sharing == Sharing.EDIT


def _checked(obj, portfolio: Portfolio, user, change: bool):
    if change and not may_change(user, portfolio):
        raise PermissionDenied("This portfolio is shared with you for viewing only.")
    return obj


def get_portfolio(request, pk: int, *, change: bool = False) -> Portfolio:
    portfolio = get_object_or_404(readable_portfolios(request.user).select_related("owner"), pk=pk)
    return _checked(portfolio, portfolio, request.user, change)


def get_owned_portfolio(request, pk: int) -> Portfolio:
    """Renaming, deleting and sharing are the owner's alone."""
    portfolio = get_portfolio(request, pk)
    if portfolio.owner_id != request.user.pk:
        raise PermissionDenied("Only the portfolio's owner may do this.")
    return portfolio


def get_holding(request, pk: int, *, change: bool = False) -> Holding:
    holding = get_object_or_404(
        Holding.objects.select_related("portfolio__owner").filter(
            readable_q(request.user, "portfolio__")
        ),
        pk=pk,
    )
    return _checked(holding, holding.portfolio, request.user, change)


def get_valuation(request, pk: int, *, change: bool = False) -> Valuation:
    valuation = get_object_or_404(
        Valuation.objects.select_related("holding__portfolio__owner").filter(
            readable_q(request.user, "holding__portfolio__")
        ),
        pk=pk,
    )
    return _checked(valuation, valuation.holding.portfolio, request.user, change)


def get_stream(request, pk: int, *, change: bool = False) -> Stream:
    stream = get_object_or_404(
        Stream.objects.select_related("portfolio__owner").filter(
            readable_q(request.user, "portfolio__")
        ),
        pk=pk,
    )
    return _checked(stream, stream.portfolio, request.user, change)


def get_entry(request, pk: int, *, change: bool = False) -> Entry:
    entry = get_object_or_404(
        Entry.objects.select_related("portfolio__owner", "stream").filter(
            readable_q(request.user, "portfolio__")
        ),
        pk=pk,
    )
    return _checked(entry, entry.portfolio, request.user, change)
