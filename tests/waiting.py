"""Waiting in tests for something to happen, without ``time.sleep``.

CI runs the suite a second time under libfaketime with the clock a year and more ahead and the
monotonic clock left real. libfaketime 0.9.10 then breaks ``time.sleep`` (Python sleeps with an
absolute ``clock_nanosleep`` on the monotonic clock, which libfaketime shifts by the fake
offset: EINVAL). ``threading.Event.wait`` is not affected, so every wait goes through here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_never = threading.Event()


def pause(seconds: float) -> None:
    """Sleep ``seconds``; only between two looks at a condition (see ``wait_until``)."""
    _never.wait(seconds)


def wait_until(
    condition: Callable[[], T], timeout: float = 30.0, interval: float = 0.05
) -> T | None:
    """Look at ``condition`` every ``interval`` until it returns something true, and return
    that; None once ``timeout`` seconds have passed without."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            return None
        pause(interval)


def real_clock(env: dict[str, str]) -> dict[str, str]:
    """``env`` without libfaketime, for servers we start but do not write (redis-server,
    gunicorn's arbiter): they sleep with ``time.sleep`` or their own clocks and hang or fail
    under the faked clock, and their time decides nothing the tests check."""
    faked = ("LD_PRELOAD", "DYLD_INSERT_LIBRARIES", "DYLD_FORCE_FLAT_NAMESPACE")
    return {k: v for k, v in env.items() if k not in faked and not k.startswith("FAKETIME")}
