"""Start the whole app on the embedded default: web, Celery worker and beat.

``make run`` calls this. It migrates, starts the three processes, prints the
address, and stops them all cleanly on Ctrl-C (or when one of them dies).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time


def main() -> int:
    port = os.environ.get("PORT", "8000")
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "true")}
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--no-input"], env=env, check=True)
    commands = {
        "web": [python, "manage.py", "runserver", f"127.0.0.1:{port}"],
        # solo: one task at a time, which SQLite's single writer prefers.
        "worker": [python, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-l", "INFO"],
        "beat": [python, "-m", "celery", "-A", "config", "beat", "-l", "INFO"],
    }
    processes = {name: subprocess.Popen(cmd, env=env) for name, cmd in commands.items()}
    print(
        f"\n  Wealth Ratio is starting at http://127.0.0.1:{port}/  (Ctrl-C stops it)\n", flush=True
    )
    exit_code = 0
    try:
        while True:
            for name, process in processes.items():
                if process.poll() is not None:
                    print(f"{name} exited with code {process.returncode}; stopping.", flush=True)
                    exit_code = process.returncode or 1
                    raise KeyboardInterrupt
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in processes.values():
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
        print("Stopped.", flush=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
