"""Fixtures, one module per real part, registered for the whole suite by ``pytest_plugins`` in
tests/conftest.py: ``database`` (SQLite, or PostgreSQL too), ``app`` (the app, its client and
session, an organiser), ``smtp`` (a real SMTP server on loopback) and ``browser`` (a live
server and a phone-sized Chromium). Tests import helpers from them, never fixtures."""
