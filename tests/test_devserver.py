"""``make run``'s web server and mail worker stop with it: on Ctrl-C (SIGINT) and on SIGTERM,
as ``kill`` or a process manager sends. Run for real: the processes ``make run`` starts."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.plugins.push import TEST_VAPID_KEY
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parent.parent


def _children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _ended(pid: int) -> bool:
    """Gone, or a zombie nobody reaped yet (the container's init may not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stopping_make_run_stops_its_web_server_and_mail_worker(tmp_path, stop):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}",
        "SECRET_KEY": "s" * 48,  # these two, so that nothing is written into instance/
        "VAPID_PRIVATE_KEY": TEST_VAPID_KEY,
        "RALLYPOINT_ENV": "development",
    }
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    upgrade = [*flask, "db", "upgrade"]
    subprocess.run(upgrade, cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603 - ours
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - our own devserver
        [sys.executable, "-m", "devserver", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    children: list[int] = []
    try:
        children = wait_until(lambda: len(_children(server.pid)) == 2 and _children(server.pid))
        assert children, "make run did not start a web server and a mail worker"
        assert wait_until(lambda: _answers(port), timeout=60), "the web server never answered"
        assert not any(_ended(pid) for pid in children)

        server.send_signal(stop)
        assert wait_until(lambda: server.poll() is not None), "make run did not stop"
        assert wait_until(lambda: all(_ended(pid) for pid in children)), "a process outlived it"
        assert not _answers(port)
    finally:
        for pid in [server.pid, *children]:
            if not _ended(pid):
                os.kill(pid, signal.SIGKILL)
        server.wait()
