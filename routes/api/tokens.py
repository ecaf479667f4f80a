"""The account's API tokens: make one (its secret shown on this answer alone), see them,
revoke one. An HTML page with the session cookie and CSRF, as every account page; the
token itself never goes into a cookie, a redirect or a log."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core.extensions import db
from forms.api_token import ApiTokenForm
from forms.errors import attach_error
from forms.event import ActionForm
from models import utcnow
from routes.access import require_verified
from services.accounts import api_tokens
from services.errors import DomainError

bp = Blueprint("api_tokens", __name__, url_prefix="/account/api-tokens")
NO_STORE = {"Cache-Control": "no-store"}


@bp.route("", methods=["GET", "POST"])
@login_required
def index():
    require_verified()
    form = ApiTokenForm()
    secret = None
    if form.validate_on_submit():
        try:
            _token, secret = api_tokens.create_token(
                db.session,
                current_user,
                label=form.label.data,
                access=form.access.data,
                reads_attendees=form.reads_attendees.data,
                now=utcnow(),
            )
        except DomainError as err:
            db.session.rollback()
            attach_error(form, err)
        else:
            db.session.commit()
            form = ApiTokenForm(formdata=None)
    status = 422 if request.method == "POST" and secret is None else 200
    html = render_template(
        "account/api_tokens.html",
        form=form,
        action=ActionForm(),
        secret=secret,
        tokens=api_tokens.tokens_of(db.session, current_user.id),
    )
    return html, status, NO_STORE


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    require_verified()
    if not ActionForm().validate_on_submit():
        abort(400)
    if not api_tokens.revoke(db.session, current_user.id, token_id):
        abort(404)
    db.session.commit()
    flash(_("Token revoked: it no longer works."), "success")
    return redirect(url_for(".index"), 303)
