"""``python manage.py send_emails --kind monthly --period 2026-01 [--user EMAIL] [--dry-run]``.

For an operator: send the e-mails of one kind and period that did not go out
(beat was down, the SMTP server refused them, a worker died while sending), or
preview them with ``--dry-run``. Runs in this process, not on a worker.

It goes through the same claim as the workers, so an e-mail already sent is never
sent again; unlike the workers it also takes back e-mails that ``failed`` and
``pending`` ones whose worker died (older than ``notifications.emails.STALE_AFTER``).
Users who turned that kind off, or have no verified address, get nothing.

Periods: ``monthly`` and ``reminder`` YYYY-MM (the month reported on),
``new_year`` YYYY (the new year), ``milestone`` KIND:KEY (e.g. ``ratio_100:``).
"""

from __future__ import annotations

import re
from datetime import date

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from goals.models import Milestone
from notifications import jobs
from notifications.emails import TransientSendError, build_email, deliver
from notifications.models import SentEmail
from portfolio.batches import batches
from portfolio.months import add_months, parse_month

Kind = SentEmail.Kind


class Command(BaseCommand):
    help = "Send (again) or preview the progress e-mails of one kind and period."

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, choices=[k.value for k in Kind])
        parser.add_argument(
            "--period",
            required=True,
            help="monthly/reminder: YYYY-MM; new_year: YYYY; milestone: KIND:KEY.",
        )
        parser.add_argument("--user", metavar="EMAIL", help="Only this user.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would be sent; send nothing."
        )

    def handle(self, *args, kind: str, period: str, user: str | None, dry_run: bool, **options):
        users = get_user_model().objects.filter(is_active=True)
        if user is not None:
            users = users.filter(email__iexact=user)
            if not users.exists():
                raise CommandError(f"No active user with the e-mail address {user}.")
        user_ids = list(users.order_by("pk").values_list("pk", flat=True))
        verbose = user is not None or options["verbosity"] > 1
        log = self._say if verbose else (lambda _line: None)

        unbuilt: list[int] = []  # users whose e-mail could not be built (logged)
        outgoings_for = self._source(kind, period, log, unbuilt)
        sent = skipped = failed = errors = previewed = 0
        for batch in batches(user_ids, jobs.BATCH_SIZE):
            outgoings = outgoings_for(batch)
            if dry_run:
                for outgoing in outgoings:
                    subject = build_email(outgoing).subject
                    self._say(
                        f"would send {outgoing.kind} {outgoing.period} to {outgoing.to}: {subject}"
                    )
                    previewed += 1
                continue
            try:
                report = deliver(outgoings, operator=True)
            except TransientSendError as exc:
                raise CommandError(
                    f"The SMTP server did not take an e-mail ({exc}); {sent} sent so far. "
                    "Run the command again later: nothing is sent twice."
                ) from exc
            for line in report.lines:
                self._say(line)
            sent += report.sent
            skipped += report.skipped
            failed += report.failed
            errors += report.errors
        errors += len(unbuilt)
        if dry_run:
            self._say(f"{previewed} e-mail(s) would be sent (dry run: nothing was sent).")
        else:
            self._say(f"{sent} sent, {skipped} already taken, {failed} failed.")
        if errors:
            self._say(f"{errors} could not be built: see the log for each user and why.")

    def _source(self, kind: str, period: str, log, unbuilt: list[int]):
        """A function from a batch of user ids to the e-mails to send them; checks ``period``."""
        if kind == Kind.MILESTONE:
            milestone_kind, colon, _key = period.partition(":")
            if not colon or milestone_kind not in Milestone.Kind.values:
                raise CommandError(
                    f"A milestone period is KIND:KEY, e.g. ratio_100: (not {period})."
                )
            return lambda ids: jobs.milestone_outgoings(
                user_ids=ids, now=timezone.now(), period=period, operator=True, log=log
            )
        if kind == Kind.NEW_YEAR:
            if not re.fullmatch(r"\d{4}", period):
                raise CommandError(f"A new-year period is a year such as 2027 (not {period}).")
            # The invitation to a year goes with the e-mails about its December before.
            month = add_months(date(int(period), 1, 1), -1)
        else:
            month = parse_month(period)
            if month is None:
                raise CommandError(f"{period!r} is not a month such as 2026-01")
        return lambda ids: jobs.month_start_outgoings(
            user_ids=ids, month=month, kinds=[kind], operator=True, log=log, failures=unbuilt
        )

    def _say(self, line: str) -> None:
        self.stdout.write(line)
