"""The event's title and description in other languages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from core.i18n import LANGUAGES
from forms.base import Form
from services.events.translations import MAX_DESCRIPTION


def _title(label):
    return StringField(
        label, validators=[Length(max=140, message=_l("Use at most 140 characters."))]
    )


def _description(label):
    return TextAreaField(
        label,
        validators=[Length(max=MAX_DESCRIPTION, message=_l("Use at most 20,000 characters."))],
    )


class EventTextsForm(Form):
    """One title and description per interface language; empty ones are not shown."""

    title_en = _title(_l("Title in English"))
    description_en = _description(_l("Description in English"))
    title_de = _title(_l("Title in German"))
    description_de = _description(_l("Description in German"))
    title_ru = _title(_l("Title in Russian"))
    description_ru = _description(_l("Description in Russian"))

    LANGUAGES = tuple(LANGUAGES)  # one title and description field pair each, above

    def texts(self) -> dict[str, tuple[str, str]]:
        return {
            code: (self[f"title_{code}"].data or "", self[f"description_{code}"].data or "")
            for code in self.LANGUAGES
        }
