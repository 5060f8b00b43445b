"""A deleted account leaves its household like a member who leaves.

The membership goes with the user by cascade; this keeps the household whole:
the longest member becomes creator, and a household left empty is deleted.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from households import services, signals
from households.models import Membership


@receiver(post_delete, sender=Membership, dispatch_uid="households_membership_deleted")
def membership_deleted(sender, instance, origin=None, **kwargs):
    # A leave or removal (services._remove) handles its own household; here only
    # the cascade of a deleted user, seen by its origin.
    if not isinstance(origin, get_user_model()):
        return
    with transaction.atomic():
        signals.member_left.send(
            sender=Membership,
            user_id=instance.user_id,
            household_id=instance.household_id,
            removed=False,
        )
        services.promote_or_close(instance.household_id)
