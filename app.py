"""The application factory: ``flask --app app run`` and ``flask --app app <command>``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from core import config, i18n, logs
from core.extensions import compress, csrf, db, limiter, login_manager
from core.headers import install_headers


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from the environment, with ``test_config`` overriding any setting."""
    app = Flask(__name__, instance_path=str(config.INSTANCE))
    app.config.update(config.FIXED)
    app.config.update(config.from_environment())
    if not (test_config and "SECRET_KEY" in test_config):
        app.config["SECRET_KEY"] = config.secret_key()
    if not (test_config and "VAPID_PRIVATE_KEY" in test_config):
        app.config["VAPID_PRIVATE_KEY"] = config.vapid_private_key()
    if test_config:
        app.config.update(test_config)
    if app.config["DATABASE_URL"].startswith("sqlite:///"):
        config.INSTANCE.mkdir(parents=True, exist_ok=True)
    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    app.jinja_env.add_extension("jinja2.ext.do")
    db.init_app(app)
    csrf.init_app(app)
    compress.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load_user(user_id: str):
        from services.accounts.users import load_user

        return load_user(db.session, user_id)

    i18n.init_app(app)
    _register_blueprints(app)
    _register_template_filters(app)
    install_headers(app)
    logs.install(app)
    _register_cli(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from routes import (
        api,
        assets,
        attendees,
        auth,
        checkin,
        dashboard,
        embed,
        errors,
        events,
        health,
        live,
        mail,
        main,
        organise,
        push,
        rsvp,
        tiles,
    )

    modules = (
        main,
        auth,
        dashboard,
        events,
        organise,
        assets,
        rsvp,
        attendees,
        mail,
        live,
        push,
        checkin,
    )
    for module in modules:
        app.register_blueprint(module.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(tiles.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(api.tokens.bp)
    app.register_blueprint(embed.bp)
    errors.register(app)


def _register_template_filters(app: Flask) -> None:
    from models import enums
    from services.events.change_text import describe
    from services.route import kind_labels, section_labels
    from services.texts import in_locale
    from services.times import format_time, format_when

    # One filter per purpose: {{ event.starts_at|when(event.timezone) }} for a moment,
    # {{ item.starts_at|time(event.timezone) }} for the wall-clock time on the event's day.
    app.add_template_filter(format_when, "when")
    app.add_template_filter(format_time, "time")
    # A change record in the reader's language: {{ change|change_text(now=now) }}.
    app.add_template_filter(describe, "change_text")
    # Named states: {% if event.status == enums.EventStatus.DRAFT %}
    app.add_template_global(enums, "enums")
    app.add_template_global(kind_labels)  # the waypoint kinds' names, for the map scripts
    app.add_template_global(section_labels)  # the marked sections' kinds' names, likewise
    # The organisers' texts in the page's (or email's) language: {{ reader(event).title }}
    app.add_template_global(in_locale, "reader")


def _register_cli(app: Flask) -> None:
    import cli

    cli.register(app)
