"""``make run`` (config/devrun.py) stopped with Ctrl-C: a clean stop, exit 0.

Ctrl-C in a terminal sends SIGINT to the whole process group, so the test starts
devrun in a session of its own and signals that group, as the terminal would.
Each case takes some ten seconds (migrate, three processes, a worker's warm
shutdown), hence only two.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.smtp import free_port

BASE_DIR = Path(__file__).resolve().parents[2]


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2) as response:
            return response.status == 200
    except OSError:  # not listening yet, or 503 until beat's first heartbeat is done
        return False


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize(
    "launcher",
    [
        pytest.param(None, id="terminal"),
        # Some launchers start make with SIGINT ignored: Python then installs no
        # KeyboardInterrupt of its own, and the children, which still stop on
        # Ctrl-C, used to be reported as having died ("beat exited with code 0").
        pytest.param(_ignore_sigint, id="sigint-ignored-by-the-launcher"),
    ],
)
def test_ctrl_c_stops_everything_and_exits_zero(tmp_path, launcher):
    port = free_port()
    # The embedded default: no DATABASE_URL or REDIS_URL, files under LOCAL_DIR.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ENV", "EMAIL_URL", "EMAIL_HOST"}
    }
    env.update({"LOCAL_DIR": str(tmp_path / "local"), "PORT": str(port), "PYTHONUNBUFFERED": "1"})
    process = subprocess.Popen(
        [sys.executable, "-m", "config.devrun"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=launcher,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 120
        while not any("is starting" in line for line in lines):
            assert process.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, "".join(lines)
            time.sleep(0.2)
        # Ctrl-C once all three run: the health page says ok when the worker has done
        # beat's first heartbeat. (A signal in the middle of a process's imports leaves
        # a half-imported module behind, whatever the process does about it.)
        while not _healthy(port):
            assert process.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, "".join(lines)
            time.sleep(0.5)
        os.killpg(process.pid, signal.SIGINT)
        returncode = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    reader.join(timeout=5)
    output = "".join(lines)
    assert returncode == 0, output
    assert "Stopped." in output
    assert "exited with code" not in output
    assert "Traceback" not in output
