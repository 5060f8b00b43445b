"""Logging an outage sparingly: one traceback a minute, then one line per failure.

While a service is down (the database for every page, the broker for every save)
each request fails the same way, and a traceback each time would drown the log
in copies of one story. The first failure logs its whole traceback as an ERROR;
the next ones a WARNING line naming the exception, until a minute has passed and
the next failure shows its traceback again (a long outage may change cause).
Each process counts its own minute.
"""

from __future__ import annotations

import logging
import time

TRACEBACK_EVERY_SECONDS = 60


class OutageLog:
    """``failed(exc, message, *args)``: log one failure of an outage, sparingly."""

    def __init__(self, logger: logging.Logger, every_seconds: float = TRACEBACK_EVERY_SECONDS):
        self.logger = logger
        self.every_seconds = every_seconds
        self.last_traceback_at: float | None = None

    def failed(self, exc: BaseException, message: str, *args: object) -> None:
        now = time.monotonic()
        if self.last_traceback_at is None or now - self.last_traceback_at >= self.every_seconds:
            self.last_traceback_at = now
            self.logger.error(message, *args, exc_info=exc)
        else:
            self.logger.warning(f"{message} (%s)", *args, exc.__class__.__name__)
