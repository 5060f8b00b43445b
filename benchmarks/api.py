"""The API's entries list against a bare authenticated view, on one gunicorn.

    DATABASE_URL=postgres://USER@HOST:5432/ANY .venv/bin/python benchmarks/api.py \\
        [--entries 10000] [--page-size 100] [--requests 300] [--workers 2]

PostgreSQL only. ``DATABASE_URL`` says where the server is: the benchmark creates
its own database (``--db-name``, ``wealthratio_bench_api``), migrates it, loads one
user with ``--entries`` entries (a tenth linked to a stream) and a read token, and
drops it at the end. ``REDIS_URL`` is ignored: the cache (the rate-limit counters)
is files in a temporary folder, and the rate limit is raised out of the way.

It prints:

1. the queries of one page of entries, in process, for page sizes 10 and
   ``--page-size`` and for the first and a late page (a cursor deep in the list):
   the same number each time means no query per row ("queries flat");
2. the throughput of one gunicorn (``--workers`` sync workers) serving, with the
   token, ``GET /api/v1/entries/?page_size=N`` (walking every page by its cursor,
   then again) and a bare view with the same authentication, permission and
   throttle that reads nothing and answers ``{}``; the ratio is the price of a
   page of entries over the API's fixed cost.

Imported by gunicorn (``benchmarks.api:application``), this module is the URLconf
too: the app's URLs and the bare view at ``/bench/bare/``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from benchmarks.postgres_run import free_port, log, recreate, server_urls  # noqa: E402

BARE = "/bench/bare/"


# --- Served by gunicorn ------------------------------------------------------------


def _served_application():
    """The app's WSGI application with this module as URLconf (adds the bare view)."""
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    settings.ROOT_URLCONF = __name__
    return application


if os.environ.get("WR_BENCH_SERVE") == "1":
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    application = _served_application()

    from django.urls import include, path
    from rest_framework.decorators import api_view
    from rest_framework.response import Response

    @api_view(["GET"])
    def bare(request):
        """The API's fixed cost: token, permission and throttle, then nothing."""
        return Response({})

    urlpatterns = [path("bench/bare/", bare), path("", include("config.urls"))]


# --- The benchmark ----------------------------------------------------------------


def _environment(bench_url: str, local_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    env.pop("DJANGO_ENV", None)
    env.update(
        DATABASE_URL=bench_url,
        LOCAL_DIR=local_dir,
        DEBUG="0",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="config.settings",
        API_RATE_LIMIT="100000000/min",
    )
    return env


def load(entries: int) -> str:
    """One user with ``entries`` entries; returns a read token's secret."""
    from accounts.models import User
    from api.tokens import token_create
    from portfolio.models import Entry, Stream

    user = User.objects.create_user("bench@example.com", "bench password 1")
    portfolio = user.portfolios.get()
    stream = Stream.objects.create(
        portfolio=portfolio,
        name="Dividends",
        category="dividends",
        amount=Decimal("40.00"),
        frequency="monthly",
        first_date=date(2020, 1, 1),
    )
    first = date(2020, 1, 1)
    Entry.objects.bulk_create(
        (
            Entry(
                portfolio=portfolio,
                date=first + timedelta(days=index % 2000),
                amount=Decimal(index % 5000 + 1) / 100,
                category="dividends" if index % 10 == 0 else "living_expenses",
                stream=stream if index % 10 == 0 else None,
                note=f"Entry {index}",
                currency=user.currency,  # bulk_create: no save() to fill it in
            )
            for index in range(entries)
        ),
        batch_size=5000,
    )
    _, secret = token_create(user=user, name="bench", scope="read", expires_at=None)
    return secret


def count_queries(secret: str, page_size: int, entries: int) -> list[tuple[str, int, int]]:
    """(which page, page size, queries) for a first and a late page, in process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_HOST="localhost")
    client.get("/api/v1/entries/")  # records the token's use, a write once a minute
    rows = []
    for size in sorted({10, page_size}):
        url = f"/api/v1/entries/?page_size={size}"
        for label in ("first", "late"):
            if label == "late":
                # Walk to a page about nine tenths into the list.
                for _ in range(max(1, int(entries / size * 0.9))):
                    url = client.get(url).json()["next"] or url
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200, response.content[:200]
            assert len(response.json()["results"]) == size
            rows.append((label, size, len(queries)))
    return rows


def _get(port: int, path: str, secret: str) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(
        "GET", path, headers={"Authorization": f"Bearer {secret}", "Host": "localhost"}
    )
    response = connection.getresponse()
    body = response.read()
    connection.close()
    if response.status != 200:
        raise SystemExit(f"GET {path}: {response.status} {body[:200]!r}")
    return body


def throughput(port: int, secret: str, paths, requests: int, clients: int) -> float:
    """Requests a second, ``clients`` threads sharing ``requests`` requests."""
    lock, done = threading.Lock(), [0]

    def work():
        while True:
            with lock:
                if done[0] >= requests:
                    return
                index = done[0]
                done[0] += 1
            _get(port, paths(index), secret)

    threads = [threading.Thread(target=work) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return requests / (time.perf_counter() - began)


def page_paths(port: int, secret: str, page_size: int) -> list[str]:
    """Every page of the list, by its cursor: what a script reading all of it asks."""
    paths, path = [], f"/api/v1/entries/?page_size={page_size}"
    while path:
        paths.append(path)
        nxt = json.loads(_get(port, path, secret))["next"]
        path = nxt and urlsplit(nxt)._replace(scheme="", netloc="").geturl()
    return paths


def serve(env: dict[str, str], workers: int, port: int, log_file) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "benchmarks.api:application",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(BASE_DIR),
        # No control socket: it lives in the home directory, shared by every gunicorn.
        "--no-control-socket",
    ]
    process = subprocess.Popen(
        command, env={**env, "WR_BENCH_SERVE": "1"}, stdout=log_file, stderr=log_file
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            if process.poll() is not None:
                raise SystemExit("gunicorn did not start; see its log above") from None
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not listen within 30 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--requests", type=int, default=300, help="per view measured")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--clients", type=int, default=2, help="concurrent client threads")
    parser.add_argument("--db-name", default="wealthratio_bench_api")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url:
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server (postgres://USER@HOST/ANY).")
    maintenance, bench_url = server_urls(url, args.db_name)
    local_dir = tempfile.mkdtemp(prefix="wr-bench-api-")
    env = _environment(bench_url, local_dir)
    os.environ.update(env)
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(BASE_DIR))
    log(f"creating database {args.db_name}")
    recreate(maintenance, args.db_name, create=True)
    server = None
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0, interactive=False)
        log(f"loading {args.entries:,} entries")
        secret = load(args.entries)
        queries = count_queries(secret, args.page_size, args.entries)
        connections.close_all()

        port = free_port()
        with open(Path(local_dir) / "gunicorn.log", "w") as log_file:
            server = serve(env, args.workers, port, log_file)
            pages = page_paths(port, secret, args.page_size)
            for path in (pages[0], BARE):  # warm every worker up
                for _ in range(args.workers * 3):
                    _get(port, path, secret)
            log(f"{args.requests} requests to each, {args.clients} clients")
            list_rate = throughput(
                port, secret, lambda i: pages[i % len(pages)], args.requests, args.clients
            )
            bare_rate = throughput(port, secret, lambda i: BARE, args.requests, args.clients)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        recreate(maintenance, args.db_name, create=False)
        shutil.rmtree(local_dir, ignore_errors=True)

    print(f"Entries list: {args.entries:,} entries, {len(pages)} pages of {args.page_size}")
    print("Queries of one page (in process):")
    for label, size, count in queries:
        print(f"  {label:<6} page, {size:>4} a page: {count} queries")
    flat = len({count for _, _, count in queries}) == 1
    print(f"  flat (the same for every page and size): {'yes' if flat else 'NO'}")
    print(
        f"Throughput, gunicorn with {args.workers} sync workers, {args.clients} clients, "
        f"{args.requests} requests each:"
    )
    print(f"  GET /api/v1/entries/?page_size={args.page_size}: {list_rate:8.1f} requests/s")
    print(f"  bare authenticated view:            {bare_rate:8.1f} requests/s")
    print(f"  ratio (list / bare):                {list_rate / bare_rate:8.2f}")
    print(f"  server load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
