"""The fault suite: what an operator meets when PostgreSQL, Redis or SMTP is down.

Every test in this folder is marked ``faults`` (``pytest -m faults`` runs just
them; the normal run includes them). The services fail for real: the app, in
real processes where it matters, is pointed at a port where nothing listens, at
a port that drops every connection (so the attempts can be counted), or at an
SMTP server the test stops. A test that needs Redis back starts a private
``redis-server`` of its own on a free port and stops it at the end: the shared
Redis is never stopped or flushed.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.smtp import free_port

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.faults)


@pytest.fixture
def dead_port() -> int:
    """A port where nothing listens: every connection is refused."""
    return free_port()


@dataclass
class DroppingServer:
    """Accepts every TCP connection and closes it at once, counting them.

    To a Redis client this is a Redis that is down (a proxy or container port in
    front of a stopped Redis behaves so): each command fails with a connection
    error. Unlike a refused port, it lets a test count how often a client tried.
    """

    sock: socket.socket
    port: int = 0
    accepted: int = 0
    stopped: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def attempts(self) -> int:
        with self._lock:
            return self.accepted

    def serve(self) -> None:
        while not self.stopped.is_set():
            try:
                client, _ = self.sock.accept()
            except TimeoutError:  # a moment to see whether the test is over
                continue
            with self._lock:
                self.accepted += 1
            client.close()


@pytest.fixture
def dropping_server():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.settimeout(0.1)
    server = DroppingServer(sock, port=sock.getsockname()[1])
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    yield server
    server.stopped.set()
    thread.join(timeout=5)
    sock.close()


@dataclass
class PrivateRedis:
    process: subprocess.Popen
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@pytest.fixture
def start_private_redis():
    """``start_private_redis()``: a ``redis-server`` of this test on a free port, ready;
    killed at the end. Nothing is saved to disk."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is needed for the fault suite (apt-get install redis-server)"
    started: list[PrivateRedis] = []

    def start() -> PrivateRedis:
        import redis

        port = free_port()
        options = ["--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        options += ["--appendonly", "no", "--daemonize", "no"]
        process = subprocess.Popen(
            [binary, *options],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        server = PrivateRedis(process, port)
        started.append(server)
        client = redis.Redis(port=port, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert process.poll() is None, "redis-server exited at start"
                assert time.monotonic() < deadline, "redis-server did not answer PING"
                time.sleep(0.05)
        client.close()
        return server

    yield start
    for server in started:
        server.process.kill()
        server.process.wait(timeout=10)
