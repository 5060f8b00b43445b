"""A milestone e-mail is queued as soon as the milestone is recorded."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from goals.signals import milestones_recorded
from notifications.tasks import send_milestone_emails_batch


@receiver(milestones_recorded, dispatch_uid="notifications_milestone_emails")
def queue_milestone_emails(sender, user_ids, **kwargs):
    transaction.on_commit(lambda: send_milestone_emails_batch.delay(list(user_ids)))
