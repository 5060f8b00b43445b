"""Helpers of the browser tests: Debian's Chromium, screenshots, a logged-in page.

``PAINTED`` counts the painted pixels of a canvas; ``artifacts_dir()`` is where
screenshots go; ``log_in`` hands a page the session of Django's test client;
``page_errors`` collects what the page's scripts threw or logged as errors.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BASE_DIR = Path(__file__).resolve().parents[2]
# ``page.evaluate(PAINTED, id)``: the non-transparent pixels of a canvas. A drawn
# chart paints thousands; axes and labels alone paint far fewer.
PAINTED = """(id) => {
  const canvas = document.getElementById(id);
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
  return painted;
}"""


def artifacts_dir() -> Path:
    """The folder for screenshots (created): ``ARTIFACTS_DIR``, relative to the repository."""
    folder = Path(os.environ.get("ARTIFACTS_DIR") or "artifacts")
    if not folder.is_absolute():
        folder = BASE_DIR / folder
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def log_in(page, live_server, client) -> None:
    """Give ``page`` the session of Django's test ``client`` (logged in before ``browser``)."""
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


def page_errors(page) -> list[str]:
    """A list that fills with the page's uncaught exceptions and console errors."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    return errors
