"""Many households on the dashboard at once: distinct users, distinct sessions.

    DATABASE_URL=postgres://USER@HOST:5432/ANY .venv/bin/python benchmarks/concurrency.py \\
        [--users 200] [--connections 200] [--seconds 60] [--workers 2]

PostgreSQL only, and ``wrk`` on the PATH (Debian's package). ``DATABASE_URL`` says
where the server is: the benchmark creates its own database (``--db-name``,
``wealthratio_bench_concurrency``), migrates it and drops it at the end.
With ``REDIS_URL`` set the app's cache is that Redis, as in production (under a key
prefix of this run's own); without it, files in a temporary folder (Django's file
cache culls at 300 entries, so with many users it measures misses more than hits).

It loads the demo account (``load_demo``: three years of history, its snapshots and
goals), then copies it ``--users`` - 1 times in SQL (``INSERT ... SELECT`` over
``generate_series``: every portfolio, holding, valuation, stream, entry, goal and
snapshot, keys shifted per copy), so each user has a demo-sized history of their
own; logs each user in (a session of their own) and runs one gunicorn
(``--workers`` sync workers, the app's own WSGI application). wrk then keeps
``--connections`` connections busy for ``--seconds`` seconds, each request with
the next user's session (a Lua script turns through them) and the CSRF cookie a
browser keeps, under which the dashboard is kept until something changes
(``--rendered`` sends none, so every dashboard is rendered, as before pages were
kept). Before the run each user opens their dashboard once, as people coming back
have (``--cold``: nobody has, and the run starts with 200 first visits at once).
wrk counts every
answer that is not a 200 as an error (a session that had expired would be a
redirect to the log-in page). It prints requests a second, p50, p99 and the
longest request, errors, and the load average of the machine before and after.
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from benchmarks.postgres_run import free_port, log, recreate, server_urls  # noqa: E402

# Keys of a copy are the demo's plus copy x SHIFT: far above any key of the demo.
SHIFT = 1_000_000
P99_TARGET_MS = 1000

LUA = r"""
local sessions = {}
for line in io.lines("%(sessions)s") do sessions[#sessions + 1] = line end
local threads = {}
local counter = 0
local errors = 0

function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

function init(args)
  counter = tonumber(wrk.thread:get("id")) * 7919
end

function request()
  counter = counter + 1
  local session = sessions[(counter %% #sessions) + 1]
  return wrk.format("GET", "/dashboard/", {
    ["Host"] = "localhost",
    ["Accept-Encoding"] = "gzip, deflate, br",
    ["Cookie"] = session,
  })
end

function response(status, headers, body)
  if status ~= 200 then
    errors = errors + 1
    wrk.thread:set("errors", errors)
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + (thread:get("errors") or 0) end
  io.write(string.format("RESULT requests=%%d seconds=%%f p50=%%f p99=%%f max=%%f bad=%%d " ..
    "connect=%%d read=%%d write=%%d timeout=%%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, bad,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
"""


def _copy_rows(cursor, model, copies: int, *, shifted: set[str], owner: str | None, where: str):
    """INSERT ... SELECT one copy per ``generate_series`` value of ``model``'s rows
    (``where``): the key and the ``shifted`` foreign keys plus copy x SHIFT, the
    ``owner`` column the copy's user (from the ``copy_user`` table)."""
    table = model._meta.db_table
    columns, values = [], []
    for field in model._meta.concrete_fields:
        column = field.column
        columns.append(f'"{column}"')
        if field.primary_key or column in shifted:
            values.append(f'r."{column}" + g.k * {SHIFT}')
        elif column == owner:
            values.append("u.user_id")
        else:
            values.append(f'r."{column}"')
    cursor.execute(
        f'INSERT INTO "{table}" ({", ".join(columns)}) '  # noqa: S608 (the models' own columns)
        f'SELECT {", ".join(values)} FROM "{table}" r '
        f"CROSS JOIN generate_series(1, {copies}) g(k) JOIN copy_user u ON u.k = g.k "
        f"WHERE {where}"
    )
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # noqa: S608
        f'(SELECT max(id) FROM "{table}"))'
    )


def load(users: int) -> list:
    """The demo account and ``users`` - 1 copies of it; returns every user."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction

    from dashboard.management.commands.load_demo import EMAIL
    from goals.models import Goal
    from portfolio.models import Entry, Holding, Portfolio, Snapshot, Stream, Valuation

    User = get_user_model()
    log("loading the demo account")
    call_command("load_demo", stdout=io.StringIO())
    demo = User.objects.get(email=EMAIL)
    copies = users - 1
    log(f"copying it {copies} times")
    with transaction.atomic():
        made = User.objects.bulk_create(
            User(
                email=f"user{k}@example.com",
                password=demo.password,
                currency=demo.currency,
                time_zone=demo.time_zone,
                is_active=True,
            )
            for k in range(1, copies + 1)
        )
        EmailAddress.objects.bulk_create(
            EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in made
        )
        demo_id = int(demo.pk)
        portfolios = (
            f"portfolio_id IN (SELECT id FROM portfolio_portfolio WHERE owner_id = {demo_id})"  # noqa: S608
        )
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMPORARY TABLE copy_user (k integer, user_id bigint)")
            cursor.executemany(
                "INSERT INTO copy_user VALUES (%s, %s)",
                [(k, user.pk) for k, user in enumerate(made, start=1)],
            )
            _copy_rows(
                cursor,
                Portfolio,
                copies,
                shifted=set(),
                owner="owner_id",
                where=f"r.owner_id = {demo.pk}",
            )
            _copy_rows(
                cursor,
                Holding,
                copies,
                shifted={"portfolio_id", "secured_against_id"},
                owner=None,
                where=f"r.{portfolios}",
            )
            holdings = (
                "holding_id IN (SELECT h.id FROM portfolio_holding h JOIN portfolio_portfolio p"  # noqa: S608
                f" ON p.id = h.portfolio_id WHERE p.owner_id = {demo_id})"
            )
            _copy_rows(
                cursor, Valuation, copies, shifted={"holding_id"}, owner=None, where=f"r.{holdings}"
            )
            _copy_rows(
                cursor,
                Stream,
                copies,
                shifted={"portfolio_id", "holding_id"},
                owner=None,
                where=f"r.{portfolios}",
            )
            _copy_rows(
                cursor,
                Entry,
                copies,
                shifted={"portfolio_id", "stream_id"},
                owner=None,
                where=f"r.{portfolios}",
            )
            _copy_rows(
                cursor,
                Goal,
                copies,
                shifted={"portfolio_id"},
                owner="owner_id",
                where=f"r.owner_id = {demo.pk} AND r.household_id IS NULL",
            )
            _copy_rows(
                cursor,
                Snapshot,
                copies,
                shifted={"portfolio_id"},
                owner="owner_id",
                where=f"r.owner_id = {demo.pk} AND r.household_id IS NULL",
            )
            cursor.execute("DROP TABLE copy_user")
            cursor.execute("ANALYZE")
    return [demo, *made]


def sessions_of(users, *, rendered: bool) -> list[str]:
    """Each user's Cookie header: their session and, as a browser keeps it after its
    first page, a CSRF cookie (whose secret no page was made with yet, so each user's
    first dashboard in the run is rendered). ``rendered``: no CSRF cookie, so every
    dashboard is rendered afresh, as for a browser's first visit."""
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.test import Client
    from django.utils.crypto import get_random_string

    cookies = []
    for user in users:
        client = Client()
        client.force_login(user)
        cookie = f"sessionid={client.cookies['sessionid'].value}"
        if not rendered:
            secret = get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS)
            cookie += f"; csrftoken={secret}"
        cookies.append(cookie)
    return cookies


def serve(env: dict[str, str], workers: int, port: int, log_file) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", str(workers)]
    command += ["--bind", f"127.0.0.1:{port}", "--chdir", str(BASE_DIR), "--timeout", "120"]
    # No control socket: it lives in the home directory, shared by every gunicorn.
    command += ["--backlog", "2048", "--no-control-socket"]
    process = subprocess.Popen(command, env=env, stdout=log_file, stderr=log_file)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            if process.poll() is not None:
                raise SystemExit("gunicorn did not start; see its log") from None
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not listen within 30 s")


def _get(port: int, cookie: str) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", "/dashboard/", headers={"Host": "localhost", "Cookie": cookie})
    response = connection.getresponse()
    response.read()
    connection.close()
    if response.status != 200:
        raise SystemExit(f"GET /dashboard/ answered {response.status}")


RESULT = re.compile(r"RESULT (.*)")


def run_wrk(port: int, script: Path, *, connections: int, seconds: int) -> dict[str, float]:
    threads = min(4, connections)
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s"]
    command += ["--timeout", "60s", "-s", str(script), f"http://127.0.0.1:{port}/dashboard/"]
    run = subprocess.run(command, capture_output=True, text=True, check=True)
    found = RESULT.search(run.stdout)
    if not found or found.group(1).startswith("requests=0 "):
        raise SystemExit(f"wrk made no request:\n{run.stdout}\n{run.stderr}")
    return {key: float(value) for key, value in (p.split("=") for p in found.group(1).split())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--db-name", default="wealthratio_bench_concurrency")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="no first visit before the run: every user's first dashboard is in it",
    )
    parser.add_argument(
        "--rendered",
        action="store_true",
        help="no CSRF cookie: every dashboard rendered afresh, none served from the cache",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk).")
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server (postgres://USER@HOST/ANY).")
    maintenance, bench_url = server_urls(url, args.db_name)
    local_dir = Path(tempfile.mkdtemp(prefix="wr-bench-concurrency-"))
    env = dict(os.environ)
    env.pop("DJANGO_ENV", None)
    if env.get("REDIS_URL"):
        env["CACHE_KEY_PREFIX"] = f"bench-concurrency-{os.getpid()}"
    env.update(
        DATABASE_URL=bench_url,
        LOCAL_DIR=str(local_dir),
        DEBUG="0",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    os.environ.clear()
    os.environ.update(env)
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
        began = time.perf_counter()
        users = load(args.users)
        loaded = time.perf_counter() - began
        sessions = sessions_of(users, rendered=args.rendered)
        connections.close_all()
        session_file = local_dir / "sessions.txt"
        session_file.write_text("\n".join(sessions) + "\n")
        script = local_dir / "dashboard.lua"
        lua = LUA % {"sessions": session_file}
        script.write_text(lua)

        port = free_port()
        with open(local_dir / "gunicorn.log", "w") as log_file:
            server = serve(env, args.workers, port, log_file)
            # The workers' first requests load the code, as on a running instance; and,
            # unless ``--cold``, each user has seen their dashboard once, as people who
            # come back do (``--cold``: all arrive at once to an empty cache).
            warm = sessions if not args.cold else sessions[: args.workers * 3]
            for session in warm:
                _get(port, session)
            time.sleep(2)
            load_before = os.getloadavg()
            log(f"{args.connections} connections for {args.seconds} s")
            result = run_wrk(port, script, connections=args.connections, seconds=args.seconds)
            load_after = os.getloadavg()
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        recreate(maintenance, args.db_name, create=False)
        shutil.rmtree(local_dir, ignore_errors=True)

    errors = result["bad"] + result["connect"] + result["read"] + result["write"]
    errors += result["timeout"]
    rps = result["requests"] / result["seconds"]
    print(
        f"Dashboard under load: {len(users)} users (demo-sized histories, loaded in "
        f"{loaded:.1f} s), a session each; gunicorn {args.workers} sync workers; "
        f"cache: {'Redis' if env.get('REDIS_URL') else 'files'}; "
        f"{'every page rendered (no CSRF cookie)' if args.rendered else 'browsers with cookies'}"
        f"{', no visit before the run' if args.cold else ', each user seen once before'}; "
        f"wrk {args.connections} connections for {args.seconds} s, the next user's "
        "session on every request"
    )
    print(f"  requests:   {result['requests']:.0f} ({rps:.1f} a second)")
    print(f"  p50:        {result['p50']:.0f} ms")
    print(
        f"  p99:        {result['p99']:.0f} ms (target < {P99_TARGET_MS} ms: "
        f"{'met' if result['p99'] < P99_TARGET_MS else 'MISSED'})"
    )
    print(f"  max:        {result['max']:.0f} ms")
    print(
        f"  errors:     {errors:.0f} (not 200: {result['bad']:.0f}; "
        f"connect {result['connect']:.0f}, "
        f"read {result['read']:.0f}, write {result['write']:.0f}, timeout {result['timeout']:.0f})"
    )
    print(
        "  load average before / after: "
        f"{', '.join(f'{x:.2f}' for x in load_before)} / "
        f"{', '.join(f'{x:.2f}' for x in load_after)}"
    )


if __name__ == "__main__":
    main()
