"""The command line of a throwaway redis-server on loopback, for the tests that start their own."""

from __future__ import annotations

import shutil
from pathlib import Path


def redis_argv(port: int, directory: Path) -> list[str]:
    """A redis-server on 127.0.0.1:``port`` that keeps nothing on disk but its files in
    ``directory``; callers append what else they need (daemonize, pidfile, log)."""
    return [
        shutil.which("redis-server") or "redis-server",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(directory),
    ]
