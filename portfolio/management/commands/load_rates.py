"""``python manage.py load_rates``: store the ECB rate history that ships with the app.

``make run`` runs it after migrating, so a fresh install converts currencies
offline; in production run it once after deploying (the daily job keeps the
table fresh from then on). Days already stored are kept, so running it again
does nothing but read.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from portfolio.rates import load_shipped_rates


class Command(BaseCommand):
    help = "Store the ECB reference rates shipped with the app that are not stored yet."

    def handle(self, *args, **options):
        started = time.monotonic()
        new = load_shipped_rates()
        seconds = time.monotonic() - started
        if new:
            self.stdout.write(
                f"Stored new rates of {len(new)} currencies "
                f"(from {min(new.values()):%Y-%m-%d}) in {seconds:.1f} s."
            )
        else:
            self.stdout.write(f"Rates already up to date ({seconds:.1f} s).")
