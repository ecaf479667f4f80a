"""Domain errors: rules a user can break. Views turn them into a message on the page.

Top-level and importing nothing, so that every service package can raise them.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule the user broke; ``str(err)`` is the message shown, ``field`` the form field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
