"""Browser tests drive a real Chromium against a live server. On a loaded two-core machine the
map editor's gestures (tap, drag, popups near the map's edge) have, rarely, raced Leaflet's
own animation; a failure is retried twice before it counts. A real break fails all three."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.flaky(reruns=2))
