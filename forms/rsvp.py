"""The participant's RSVP and manage forms, and the organiser's role form."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from forms.base import Form
from forms.fields import email_field
from models import Event, Role
from services import texts as reader_texts
from services.rsvp.attendees import RoleLine


def _role_id(value) -> int:
    """A role choice as an int; 0 is "participant", -1 anything that is not a number."""
    if value in (None, ""):
        return 0
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def role_labels(lines: list[RoleLine]) -> dict[int, str]:
    """The role choices' labels by role id, e.g. "Stewards: 6 of 10 (organisers approve)"."""
    return {line.role.id: _role_label(line) for line in lines if line.role}


def _role_label(line: RoleLine) -> str:
    # Whole sentences per case, so translators see each one as it reads.
    approve = line.role is not None and line.role.needs_approval
    if line.needed is None:
        if approve:
            return _("%(role)s (organisers approve)", role=line.name)
        return line.name
    values = {"role": line.name, "people": line.people, "needed": line.needed}
    if line.is_full and approve:
        return _(
            "%(role)s: %(people)s of %(needed)s (full: you join the waitlist) (organisers approve)",
            **values,
        )
    if line.is_full:
        return _("%(role)s: %(people)s of %(needed)s (full: you join the waitlist)", **values)
    if approve:
        return _("%(role)s: %(people)s of %(needed)s (organisers approve)", **values)
    return _("%(role)s: %(people)s of %(needed)s", **values)


class _RsvpFields(Form):
    name = StringField(
        _l("Your name (optional)"),
        validators=[Optional(), Length(max=80, message=_l("Use at most 80 characters."))],
        description=_l("A nickname is fine."),
        render_kw={"autocomplete": "nickname"},
    )
    party_size = IntegerField(
        _l("Number of people, you included"),
        default=1,
        render_kw={"inputmode": "numeric", "min": 1},
    )
    role_id = SelectField(_l("Role"), coerce=_role_id, validate_choice=False, default=0)
    wants_reminders = BooleanField(_l("Email me reminders before the event"), default=True)

    def setup(self, event: Event, roles: list[Role], labels: dict[int, str] | None = None):
        """Limits and choices that depend on the event (max party size, its roles)."""
        most = event.max_party_size
        message = _("Enter a number from 1 to %(most)d.", most=most)
        self.party_size.validators = [InputRequired(message), NumberRange(1, most, message)]
        self.party_size.render_kw = {**self.party_size.render_kw, "max": most}
        self.party_size.description = _("Up to %(most)d.", most=most)
        labels = labels or {}
        texts = reader_texts.in_locale(event)
        self.role_id.choices = [(0, labels.get(0, _("Participant")))] + [
            (role.id, labels.get(role.id) or texts.role(role.name)) for role in roles
        ]
        return self

    def validate_role_id(self, field) -> None:
        if field.data not in {value for value, _label in field.choices}:
            field.errors.append(_("Choose one of the roles listed."))


class RsvpForm(_RsvpFields):
    email = email_field()


class ManageForm(_RsvpFields):
    """The manage page's change form: everything but the email."""


class ConfirmForm(Form):
    """Only a CSRF token: the button that confirms a new RSVP."""


class RoleForm(Form):
    name = StringField(
        _l("Role name"),
        validators=[
            DataRequired(_l("Enter a name, e.g. Stewards.")),
            Length(max=60, message=_l("Use at most 60 characters.")),
        ],
    )
    needed = IntegerField(
        _l("People needed"),
        validators=[
            Optional(),
            NumberRange(min=1, max=100_000, message=_l("Enter 1 or more, or leave it empty.")),
        ],
        description=_l(
            "Leave empty for no limit. When it is reached, volunteers join the waitlist."
        ),
        render_kw={"inputmode": "numeric", "min": 1},
    )
    needs_approval = BooleanField(_l("Organisers approve each volunteer for this role"))
