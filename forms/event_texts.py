"""The event's texts in other languages: title and description, and a field per schedule
item title, role name and waypoint label it has."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from core.i18n import LANGUAGES
from forms.base import Form
from models.enums import TextKind
from services.events.translations import MAX_DESCRIPTION, MAX_TEXT, field_name

_TOO_LONG = {
    60: _l("Use at most 60 characters."),
    80: _l("Use at most 80 characters."),
    120: _l("Use at most 120 characters."),
    140: _l("Use at most 140 characters."),
}


def _title(label):
    return StringField(label, validators=[Length(max=140, message=_TOO_LONG[140])])


def _description(label):
    return TextAreaField(
        label,
        validators=[Length(max=MAX_DESCRIPTION, message=_l("Use at most 20,000 characters."))],
    )


class EventTextsForm(Form):
    """One title and description per interface language; empty ones are not shown. Made
    for an event by ``for_event``, which adds its short texts' fields."""

    title_en = _title(_l("Title in English"))
    description_en = _description(_l("Description in English"))
    title_de = _title(_l("Title in German"))
    description_de = _description(_l("Description in German"))
    title_ru = _title(_l("Title in Russian"))
    description_ru = _description(_l("Description in Russian"))

    LANGUAGES = tuple(LANGUAGES)  # one title and description field pair each, above
    # The headings of the short texts' groups, in the order the page shows them.
    KINDS = {
        TextKind.SCHEDULE_ITEM: _l("Schedule"),
        TextKind.ROLE: _l("Roles"),
        TextKind.WAYPOINT: _l("Places on the route"),
        TextKind.SECTION_NOTE: _l("Notes on the route's marked sections"),
        TextKind.PLACE_LABEL: _l("Places beside the route"),
        TextKind.PLACE_NOTE: _l("Notes on the places beside the route"),
    }
    TEXTS: dict[str, tuple[str, str, str]] = {}  # field name: (kind, source, language)

    @classmethod
    def for_event(cls, sources: dict[str, list[str]], **kwargs) -> EventTextsForm:
        """The form for an event whose translatable texts are ``sources`` ({kind: [text]},
        ``services.events.translations.sources``): a field per text and language
        (``field_name``), labelled with the text as written."""
        fields, texts = {}, {}
        for kind, found in sources.items():
            limit = MAX_TEXT[kind]
            for source in found:
                for code in cls.LANGUAGES:
                    name = field_name(kind, source, code)
                    fields[name] = StringField(
                        source, validators=[Length(max=limit, message=_TOO_LONG[limit])]
                    )
                    texts[name] = (kind, source, code)
        form_class = type("EventTextsForm", (cls,), {**fields, "TEXTS": texts})
        return form_class(**kwargs)

    def texts(self) -> dict[str, tuple[str, str]]:
        return {
            code: (self[f"title_{code}"].data or "", self[f"description_{code}"].data or "")
            for code in self.LANGUAGES
        }

    def short_texts(self) -> dict[tuple[str, str, str], str]:
        """{(kind, source, language): translation} as typed, empty ones included."""
        return {key: self[name].data or "" for name, key in self.TEXTS.items()}

    def text_fields(self, language: str) -> list[tuple[str, list]]:
        """[(heading, [field])] of ``language``'s short texts, groups without texts left out."""
        groups = []
        for kind, heading in self.KINDS.items():
            fields = [
                self[name]
                for name, (k, _source, code) in self.TEXTS.items()
                if k == kind and code == language
            ]
            if fields:
                groups.append((heading, fields))
        return groups
