"""The base of every form: what any text typed into Rallypoint may not contain.

Every form derives from ``Form``, not from ``FlaskForm`` (a test checks it), so a new text
field is checked without anyone remembering to: its invisible control characters are refused
with a message next to it. They would break what the text ends up in (a line break in a title
breaks the Subject of every change notice) or disguise it (a right-to-left override shows
"gpx.exe" as "exe.xpg").

Refused in single-line fields: C0 and C1 controls (tab, CR and LF among them) and DEL; the
line and paragraph separators U+2028/U+2029; the bidirectional embeddings, overrides and
isolates U+202A–U+202E and U+2066–U+2069. Multi-line fields (``TextAreaField``) also allow
tab, CR and LF. Allowed everywhere: the left-to-right and right-to-left marks U+200E/U+200F
and the Arabic letter mark U+061C, which Arabic, Persian and Hebrew writers need and which
cannot reorder letters. Passwords are exempt: they are only hashed, never shown or sent.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import ValidationError

_ALWAYS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
SINGLE_LINE_REFUSED = re.compile(f"[{_ALWAYS}\t\n\r]")
MULTI_LINE_REFUSED = re.compile(f"[{_ALWAYS}]")


def _single_line(_form, field) -> None:
    if isinstance(field.data, str) and SINGLE_LINE_REFUSED.search(field.data):
        raise ValidationError(
            _l(
                "Remove the invisible control characters (such as line breaks, tabs or text "
                "direction overrides)."
            )
        )


def _multi_line(_form, field) -> None:
    if isinstance(field.data, str) and MULTI_LINE_REFUSED.search(field.data):
        raise ValidationError(
            _l("Remove the invisible control characters (such as text direction overrides).")
        )


def _check_for(field) -> object | None:
    """The control-character check a field gets, or None for fields that are not text."""
    if not isinstance(field, StringField) or isinstance(field, PasswordField | HiddenField):
        return None  # HiddenField: the CSRF token, which checks itself
    return _multi_line if isinstance(field, TextAreaField) else _single_line


class Form(FlaskForm):
    """A Flask-WTF form (with its CSRF token) whose text fields refuse control characters."""

    def validate(self, extra_validators=None) -> bool:
        extra = {name: list(checks) for name, checks in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            if check := _check_for(field):
                extra.setdefault(name, []).append(check)
        return super().validate(extra)
