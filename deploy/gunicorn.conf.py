"""Gunicorn settings for Rallypoint behind nginx (deploy/nginx/rallypoint.conf).

    .venv/bin/gunicorn -c deploy/gunicorn.conf.py

The app's own settings come from the environment as always (core/config.py); these few are read
here: GUNICORN_BIND (default 127.0.0.1:8000) and WEB_CONCURRENCY (default 2 × cores + 1, at
most 12). Errors and the app's own lines go to stderr, a line per request to stdout (the
journal, under systemd), all through the app's redacting log filter (core/logs.py).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the logging setup below comes from the app's code

from core import logs  # noqa: E402

chdir = str(ROOT)
wsgi_app = "app:create_app()"
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]


def _workers() -> int:
    given = os.environ.get("WEB_CONCURRENCY", "").strip()
    if given:
        return max(1, int(given))
    # Each worker holds its own database connection; past a dozen, more web workers mostly
    # wait on PostgreSQL.
    return min(2 * (os.cpu_count() or 1) + 1, 12)


workers = _workers()
# Sync workers, one request at a time each: nginx buffers every request and answer, so no
# worker waits on a slow phone, and each request is short work on the CPU (password hashing,
# templates) and the database. Threads would add no throughput for that, only shared state
# per process; a stuck worker is killed after `timeout` and replaced.
worker_class = "sync"
timeout = 30
graceful_timeout = 30
# Not preloaded: every worker builds its own app, with its own database and Redis
# connections, none shared across fork.
preload_app = False
# The heartbeat file on a RAM disk: a busy disk must not make healthy workers look stuck.
SHM = "/dev/shm"  # noqa: S108 - gunicorn makes each file with mkstemp and unlinks it at once
worker_tmp_dir = SHM if os.path.isdir(SHM) else None

# nginx on this machine is the only proxy; X-Forwarded-Proto from it is believed. The client
# address comes from the app's ProxyFix (TRUSTED_PROXIES=1), not from here.
forwarded_allow_ips = "127.0.0.1,::1"

# systemd stops and reloads gunicorn with signals; no runtime control socket is needed (its
# default place, the home directory, is read-only under the unit's ProtectSystem=strict).
control_socket_disable = True

# gunicorn's master never runs create_app, so the filter must be part of gunicorn's own
# handlers: logconfig_dict puts it on every handler gunicorn makes, also after a reload (HUP).
logconfig_dict = logs.GUNICORN_LOGCONFIG
loglevel = "info"
# Time, request line (tokens, emails and search terms cut by the filter), status, size,
# milliseconds: no client address, User-Agent or Referer.
access_log_format = logs.GUNICORN_ACCESS_LOG_FORMAT
