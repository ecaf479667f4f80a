"""An event's title and description in several languages, as its organisers wrote them."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from models import Event, EventTranslation
from services.errors import DomainError

MAX_DESCRIPTION = 20_000


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
            translation = EventTranslation(language=language)
            event.translations.append(translation)
        translation.title = title
        translation.description_md = description
    session.flush()


def for_reader(event: Event, language: str) -> tuple[str, str]:
    """(title, description in Markdown) in ``language`` if the organisers gave one, else the
    event's own. Reads ``event.translations`` (load it with the event to save a query)."""
    for translation in event.translations:
        if translation.language == language:
            return translation.title, translation.description_md or event.description_md
    return event.title, event.description_md
