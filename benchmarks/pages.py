"""Every page against a bare ``login_required`` view, on one gunicorn.

    DATABASE_URL=postgres://USER@HOST:5432/ANY .venv/bin/python benchmarks/pages.py \\
        [--seconds 4] [--rounds 3] [--connections 16] [--workers 2] [--only dashboard,goals]

PostgreSQL only, and ``wrk`` on the PATH (Debian's package). ``DATABASE_URL`` says
where the server is: the benchmark creates its own database (``--db-name``,
``wealthratio_bench_pages``), migrates it, loads three accounts and drops it at the
end. ``REDIS_URL`` is ignored: the cache is files in a temporary folder.

The accounts, each with its snapshots computed as the app computes them:

- *small*: one of each: a portfolio, a stream, an entry, a holding with one
  valuation and a goal;
- *demo*: the demo account (``load_demo``: three years of history, two portfolios),
  in a household of its own for the household dashboard;
- *big*: 40 streams, 10,000 entries over three years, 50 holdings with 36 monthly
  valuations each, and 20 goals (five metrics, overall and for the portfolio,
  this year and last).

It prints, for each page (dashboard, holdings, streams, entries, goals, projection,
household dashboard):

Pages are kept per user until what they show changes (``accounts.page_cache``),
under the browser's CSRF secret, so each request carries the cookies a browser
keeps after its first page: those are the repeat visits. The same page without a
CSRF cookie is rendered afresh on every request, as a browser's first visit or
the first page after a change is.

1. the queries of one request for the small and the big account (in process),
   rendered and kept: the same numbers mean no query per row;
2. the median time of one request at a time (``--single`` requests, new connection
   each, as gunicorn's sync workers close them) for the page of each account, kept
   and rendered, and for the bare view, and the big account's time over the small
   one's;
3. the throughput of the kept page (for the demo account) and of the bare view, run
   alternately A B A B A B with wrk (``--connections`` connections, ``--seconds``
   each, a drain pause between runs, a timeout of 30 s to see the tail), and the
   median of the page/bare ratios of each pair.

Every request sends ``Accept-Encoding: gzip, deflate, br`` as a browser does, so the
pages' gzip is in the figures. Imported by gunicorn (``benchmarks.pages:application``),
this module is the URLconf too: the app's URLs and the bare view at ``/bench/bare/``,
which passes the same middleware and session check and answers a short text.
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from benchmarks.postgres_run import free_port, log, recreate, server_urls  # noqa: E402

BARE = "/bench/bare/"
ENCODINGS = "gzip, deflate, br"
THROUGHPUT_TARGET = 0.5
FLAT_TARGET = 1.5


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

    from django.contrib.auth.decorators import login_required
    from django.http import HttpResponse
    from django.urls import include, path

    @login_required
    def bare(request):
        """The framework's floor: middleware, session and user, then nothing."""
        return HttpResponse("ok", content_type="text/plain")

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
    )
    return env


# --- The accounts -----------------------------------------------------------------


def _verified_user(email: str):
    from allauth.account.models import EmailAddress

    from accounts.models import User

    user = User.objects.create_user(email, "bench password 1", currency="EUR")
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _goal(user, *, year: int, metric: str, portfolio=None, today: date):
    from goals.models import Goal

    baseline_date = date(year, 1, 1) if year < today.year else today.replace(day=1)
    return Goal(
        owner=user,
        portfolio=portfolio,
        year=year,
        metric=metric,
        baseline=Decimal("0.10") if metric != "monthly_passive" else Decimal("100"),
        baseline_date=baseline_date,
        target=Decimal("0.40") if metric != "monthly_passive" else Decimal("900"),
    )


def make_small(today: date):
    """One of each: a stream, an entry, a holding with a valuation, a goal."""
    from goals.models import Goal, Metric
    from portfolio.models import Entry, Holding, Stream, Valuation

    user = _verified_user("small@example.com")
    portfolio = user.portfolios.get()
    start = date(today.year - 1, today.month, 1)
    holding = Holding.objects.create(
        portfolio=portfolio, name="Savings", kind="deposit", liquid=True
    )
    Valuation.objects.create(holding=holding, date=start, value=Decimal("20000.00"))
    Stream.objects.create(
        portfolio=portfolio,
        name="Salary",
        category="salary",
        amount=Decimal("3000.00"),
        first_date=start,
    )
    Entry.objects.create(
        portfolio=portfolio, date=start, amount=Decimal("45.00"), category="dividends"
    )
    Goal.objects.bulk_create(
        [_goal(user, year=today.year, metric=Metric.WEALTH_RATIO, today=today)]
    )
    return user


def make_big(today: date):
    """40 streams, 10,000 entries, 50 holdings x 36 valuations, 20 goals."""
    from goals.models import Goal, Metric
    from portfolio import categories
    from portfolio.models import Entry, Holding, Stream, Valuation

    user = _verified_user("big@example.com")
    portfolio = user.portfolios.get()
    first_month = date(today.year - 3, today.month, 1)
    kinds = ["deposit", "listed", "property", "bonds", "business", "cash", "vehicle", "loan"]
    holdings = Holding.objects.bulk_create(
        Holding(
            portfolio=portfolio,
            name=f"Holding {i}",
            currency="EUR",
            kind=kinds[i % len(kinds)],
            liquid=kinds[i % len(kinds)] in Holding.LIQUID_KINDS,
        )
        for i in range(50)
    )
    Valuation.objects.bulk_create(
        Valuation(
            holding=holding,
            date=_add_months(first_month, month),
            value=Decimal(1000 * (index + 1) + 25 * month),
        )
        for index, holding in enumerate(holdings)
        for month in range(36)
    )
    earned = categories.CATEGORIES_IN[categories.EARNED]
    passive = categories.CATEGORIES_IN[categories.PASSIVE]
    outgoing = categories.CATEGORIES_IN[categories.OUTGOING]
    stream_categories = [*earned, *passive, *outgoing]
    streams = Stream.objects.bulk_create(
        Stream(
            portfolio=portfolio,
            name=f"Stream {i}",
            currency="EUR",
            category=stream_categories[i % len(stream_categories)],
            amount=Decimal(50 + 10 * i),
            first_date=first_month + timedelta(days=i % 28),
            holding=holdings[i]
            if stream_categories[i % len(stream_categories)] in passive
            else None,
        )
        for i in range(40)
    )
    all_categories = [value for value, _ in categories.CATEGORY_CHOICES]
    days = (today - first_month).days
    Entry.objects.bulk_create(
        (
            Entry(
                portfolio=portfolio,
                currency="EUR",
                date=first_month + timedelta(days=index * days // 10_000),
                amount=Decimal(index % 5000 + 1) / 100,
                category=all_categories[index % len(all_categories)],
                stream=streams[index % 40] if index % 7 == 0 else None,
                note=f"Entry {index}",
            )
            for index in range(10_000)
        ),
        batch_size=5000,
    )
    goals = []
    for year in (today.year - 1, today.year):
        for scope in (None, portfolio):
            for metric in Metric.values:
                goals.append(_goal(user, year=year, metric=metric, portfolio=scope, today=today))
    Goal.objects.bulk_create(goals)
    return user


def _add_months(day: date, count: int) -> date:
    from portfolio.months import add_months

    return add_months(day, count)


def make_household(members):
    """A household of ``members`` sharing their portfolios, for the household page."""
    from households.models import Household, Membership

    household = Household.objects.create(name="Bench household")
    for index, member in enumerate(members):
        Membership.objects.create(household=household, user=member, is_creator=index == 0)
        member.portfolios.update(sharing="view")


def load_accounts():
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from dashboard.management.commands.load_demo import EMAIL
    from portfolio.months import user_today
    from portfolio.snapshots import households_recompute, snapshots_recompute

    log("loading the demo account")
    call_command("load_demo", stdout=io.StringIO())
    demo = get_user_model().objects.get(email=EMAIL)
    today = user_today(demo)
    log("loading the small and the big account")
    small = make_small(today)
    big = make_big(today)
    household_ids = []
    try:
        # The demo account alone: the small and big ones stay without a household,
        # so that their pages run the same queries.
        make_household([demo])
        household_ids = [demo.household_membership.household_id]
    except Exception as error:  # the household page is a bonus: say why it is left out
        log(f"no household page: {error!r}")
    log("computing their snapshots")
    snapshots_recompute(user_ids=[small.pk, big.pk, demo.pk])
    if household_ids:
        households_recompute(household_ids=household_ids)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the planner's statistics, as autovacuum keeps them
    return {"small": small, "demo": demo, "big": big}, bool(household_ids)


def pages_of(user, *, household: bool) -> dict[str, str]:
    from django.urls import reverse

    portfolio = user.portfolios.order_by("pk").first()
    pages = {
        "dashboard": reverse("dashboard:dashboard"),
        "holdings": reverse("portfolio:holding_list", args=[portfolio.pk]),
        "streams": reverse("portfolio:stream_list", args=[portfolio.pk]),
        "entries": reverse("portfolio:entry_list", args=[portfolio.pk]),
        "goals": reverse("goals:goal_list"),
        "projection": reverse("portfolio:projection"),
    }
    if household:
        pages["household"] = reverse("dashboard:household")
    return pages


def cookie_of(user, *, browser: bool = True) -> str:
    """A Cookie header: the user's session and, as a browser keeps it after its first
    page, a CSRF cookie, under which the pages are kept; without it (``browser``
    False) every page is rendered afresh, as on a browser's first visit."""
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.test import Client
    from django.utils.crypto import get_random_string

    client = Client()
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    if browser:
        secret = get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS)
        cookie += f"; csrftoken={secret}"
    return cookie


def count_queries(user, pages: dict[str, str]) -> dict[str, int]:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    counts = {}
    for name, path in pages.items():
        # Rendered: the page's own queries (a cleared cache); then kept.
        cache.clear()
        client.get(path)
        cache.clear()
        with CaptureQueriesContext(connection) as rendered:
            response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{name} ({path}) answered {response.status_code}")
        with CaptureQueriesContext(connection) as kept:
            client.get(path)
        counts[name] = (len(rendered), len(kept))
    return counts


# --- Over HTTP --------------------------------------------------------------------


def _headers(cookie: str) -> dict[str, str]:
    return {"Cookie": cookie, "Host": "localhost", "Accept-Encoding": ENCODINGS}


def _get(port: int, path: str, session: str) -> float:
    """Seconds for one request, on a new connection; the answer must be a 200."""
    began = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path, headers=_headers(session))
    response = connection.getresponse()
    body = response.read()
    connection.close()
    elapsed = time.perf_counter() - began
    if response.status != 200:
        raise SystemExit(f"GET {path}: {response.status} {body[:200]!r}")
    return elapsed


def single_ms(port: int, path: str, session: str, count: int) -> float:
    for _ in range(3):
        _get(port, path, session)
    return statistics.median(_get(port, path, session) for _ in range(count)) * 1000


WRK_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_BAD = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
WRK_ERRORS = re.compile(r"Socket errors:(.*)")


def wrk(port: int, path: str, session: str, *, seconds: float, connections: int) -> float:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds:g}s", "--timeout", "30s"]
    for name, value in _headers(session).items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    run = subprocess.run(command, capture_output=True, text=True, check=False)
    if run.returncode:
        raise SystemExit(f"wrk on {path} failed:\n{run.stdout}{run.stderr}")
    output = run.stdout
    bad = WRK_BAD.search(output)
    errors = WRK_ERRORS.search(output)
    if bad or errors:
        raise SystemExit(f"wrk on {path} saw errors:\n{output}")
    return float(WRK_RATE.search(output).group(1))


def alternate(port, path, session, *, rounds, seconds, connections, drain):
    """(page rps, bare rps) of each round, page first then bare, a drain pause between."""
    pairs = []
    for _ in range(rounds):
        page = wrk(port, path, session, seconds=seconds, connections=connections)
        time.sleep(drain)
        bare = wrk(port, BARE, session, seconds=seconds, connections=connections)
        time.sleep(drain)
        pairs.append((page, bare))
    return pairs


def serve(env: dict[str, str], workers: int, port: int, log_file) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "benchmarks.pages:application",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(BASE_DIR),
        "--timeout",
        "60",
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
                raise SystemExit("gunicorn did not start; see its log") from None
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not listen within 30 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=4, help="per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="page/bare pairs per page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--drain", type=float, default=1.0, help="seconds between runs")
    parser.add_argument("--single", type=int, default=15, help="requests for single-request ms")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--only", default="", help="comma-separated pages to measure")
    parser.add_argument("--db-name", default="wealthratio_bench_pages")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk).")

    url = os.environ.get("DATABASE_URL", "")
    if not url:
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server (postgres://USER@HOST/ANY).")
    maintenance, bench_url = server_urls(url, args.db_name)
    local_dir = tempfile.mkdtemp(prefix="wr-bench-pages-")
    env = _environment(bench_url, local_dir)
    os.environ.update(env)
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(BASE_DIR))
    log(f"creating database {args.db_name}")
    recreate(maintenance, args.db_name, create=True)
    server = None
    rows = []
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0, interactive=False)
        users, household = load_accounts()
        # Only the demo account is in a household.
        pages = {
            name: pages_of(user, household=household and name == "demo")
            for name, user in users.items()
        }
        wanted = [p for p in pages["demo"] if not args.only or p in args.only.split(",")]
        queries = {name: count_queries(users[name], pages[name]) for name in ("small", "big")}
        sessions = {name: cookie_of(user) for name, user in users.items()}
        first_visits = {name: cookie_of(user, browser=False) for name, user in users.items()}
        connections.close_all()

        port = free_port()
        with open(Path(local_dir) / "gunicorn.log", "w") as log_file:
            server = serve(env, args.workers, port, log_file)
            for _ in range(args.workers * 3):
                _get(port, BARE, sessions["demo"])
            for page in wanted:
                log(f"{page}: single requests")

                def each_account(cookies, page=page):
                    return {
                        name: single_ms(port, pages[name][page], cookies[name], args.single)
                        for name in users
                        if page in pages[name]
                    }

                times, rendered = each_account(sessions), each_account(first_visits)
                bare_ms = single_ms(port, BARE, sessions["demo"], args.single)
                log(f"{page}: wrk, {args.rounds} rounds of page and bare")
                pairs = alternate(
                    port,
                    pages["demo"][page],
                    sessions["demo"],
                    rounds=args.rounds,
                    seconds=args.seconds,
                    connections=args.connections,
                    drain=args.drain,
                )
                rows.append((page, times, rendered, bare_ms, pairs))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        recreate(maintenance, args.db_name, create=False)
        shutil.rmtree(local_dir, ignore_errors=True)
    report(rows, queries, args)


def report(rows, queries, args) -> None:
    print(
        f"Pages against a bare login_required view: gunicorn, {args.workers} sync workers; "
        f"wrk {args.connections} connections, {args.rounds} x (page, bare) of {args.seconds:g} s"
    )
    print("Queries of one request (in process), small / big account, rendered and kept:")
    for page in queries["small"]:
        (small, small_kept), (big, big_kept) = queries["small"][page], queries["big"][page]
        flat = "flat" if (small, small_kept) == (big, big_kept) else "NOT FLAT"
        counts = f"rendered {small:>3} / {big:>3}, kept {small_kept} / {big_kept}"
        print(f"  {page:<11} {counts}  {flat}")
    print(
        "Throughput, demo account, a browser's repeat visits (rps of each round, page vs "
        "bare), and single requests (ms) kept and rendered (a browser's first visit, or "
        "the first page after a change):"
    )
    header = (
        f"  {'page':<11} {'page rps':>9} {'bare rps':>9} {'ratio':>6}   "
        f"{'ms small':>8} {'ms demo':>8} {'ms big':>8} {'ms bare':>8} {'big/small':>9}   "
        f"{'rendered small':>14} {'demo':>6} {'big':>6} {'big/small':>9}"
    )
    print(header)

    def ms(value, width=8):
        return f"{value:{width}.1f}" if value is not None else f"{'-':>{width}}"

    def over(times):
        small, big = times.get("small"), times.get("big")
        return f"{big / small:9.2f}" if big and small else f"{'-':>9}"

    for page, times, rendered, bare_ms, pairs in rows:
        ratio = statistics.median(p / b for p, b in pairs)
        page_rps = statistics.median(p for p, _ in pairs)
        bare_rps = statistics.median(b for _, b in pairs)
        print(
            f"  {page:<11} {page_rps:9.1f} {bare_rps:9.1f} {ratio:6.3f}   "
            f"{ms(times.get('small'))} {ms(times['demo'])} {ms(times.get('big'))} "
            f"{bare_ms:8.1f} {over(times)}   {ms(rendered.get('small'), 14)} "
            f"{ms(rendered['demo'], 6)} {ms(rendered.get('big'), 6)} {over(rendered)}"
        )
        rounds = ", ".join(f"{p:.0f}/{b:.0f}" for p, b in pairs)
        print(f"  {'':<11} rounds (page/bare rps): {rounds}")
    worst = min(statistics.median(p / b for p, b in pairs) for *_, pairs in rows)
    flats = [t["big"] / t["small"] for _, t, _, _, _ in rows if "big" in t and "small" in t]
    print(
        f"Lowest page/bare ratio: {worst:.3f} (target >= {THROUGHPUT_TARGET}: "
        f"{'met' if worst >= THROUGHPUT_TARGET else 'MISSED'})"
    )
    print(
        f"Highest big/small time: {max(flats):.2f} (target <= {FLAT_TARGET}: "
        f"{'met' if max(flats) <= FLAT_TARGET else 'MISSED'})"
    )
    print(f"Server load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
