"""The stack tier's harness: processes, ports, certificates and clients for the deployed site on
loopback. The fixtures that start it are in conftest.py."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from tests import waiting
from tests.plugins.app import CSRF_INPUT
from tests.plugins.smtp import SmtpServer
from tests.redis_server import redis_argv

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent  # the virtualenv running the tests has gunicorn and flask
REQUIRED = os.environ.get("REQUIRE_STACK") == "1"
NGINX = os.environ.get("NGINX_PATH") or shutil.which("nginx") or "/usr/sbin/nginx"
# The server only, never its databases: the tier makes a database of its own and drops it.
POSTGRES_URL = os.environ.get(
    "STACK_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)

# Settings of the stack that the tests rely on.
RSVP_RATE_LIMIT = 3  # per minute and client address
LIVE_POLL_SECONDS = 2
PAGE_MAX_AGE = 60  # what the app sends for a public event page (routes/events.py)
FEED_MAX_AGE = 10  # ... and for its live feed (routes/live.py)

DESKTOP = {"viewport": {"width": 1280, "height": 900}}

T = TypeVar("T")


def missing(what: str) -> None:
    """A piece of the stack is not installed: skip, or fail when REQUIRE_STACK=1."""
    if REQUIRED:
        pytest.fail(f"{what} (REQUIRE_STACK=1: the stack tier needs every piece)", pytrace=False)
    pytest.skip(what)


def run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    """A command of ours to completion; its output is in the error if it fails."""
    result = subprocess.run(argv, capture_output=True, text=True, **kwargs)  # noqa: S603
    if result.returncode:
        raise AssertionError(f"{' '.join(argv)} failed:\n{result.stdout}\n{result.stderr}")
    return result


# --- waiting and ports -------------------------------------------------------------------------


def wait_until(
    condition: Callable[[], T],
    *,
    timeout: float,
    what: str,
    processes: Processes | None = None,
    interval: float = 0.05,
) -> T:
    """Poll ``condition`` until it returns something true and return that; fail after
    ``timeout`` seconds, or at once if one of ``processes`` died meanwhile."""

    def watched() -> T:
        if processes is not None:
            processes.check_running()
        return condition()

    result = waiting.wait_until(watched, timeout, interval)
    if not result:
        raise AssertionError(f"gave up after {timeout:g} s waiting for {what}")
    return result


def _bindable(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


def free_port(*also: str) -> int:
    """A TCP port free on 127.0.0.1 and on every host in ``also`` (e.g. "::1")."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if all(_bindable(host, port) for host in also):
            return port


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


# --- processes ---------------------------------------------------------------------------------


class Processes:
    """The stack's children, each in a process group of its own with its output in a log
    file; ``stop_all`` ends them at teardown whatever happened (the group, so that no
    gunicorn or nginx worker is left behind)."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        with open(self.log_path(name), "ab") as log:
            proc = subprocess.Popen(  # noqa: S603
                argv,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.running[name] = proc
        return proc

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def log(self, name: str) -> str:
        path = self.log_path(name)
        return path.read_text(errors="replace") if path.exists() else ""

    def tail(self, name: str, lines: int = 30) -> str:
        return "\n".join(self.log(name).splitlines()[-lines:])

    def check_running(self) -> None:
        for name, proc in self.running.items():
            if proc.poll() is not None:
                raise AssertionError(
                    f"{name} exited with status {proc.returncode}:\n{self.tail(name)}"
                )

    def stop(self, name: str, timeout: float = 10) -> None:
        proc = self.running.pop(name, None)
        if proc is None:
            return
        # gunicorn: SIGINT is its quick shutdown (SIGTERM waits for graceful_timeout).
        _signal_group(proc, signal.SIGINT if name == "gunicorn" else signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)  # the whole group: no worker is left behind
            proc.wait()

    def stop_all(self) -> None:
        for name in reversed(list(self.running)):
            self.stop(name)


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


def children(pid: int) -> set[int]:
    """The live child processes of ``pid`` (gunicorn's workers, for its master)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces, so split after its ")".
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == pid and state != "Z":
            found.add(int(entry.name))
    return found


def process_with_local_port(pids: set[int], port: int) -> int | None:
    """Which of ``pids`` holds the TCP socket whose local port is ``port``."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")
    for pid in pids:
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(fd) in inodes:
                    return pid
            except OSError:
                continue
    return None


# --- certificate and configuration -------------------------------------------------------------


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and ::1, valid for two days."""
    openssl = shutil.which("openssl")
    if openssl is None:
        missing("openssl not found: apt-get install openssl")
    cert, key = directory / "cert.pem", directory / "key.pem"
    run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,IP:::1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ]
    )
    return cert, key


def render(template: Path, values: dict[str, str]) -> str:
    """``template`` with each ``@@NAME@@`` replaced; every placeholder needs a value and
    every value a placeholder, so a renamed one in the file fails here, not in nginx."""
    source = template.read_text()
    unused = [name for name in values if f"@@{name}@@" not in source]
    assert not unused, f"{template.name} has no placeholder for {unused}"
    for name, value in values.items():
        source = source.replace(f"@@{name}@@", value)
    left = sorted(set(re.findall(r"@@[A-Z0-9_]+@@", source)))
    assert not left, f"{template.name}: no value given for {left}"
    return source


NGINX_MAIN = """\
# Made by tests/stack/conftest.py: only what /etc/nginx/nginx.conf would give, with every
# path in the test's directory; the site itself is the repository's file, rendered.
{user}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/logs/nginx-main-error.log warn;
events {{
    worker_connections 256;
}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {tmp}/nginx-temp/body;
    proxy_temp_path {tmp}/nginx-temp/proxy;
    fastcgi_temp_path {tmp}/nginx-temp/fastcgi;
    uwsgi_temp_path {tmp}/nginx-temp/uwsgi;
    scgi_temp_path {tmp}/nginx-temp/scgi;
    access_log off;
    include {site};
}}
"""


# --- a plain https client ----------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    text: str


class Client:
    """A phone as nginx sees it: TLS connections from one loopback address (127.0.0.0/8 is
    all loopback on Linux), with the cookies the site set. No JavaScript, no cache."""

    def __init__(self, stack: Stack, source: str) -> None:
        self.stack = stack
        self.source = source
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, *, body: str | None = None, headers: dict | None = None
    ) -> Reply:
        conn = http.client.HTTPSConnection(
            "127.0.0.1",
            self.stack.https_port,
            context=self.stack.tls,
            timeout=60,
            source_address=(self.source, 0),
        )
        sent = {"Accept-Language": "en", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            body = response.read().decode(errors="replace")
            reply = Reply(response.status, response.headers, body)
        finally:
            conn.close()
        for header in reply.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return reply

    def get(self, path: str, **kwargs) -> Reply:
        return self.request("GET", path, **kwargs)

    def form_token(self, path: str) -> str:
        """Open the form at ``path`` (which starts a session) and return its CSRF token."""
        reply = self.get(path)
        assert reply.status == 200, (path, reply.status)
        match = CSRF_INPUT.search(reply.text)
        assert match, f"no CSRF token on {path}"
        return match.group(1) or match.group(2)

    def post_form(self, path: str, data: dict[str, Any], *, headers: dict | None = None) -> Reply:
        """POST a form as the browser would, with the Referer the CSRF check wants."""
        return self.request(
            "POST",
            path,
            body=urlencode(data),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": self.stack.base_url + path,
                **(headers or {}),
            },
        )


# --- the stack ---------------------------------------------------------------------------------


@dataclass
class Stack:
    tmp: Path
    https_port: int
    http_port: int
    app_port: int
    redis_port: int
    database_url: str
    smtp: SmtpServer
    processes: Processes
    env: dict[str, str]
    tls: ssl.SSLContext
    db: Engine = field(init=False)

    def __post_init__(self) -> None:
        self.db = create_engine(self.database_url, pool_size=2)

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def access_log(self) -> Path:
        return self.tmp / "logs" / "rallypoint-access.log"

    def client(self, source: str = "127.0.0.1") -> Client:
        return Client(self, source)

    def wait_until(
        self, condition: Callable[[], T], *, timeout: float, what: str, interval: float = 0.05
    ) -> T:
        """``wait_until``, failing early if a process of the stack died."""
        return wait_until(
            condition, timeout=timeout, what=what, processes=self.processes, interval=interval
        )

    def scalar(self, sql: str, **params) -> Any:
        """One value, read in a transaction of its own (pg_stat_activity is read once per
        transaction, so a poll must not reuse one)."""
        with self.db.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def row(self, sql: str, **params) -> Any:
        with self.db.connect() as conn:
            return conn.execute(text(sql), params).first()

    # gunicorn

    @property
    def gunicorn_pid(self) -> int:
        return self.processes.running["gunicorn"].pid

    def web_workers(self) -> set[int]:
        return children(self.gunicorn_pid)

    def start_gunicorn(self) -> None:
        argv = [str(BIN / "gunicorn"), "-c", str(DEPLOY / "gunicorn.conf.py")]
        self.processes.start("gunicorn", argv, self.env)
        self.wait_until(lambda: port_open(self.app_port), timeout=60, what="gunicorn to listen")
        self.wait_until(lambda: len(self.web_workers()) == 2, timeout=30, what="2 web workers")

    # redis

    def start_redis(self) -> None:
        argv = redis_argv(self.redis_port, self.tmp)
        self.processes.start("redis", argv, self.env)
        self.wait_until(lambda: port_open(self.redis_port), timeout=20, what="redis to listen")

    def stop_redis(self) -> None:
        self.processes.stop("redis")
        assert not port_open(self.redis_port)

    # nginx

    def start_nginx(self, cert: Path, key: Path) -> None:
        site = self.tmp / "rallypoint.conf"
        site.write_text(
            render(
                DEPLOY / "nginx" / "rallypoint.conf",
                {
                    "SERVER_NAME": "127.0.0.1",
                    "BASE_URL": self.base_url,
                    "LISTEN_V4": "127.0.0.1",
                    "LISTEN_V6": "[::1]",
                    "HTTP_PORT": str(self.http_port),
                    "HTTPS_PORT": str(self.https_port),
                    "SSL_CERTIFICATE": str(cert),
                    "SSL_CERTIFICATE_KEY": str(key),
                    "UPSTREAM": f"127.0.0.1:{self.app_port}",
                    "APP_ROOT": str(ROOT),
                    "CACHE_DIR": str(self.tmp / "nginx-cache"),
                    "LOG_DIR": str(self.tmp / "logs"),
                    "ACME_ROOT": str(self.tmp / "acme"),
                },
            )
        )
        for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.tmp / "nginx-temp" / name).mkdir(parents=True, exist_ok=True)
        # Run as root (a CI container), nginx's workers would become "nobody", who may not
        # enter the test's private directory.
        user = "user root;" if os.geteuid() == 0 else ""
        main = self.tmp / "nginx.conf"
        main.write_text(NGINX_MAIN.format(user=user, tmp=self.tmp, site=site))
        argv = [NGINX, "-p", str(self.tmp), "-c", str(main), "-e", "stderr"]
        run([*argv, "-t"])
        self.processes.start("nginx", [*argv, "-g", "daemon off;"], self.env)
        self.wait_until(self.healthy, timeout=60, what="/healthz through nginx to answer 200")

    def healthy(self) -> bool:
        try:
            return self.client().get("/healthz").status == 200
        except OSError:
            return False

    # mail

    def mail_to(self, address: str) -> list:
        """The messages aiosmtpd received for ``address``, parsed."""
        return self.smtp.inbox.to(address)
