"""Languages: English, German and Russian, chosen from the browser and remembered by a cookie."""

from __future__ import annotations

import threading
import unicodedata
from enum import StrEnum
from urllib.parse import unquote, urlsplit

from babel import support
from flask import Blueprint, Flask, current_app, g, has_request_context, redirect, request
from flask.globals import _cv_app
from flask_babel import Babel, Domain, get_babel, get_locale
from jinja2 import pass_eval_context
from markupsafe import Markup

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


# --- translations at dictionary cost ---------------------------------------------------
# Flask-Babel resolves the domain, the locale and its catalogue on every call (about 36 µs;
# a page makes dozens of calls, a big render thousands). Here each locale's catalogue is
# loaded once per process, and the one in use is remembered on the app context, in the
# slot Flask-Babel itself clears whenever the locale changes (``force_locale`` sets it to
# None and restores it afterwards; ``refresh`` deletes it). So a call is a context-variable
# read and a dict lookup, also for ``_`` from ``flask_babel``, whose domain this replaces.

_NULL = support.NullTranslations()
_catalogues: dict[tuple[tuple[str, ...], str, str], support.Translations] = {}
_loading = threading.Lock()


def _catalogue(directories: tuple[str, ...], domain: str, locale) -> support.Translations:
    key = (directories, domain, str(locale))
    translations = _catalogues.get(key)
    if translations is None:
        with _loading:  # one thread loads it; the others then find it
            translations = _catalogues.get(key)
            if translations is None:
                translations = support.Translations()
                for directory in directories:
                    catalog = support.Translations.load(directory, [locale], domain)
                    translations.merge(catalog)
                    if hasattr(catalog, "plural"):  # merge() does not copy it
                        translations.plural = catalog.plural
                _catalogues[key] = translations
    return translations


def translations() -> support.NullTranslations:
    """The catalogue of the current locale (the request's, or the one ``force_locale``
    chose); an empty one outside an app context."""
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        return _NULL
    state = app_ctx.g.__dict__.get("_flask_babel")
    current = getattr(state, "babel_translations", None)
    if current is not None:
        return current
    locale = get_locale()  # creates ``state`` and chooses the locale once per context
    babel_config = get_babel()
    current = _catalogue(
        tuple(babel_config.translation_directories), babel_config.default_domain, locale
    )
    app_ctx.g._flask_babel.babel_translations = current
    return current


def gettext(string: str, **variables) -> str:
    text = translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


def pgettext(context: str, string: str, **variables) -> str:
    text = translations().upgettext(context, string)
    return text % variables if variables else text


def npgettext(context: str, singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return translations().unpgettext(context, singular, plural, num) % variables


class CachedDomain(Domain):
    """Flask-Babel's domain with the catalogues above: ``flask_babel.gettext`` and
    ``lazy_gettext`` (which every module imports as ``_`` and ``_l``) come here."""

    def get_translations(self):
        return translations()


# Templates: Jinja's "newstyle" gettext (variables as keywords, escaped under autoescape,
# the message always a format string), without the two wrappers Jinja puts around the
# callables it is given (``_`` → ``gettext`` → the callable, each through Context.call).


def _template_text(eval_ctx, text: str, variables: dict) -> str:
    # As Jinja does: our catalogue's text is trusted markup, the variables get escaped.
    return (Markup(text) if eval_ctx.autoescape else text) % variables  # noqa: S704


@pass_eval_context
def _template_gettext(eval_ctx, string: str, **variables) -> str:
    return _template_text(eval_ctx, translations().ugettext(string), variables)


@pass_eval_context
def _template_ngettext(eval_ctx, singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    text = translations().ungettext(singular, plural, num)
    return _template_text(eval_ctx, text, variables)


@pass_eval_context
def _template_pgettext(eval_ctx, context: str, string: str, **variables) -> str:
    variables.setdefault("context", context)
    return _template_text(eval_ctx, translations().upgettext(context, string), variables)


@pass_eval_context
def _template_npgettext(eval_ctx, context: str, singular, plural, num: int, **variables) -> str:
    variables.setdefault("context", context)
    variables.setdefault("num", num)
    text = translations().unpgettext(context, singular, plural, num)
    return _template_text(eval_ctx, text, variables)


def _install_translations(app: Flask) -> None:
    # One domain object for every app (the Babel object is shared); it reads the app's
    # directories when it loads a catalogue.
    babel.domain_instance = CachedDomain()
    # Sets up ``{% trans %}`` as newstyle; the globals are then replaced by the direct ones.
    app.jinja_env.install_gettext_callables(
        gettext=gettext, ngettext=ngettext, pgettext=pgettext, npgettext=npgettext, newstyle=True
    )
    app.jinja_env.globals.update(
        _=_template_gettext,
        gettext=_template_gettext,
        ngettext=_template_ngettext,
        pgettext=_template_pgettext,
        npgettext=_template_npgettext,
    )


def init_app(app: Flask) -> None:
    babel.init_app(
        app, locale_selector=select_locale, default_translation_directories="translations"
    )
    _install_translations(app)
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
