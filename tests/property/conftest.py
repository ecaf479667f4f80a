"""Property-based tests: hypothesis makes up inputs; the properties must hold for all of them.

One fixed profile for every run, here and in CI: derandomized (the same examples each run, so
no test is flaky), no example database (nothing carried over between runs), modest example
counts so that this folder takes well under a minute, and a deadline per example, which is
the time bound: a parser or form that gets slow on some input fails.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, settings

settings.register_profile(
    "rallypoint",
    derandomize=True,
    database=None,
    max_examples=60,
    deadline=timedelta(seconds=5),  # generous: a bound against blow-ups, not a benchmark
    print_blob=True,
    # The form tests post through one app and database per test (a function-scoped fixture)
    # on purpose: each example checks what it changed against what was there before it.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile("rallypoint")
