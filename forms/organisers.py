"""The team's forms: inviting a co-organiser, and choosing who comes along to a copy."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from forms.base import Form
from forms.event import DuplicateForm
from forms.fields import email_field


class InviteForm(Form):
    email = email_field(_l("Their email address"))


class DuplicateWithTeamForm(DuplicateForm):
    organisers = SelectMultipleField(
        _l("Co-organisers of the copy"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        description=_l("You own the copy. Tick who else may organise it; nobody else can."),
    )

    def setup(self, others: list[tuple[int, str]]) -> DuplicateWithTeamForm:
        """Offer ``others`` (user id, label): the event's organisers except the copier."""
        self.organisers.choices = others
        return self
