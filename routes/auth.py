"""Organiser sign-up, log-in and log-out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from core.extensions import db, limiter
from forms.auth import LoginForm, ResetPasswordForm, ResetRequestForm, SignupForm
from forms.errors import attach_error
from models import utcnow
from services.accounts import password_reset
from services.accounts import users as accounts
from services.errors import DomainError

bp = Blueprint("auth", __name__)


def N_(message: str) -> str:
    """Marks a constant for the catalogue (Babel extracts N_); translated where it is shown.

    Plain strings, not lazy ones, so that tests can compare them with page text."""
    return message


LOGIN_FAILED = N_("That email and password do not match an account.")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never redirect a fresh login to someone else's host."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("dashboard.index")


def _start_session(user, remember: bool) -> None:
    # A new session at login: whatever a visitor had before (a planted cookie) is dropped.
    session.clear()
    login_user(user, remember=remember)


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                db.session,
                email=form.email.data,
                display_name=form.display_name.data,
                password=form.password.data,
            )
        except DomainError as err:
            attach_error(form, err)
        else:
            db.session.commit()
            _start_session(user, remember=False)
            flash(_("Welcome to Rallypoint. Your account is ready."), "success")
            return redirect(url_for("dashboard.index"))
    return render_template("auth/signup.html", form=form), 200 if request.method == "GET" else 422


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            db.session.commit()  # a rehashed password, if the KDF parameters moved on
            _start_session(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        form.form_errors.append(_(LOGIN_FAILED))
    status = 200 if request.method == "GET" else 422
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    # Clear first: logout_user() leaves the instruction to delete the remember-me cookie in
    # the session, and clearing after it would drop that instruction (logged in again).
    session.clear()
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("main.index"))


# --- password reset ------------------------------------------------------------------------

RESET_SENT = N_(
    "If an account exists for that address, we sent it a link to choose a new password. "
    "It works for an hour."
)


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        password_reset.request_reset(db.session, form.email.data, utcnow())
        db.session.commit()
        # The same answer whether or not the account exists: the page reveals no accounts.
        flash(_(RESET_SENT), "info")
        return redirect(url_for("auth.login"))
    status = 200 if request.method == "GET" else 422
    return render_template("auth/reset_request.html", form=form), status


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def reset_password(token: str):
    if password_reset.user_for_token(db.session, token, utcnow()) is None:
        return render_template("auth/reset_invalid.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user = password_reset.reset_password(db.session, token, form.password.data, utcnow())
        db.session.commit()
        _start_session(user, remember=False)
        flash(_("Your new password is set. You are logged in."), "success")
        return redirect(url_for("dashboard.index"))
    status = 200 if request.method == "GET" else 422
    response = make_response(render_template("auth/reset_password.html", form=form), status)
    response.headers["Cache-Control"] = "no-store"
    return response
