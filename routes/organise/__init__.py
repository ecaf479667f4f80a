"""Organiser pages for one demonstration, split by what is organised: the event itself
(``events``: details, languages, publish, cancel, duplicate), its route and schedule
(``route``), the route's accessibility (``accessibility``), its team (``organisers``), the
notice to the authorities (``notice``) and the card other websites embed (``embed``). Every
page checks ``require_organiser`` (404 for anyone else).

Each view parses a form, calls one service, commits once, then redirects (``common.save``);
a ``DomainError`` becomes a message next to its field with status 422, and nothing is stored.
"""

from routes.organise import accessibility, embed, events, notice, organisers, route
from routes.organise.common import bp

__all__ = ["accessibility", "bp", "embed", "events", "notice", "organisers", "route"]
