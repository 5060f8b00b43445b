"""Milestones follow the snapshots that reveal them, within the same minute."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver
from django.utils import timezone

from goals.milestones import milestones_record
from goals.models import Goal
from households.page_versions import pages_changed
from portfolio import snapshots

# Sent with the ``user_ids`` that a recompute recorded new milestones for, inside the
# recompute's transaction; the e-mails listen (``notifications.signals``).
milestones_recorded = Signal()


@receiver(snapshots.recomputed, dispatch_uid="goals_milestones")
def record_milestones(sender, user_ids, **kwargs):
    news_for = milestones_record(user_ids, now=timezone.now()).news_for
    if news_for:
        milestones_recorded.send(sender=None, user_ids=sorted(news_for))


@receiver(post_save, sender=Goal, dispatch_uid="pages_goal_saved")
@receiver(post_delete, sender=Goal, dispatch_uid="pages_goal_deleted")
def goal_pages_changed(sender, instance, raw=False, using=None, **kwargs):
    """A goal shows on its owner's pages, a household's on every member's."""
    if not raw:
        households = [instance.household_id] if instance.household_id else []
        pages_changed([instance.owner_id], household_ids=households, using=using)
