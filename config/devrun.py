"""Start the whole app on the embedded default: web, Celery worker and beat.

``make run`` calls this. It migrates, starts the three processes, prints the
address, and stops them all cleanly on Ctrl-C or SIGTERM (exit 0), or when one of
them dies (its exit code).

Ctrl-C in a terminal reaches the whole process group: the children get SIGINT at
the same moment as this process and stop by themselves. So once a stop has been
asked for, a child that exits is part of the stop, not a death to report. The
handlers are installed explicitly because Python installs none of its own when it
starts with SIGINT ignored, as some launchers do: the children, which set their
own, would stop on Ctrl-C and be reported as having died.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time


class Stop(Exception):
    """Raised by the signal handler: SIGINT or SIGTERM asked everything to stop."""


def _stop(signum, frame) -> None:
    raise Stop


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
    processes: dict[str, subprocess.Popen] = {}
    exit_code = 0
    try:
        subprocess.run([python, "manage.py", "migrate", "--no-input"], env=env, check=True)
        for name, cmd in commands.items():
            processes[name] = subprocess.Popen(cmd, env=env)
        print(
            f"\n  Wealth Ratio is starting at http://127.0.0.1:{port}/  (Ctrl-C stops it)\n",
            flush=True,
        )
        while True:
            for name, process in processes.items():
                if process.poll() is not None:
                    print(f"{name} exited with code {process.returncode}; stopping.", flush=True)
                    exit_code = process.returncode or 1
                    raise Stop
            time.sleep(0.5)
    except Stop:
        pass
    finally:
        # A second Ctrl-C while stopping must not cut the clean stop short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in processes.values():
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        print("Stopped.", flush=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
