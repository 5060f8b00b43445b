"""Every new user starts with one portfolio, "Personal"; every change marks snapshots stale.

Changes to holdings, valuations, streams and entries mark their owner's snapshots
stale from the earliest month the change touches (``snapshots.mark_dirty``), in
the change's transaction; the recompute is queued once per transaction, after
commit. ``bulk_create`` and ``QuerySet.update`` send no signals: code using them
calls ``snapshots.mark_dirty`` itself.

Deleting a portfolio or a holding needs no receiver of its own: their entries,
streams and valuations are deleted one by one and each marks the months it
touched (the portfolio's own snapshot rows go with it, by cascade).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Min, QuerySet
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone

from accounts.signals import account_deleting, base_currency_changed
from households.models import Membership
from households.page_versions import pages_changed
from households.signals import creator_changed, member_left
from portfolio import services, snapshots
from portfolio.limits import FIRST_YEAR
from portfolio.models import Entry, Holding, ManualRate, Portfolio, Stream, Valuation

DEFAULT_PORTFOLIO_NAME = "Personal"


# A receiver rather than a step of the sign-up form so that every way a user is
# made (allauth, createsuperuser, the admin, a data import) gets the portfolio.
@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="portfolio_default")
def create_default_portfolio(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        Portfolio.objects.create(owner=instance, name=DEFAULT_PORTFOLIO_NAME)


# --- Snapshots go stale -------------------------------------------------------------

# The date field whose month a change touches first, per model.
_DATE_FIELD = {Entry: "date", Valuation: "date", Stream: "first_date"}


def _owner_id(instance, using: str) -> int | None:
    """The user who owns ``instance`` (an entry, stream, valuation or holding).

    Looked up once per portfolio or holding and transaction (``owner_cache``).
    """
    cache = snapshots.owner_cache(using)
    if isinstance(instance, Valuation):
        key = ("holding", instance.holding_id)
        if key not in cache:
            owner = (
                Holding.objects.using(using)
                .filter(pk=instance.holding_id)
                .values_list("portfolio__owner_id", flat=True)
                .first()
            )
            if owner is None:
                return None
            cache[key] = owner
        return cache[key]
    key = ("portfolio", instance.portfolio_id)
    if key not in cache:
        owner = (
            Portfolio.objects.using(using)
            .filter(pk=instance.portfolio_id)
            .values_list("owner_id", flat=True)
            .first()
        )
        if owner is None:
            return None
        cache[key] = owner
    return cache[key]


@receiver(pre_delete, sender=Portfolio, dispatch_uid="snapshots_portfolio_owner")
@receiver(pre_delete, sender=Holding, dispatch_uid="snapshots_holding_owner")
def remember_owner(sender, instance, using=None, **kwargs):
    """Before a cascade deletes its rows one by one, note whose they are."""
    cache = snapshots.owner_cache(using)
    if sender is Portfolio:
        _hold_recomputes(instance.owner_id, kwargs.get("origin"), using)
        cache[("portfolio", instance.pk)] = instance.owner_id
    else:
        owner = _owner_id(instance, using)
        if owner is not None:
            cache[("holding", instance.pk)] = owner


def _mark(instance, since: date | None, using: str) -> None:
    if since is None:
        return
    owner_id = _owner_id(instance, using)
    if owner_id is not None:
        snapshots.mark_dirty(owner_id, since, using=using)


@receiver(pre_save, sender=Entry, dispatch_uid="snapshots_entry_old_date")
@receiver(pre_save, sender=Stream, dispatch_uid="snapshots_stream_old_date")
@receiver(pre_save, sender=Valuation, dispatch_uid="snapshots_valuation_old_date")
def remember_old_date(sender, instance, raw=False, using=None, **kwargs):
    """On an edit, the old date too: moving an entry to May changes its old month."""
    instance._snapshots_old_date = None
    if raw or instance._state.adding or instance.pk is None:
        return
    instance._snapshots_old_date = (
        sender.objects.using(using)
        .filter(pk=instance.pk)
        .values_list(_DATE_FIELD[sender], flat=True)
        .first()
    )


@receiver(post_save, sender=Entry, dispatch_uid="snapshots_entry_saved")
@receiver(post_save, sender=Stream, dispatch_uid="snapshots_stream_saved")
@receiver(post_save, sender=Valuation, dispatch_uid="snapshots_valuation_saved")
def mark_saved(sender, instance, raw=False, using=None, **kwargs):
    if raw:
        return
    new = getattr(instance, _DATE_FIELD[sender])
    old = getattr(instance, "_snapshots_old_date", None)
    _mark(instance, new if old is None else min(new, old), using)


@receiver(post_delete, sender=Entry, dispatch_uid="snapshots_entry_deleted")
@receiver(post_delete, sender=Stream, dispatch_uid="snapshots_stream_deleted")
@receiver(post_delete, sender=Valuation, dispatch_uid="snapshots_valuation_deleted")
def mark_deleted(sender, instance, using=None, **kwargs):
    _mark(instance, getattr(instance, _DATE_FIELD[sender]), using)


@receiver(post_save, sender=Holding, dispatch_uid="snapshots_holding_saved")
def mark_holding_saved(sender, instance, created, raw=False, using=None, **kwargs):
    """Liquid or not changes liquid assets from the holding's first valuation on."""
    if created or raw:
        return  # no valuation yet: nothing to recompute
    first = instance.valuations.using(using).aggregate(first=Min("date"))["first"]
    _mark(instance, first, using)


# --- Kept pages go old ----------------------------------------------------------------
# Changes that mark snapshots stale raise the pages version with the marker
# (``snapshots.mark_dirty``); a portfolio or a holding also shows what no snapshot
# holds (its name, whether it is shared, a holding's kind).


@receiver(post_save, sender=Portfolio, dispatch_uid="pages_portfolio_saved")
@receiver(post_delete, sender=Portfolio, dispatch_uid="pages_portfolio_deleted")
def portfolio_pages_changed(sender, instance, raw=False, using=None, **kwargs):
    if not raw:
        pages_changed([instance.owner_id], using=using)


@receiver(post_save, sender=Holding, dispatch_uid="pages_holding_saved")
@receiver(post_delete, sender=Holding, dispatch_uid="pages_holding_deleted")
def holding_pages_changed(sender, instance, raw=False, using=None, **kwargs):
    if raw:
        return
    owner_id = _owner_id(instance, using)
    if owner_id is not None:
        pages_changed([owner_id], using=using)


@receiver(post_save, sender=ManualRate, dispatch_uid="snapshots_manual_rate_saved")
@receiver(post_delete, sender=ManualRate, dispatch_uid="snapshots_manual_rate_deleted")
def mark_manual_rate(sender, instance, raw=False, using=None, **kwargs):
    """A user's own rate changes their figures in its currency from its day on."""
    if not raw:
        snapshots.mark_dirty(instance.owner_id, instance.date, using=using)


@receiver(base_currency_changed, dispatch_uid="snapshots_base_currency_changed")
def mark_all_months(sender, user, **kwargs):
    """A new base currency changes every figure: the whole history is recomputed (the
    debounced task, queued on commit; the charts say they are updating meanwhile)."""
    snapshots.mark_dirty(user.pk, date(FIRST_YEAR, 1, 1))


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="snapshots_user_deleted")
def forget_deleted_user(sender, instance, using=None, **kwargs):
    _hold_recomputes(instance.pk, kwargs.get("origin"), using)
    snapshots.forget_user(instance.pk, using=using)


@receiver(account_deleting, dispatch_uid="snapshots_account_deleting")
def wait_for_the_account_s_work(sender, user, **kwargs):
    """Before Django collects what to delete: a recompute or a JSON import of the user
    running now commits first, so what it wrote is collected and deleted too."""
    snapshots.hold_recomputes([user.pk])


def _hold_recomputes(owner_id: int, origin, using: str) -> None:
    """``snapshots.hold_recomputes`` for ``owner_id`` and every owner the deletion
    started from (an admin's "delete selected" deletes many users or portfolios),
    all at once: locked one by one, in the order the cascade reaches them, they
    could deadlock with a batch."""
    owners = {owner_id}
    if isinstance(origin, QuerySet) and origin.model is Portfolio:
        owners.update(origin.values_list("owner_id", flat=True))
    elif isinstance(origin, QuerySet) and origin.model is get_user_model():
        owners.update(origin.values_list("pk", flat=True))
    snapshots.hold_recomputes(owners, using=using)


# --- Households -----------------------------------------------------------------------


@receiver(member_left, dispatch_uid="portfolio_unshare_on_leaving")
def unshare_on_leaving(sender, user_id, household_id, **kwargs):
    """Whoever leaves (or is removed) shares nothing any more, at once; the household's
    snapshots are recomputed without their portfolios (with a remaining member's)."""
    services.portfolios_unshare(owner_id=user_id)
    remaining = (
        Membership.objects.filter(household_id=household_id)
        .exclude(user_id=user_id)
        .values_list("user_id", flat=True)
        .first()
    )
    if remaining is not None:
        snapshots.mark_dirty(remaining, timezone.localdate())


@receiver(creator_changed, dispatch_uid="snapshots_household_creator_changed")
def recompute_household_in_its_new_currency(sender, household_id, user_id, **kwargs):
    """The household's figures are in its creator's base currency and months: a new
    creator's recompute rebuilds its whole history in theirs (households are
    recomputed in full with any member's)."""
    snapshots.mark_dirty(user_id, timezone.localdate())
