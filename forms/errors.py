"""Putting a service's ``DomainError`` on the form that caused it."""

from __future__ import annotations

from flask_wtf import FlaskForm

from services.errors import DomainError


def attach_error(form: FlaskForm, error: DomainError) -> None:
    """Show ``error`` next to its field, or above the form when no field of ``form`` has its
    name. A form may name, in ``error_fields``, the field that shows a service's field when
    the two are called differently (the position form shows "position" under "place")."""
    name = getattr(form, "error_fields", {}).get(error.field, error.field)
    field = form._fields.get(name) if name else None
    if field is not None:
        # A list once validated; a tuple before (a form shown without validation).
        field.errors = [*field.errors, str(error)]
    else:
        form.form_errors.append(str(error))
