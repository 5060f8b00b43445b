"""Milestones follow the snapshots that reveal them, within the same minute."""

from __future__ import annotations

from django.dispatch import Signal, receiver
from django.utils import timezone

from goals.milestones import milestones_record
from portfolio import snapshots

# Sent with ``user_ids`` when a recompute recorded new milestones for some of them,
# inside the recompute's transaction; the e-mails listen (``notifications.signals``).
milestones_recorded = Signal()


@receiver(snapshots.recomputed, dispatch_uid="goals_milestones")
def record_milestones(sender, user_ids, **kwargs):
    if milestones_record(user_ids, now=timezone.now()).found:
        milestones_recorded.send(sender=None, user_ids=list(user_ids))
