"""The record of every e-mail sent: the claim that makes sending exactly-once."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SentEmail(models.Model):
    """One e-mail of one kind about one period to one user: claimed, then sent (docs/emails.md).

    The unique key (user, kind, period) is what makes sending exactly-once: a task
    inserts the row as ``pending`` before it talks to the SMTP server and marks it
    ``sent`` afterwards; whoever fails to insert leaves the e-mail alone. See
    ``notifications.emails`` and docs/emails.md for the states and the crash trade-off.
    """

    class Kind(models.TextChoices):
        MONTHLY = "monthly", "Monthly progress"
        REMINDER = "reminder", "Log reminder"
        MILESTONE = "milestone", "Milestone"
        NEW_YEAR = "new_year", "New-year invitation"
        # The outcome of an import the user started: no switch, no unsubscribe link.
        IMPORT = "import", "Import result"

    class Status(models.TextChoices):
        PENDING = "pending", "Sending"  # claimed; stays so if the worker died mid-send
        DEFERRED = "deferred", "Waiting to retry"  # the SMTP server was away or said 4xx
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"  # the SMTP server refused it for good (5xx)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sent_emails"
    )
    kind = models.CharField(max_length=20, choices=Kind)
    # What the e-mail is about: "2026-01" (monthly, reminder: the month reported on),
    # "2027" (new year), "goal_achieved:17" (milestone: its kind and key), "17"
    # (import: the import job's id).
    period = models.CharField(max_length=100)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    to_email = models.EmailField("sent to")
    subject = models.CharField(max_length=255, blank=True)
    message_id = models.CharField("Message-ID", max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(default=1)
    error = models.TextField("reason", blank=True)
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table it had when e-mails lived in the goals app.
        db_table = "goals_sentemail"
        ordering = ["-claimed_at", "-pk"]
        verbose_name = "sent e-mail"
        constraints = [
            # The claim: an INSERT that only one sender wins. Its index also serves the
            # hourly job's "not e-mailed yet" NOT EXISTS lookups.
            models.UniqueConstraint(fields=["user", "kind", "period"], name="sentemail_once"),
        ]
        indexes = [
            # The admin's and the operator command's "failed / stuck e-mails" lists.
            models.Index(fields=["status", "claimed_at"], name="sentemail_status_claimed"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period} to {self.to_email} ({self.status})"
