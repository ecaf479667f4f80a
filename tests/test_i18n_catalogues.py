"""Translations come from one catalogue per locale, cached per process, and still follow the
request's language, ``force_locale`` (emails in the participant's language inside someone
else's request) and each thread's own request."""

from __future__ import annotations

import threading

from flask import render_template_string
from flask_babel import force_locale, lazy_gettext
from flask_babel import gettext as babel_gettext

from core import i18n

YOURS = {"en": "Your RSVP", "de": "Deine Anmeldung", "ru": "Ваша запись"}


def shown(template: str = "{{ _('Your RSVP') }}") -> tuple[str, str, str]:
    """The message as Python's two gettexts and a template give it."""
    return babel_gettext("Your RSVP"), i18n.gettext("Your RSVP"), render_template_string(template)


def test_request_language_then_forced_language_then_back(app):
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        assert shown() == (YOURS["de"],) * 3
        with force_locale("ru"):
            assert shown() == (YOURS["ru"],) * 3
            assert str(lazy_gettext("Your RSVP")) == YOURS["ru"]
            with force_locale("en"):
                assert shown() == (YOURS["en"],) * 3
            assert shown() == (YOURS["ru"],) * 3
        assert shown() == (YOURS["de"],) * 3


def test_templates_escape_variables_and_pick_plural_forms(app):
    with app.test_request_context("/", headers={"Accept-Language": "ru"}):
        html = render_template_string(
            "{{ _('Role “%(name)s” added.', name=name) }}|"
            "{{ ngettext('Route saved: %(km)s km, %(num)d waypoint.',"
            " 'Route saved: %(km)s km, %(num)d waypoints.', 5, km='1.2') }}",
            name="<b>Medics</b>",
        )
    assert html == (
        "Роль «&lt;b&gt;Medics&lt;/b&gt;» добавлена.|Маршрут сохранён: 1.2 км, 5 отметок."
    )


def test_outside_a_request_english(app):
    assert i18n.gettext("Your RSVP") == "Your RSVP"  # no app context at all
    with app.app_context():
        assert babel_gettext("Your RSVP") == "Your RSVP"
        with force_locale("de"):  # the worker rendering a German participant's email
            assert babel_gettext("Your RSVP") == YOURS["de"]


def test_threads_each_see_their_own_language(app):
    rounds = 300
    languages = ["en", "de", "ru"] * 3
    start = threading.Barrier(len(languages))
    wrong: list[tuple[str, tuple]] = []

    def work(language: str) -> None:
        with app.test_request_context("/", headers={"Accept-Language": language}):
            start.wait()
            for n in range(rounds):
                other = languages[n % 3]
                if n % 2:  # interleave emails in another language
                    with force_locale(other):
                        got, expected = shown(), (YOURS[other],) * 3
                else:
                    got, expected = shown(), (YOURS[language],) * 3
                if got != expected:
                    wrong.append((language, got))

    threads = [threading.Thread(target=work, args=(language,)) for language in languages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
