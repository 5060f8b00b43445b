"""The real web process, as an operator runs it: gunicorn serving ``config.wsgi``.

Loaded as a pytest plugin by ``tests/conftest.py``: the fixture ``start_web(**env)``
starts one gunicorn process (one worker, so "once a minute" means once) with
``env`` on top of this process's environment, and stops it at the end of the
test. Its log (gunicorn's and the app's, both on stderr) is kept in a file, so a
test can read what an operator would see. ``Browser`` talks to it over HTTP with
its own cookies, as a person's browser does.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests.support.smtp import free_port

BASE_DIR = Path(__file__).resolve().parents[2]


@dataclass
class WebProcess:
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def browser(self, **headers: str) -> Browser:
        return Browser(self.port, headers)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    text: str


@dataclass
class Browser:
    """A visitor with its own cookies; redirects are not followed unless asked."""

    port: int
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)

    def get(self, path: str, *, follow: bool = False) -> Response:
        return self._request("GET", path, None, follow)

    def post(self, path: str, data: dict[str, str], *, follow: bool = False) -> Response:
        """A form submission, with the CSRF token a page gave this browser."""
        form = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **data}
        return self._request("POST", path, urllib.parse.urlencode(form), follow)

    def _request(self, method: str, path: str, body: str | None, follow: bool) -> Response:
        headers = {**self.headers, "Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            raw = connection.getresponse()
            text = raw.read().decode()
            for header in raw.headers.get_all("Set-Cookie") or ():
                self._keep(header)
            response = Response(raw.status, dict(raw.headers.items()), text)
        finally:
            connection.close()
        if follow and response.status in (301, 302, 303):
            return self.get(response.headers["Location"], follow=True)
        return response

    def _keep(self, header: str) -> None:
        for name, morsel in SimpleCookie(header).items():
            if morsel.value and morsel["max-age"] != "0":
                self.cookies[name] = morsel.value
            else:
                self.cookies.pop(name, None)


def _wait_until_listening(web: WebProcess, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", web.port), timeout=1).close()
            return
        except OSError:
            if web.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"The web process did not start:\n{web.output()}") from None
            time.sleep(0.1)


@pytest.fixture
def start_web(tmp_path):
    """``start_web(**env)``: a gunicorn process of the app, listening, with ``env`` added
    to its environment (``DATABASE_URL``, ``REDIS_URL`` at a service that is down...).

    It runs the development settings with ``DEBUG`` off (the production settings
    need HTTPS and collected static files), a ``LOCAL_DIR`` of its own and this
    process's ``SECRET_KEY``.
    """
    started: list[WebProcess] = []

    def start(**extra_env: str) -> WebProcess:
        port = free_port()
        log = tmp_path / f"web-{len(started)}.log"
        env = {
            **os.environ,
            "SECRET_KEY": django_settings.SECRET_KEY,
            "LOCAL_DIR": str(tmp_path / "local"),
            "DEBUG": "false",
            "PYTHONUNBUFFERED": "1",
            **extra_env,
        }
        env.pop("DJANGO_ENV", None)
        command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", "1"]
        # No control socket: it lives in the home directory, shared by every gunicorn.
        command += ["--bind", f"127.0.0.1:{port}", "--timeout", "30", "--no-control-socket"]
        with log.open("wb") as log_file:
            process = subprocess.Popen(
                command, cwd=BASE_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT
            )
        web = WebProcess(process, port, log)
        started.append(web)
        _wait_until_listening(web)
        return web

    yield start
    for web in started:
        web.stop()
