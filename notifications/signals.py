"""E-mails queued on what happens: a milestone recorded, a household invitation, a
member joining or removed (each after the change commits)."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from goals.signals import milestones_recorded
from households import signals as households
from notifications.tasks import send_household_emails, send_milestone_emails_batch


@receiver(milestones_recorded, dispatch_uid="notifications_milestone_emails")
def queue_milestone_emails(sender, user_ids, **kwargs):
    transaction.on_commit(lambda: send_milestone_emails_batch.delay(list(user_ids)))


def _queue_household(kind: str, *args: int) -> None:
    transaction.on_commit(lambda: send_household_emails.delay(kind, list(args)))


@receiver(households.invitation_created, dispatch_uid="notifications_household_invitation")
def queue_invitation_email(sender, invitation, **kwargs):
    _queue_household("invitation", invitation.pk)


@receiver(households.member_joined, dispatch_uid="notifications_household_joined")
def queue_joined_emails(sender, membership, **kwargs):
    _queue_household("joined", membership.pk)


@receiver(households.member_left, dispatch_uid="notifications_household_removed")
def queue_removed_email(sender, user_id, household_id, removed, **kwargs):
    if removed:
        _queue_household("removed", user_id, household_id)
