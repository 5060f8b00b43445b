"""Real Celery worker processes on the test database and broker.

Loaded as a pytest plugin by ``tests/conftest.py``: the fixtures ``start_worker``,
``celery_worker``, ``wait_for_heartbeat`` and ``celery_worker_pair``, and the hook
that marks every test using one of them ``celery_worker`` (so that
``-m "not celery_worker"`` leaves every worker out).
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings

from tests.support.run import CONFIGURED_CACHES, RUN_ID

BASE_DIR = Path(__file__).resolve().parents[2]
WORKER_FIXTURES = frozenset({"start_worker", "celery_worker", "celery_worker_pair"})


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items):
    # A test that starts a worker is a celery_worker test, marked or not.
    for item in items:
        if WORKER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.celery_worker)


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


def drained(worker: WorkerProcess, timeout: float = 30) -> None:
    """Return once a solo ``worker`` has done everything queued before this call: it
    takes its queue in order, so a heartbeat sent now comes back after all of it."""
    from config.celery import heartbeat

    sent_at = time.time()
    heartbeat.delay()
    _wait_for_heartbeat(worker, sent_at, timeout)


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
