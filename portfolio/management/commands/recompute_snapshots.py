"""``python manage.py recompute_snapshots [--user EMAIL] [--since YYYY-MM]``.

Recomputes snapshots in this process, batch after batch, with a progress bar: for
an operator after a deploy that changes a formula, or to backfill. The same
service the Celery tasks call, so the rows are the same as theirs.
"""

from __future__ import annotations

import sys
import time
from datetime import date

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from portfolio import months, snapshots
from portfolio.batches import batches

BAR_WIDTH = 30


def _month(text: str) -> date:
    month = months.parse_month(text)
    if month is None:
        raise CommandError(f"--since must be a month written YYYY-MM, not {text!r}.")
    return month


class Command(BaseCommand):
    help = "Recompute snapshots now: every user, or one (--user), all months or from --since."

    def add_arguments(self, parser):
        parser.add_argument("--user", metavar="EMAIL", help="Only this user.")
        parser.add_argument(
            "--since", metavar="YYYY-MM", help="Only months from this one on (default: all)."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=snapshots.BATCH_SIZE,
            help=f"Users per transaction (default {snapshots.BATCH_SIZE}).",
        )

    def handle(self, *args, user=None, since=None, batch_size, **options):
        since_month = None if since is None else _month(since)
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        users = get_user_model().objects.order_by("pk")
        if user is not None:
            users = users.filter(email__iexact=user)
            if not users.exists():
                raise CommandError(f"No user with the e-mail address {user!r}.")
        ids = list(users.values_list("pk", flat=True))

        started = time.monotonic()
        done = rows = deleted = 0
        failed: list[int] = []
        self._progress(done, len(ids))
        for batch in batches(ids, batch_size):
            result = snapshots.snapshots_recompute_batch(user_ids=batch, since=since_month)
            done += len(batch)
            rows += result.rows_written
            deleted += result.rows_deleted
            failed += result.failed
            self._progress(done, len(ids))
        self.stdout.write("")
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Recomputed {rows} snapshots of {len(ids)} users in {elapsed:.1f} s"
                f" ({deleted} out-of-range rows deleted)."
            )
        )
        if failed:
            listed = ", ".join(map(str, failed))
            self.stdout.write(
                self.style.ERROR(
                    f"{len(failed)} users could not be recomputed (user ids {listed}); "
                    "the log has each one's error."
                )
            )

    def _progress(self, done: int, total: int) -> None:
        filled = BAR_WIDTH if total == 0 else BAR_WIDTH * done // total
        percent = 100 if total == 0 else 100 * done // total
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        # On a terminal the bar redraws in place; in a log, one line per batch.
        end = "\r" if sys.stdout.isatty() else "\n"
        self.stdout.write(f"[{bar}] {percent:3}% {done}/{total} users", ending=end)
        self.stdout.flush()
