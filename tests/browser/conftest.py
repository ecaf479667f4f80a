"""Browser tests drive a real Chromium against a live server (fixtures in
tests/plugins/browser.py).

Nothing here retries a failing test: a browser test waits for what the user would see (a
popup, a marker, a count, the map at rest), so a failure is a real failure."""
