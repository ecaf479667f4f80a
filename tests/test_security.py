"""Logs never carry what could identify a participant."""

from __future__ import annotations

import logging

from security import RedactingFilter, redact


def test_redact_removes_addresses_emails_and_link_tokens():
    line = (
        '203.0.113.9 - - [25/Nov/2026 21:50:33] "GET /manage/Zx9_kQ2mP0aLrT5uVw8yB3cD4eF HTTP/1.1"'
        " 200 - anna@example.org 2001:db8:85a3::8a2e:370:7334"
    )
    cleaned = redact(line)
    for secret in ("203.0.113.9", "Zx9_kQ2mP0aLrT5uVw8yB3cD4eF", "anna@example.org", "2001:db8"):
        assert secret not in cleaned
    assert "21:50:33" in cleaned and "GET /manage/" in cleaned


def test_request_log_lines_pass_through_the_filter():
    record = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, "%s - - [%s] %s",
        ("198.51.100.7", "25/Nov/2026 21:50:33", '"GET /manage/abcdefghijklmnopqrstuvwxyz" 200'),
        None,
    )
    RedactingFilter().filter(record)
    assert record.getMessage() == '- - - [25/Nov/2026 21:50:33] "GET /manage/[token]" 200'


def test_dev_server_banner_keeps_its_address():
    banner = " * Running on http://127.0.0.1:5000"
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, "%s", (banner,), None)
    RedactingFilter().filter(record)
    assert record.getMessage() == banner
