"""Organiser sign-up (with a proved address), log-in, log-out and password reset.

Sign-up and reset answer the same for an address with or without an account, and each
sends that address one email either way (``services.accounts``). Both are limited per
client and per address; the address is counted by a keyed hash, so the limiter's storage
holds none.
"""

from __future__ import annotations

import hashlib
import hmac
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
from forms.auth import (
    FinishSignupForm,
    LoginForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignupForm,
)
from forms.errors import attach_error
from forms.event import ActionForm
from models import utcnow
from services.accounts import password_reset
from services.accounts import signup as signups
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


def account_email_limit() -> str:
    return current_app.config["ACCOUNT_EMAIL_RATE_LIMIT"]


def email_key() -> str:
    """The limiter's key for the address in the form: a keyed hash of it, normalised."""
    email = accounts.normalise_email(request.form.get("email") or "")
    key = current_app.config["SECRET_KEY"].encode()
    return "account-email:" + hmac.new(key, email.encode(), hashlib.sha256).hexdigest()


def _account_key() -> str:
    return f"account-user:{current_user.id}" if current_user.is_authenticated else "account-user:"


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
@limiter.limit(account_email_limit, key_func=email_key, methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = SignupForm()
    if form.validate_on_submit():
        signups.request_signup(
            db.session, email=form.email.data, display_name=form.display_name.data, now=utcnow()
        )
        db.session.commit()
        # The same answer for a new and a taken address: the email tells its owner which.
        return redirect(url_for("auth.signup_sent"), 303)
    return render_template("auth/signup.html", form=form), 200 if request.method == "GET" else 422


@bp.get("/signup/sent")
def signup_sent():
    return render_template("auth/signup_sent.html")


def _verify_page(template: str, form, **context):
    status = 200 if request.method == "GET" else 422
    response = make_response(render_template(template, form=form, **context), status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/verify/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def verify(token: str):
    """The link from the email. A GET only shows a button (mail scanners open links); the
    POST makes the account (a sign-up, with its password) or verifies an older one, and
    logs in: the link proved the mailbox, as a reset link would."""
    found = signups.verification(db.session, token, utcnow())
    if found is None:
        return render_template("auth/verify_invalid.html"), 404
    if found.user is None:
        form = FinishSignupForm(data={"display_name": found.display_name})
    else:
        form = ActionForm()
    if form.validate_on_submit():
        fields = form.data if found.user is None else {}
        try:
            user = signups.complete(
                db.session,
                token,
                utcnow(),
                display_name=fields.get("display_name"),
                password=fields.get("password"),
            )
        except DomainError as err:
            attach_error(form, err)
        else:
            db.session.commit()
            _start_session(user, remember=False)
            flash(_("Your email address is confirmed. You can organise now."), "success")
            return redirect(url_for("dashboard.index"))
    return _verify_page("auth/verify.html", form, found=found)


@bp.get("/account/verify")
@login_required
def verify_needed():
    """For an account whose address is not proved yet: it can log in, but organises nothing
    until it opens the link."""
    if current_user.is_verified:
        return redirect(url_for("dashboard.index"))
    return render_template("auth/verify_needed.html", form=ActionForm())


@bp.post("/account/verify/send")
@login_required
@limiter.limit(account_email_limit, key_func=_account_key)
def send_verification():
    form = ActionForm()
    if form.validate_on_submit() and not current_user.is_verified:
        signups.send_verification(db.session, current_user, utcnow())
        db.session.commit()
        flash(_("We sent the link again. It works for two days."), "success")
    return redirect(url_for("auth.verify_needed"), 303)


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
    # A new session key: every cookie of this account, also a remember-me cookie copied off
    # this device, stops working. It logs the account out on its other devices too.
    accounts.end_sessions(current_user)
    db.session.commit()
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
@limiter.limit(account_email_limit, key_func=email_key, methods=["POST"])
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
