"""Render and deliver monthly progress e-mails through real Celery workers to an SMTP sink.

    python benchmarks/emails.py                      # 10,000 e-mails, 1 then 2 workers
    python benchmarks/emails.py --users 2000 --workers 1 2 4

Without ``DATABASE_URL`` it runs on a fresh SQLite file and the filesystem broker
in a temporary folder. With ``DATABASE_URL`` / ``REDIS_URL`` (PostgreSQL, Redis)
it creates its users (``@bench.example.com``) in that database and deletes them
at the end: point it at a scratch database, never at production.

Each user has thirteen months of snapshots of their own (so each chart is drawn,
as for real users), the monthly e-mails of the year before (so that the sent
e-mails' table is read as in production) and a ratio goal, so every e-mail is the
full monthly one: three templates, CSS inlined, a PNG chart, the goal card's
projection. The batches are the ones the hourly job queues
(``emails.send_month_start``, ``jobs.BATCH_SIZE`` users; a worker keeps its SMTP connection from
batch to batch); the sink (aiosmtpd, in a process of its own) accepts and counts.
It prints e-mails per second for each number of workers (solo pool, one process
each), the workers' CPU time per e-mail (on a shared machine, steadier than the
rate) and the sink's, the peak memory (VmHWM) of a worker, and checks that every
user got exactly one e-mail.

Before the workers, one batch loop in this process sends ``--profile`` of the
e-mails through the same ``deliver`` (after a batch that warms it up) and prints
where an e-mail's time goes, wall and CPU time of the thread:
chart PNG, templates (with their Babel figures) and CSS inlining, MIME, SMTP,
claiming and settling rows, and the rest (reading the batch, the context). The
time of the figures' Babel formatting alone is printed per call, and the load
average beside each figure (the machine is shared: say what it was).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DOMAIN = "bench.example.com"
MONTH = date(2026, 1, 1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sink:
    """An SMTP server that accepts every message and counts it, and the recipients
    seen twice, in a process of its own: its work (aiosmtpd parses every message in
    Python) then holds no GIL of the process measured, and its CPU time is its own."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("fork")
        self.port = _free_port()
        self._count = context.Value("q", 0)
        self._duplicates = context.Value("q", 0)
        self._ready, self._stopping = context.Event(), context.Event()
        self.process = context.Process(target=self._serve, daemon=True)
        self.process.start()
        if not self._ready.wait(30):
            raise SystemExit("the SMTP sink did not start")

    def _serve(self) -> None:
        from aiosmtpd.controller import Controller

        seen: set[str] = set()
        count, duplicates = self._count, self._duplicates

        class Handler:
            # It offers PIPELINING, as production mail servers do (and the app uses).
            async def handle_EHLO(self, server, session, envelope, hostname, responses):
                session.host_name = hostname
                return [*responses[:-1], "250-PIPELINING", responses[-1]]

            async def handle_DATA(self, server, session, envelope):
                with duplicates.get_lock():
                    duplicates.value += sum(address in seen for address in envelope.rcpt_tos)
                seen.update(envelope.rcpt_tos)
                with count.get_lock():
                    count.value += 1
                return "250 OK"

        controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        controller.start()
        self._ready.set()
        self._stopping.wait()
        controller.stop()

    @property
    def count(self) -> int:
        return self._count.value

    @property
    def duplicates(self) -> int:
        return self._duplicates.value

    def stop(self) -> None:
        self._stopping.set()
        self.process.join(30)


def _setup_environment(temp: Path) -> None:
    """Environment for this process and the workers, before Django starts."""
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOCAL_DIR", str(temp))
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{temp / 'bench.sqlite3'}"
    # Logs of every e-mail would measure the terminal, not the e-mails.
    os.environ.setdefault("LOG_LEVEL", "WARNING")


def _create_users(count: int) -> list[int]:
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.db import connection

    from goals.models import Goal
    from notifications.models import SentEmail
    from portfolio.models import Snapshot

    user_model = get_user_model()
    joined = datetime(2025, 1, 1, tzinfo=UTC)
    users = user_model.objects.bulk_create(
        [
            user_model(
                email=f"user{index}@{DOMAIN}",
                password="!",
                date_joined=joined,
                email_log_reminder=False,
            )
            for index in range(count)
        ],
        batch_size=2000,
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users],
        batch_size=2000,
    )
    snapshots = []
    for number, user in enumerate(users):
        for offset in range(13):
            index = MONTH.year * 12 + MONTH.month - 1 - 12 + offset
            # A different history for each user (within a thousand): each chart is
            # drawn, as for real users, whose histories rarely repeat.
            passive = Decimal(2400 + 30 * offset + number % 1000)
            snapshots.append(
                Snapshot(
                    owner=user,
                    month=date(index // 12, index % 12 + 1, 1),
                    earned=Decimal(60000),
                    passive=passive,
                    spending=Decimal(36000),
                    liquid_assets=Decimal(30000),
                    net_worth=Decimal(90000),
                    passive_hours=Decimal(2),
                    wealth_ratio=(passive / 60000).quantize(Decimal("0.000001")),
                    runway_months=Decimal(10),
                    runway_with_passive_months=Decimal("10.5"),
                    passive_coverage=(passive / 36000).quantize(Decimal("0.000001")),
                    savings_rate=Decimal("0.4"),
                    passive_per_hour=Decimal(100),
                    computed_at=joined,
                )
            )
        if len(snapshots) >= 13_000:
            Snapshot.objects.bulk_create(snapshots)
            snapshots = []
    Snapshot.objects.bulk_create(snapshots)
    Goal.objects.bulk_create(
        [
            Goal(
                owner=u,
                year=2026,
                metric="wealth_ratio",
                baseline=Decimal("0.04"),
                baseline_date=date(2026, 1, 1),
                target=Decimal("0.08"),
            )
            for u in users
        ],
        batch_size=2000,
    )
    # The monthly e-mails of the year before, as the table holds them in production,
    # and fresh statistics: the batches' queries then find a user's rows by the
    # unique key, as there, instead of scanning for each user and kind a table the
    # planner has seen empty (which grows as the run goes).
    SentEmail.objects.bulk_create(
        [
            SentEmail(
                user=u,
                kind=SentEmail.Kind.MONTHLY,
                period=f"2025-{month:02d}",
                status=SentEmail.Status.SENT,
                to_email=u.email,
                claimed_at=datetime(2025, month, 1, 8, tzinfo=UTC),
                sent_at=datetime(2025, month, 1, 8, tzinfo=UTC),
            )
            for u in users
            for month in range(1, 13)
        ],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return [u.pk for u in users]


def _profile_parts(ids: list[int], warm_up: list[int]) -> None:
    """Send the e-mails of ``ids`` in this process and print milliseconds per e-mail per part.

    The e-mails of ``warm_up`` go first, untimed: the first batch of a process loads
    the templates, the fonts and the code, which a worker does once.
    """
    from django.conf import settings
    from django.core.mail.backends.smtp import EmailBackend

    from notifications import chart_image, emails, jobs
    from portfolio.batches import batches

    # Parts timed on the thread that delivers, and on the threads that send a chunk
    # while it builds the next (when the code has them): those overlap the rest.
    # Wall time and the thread's own CPU time (which waiting for the GIL, the database
    # or the SMTP server does not count) of each part.
    spent: dict[str, list[float]] = {}
    beside: dict[str, list[float]] = {}

    def timed(name, function):
        def wrapper(*args, **kwargs):
            started, cpu = time.perf_counter(), time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                parts = spent if threading.current_thread() is threading.main_thread() else beside
                part = parts.setdefault(name, [0.0, 0.0])
                part[0] += time.perf_counter() - started
                part[1] += time.thread_time() - cpu

        return wrapper

    # The SMTP part is the backend's send minus the MIME it builds inside it. Claims
    # are one function or the other (one e-mail at a time, or a chunk): whichever
    # the code has, so that the same script measures before and after a change.
    patches = [
        (jobs, "ratio_chart_png", "chart PNG"),
        (emails, "render_email", "templates, figures, CSS"),
        (emails.ProgressEmail, "message", "MIME"),
        (EmailBackend, "send_messages", "SMTP"),
        (emails, "claim", "claim row"),
        (emails, "claim_chunk", "claim row"),
        (emails, "_settle", "settle row"),
        (getattr(emails, "_Sending", None), "wait", "waiting for the sender"),
    ]
    patches = [(owner, attribute, name) for owner, attribute, name in patches
               if hasattr(owner, attribute)]  # fmt: skip
    originals = [(owner, attribute, getattr(owner, attribute)) for owner, attribute, _ in patches]
    for owner, attribute, name in patches:
        setattr(owner, attribute, timed(name, getattr(owner, attribute)))
    mail = {"EMAIL_BACKEND": settings.EMAIL_BACKEND, "EMAIL_HOST": settings.EMAIL_HOST}
    mail |= {"EMAIL_PORT": settings.EMAIL_PORT, "EMAIL_USE_TLS": settings.EMAIL_USE_TLS}
    settings.EMAIL_BACKEND = "notifications.smtp.EmailBackend"
    sink = Sink()
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_USE_TLS = False
    try:
        jobs.emails_send_month_start(user_ids=warm_up, month=MONTH)
        spent.clear()
        beside.clear()
        sink_cpu = _cpu_seconds(sink.process)
        started, cpu = time.perf_counter(), time.thread_time()
        sent = sum(
            jobs.emails_send_month_start(user_ids=batch, month=MONTH).sent
            for batch in batches(ids, jobs.BATCH_SIZE)
        )
        total, total_cpu = time.perf_counter() - started, time.thread_time() - cpu
        sink_cpu = _cpu_seconds(sink.process) - sink_cpu
    finally:
        sink.stop()
        for owner, attribute, original in originals:
            setattr(owner, attribute, original)
        for name, value in mail.items():
            setattr(settings, name, value)
    for parts in (spent, beside):
        if "SMTP" in parts:
            for column in (0, 1):
                parts["SMTP"][column] -= parts.get("MIME", [0.0, 0.0])[column]
    spent["reading, context, headers"] = [
        total - sum(wall for wall, _ in spent.values()),
        total_cpu - sum(cpu for _, cpu in spent.values()),
    ]
    print(
        f"Profile, one process, {sent} e-mails: {sent / total:.0f} e-mails/s "
        f"(load average {_load()}); ms per e-mail, wall and the thread's CPU:"
    )
    for name, (wall, cpu) in spent.items():
        print(f"  {name:<28}{wall / sent * 1000:6.2f}{cpu / sent * 1000:7.2f}")
    print(f"  {'total':<28}{total / sent * 1000:6.2f}{total_cpu / sent * 1000:7.2f}")
    if beside:
        print("  meanwhile, on the sending threads:")
        for name, (wall, cpu) in beside.items():
            print(f"    {name:<26}{wall / sent * 1000:6.2f}{cpu / sent * 1000:7.2f}")
    print(f"  the SMTP sink's CPU (its own process): {sink_cpu / sent * 1000:.2f} ms an e-mail")
    cache = getattr(getattr(chart_image, "_png", None), "cache_info", None)
    if cache is not None:
        print(f"  charts drawn {cache().misses}, reused {cache().hits}")
    _profile_figures()


def _load() -> str:
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


def _profile_figures() -> None:
    """Microseconds per call of the figures an e-mail shows most (48 calls an e-mail)."""
    from portfolio import formatting

    calls = [
        (formatting.money, Decimal("1234.56"), "USD"),
        (formatting.money_whole, Decimal("812345.6"), "EUR"),
        (formatting.percent, Decimal("0.0525")),
        (formatting.ratio, Decimal("0.0412")),
        (formatting.months, Decimal("10.5")),
        (formatting.number, Decimal("3.21")),
    ]
    rounds = 2000
    started = time.perf_counter()
    for _ in range(rounds):
        for function, *args in calls:
            function(*args)
    each = (time.perf_counter() - started) / rounds / len(calls)
    print(f"  figures (Babel) per call: {each * 1e6:.1f} µs; 48 calls {each * 48 * 1000:.2f} ms")


def _delete_users() -> None:
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(email__endswith=f"@{DOMAIN}").delete()


def _start_workers(count: int, env: dict[str, str], logs: Path) -> list[subprocess.Popen]:
    processes = []
    for number in range(count):
        log = logs / f"worker-{count}-{number}.log"
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--pool=solo",
                    "--without-mingle",
                    "--without-gossip",
                    "-l",
                    "INFO",
                    "-n",
                    f"bench{number}-{os.getpid()}@%h",
                ],
                cwd=BASE_DIR,
                env=env,
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
            )
        )
    deadline = time.monotonic() + 120
    for number, process in enumerate(processes):
        log = logs / f"worker-{count}-{number}.log"
        while b" ready." not in log.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"worker did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
    return processes


def _peak_memory_mib(process: subprocess.Popen) -> float:
    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _cpu_seconds(process: subprocess.Popen) -> float:
    """User and system time of ``process`` so far, all its threads."""
    fields = Path(f"/proc/{process.pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--profile", type=int, default=500, help="e-mails sent in this process, timed per part"
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per run at most")
    args = parser.parse_args()

    temp = Path(tempfile.mkdtemp(prefix="wr-bench-emails-"))
    _setup_environment(temp)
    import django

    django.setup()
    from celery import group
    from django.core.management import call_command

    from notifications import jobs
    from notifications.models import SentEmail
    from notifications.tasks import send_month_start_emails
    from portfolio.batches import batches

    call_command("migrate", verbosity=0)
    _delete_users()
    database = os.environ["DATABASE_URL"].split("://")[0]
    broker = "redis" if os.environ.get("REDIS_URL") else "filesystem"
    print(f"Database: {database}; broker: {broker}; {os.cpu_count()} CPUs")

    started = time.perf_counter()
    ids = _create_users(args.users)
    print(
        f"Created {len(ids)} users with 13 months of snapshots "
        f"in {time.perf_counter() - started:.1f} s"
    )

    # How long the hourly job takes to find them all (it runs in the beat's worker).
    started = time.perf_counter()
    due = jobs.due_month_start(datetime(2026, 2, 1, 8, 1, tzinfo=UTC))
    print(
        f"Hourly job: {len(due.get(MONTH, []))} users due, "
        f"found in {time.perf_counter() - started:.2f} s"
    )

    this_month = SentEmail.objects.filter(
        user__email__endswith=f"@{DOMAIN}", period=jobs.month_period(MONTH)
    )
    try:
        # The warm-up batch: the last one, whose e-mails the profile does not send.
        _profile_parts(ids[: args.profile], ids[-jobs.BATCH_SIZE :])
        for count in args.workers:
            this_month.delete()
            sink = Sink()
            env = {**os.environ, "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}"}
            workers = _start_workers(count, env, temp)
            try:
                cpu = sum(_cpu_seconds(w) for w in workers)
                sink_cpu = _cpu_seconds(sink.process)
                started = time.perf_counter()
                group(
                    send_month_start_emails.si(batch, jobs.month_period(MONTH))
                    for batch in batches(ids, jobs.BATCH_SIZE)
                ).apply_async()
                deadline = started + args.timeout
                while sink.count < len(ids):
                    if time.perf_counter() > deadline:
                        raise SystemExit(f"timed out: {sink.count} of {len(ids)} e-mails")
                    if any(w.poll() is not None for w in workers):
                        raise SystemExit("a worker died; see its log in " + str(temp))
                    time.sleep(0.05)
                elapsed = time.perf_counter() - started
                cpu = sum(_cpu_seconds(w) for w in workers) - cpu
                sink_cpu = _cpu_seconds(sink.process) - sink_cpu
                peak = max(_peak_memory_mib(w) for w in workers)
            finally:
                _stop(workers)
            time.sleep(0.5)  # anything sent twice would have arrived by now
            duplicates = sink.duplicates
            sink.stop()
            sent = this_month.filter(status=SentEmail.Status.SENT).count()
            print(
                f"{count} worker(s): {len(ids)} e-mails in {elapsed:.1f} s = "
                f"{len(ids) / elapsed:.0f} e-mails/s; worker CPU {cpu / len(ids) * 1000:.1f} ms "
                f"an e-mail (the sink's {sink_cpu / len(ids) * 1000:.1f}); "
                f"peak worker memory {peak:.0f} MiB; "
                f"{duplicates} duplicates, {sent} rows marked sent; load average {_load()}"
            )
    finally:
        _delete_users()
        shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    main()
