"""The organisers' own texts in a reader's language: the event's title and description, and
its schedule item titles, role names, waypoint labels, section notes and places' labels,
each as translated on the Languages page (``services.events.translations``), else as written.

Top-level beside ``calendar`` and ``urls``: the event pages, the emails and the calendar
files all read it, and the mail package may not import the events package (events → mail).
It only reads the event's loaded ``translations`` and ``text_translations``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property

from flask_babel import get_locale

from models import Event
from models.enums import Language, TextKind


class ReaderTexts:
    """One event's texts in one language; each lookup falls back to the text as written.

    The title and description read ``event.translations``; the first lookup of a short text
    reads ``event.text_translations`` (a listing that shows titles only loads no more)."""

    def __init__(self, event: Event, language: str) -> None:
        self.event = event
        self.language = language
        self.title, self.description_md = event.title, event.description_md
        for translation in event.translations:
            if translation.language == language:
                self.title = translation.title
                self.description_md = translation.description_md or event.description_md

    @cached_property
    def texts(self) -> Mapping[tuple[str, str], str]:
        """{(kind, text as written): its translation}."""
        return {
            (t.kind, t.source): t.text
            for t in self.event.text_translations
            if t.language == self.language
        }

    def text(self, kind: str, source: str) -> str:
        return self.texts.get((kind, source), source)

    def schedule_item(self, title: str) -> str:
        return self.text(TextKind.SCHEDULE_ITEM, title)

    def role(self, name: str) -> str:
        return self.text(TextKind.ROLE, name)

    def waypoint(self, label: str) -> str:
        return self.text(TextKind.WAYPOINT, label)

    def section_note(self, note: str) -> str:
        return self.text(TextKind.SECTION_NOTE, note)

    def place_label(self, label: str) -> str:
        return self.text(TextKind.PLACE_LABEL, label)

    def place_note(self, note: str) -> str:
        return self.text(TextKind.PLACE_NOTE, note)


def for_reader(event: Event, language: str) -> ReaderTexts:
    """``event``'s texts in ``language``, where its organisers translated them. A title's
    translation without a description keeps the description as written."""
    return ReaderTexts(event, language)


def in_locale(event: Event) -> ReaderTexts:
    """``event``'s texts in the language pages and emails are being rendered in (the
    request's, or the one an email forces): the ``reader`` template global."""
    locale = get_locale()
    return ReaderTexts(event, locale.language if locale is not None else Language.EN)
