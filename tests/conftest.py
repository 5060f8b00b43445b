"""Fixtures every test knows: users, a real SMTP server, a real Celery worker.

The suite runs on the embedded default (SQLite file, filesystem broker, file
cache) or, with ``DATABASE_URL`` / ``REDIS_URL`` set, on real PostgreSQL and
Redis. Each test gets its own cache key prefix, so rate-limit counters and used
TOTP codes never leak from one test (or one run) into another, and nothing is
ever flushed from a Redis database that someone else may share.
"""

from __future__ import annotations

import copy
import email
import email.policy
import itertools
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings as django_settings

from tests.factories import PASSWORD, UserFactory

BASE_DIR = Path(__file__).resolve().parent.parent
RUN_ID = uuid.uuid4().hex[:12]
# The cache as configured, before the per-test prefix: what a worker process uses.
CONFIGURED_CACHES = copy.deepcopy(django_settings.CACHES)
_test_numbers = itertools.count()


def _uses_redis_cache() -> bool:
    return CONFIGURED_CACHES["default"]["BACKEND"].endswith("RedisCache")


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items):
    # A test that starts a worker is a celery_worker test, marked or not, so that
    # -m "not celery_worker" really leaves every worker out.
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & {"celery_worker", "start_celery_worker", "celery_worker_pair"}:
            item.add_marker(pytest.mark.celery_worker)


# --- Settings every test runs with ------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _site_url(settings):
    # The links in e-mails, whatever PORT the shell running the tests has set.
    settings.SITE_URL = "http://localhost:8000"


@pytest.fixture(scope="session")
def _test_cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def _isolated_cache(settings, _test_cache_dir):
    caches = copy.deepcopy(CONFIGURED_CACHES)
    caches["default"]["KEY_PREFIX"] = f"test-{RUN_ID}-{next(_test_numbers)}"
    if not _uses_redis_cache():
        # Never the development cache under LOCAL_DIR.
        caches["default"]["LOCATION"] = str(_test_cache_dir)
    settings.CACHES = caches  # setting_changed resets the cache handlers


@pytest.fixture(scope="session", autouse=True)
def _remove_redis_test_keys():
    yield
    if _uses_redis_cache():
        import redis

        client = redis.Redis.from_url(CONFIGURED_CACHES["default"]["LOCATION"])
        keys = list(client.scan_iter(match=f"test-{RUN_ID}-*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


# --- Users --------------------------------------------------------------------------


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def owner(db):
    """A user with a verified, primary e-mail address (and the "Personal" portfolio)."""
    return UserFactory(email="owner@example.com")


@pytest.fixture
def stranger(db):
    return UserFactory(email="stranger@example.com")


@pytest.fixture
def portfolio(owner):
    """The owner's "Personal" portfolio, made at sign-up."""
    return owner.portfolios.get()


@pytest.fixture
def client_owner(client, owner):
    client.force_login(owner)
    return client


# --- A real SMTP server ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SMTPServer:
    """Messages received by a real aiosmtpd server, as ``email.message`` objects.

    A test can ``stop()`` it and ``start()`` it again on the same port, make it
    answer the next RCPT with ``refuse_rcpt`` replies such as "451 4.3.0 Try later",
    and run ``on_data(message)`` before a message is accepted. ``url`` is the
    ``EMAIL_URL`` for a worker.
    """

    host: str = "127.0.0.1"
    port: int = 0
    messages: list[email.message.EmailMessage] = field(default_factory=list)
    refuse_rcpt: list[str] = field(default_factory=list)
    on_data: Callable[[email.message.EmailMessage], object] | None = None
    controller: object = None
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname=self.host, port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt:
            return self.refuse_rcpt.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()
        if self.on_data is not None:
            self.on_data(message)
        return "250 Message accepted for delivery"

    def wait_for(self, to: str, count: int = 1, timeout: float = 10) -> email.message.EmailMessage:
        """The newest message to ``to`` once ``count`` of them arrived."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                received = self.to(to)
                if len(received) >= count:
                    return received[-1]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"{count} message(s) to {to} expected, got {len(received)}: "
                        f"{[m['Subject'] for m in self.messages]}"
                    )
                self._arrived.wait(remaining)

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if address in m["X-Envelope-To"]]

    @staticmethod
    def text(message: email.message.EmailMessage) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    @classmethod
    def link(cls, message: email.message.EmailMessage, contains: str) -> str:
        """The first link in the plain-text body whose address contains ``contains``."""
        for url in re.findall(r"https?://\S+", cls.text(message)):
            if contains in url:
                return url
        raise AssertionError(f"No link containing {contains!r} in:\n{cls.text(message)}")

    @classmethod
    def path(cls, message: email.message.EmailMessage, contains: str) -> str:
        """The path of that link, for Django's test client."""
        return urlsplit(cls.link(message, contains)).path


@pytest.fixture
def smtp_server(settings):
    # aiosmtpd logs every SMTP command at INFO; keep failure reports readable.
    logging.getLogger("mail.log").setLevel(logging.WARNING)

    server = SMTPServer()
    for _attempt in range(5):  # a free port can be taken between probe and bind
        server.port = free_port()
        try:
            server.start()
            break
        except (OSError, RuntimeError):
            server.controller = None
    assert server.controller is not None, "could not start the SMTP server"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = server.host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


# --- Real Celery workers -------------------------------------------------------------------


def test_database_url() -> str:
    """A DATABASE_URL for the database this test run uses (the test database)."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    if db["ENGINE"] == "django.db.backends.postgresql":
        credentials = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            credentials += ":" + quote(db["PASSWORD"], safe="")
        host = db["HOST"] or "localhost"
        port = f":{db['PORT']}" if db["PORT"] else ""
        return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"
    raise NotImplementedError(f"no DATABASE_URL for {db['ENGINE']}")


test_database_url.__test__ = False  # not a test, despite its name


def worker_database_url() -> str:
    """``test_database_url()``, with SQLite's settings.py options: a worker then waits
    for the write lock (BEGIN IMMEDIATE, 20 s) as the embedded default does."""
    url = test_database_url()
    if url.startswith("sqlite:"):
        url += "?timeout=20&transaction_mode=IMMEDIATE"
    return url


@dataclass
class WorkerProcess:
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def wait_until(self, condition, timeout: float = 30, what: str = "the condition"):
        """Poll ``condition()`` until it returns something truthy; return that.

        Fails at once, with the worker's log, if the worker process died.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = condition()
            if result:
                return result
            if self.process.poll() is not None:
                raise AssertionError(
                    f"The worker exited with {self.process.returncode}:\n{self.output()}"
                )
            time.sleep(0.1)
        raise AssertionError(f"No {what} from the worker in {timeout} s:\n{self.output()}")


def _wait_for_heartbeat(worker: WorkerProcess, sent_after: float, timeout: float) -> float:
    from django.core.cache import cache

    from config.celery import HEARTBEAT_CACHE_KEY

    def fresh_beat():
        beat = cache.get(HEARTBEAT_CACHE_KEY)
        return beat if beat is not None and beat >= sent_after else None

    return worker.wait_until(fresh_beat, timeout, what="heartbeat")


def _start_worker(
    name: str, log: Path, *options: str, new_session: bool = False, **extra_env: str
) -> WorkerProcess:
    """A ``celery -A config worker`` process on the test database and broker, logging
    into ``log``; ``options`` are the worker's (pool, log level), ``extra_env`` its
    environment on top of this process's."""
    env = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        # The same key, so whatever a task signs, the test process can check.
        "SECRET_KEY": django_settings.SECRET_KEY,
        "PYTHONUNBUFFERED": "1",
        **extra_env,
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", *options]
    command += ["--without-mingle", "--without-gossip", "-n", f"{name}-{RUN_ID}@%h"]
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=new_session,
        )
    return WorkerProcess(process, log)


@pytest.fixture
def start_worker(transactional_db, settings, tmp_path):
    """``start_worker(**env)``: a real solo worker process, ready, with ``env`` added to
    its environment (``EMAIL_URL=smtp_server.url``, say); as many as a test needs.

    The test process shares the workers' cache for the duration (the configured
    one, without the per-test prefix), so what a task writes can be read back.
    Ready means a heartbeat made the round trip: the filesystem broker has no
    remote control, so ``app.control.ping`` is not an option.
    """
    from django.core.cache import cache

    from config.celery import HEARTBEAT_CACHE_KEY, heartbeat

    settings.CACHES = copy.deepcopy(CONFIGURED_CACHES)
    started: list[WorkerProcess] = []

    def start(**extra_env: str) -> WorkerProcess:
        number = len(started)
        log = tmp_path / f"worker-{number}.log"
        worker = _start_worker(f"test{number}", log, "--pool=solo", "-l", "WARNING", **extra_env)
        started.append(worker)
        cache.delete(HEARTBEAT_CACHE_KEY)
        sent_at = time.time()
        heartbeat.delay()
        _wait_for_heartbeat(worker, sent_at, timeout=60)
        cache.delete(HEARTBEAT_CACHE_KEY)
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.process.terminate()  # SIGTERM: warm shutdown
            try:
                worker.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait(timeout=10)


@pytest.fixture
def celery_worker(start_worker) -> WorkerProcess:
    """One real worker process (see ``start_worker``)."""
    return start_worker()


@pytest.fixture
def wait_for_heartbeat():
    """``wait_for_heartbeat(worker, sent_after, timeout)``: the timestamp a worker wrote."""
    return _wait_for_heartbeat


# --- Two real workers for a test module (snapshots' concurrency and crash tests) ----------


@pytest.fixture(scope="module")
def celery_worker_pair(django_db_setup, tmp_path_factory):
    """Two real ``celery worker`` processes (prefork, one pool process each), started
    once for a test module; their tests need ``transactional_db``.

    They log at INFO into ``WorkerProcess.log`` and are ready when the log says so.
    The queue is purged first, so no task left by an earlier test reaches them.
    """
    from config.celery import app

    app.control.purge()
    folder = tmp_path_factory.mktemp("workers")
    options = ("--pool=prefork", "--concurrency=1", "--without-heartbeat", "-l", "INFO")
    workers = [
        # Each in its own process group, so that a kill reaches its pool process too.
        _start_worker(name, folder / f"{name}.log", *options, new_session=True)
        for name in ("one", "two")
    ]
    try:
        deadline = time.monotonic() + 60
        for worker in workers:
            while " ready." not in worker.log.read_text(errors="replace"):
                if worker.process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"The worker did not start:\n{worker.output()}")
                time.sleep(0.1)
        yield workers
    finally:
        # A warm shutdown on the filesystem broker takes seconds (it polls); the
        # tests wait for their tasks, so nothing is running by now.
        for worker in workers:
            worker.process.terminate()
        for worker in workers:
            try:
                worker.process.wait(timeout=1)
            except subprocess.TimeoutExpired:
                os.killpg(worker.process.pid, 9)  # SIGKILL
                worker.process.wait(timeout=10)
