"""Organiser sign-up, log-in and log-out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from extensions import db, limiter
from forms.auth import LoginForm, SignupForm
from services import accounts
from services.errors import DomainError

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "That email and password do not match an account."


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
            getattr(form, err.field).errors.append(str(err))
        else:
            db.session.commit()
            _start_session(user, remember=False)
            flash("Welcome to Rallypoint. Your account is ready.", "success")
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
        form.form_errors.append(LOGIN_FAILED)
    status = 200 if request.method == "GET" else 422
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("main.index"))
