"""The bytes a browser downloads for the dashboard, compressed and not.

    DATABASE_URL=postgres://USER@HOST:5432/ANY .venv/bin/python benchmarks/bytes.py \\
        [--db-name wealthratio_bench_bytes]

PostgreSQL only. ``DATABASE_URL`` says where the server is: the benchmark creates
its own database, migrates it, loads the demo account (``load_demo``: three years
of history, its snapshots and goals) and drops it at the end. ``REDIS_URL`` is
ignored. The static files are collected into a temporary folder with the
production storage (hashed names, gzip and Brotli copies), and the dashboard is
requested in process through the whole middleware stack, WhiteNoise included.

It prints, for the demo account's dashboard, the size of each part of a first
visit (the HTML and every stylesheet and script it links: the app's CSS and JS
and Chart.js) as sent to a client that accepts no compression ("plain", the
"before"), to one that accepts gzip only, and to one that sends
``Accept-Encoding: gzip, deflate, br`` like every current browser (the "after"),
then the totals of a first load and of a repeat load. A repeat load is the HTML
only: static files have hashed names and WhiteNoise serves them with
``Cache-Control: ... immutable`` (printed), so the browser never asks again. The
HTML's compressed size varies by up to 100 bytes between requests: GZipMiddleware
pads it at random against BREACH. Last, the CPU time gzip costs a page.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from benchmarks.postgres_run import log, recreate, server_urls  # noqa: E402

BROWSER_ENCODINGS = "gzip, deflate, br"
# The targets of issue "bytes": what a household on a slow line should wait for.
FIRST_LOAD_TARGET = 100 * 1024
REPEAT_LOAD_TARGET = 15 * 1024
LINKED = re.compile(r'<(?:link[^>]+href|script[^>]+src)="([^"]+\.(?:css|js))"')


def _body_size(response) -> int:
    """Bytes on the wire: WhiteNoise answers with a file, the views with content."""
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def _get(client, path: str, encodings: str | None):
    headers = {"Accept-Encoding": encodings} if encodings else {}
    response = client.get(path, headers=headers)
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code}")
    size = _body_size(response)
    response.close()
    return size, response


def measure(static_root: Path) -> tuple[list[tuple[str, int, int, int, str]], float]:
    """(part, bytes plain, gzip only, as a browser gets it, how) for the dashboard's parts.

    "gzip only" is what a browser without Brotli (or the app before the ``brotli``
    package) gets; "how" is the encoding a current browser gets and, for the static
    files, the Cache-Control that lets a repeat load skip them.
    """
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client, override_settings
    from django.urls import reverse

    from dashboard.management.commands.load_demo import EMAIL

    production_static = {
        "STATIC_ROOT": static_root,
        "STORAGES": {
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
        },
    }
    with override_settings(**production_static):
        log("collecting static files (gzip and Brotli copies)")
        call_command("collectstatic", interactive=False, verbosity=0)
        # After the override: WhiteNoise indexes STATIC_ROOT once, at its first request.
        client = Client(HTTP_HOST="localhost")
        client.force_login(get_user_model().objects.get(email=EMAIL))
        dashboard = reverse("dashboard:dashboard")
        html = client.get(dashboard).content.decode()
        gzip_ms = _gzip_milliseconds(html.encode())
        parts = [("HTML (dashboard)", dashboard)]
        parts += [(Path(urlsplit(url).path).name, url) for url in LINKED.findall(html)]
        rows = []
        for label, path in parts:
            plain, _ = _get(client, path, None)
            gzip_only, _ = _get(client, path, "gzip")
            after, response = _get(client, path, BROWSER_ENCODINGS)
            how = response.get("Content-Encoding", "identity")
            if path != dashboard:
                how += f"; {response.get('Cache-Control', 'no Cache-Control')}"
            rows.append((label, plain, gzip_only, after, how))
    return rows, gzip_ms


def _gzip_milliseconds(page: bytes, runs: int = 50) -> float:
    """The median CPU time GZipMiddleware spends on one dashboard page, in ms."""
    from django.utils.text import compress_string

    times = []
    for _ in range(runs):
        start = time.process_time()
        compress_string(page, max_random_bytes=100)
        times.append(time.process_time() - start)
    return statistics.median(times) * 1000


def _kb(size: int) -> str:
    return f"{size / 1024:.1f} KB"


def _verdict(size: int, target: int) -> str:
    return f"target < {_kb(target)}: {'met' if size < target else 'MISSED'}"


def report(rows: list[tuple[str, int, int, int, str]], gzip_ms: float) -> None:
    width = max(len(label) for label, *_ in rows)
    print("Dashboard of the demo account (load_demo), bytes of each response body:")
    print(f"  {'part':<{width}}  {'plain':>9}  {'gzip only':>9}  {'browser':>9}  encoding")
    for label, plain, gzip_only, after, how in rows:
        print(f"  {label:<{width}}  {_kb(plain):>9}  {_kb(gzip_only):>9}  {_kb(after):>9}  {how}")
    first_before = sum(row[1] for row in rows)
    first_after = sum(row[3] for row in rows)
    _, repeat_before, _, repeat_after, _ = rows[0]
    print(
        f"First load:  {_kb(first_before)} uncompressed, {_kb(first_after)} compressed "
        f"({_verdict(first_after, FIRST_LOAD_TARGET)})"
    )
    print(
        f"Repeat load: {_kb(repeat_before)} uncompressed, {_kb(repeat_after)} compressed "
        f"(HTML only; {_verdict(repeat_after, REPEAT_LOAD_TARGET)})"
    )
    print(f"Gzipping the dashboard's HTML: {gzip_ms:.2f} ms of CPU a page (median of 50)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db-name", default="wealthratio_bench_bytes")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url:
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server (postgres://USER@HOST/ANY).")
    maintenance, bench_url = server_urls(url, args.db_name)
    local_dir = Path(tempfile.mkdtemp(prefix="wr-bench-bytes-"))
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("DJANGO_ENV", None)
    os.environ.update(
        DATABASE_URL=bench_url,
        LOCAL_DIR=str(local_dir),
        DEBUG="0",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    sys.path.insert(0, str(BASE_DIR))
    log(f"creating database {args.db_name}")
    recreate(maintenance, args.db_name, create=True)
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        log("loading the demo account")
        call_command("load_demo", stdout=io.StringIO())
        rows, gzip_ms = measure(local_dir / "static")
    finally:
        from django.db import connections

        connections.close_all()
        recreate(maintenance, args.db_name, create=False)
        shutil.rmtree(local_dir, ignore_errors=True)
    report(rows, gzip_ms)


if __name__ == "__main__":
    main()
