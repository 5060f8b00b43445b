"""Milestones follow the snapshots that reveal them, within the same minute."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from goals.milestones import milestones_record
from goals.tasks import send_milestone_emails_batch
from portfolio import snapshots


@receiver(snapshots.recomputed, dispatch_uid="goals_milestones")
def record_milestones(sender, user_ids, **kwargs):
    if milestones_record(user_ids, now=timezone.now()):
        transaction.on_commit(lambda: send_milestone_emails_batch.delay(list(user_ids)))
