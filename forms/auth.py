"""Sign-up and log-in forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from forms.base import Form
from forms.fields import email_field, new_password_fields


def _display_name() -> StringField:
    return StringField(
        _l("Your name as participants see it"),
        validators=[
            DataRequired(_l("Enter a name, e.g. your group's name.")),
            Length(max=80, message=_l("Use at most 80 characters.")),
        ],
        render_kw={"autocomplete": "organization"},
    )


class SignupForm(Form):
    """The first step: the password is chosen from the link we email, so that nobody can
    hold a working account for an address that is not theirs."""

    email = email_field()
    display_name = _display_name()


class FinishSignupForm(Form):
    display_name = _display_name()
    password, confirm = new_password_fields(_l("Password"), _l("Password again"))


class LoginForm(Form):
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(_l("Enter your email address.")), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me logged in on this device"))


class ResetRequestForm(Form):
    email = email_field(_l("Email of your account"), autocomplete="username")


class ResetPasswordForm(Form):
    password, confirm = new_password_fields(_l("New password"), _l("New password again"))
