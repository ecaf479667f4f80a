"""The suite's root: fixtures come from the plugins in tests/plugins, one per real part (the
database, the app, SMTP, a browser); test data from tests/factories.py.

Every test that uses ``app`` runs once on SQLite and, when ``TEST_DATABASE_URL`` is set, once
more on PostgreSQL. The schema always comes from the Alembic migrations.
"""

from __future__ import annotations

import os

if os.environ.get("FAKETIME") and os.environ.get("FAKETIME_DONT_FAKE_MONOTONIC") == "1":
    # Under libfaketime with a real monotonic clock, time.sleep fails with EINVAL (see
    # tests/waiting.py); the standard library sleeps through it too (Popen.wait(timeout)).
    import time

    from tests.waiting import pause

    time.sleep = pause

# Only the root conftest may name plugins (pytest's rule); they hold fixtures for every folder.
pytest_plugins = [
    "tests.plugins.database",
    "tests.plugins.push",
    "tests.plugins.app",
    "tests.plugins.smtp",
    "tests.plugins.browser",
    "tests.plugins.tiles",
]
