"""Start the whole app on the embedded default: web, Celery worker and beat.

``make run`` calls this. It migrates, stores the shipped exchange rates, starts
the three processes, prints the address, and stops them all cleanly on Ctrl-C or
SIGTERM (exit 0), or when one of them dies (its exit code).

Ctrl-C in a terminal reaches the whole process group: the children get SIGINT at
the same moment as this process and stop by themselves. So once a stop has been
asked for, a child that exits is part of the stop, not a death to report; and
after a Ctrl-C the children are given time to finish their own shutdown before
anything else is sent to them (a SIGTERM in the middle of Celery's warm shutdown
ends it with a traceback). The handlers are installed explicitly because Python
installs none of its own when it starts with SIGINT ignored, as some launchers
do; being Python functions, they also give the children SIGINT's default back.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

# How long the children get to stop by themselves after a Ctrl-C (a worker's warm
# shutdown takes a few seconds), then how long after SIGTERM before they are killed.
GRACE_SECONDS = 10
TERM_SECONDS = 15


class Stop(Exception):
    """Raised by the signal handler (with the signal) or when a child died (without)."""


def _stop(signum, frame) -> None:
    raise Stop(signum)


def _wait_all(processes, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))


def stop(processes: list[subprocess.Popen], signum: int | None) -> None:
    """Stop ``processes``: after Ctrl-C they stop by themselves, else by SIGTERM."""
    if signum == signal.SIGINT:
        _wait_all(processes, GRACE_SECONDS)
    running = [process for process in processes if process.poll() is None]
    for process in running:
        process.send_signal(signal.SIGTERM)
    _wait_all(running, TERM_SECONDS)
    for process in running:
        if process.poll() is None:
            process.kill()
            process.wait()


def main() -> int:
    port = os.environ.get("PORT", "8000")
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "true")}
    python = sys.executable
    commands = {
        "web": [python, "manage.py", "runserver", f"127.0.0.1:{port}"],
        # solo: one task at a time, which SQLite's single writer prefers.
        "worker": [python, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-l", "INFO"],
        "beat": [python, "-m", "celery", "-A", "config", "beat", "-l", "INFO"],
    }
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    processes: list[subprocess.Popen] = []
    exit_code = 0
    signum = None
    try:
        subprocess.run([python, "manage.py", "migrate", "--no-input"], env=env, check=True)
        # The ECB rate history shipped with the app: currencies convert offline.
        subprocess.run([python, "manage.py", "load_rates"], env=env, check=True)
        for cmd in commands.values():
            processes.append(subprocess.Popen(cmd, env=env))
        print(
            f"\n  Wealth Ratio is starting at http://127.0.0.1:{port}/  (Ctrl-C stops it)\n",
            flush=True,
        )
        while True:
            for name, process in zip(commands, processes, strict=True):
                if process.poll() is not None:
                    print(f"{name} exited with code {process.returncode}; stopping.", flush=True)
                    exit_code = process.returncode or 1
                    raise Stop
            time.sleep(0.5)
    except Stop as request:
        signum = request.args[0] if request.args else None
    finally:
        # A second Ctrl-C while stopping must not cut the clean stop short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop(processes, signum)
        print("Stopped.", flush=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
