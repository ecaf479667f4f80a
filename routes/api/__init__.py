"""The JSON API under /api/: public events (``public``), organisers' events with a personal
token (``organiser``), the OpenAPI document and its page (``docs``); what they share is in
``common``, the problem+json errors in ``problems``. The account page that makes and revokes
tokens is ``tokens``, an HTML blueprint of its own (cookies and CSRF, as every page).
"""

from routes.api import docs, organiser, public, tokens
from routes.api.common import bp

__all__ = ["bp", "docs", "organiser", "public", "tokens"]
