"""The route of a march: its geometry, its text format and the files it is imported from."""

from services.route.geo import format_text, parse_text

__all__ = ["format_text", "parse_text"]
