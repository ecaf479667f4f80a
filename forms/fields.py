"""Fields that several forms share, with their validation and messages in one place."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length, StopValidation

from services.accounts.users import MIN_PASSWORD_LENGTH


def email_field(label=None, autocomplete: str = "email") -> EmailField:
    """A required, well-formed email address of at most 254 characters."""
    return EmailField(
        label or _l("Email"),
        validators=[
            DataRequired(_l("Enter your email address.")),
            Length(max=254, message=_l("An email address has at most 254 characters.")),
            Email(_l("Enter an email address like name@example.org.")),
            _deliverable,
        ],
        render_kw={"autocomplete": autocomplete, "inputmode": "email"},
    )


def _deliverable(_form, field) -> None:
    """Mail goes out over plain SMTP, which cannot carry letters outside ASCII before the @:
    such an address is refused here, where the person can still give another one, instead of
    being accepted and never reached. An international domain is kept in its ASCII form
    (xn--...), which every mail server understands."""
    if not field.data:
        return
    try:
        address = validate_email(field.data, allow_smtputf8=False, check_deliverability=False)
    except EmailNotValidError:
        if not field.data.isascii():
            raise StopValidation(
                _l(
                    "We cannot send mail to an address with letters like ö or я before the @. "
                    "Please use another address."
                )
            ) from None
        raise StopValidation(_l("Enter an email address like name@example.org.")) from None
    if not field.data.isascii():
        field.data = address.ascii_email


def new_password_fields(label, again_label) -> tuple[PasswordField, PasswordField]:
    """A new password (long enough) and its repetition."""
    password = PasswordField(
        label,
        validators=[
            DataRequired(_l("Choose a password.")),
            Length(
                min=MIN_PASSWORD_LENGTH, max=1000, message=_l("Use at least %(min)d characters.")
            ),
        ],
        description=_l(
            "At least %(n)d characters. A few random words work well.", n=MIN_PASSWORD_LENGTH
        ),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        again_label,
        validators=[EqualTo("password", _l("The two passwords differ. Type the same one twice."))],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm
