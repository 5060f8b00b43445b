"""The imports through the real stack: gunicorn (2 workers, 30 s timeout) and a Celery worker.

    DATABASE_URL=postgres://USER@HOST:5432/DB REDIS_URL=redis://HOST:6379/N \\
        .venv/bin/python benchmarks/imports.py [--port 8765]

It migrates the database ``DATABASE_URL`` names, starts gunicorn and one Celery
worker (solo pool, so its peak memory is that process's) against it and
``REDIS_URL``, and makes one user per import (``bench-…@example.com``, logged in by
a session made here, removed at the end with everything they imported). E-mails
go nowhere (``EMAIL_URL=dummymail://``). It measures, over HTTP as a browser would:

a. a JSON document of 1,000 portfolios with one 1975 entry each (refused by the
   portfolio limit), and the same at the limit (50 portfolios), while another
   client samples the anonymous log-in page;
b. a valid JSON document of about 20 MB (about 268,000 entries);
c. a valid CSV file of entries of about 4.9 MB (about 228,000 rows): upload,
   preview pages, confirmation.

For each: the upload request's time, then the time until the job's status
(polled as the progress page does) says it is ready, done or failed. It prints a
table. Never part of the test run.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from allauth.account.models import EmailAddress  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402

from accounts.models import User  # noqa: E402
from dataport.entries_csv import MAX_BYTES as CSV_MAX  # noqa: E402
from dataport.export import FORMAT, VERSION  # noqa: E402
from dataport.json_reader import MAX_BYTES as JSON_MAX  # noqa: E402

PYTHON = sys.executable


# --- The documents ----------------------------------------------------------------------


def portfolios_document(count: int) -> bytes:
    """``count`` portfolios, each with one entry of January 1975."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "portfolios": [{"id": n, "name": f"Portfolio {n}"} for n in range(1, count + 1)],
        "entries": [
            {"portfolio": n, "date": "1975-01-31", "amount": "100.00", "category": "rent"}
            for n in range(1, count + 1)
        ],
    }
    return json.dumps(document).encode()


def large_document(entries: int = 268_000) -> bytes:
    """One portfolio, ``entries`` entries from 2000 on, padded with notes to just under 20 MB."""

    def build(note: str) -> bytes:
        rows = [
            {
                "portfolio": 1,
                "date": f"{2000 + n % 26}-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
                "amount": f"{n % 5000 + 1}.{n % 100:02d}",
                "category": ("salary", "dividends", "rent", "fees")[n % 4],
                **({"note": note} if note else {}),
            }
            for n in range(entries)
        ]
        document = {
            "format": FORMAT,
            "version": VERSION,
            "portfolios": [{"id": 1, "name": "Everything"}],
            "entries": rows,
        }
        return json.dumps(document, separators=(",", ":")).encode()

    bare = build("")
    # Each note adds its characters and ',"note":""' (10) to its entry.
    room = (JSON_MAX - 64 * 1024 - len(bare)) // entries - 10
    data = build("n" * room) if room > 0 else bare
    assert len(data) <= JSON_MAX, f"{len(data):,} bytes: fewer entries"
    return data


def large_csv(rows: int = 228_000) -> bytes:
    lines = ["date,amount,category"]
    for n in range(rows):
        cents = ".5" if n % 4 == 0 else ""  # short rows, as a bank's export of small sums
        lines.append(f"2025-{n % 12 + 1:02d}-{n % 28 + 1:02d},{n % 900 + 100}{cents},rent")
    data = ("\r\n".join(lines) + "\r\n").encode()
    assert len(data) <= CSV_MAX, len(data)
    return data


# --- HTTP as a browser ------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    def __init__(self, base: str, session_key: str | None = None) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        cookies = urllib.request.HTTPCookieProcessor(self.jar)
        self.opener = urllib.request.build_opener(cookies)
        # The upload's own time, without the page its redirect leads to.
        self.no_redirect = urllib.request.build_opener(cookies, _NoRedirect)
        if session_key:
            host = base.split("://", 1)[1].split(":")[0]
            self.jar.set_cookie(_cookie("sessionid", session_key, host))

    def request(self, path: str, data: bytes | None = None, headers=None, *, follow=True):
        """(seconds, status, body, final url): the Location of a redirect if not ``follow``."""
        # Always this benchmark's own http:// server.
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {})  # noqa: S310
        started = time.perf_counter()
        try:
            opener = self.opener if follow else self.no_redirect
            with opener.open(req, timeout=120) as response:
                body = response.read()
                status, url = response.status, response.url
        except urllib.error.HTTPError as error:
            body, status = error.read(), error.code
            url = error.headers.get("Location") or path
        return time.perf_counter() - started, status, body, url

    def csrf(self, path: str) -> str:
        _, status, body, _ = self.request(path)
        assert status == 200, (path, status, body[:300])
        return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)[1].decode()

    def post_file(self, path: str, name: str, data: bytes, content_type: str):
        token = self.csrf(path)
        boundary = uuid.uuid4().hex
        body = (
            (
                f"--{boundary}\r\n"
                'Content-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
                f'{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="{name}"\r\nContent-Type: {content_type}\r\n\r\n'
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Referer": self.base + path,
        }
        return self.request(path, body, headers, follow=False)

    def post_form(self, path: str, form_page: str, fields: dict[str, str]):
        token = self.csrf(form_page)
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": self.base + form_page,
        }
        return self.request(path, body, headers, follow=False)

    def wait_for(self, job_id: int, states: set[str], timeout: float = 900) -> tuple[float, dict]:
        """Poll the job's status as the progress page does; (seconds, last status)."""
        started = time.perf_counter()
        while True:
            _, status, body, _ = self.request(f"/accounts/data/import/{job_id}/status.json")
            found = json.loads(body) if status == 200 else {}
            if found.get("state") in states:
                return time.perf_counter() - started, found
            if time.perf_counter() - started > timeout:
                raise TimeoutError(f"job {job_id}: {found}")
            time.sleep(0.25)


def _cookie(name: str, value: str, host: str) -> http.cookiejar.Cookie:
    return http.cookiejar.Cookie(
        0, name, value, None, False, host, False, False, "/", True, False, None, False,
        None, None, {},
    )  # fmt: skip


def _errors(body: bytes) -> list[str]:
    return re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', body.decode(), re.S)


def job_id_of(url: str) -> int:
    return int(re.search(r"/import/(\d+)/?$", url)[1])


class Sampler(threading.Thread):
    """GETs the anonymous log-in page every half second until stopped."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base, self.times, self.stopping = base, [], threading.Event()

    def run(self) -> None:
        browser = Browser(self.base)
        while not self.stopping.is_set():
            try:
                seconds, status, _, _ = browser.request("/accounts/login/")
            except urllib.error.URLError:
                seconds, status = float("inf"), 0
            self.times.append(seconds if status == 200 else float("inf"))
            self.stopping.wait(0.5)

    def stop(self) -> list[float]:
        self.stopping.set()
        self.join()
        return self.times


# --- The stack --------------------------------------------------------------------------


def start(command: list[str], log: Path, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )


def wait_until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.2)


def answers(base: str) -> bool:
    try:
        return Browser(base).request("/accounts/login/")[1] == 200
    except urllib.error.URLError:
        return False


def new_user(made: list[User]) -> str:
    """A verified user with the sign-up's "Personal" portfolio; its session key."""
    user = User.objects.create_user(f"bench-{uuid.uuid4().hex[:10]}@example.com", uuid.uuid4().hex)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    made.append(user)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        sys.exit("Set DATABASE_URL and REDIS_URL.")
    base = f"http://127.0.0.1:{args.port}"
    call_command("migrate", verbosity=0)
    logs = Path(tempfile.mkdtemp(prefix="bench-imports-"))
    env = {**os.environ, "EMAIL_URL": "dummymail://", "PYTHONUNBUFFERED": "1"}
    env["SITE_URL"] = base
    gunicorn = ["-m", "gunicorn", "config.wsgi", "-w", "2", "-t", "30"]
    web = start([PYTHON, *gunicorn, "-b", f"127.0.0.1:{args.port}"], logs / "gunicorn.log", env)
    celery = ["-m", "celery", "-A", "config", "worker", "--pool=solo", "-l", "INFO"]
    name = f"bench-{uuid.uuid4().hex[:6]}@%h"
    worker = start([PYTHON, *celery, "-n", name], logs / "worker.log", env)
    made: list[User] = []
    rows: list[tuple[str, str, str]] = []
    try:
        wait_until(lambda: answers(base), 60, "gunicorn")
        wait_until(lambda: " ready." in (logs / "worker.log").read_text(), 60, "the worker")

        def json_case(label: str, data: bytes, sample: bool = False) -> None:
            browser = Browser(base, new_user(made))
            sampler = Sampler(base) if sample else None
            if sampler:
                sampler.start()
            seconds, status, body, url = browser.post_file(
                "/accounts/data/import/", "export.json", data, "application/json"
            )
            assert status == 302 and re.search(r"/import/\d+/$", url), (status, _errors(body))
            waited, found = browser.wait_for(job_id_of(url), {"done", "failed"})
            size = f"{len(data) / 2**20:.1f} MB"
            rows.append((f"{label} ({size}): upload request", f"{seconds:.2f} s", f"HTTP {status}"))
            rows.append((f"{label}: in the background", f"{waited:.1f} s", found["state"]))
            if sampler:
                times = sampler.stop()
                shown = f"median {statistics.median(times):.3f} s, max {max(times):.3f} s"
                rows.append((f"{label}: anonymous log-in page", shown, f"{len(times)} samples"))

        json_case("a. 1,000 portfolios, 1975 entries", portfolios_document(1000), sample=True)
        json_case("a'. 50 portfolios (the limit), 1975", portfolios_document(50), sample=True)
        json_case("b. JSON, 268,000 entries", large_document(), sample=True)

        data = large_csv()
        browser = Browser(base, new_user(made))
        portfolio = made[-1].portfolios.get().pk
        upload = f"/portfolios/{portfolio}/entries/import/"
        seconds, status, _, url = browser.post_file(upload, "entries.csv", data, "text/csv")
        job_id = job_id_of(url)
        label = f"c. CSV, 228,000 rows ({len(data) / 2**20:.1f} MB): upload"
        rows.append((label, f"{seconds:.2f} s", f"HTTP {status}"))
        waited, found = browser.wait_for(job_id, {"ready", "failed"})
        rows.append(
            ("c. CSV: read and staged in the background", f"{waited:.1f} s", found["state"])
        )
        preview = f"{upload}{job_id}/"
        for query in ("", "?show=problems", "?page=1000"):
            seconds, status, body, _ = browser.request(preview + query)
            assert b"Check the rows" in body, body[:500]
            rows.append(
                (f"c. CSV: preview page {query or '1'}", f"{seconds:.3f} s", f"HTTP {status}")
            )
        seconds, status, _, _ = browser.post_form(f"{preview}confirm/", preview, {})
        rows.append(("c. CSV: confirm request", f"{seconds:.3f} s", f"HTTP {status}"))
        waited, found = browser.wait_for(job_id, {"done", "failed"})
        rows.append(("c. CSV: written in the background", f"{waited:.1f} s", found["state"]))
        rows.append(("worker peak memory (solo pool)", f"{peak_mb(worker.pid):.0f} MB", ""))
    finally:
        for process in (web, worker):
            process.terminate()
        for process in (web, worker):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        for user in made:
            user.delete()
    width = max(len(row[0]) for row in rows)
    print(f"{'what':<{width}}  {'time':>32}  note")
    for what, figure, note in rows:
        print(f"{what:<{width}}  {figure:>32}  {note}")
    print(f"(logs in {logs})")


if __name__ == "__main__":
    main()
