"""An event's texts in several languages, as its organisers wrote them: the title and
description (``EventTranslation``), and the schedule item titles, role names and waypoint
labels (``EventTextTranslation``, keyed by the text as written). Read through
``services.texts``."""

from __future__ import annotations

import hashlib

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import Session

from models import Event, EventTextTranslation, EventTranslation
from models.enums import TextKind
from services import texts as reader_texts
from services.errors import DomainError

MAX_DESCRIPTION = 20_000
# As long as the text itself may be (``ScheduleItem.title``, ``Role.name``, ``Waypoint.label``,
# ``RouteSection.note``, ``RoutePlace.label`` and ``.note``).
MAX_TEXT = {
    TextKind.SCHEDULE_ITEM: 140,
    TextKind.ROLE: 60,
    TextKind.WAYPOINT: 120,
    TextKind.SECTION_NOTE: 140,
    TextKind.PLACE_LABEL: 80,
    TextKind.PLACE_NOTE: 140,
}


def save(session: Session, event: Event, texts: dict[str, tuple[str, str]]) -> None:
    """Store ``texts`` ({language: (title, description)}) as the event's translations; a
    language with an empty title loses its translation. Flushes.

    Raises ``DomainError`` (field ``title_<language>``) for a description without a title.
    """
    existing = {t.language: t for t in event.translations}
    for language, (title, description) in texts.items():
        title, description = title.strip(), description.strip()
        if not title:
            if description:
                raise DomainError(
                    _("Give a title with the description, or leave both empty."),
                    f"title_{language}",
                )
            if language in existing:
                event.translations.remove(existing[language])
            continue
        translation = existing.get(language)
        if translation is None:
            translation = EventTranslation(event_id=event.id, language=language)
            event.translations.append(translation)
        translation.title = title
        translation.description_md = description
    session.flush()


def for_reader(event: Event, language: str) -> tuple[str, str]:
    """(title, description in Markdown) in ``language`` if the organisers gave one, else the
    event's own. Reads ``event.translations`` (load it with the event to save a query)."""
    texts = reader_texts.for_reader(event, language)
    return texts.title, texts.description_md


def field_name(kind: str, source: str, language: str) -> str:
    """The Languages page's field for ``source`` (a text of ``kind``) in ``language``, named
    after the text itself: a form sent from a tab opened before the schedule changed still
    fills in the texts it showed, never a neighbour's."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:12]
    return f"{kind}_{digest}_{language}"


def sources(event: Event) -> dict[str, list[str]]:
    """The texts of ``event`` that can be translated, per ``TextKind``, each once, in the
    order the page shows them: schedule item titles (by time), role names, waypoint labels,
    section notes, places' labels and notes."""
    places = event.places if event.has_route_places else []
    found: dict[str, list[str]] = {
        TextKind.SCHEDULE_ITEM: [item.title for item in event.schedule_items],
        TextKind.ROLE: [role.name for role in event.roles],
        TextKind.WAYPOINT: [waypoint.label for waypoint in event.waypoints],
        TextKind.SECTION_NOTE: [section.note for section in event.sections],
        TextKind.PLACE_LABEL: [place.label for place in places],
        TextKind.PLACE_NOTE: [place.note for place in places],
    }
    return {
        kind: list(dict.fromkeys(t for t in texts if t.strip())) for kind, texts in found.items()
    }


def save_texts(session: Session, event: Event, texts: dict[tuple[str, str, str], str]) -> None:
    """Store ``texts`` ({(kind, source, language): translation}) as the event's text
    translations, for the texts it has now (``sources``): an empty translation removes one,
    and translations of texts the event no longer has are dropped. Flushes.

    Raises ``DomainError`` (on the field ``field_name`` names) for a translation longer
    than the text it translates may be.
    """
    current = sources(event)
    wanted = {(kind, source) for kind, found in current.items() for source in found}
    existing = {(t.kind, t.source, t.language): t for t in event.text_translations}
    for key, row in existing.items():
        if key[:2] not in wanted:
            event.text_translations.remove(row)
    for (kind, source, language), text in texts.items():
        if (kind, source) not in wanted:
            continue
        text = text.strip()
        if len(text) > MAX_TEXT[kind]:
            field = field_name(kind, source, language)
            limit = MAX_TEXT[kind]
            message = ngettext(
                "Use at most %(num)d character.", "Use at most %(num)d characters.", limit
            )
            raise DomainError(message, field)
        row = existing.get((kind, source, language))
        if not text or text == source:
            if row is not None and row in event.text_translations:
                event.text_translations.remove(row)
            continue
        if row is None:
            row = EventTextTranslation(
                event_id=event.id, kind=kind, source=source, language=language
            )
            event.text_translations.append(row)
        row.text = text
    session.flush()
