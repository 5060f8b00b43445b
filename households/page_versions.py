"""Whose kept pages a change makes old: the user's and their household's.

A member's pages show what the other members share (their portfolios, the
household dashboard, its goals), so a change to one member's data raises the
pages version of every member (``accounts.page_cache``). Receivers here cover the
user and the household's own models; the apps owning the other data call
``pages_changed`` from theirs, in the change's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.page_cache import raised_in_transaction, versions_raise
from households.models import Household, Membership


def pages_changed(
    user_ids: Iterable[int],
    *,
    household_ids: Iterable[int] = (),
    using: str = DEFAULT_DB_ALIAS,
) -> None:
    """Raise the pages version of ``user_ids``, of everyone in their households and
    of everyone in ``household_ids`` (two queries)."""
    households = set(household_ids)
    # Users raised earlier in the transaction had their household's raised with them.
    ids = set(user_ids) - raised_in_transaction(using)
    if not ids and not households:
        return
    theirs = Membership.objects.using(using).filter(user_id__in=ids).values("household_id")
    members = Membership.objects.using(using).filter(
        Q(household_id__in=theirs) | Q(household_id__in=households)
    )
    ids.update(members.values_list("user_id", flat=True))
    versions_raise(ids, using=using)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="pages_user_saved")
def user_saved(sender, instance, created, raw=False, using=None, **kwargs):
    # A member's base currency is the household's when they created it, and their
    # name or address may show on the others' pages.
    if not created and not raw:
        pages_changed([instance.pk], using=using)


@receiver(post_save, sender=Household, dispatch_uid="pages_household_saved")
def household_saved(sender, instance, raw=False, using=None, **kwargs):
    if not raw:
        pages_changed([], household_ids=[instance.pk], using=using)


@receiver(post_save, sender=Membership, dispatch_uid="pages_membership_saved")
@receiver(post_delete, sender=Membership, dispatch_uid="pages_membership_deleted")
def membership_changed(sender, instance, raw=False, using=None, **kwargs):
    # The member who left is no longer among the household's: named on their own.
    if not raw:
        pages_changed([instance.user_id], household_ids=[instance.household_id], using=using)
