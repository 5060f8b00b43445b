"""Admin for the record of sent e-mails."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone

from notifications.emails import STALE_AFTER
from notifications.models import SentEmail


@admin.register(SentEmail)
class SentEmailAdmin(admin.ModelAdmin):
    """What went to whom, and why an e-mail failed. Read-only: the senders own these rows.

    To send a failed or stuck e-mail again: ``manage.py send_emails`` (docs/emails.md).
    """

    list_display = [
        "to_email",
        "kind",
        "period",
        "state",
        "attempts",
        "claimed_at",
        "sent_at",
        "error",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["to_email", "user__email", "period", "message_id"]
    date_hierarchy = "claimed_at"
    list_select_related = ["user"]
    readonly_fields = [
        "user",
        "kind",
        "period",
        "status",
        "to_email",
        "subject",
        "message_id",
        "attempts",
        "error",
        "claimed_at",
        "sent_at",
    ]

    @admin.display(description="status", ordering="status")
    def state(self, row: SentEmail) -> str:
        if row.status == SentEmail.Status.PENDING and row.claimed_at < timezone.now() - STALE_AFTER:
            return "Unknown (the worker stopped while sending)"
        return row.get_status_display()

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
