"""`make run`: the development web server and the mail worker, started and stopped together.

Production runs them apart: ``gunicorn -w 4 'app:create_app()'`` and one or more
``flask --app app worker`` processes (see README).
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys


def _interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


def main() -> int:
    # SIGTERM (``kill``, a process manager) stops both processes, as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="5000")
    args = parser.parse_args()
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    processes = [
        subprocess.Popen([*flask, "run", "--host", args.host, "--port", args.port]),
        subprocess.Popen([*flask, "worker"]),
    ]
    try:
        return processes[0].wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    sys.exit(main())
