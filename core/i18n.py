"""Languages: English, German and Russian, chosen from the browser and remembered by a cookie."""

from __future__ import annotations

import unicodedata
from enum import StrEnum
from urllib.parse import unquote, urlsplit

from flask import Blueprint, Flask, current_app, g, has_request_context, redirect, request
from flask_babel import Babel

from core.headers import SECRET_PATHS


class Language(StrEnum):
    """The languages of the interface and of emails, the one list of them; the first is the
    default. ``models.enums`` re-exports it beside the other named states."""

    EN = "en"
    DE = "de"
    RU = "ru"

    @property
    def label(self) -> str:
        """The language's own name, as the switcher shows it."""
        return _LABELS[self]


_LABELS = {Language.EN: "English", Language.DE: "Deutsch", Language.RU: "Русский"}
LANGUAGES = {language.value: language.label for language in Language}
COOKIE = "lang"

babel = Babel()
bp = Blueprint("i18n", __name__)


def select_locale() -> str | None:
    """The cookie set by the switcher, else the best match for Accept-Language, else English.

    Outside a request (CLI, worker, tests of services) None: Flask-Babel's default, English,
    unless the caller chose one with ``force_locale`` (emails in the participant's language).
    """
    if not has_request_context():
        return None
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default="en")


def init_app(app: Flask) -> None:
    babel.init_app(
        app, locale_selector=select_locale, default_translation_directories="translations"
    )
    app.register_blueprint(bp)

    @app.before_request
    def _remember_language() -> None:
        g.lang = select_locale()

    @app.context_processor
    def _languages() -> dict:
        return {"languages": LANGUAGES, "language_next": _return_path()}

    @app.after_request
    def _vary(response):
        # Public pages are cached by proxies: one copy per language.
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
        return response


def _return_path() -> str:
    if not has_request_context() or request.path.startswith(SECRET_PATHS):  # e.g. emails
        return "/"
    return request.full_path.rstrip("?")


def local_path(target: str | None) -> str:
    """``target`` if it is a path on this site, else "/".

    Browsers drop tabs and line breaks from a URL and read a backslash as a slash, so
    "/<tab>/evil.example" and "/\\evil.example" lead to another site just as "//evil.example"
    does; a line break in a Location header would also fail the response. Such characters
    refuse the target also when they arrive percent-encoded once more.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    for text in (target, unquote(target)):
        if "\\" in text or any(unicodedata.category(c) == "Cc" for c in text):
            return "/"
        parts = urlsplit(text)
        if parts.scheme or parts.netloc or text.startswith("//"):
            return "/"
    return target


@bp.get("/language/<code>")
def switch(code: str):
    """Remember the chosen language for a year and go back to where the user was (on this
    site only)."""
    response = redirect(local_path(request.args.get("next")))
    if code in LANGUAGES:
        response.set_cookie(
            COOKIE,
            code,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response
