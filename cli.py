"""Command-line commands: ``flask --app app <command>``."""

from __future__ import annotations

import click
from flask import Flask, current_app

from core import migrate
from core.extensions import db

DEMO_EMAIL = "demo@rallypoint.invalid"
DEMO_PASSWORD = "demo-organiser-password"  # noqa: S105 - printed by `make run` on purpose


def register(app: Flask) -> None:
    @app.cli.group("db")
    def db_group() -> None:
        """Database schema (Alembic migrations)."""

    @db_group.command("upgrade")
    @click.argument("revision", default="head")
    def db_upgrade(revision: str) -> None:
        """Upgrade the schema to REVISION (default: head)."""
        migrate.upgrade(current_app.config["DATABASE_URL"], revision)

    @db_group.command("downgrade")
    @click.argument("revision")
    def db_downgrade(revision: str) -> None:
        """Downgrade the schema to REVISION (e.g. base)."""
        migrate.downgrade(current_app.config["DATABASE_URL"], revision)

    @db_group.command("check")
    def db_check() -> None:
        """Fail if the models and the migrations disagree."""
        migrate.check(current_app.config["DATABASE_URL"])
        click.echo("Models and migrations agree.")

    @app.cli.command("purge")
    def purge_command() -> None:
        """Erase names and emails of RSVPs to events that ended RETENTION_DAYS ago, expired
        password-reset mails, and the development mailbox's copies of erased mail."""
        from models import utcnow
        from services import mail as mailer
        from services.rsvp import purge

        with db.transaction() as session:
            count = purge.purge(
                session,
                now=utcnow(),
                retention_days=current_app.config["RETENTION_DAYS"],
                mailbox=mailer.mailbox_dir(current_app.config),
            )
        purge.checkpoint(db.engine)
        click.echo(f"Erased the details of {count} RSVPs.")

    @app.cli.command("worker")
    @click.option("--once", is_flag=True, help="Send what is due now, then exit.")
    def worker_command(once: bool) -> None:
        """Send queued email and reminders until stopped (Ctrl-C)."""
        from services import mail as mailer
        from services import worker

        try:
            worker.run(once=once)
        except mailer.MailNotConfigured as err:
            raise click.ClickException(str(err)) from err  # on stderr, exit status 1

    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Create the demo organiser and the demo march (idempotent)."""
        from models import utcnow
        from services.events import demo

        with db.transaction() as session:
            demo.seed(session, email=DEMO_EMAIL, password=DEMO_PASSWORD, now=utcnow())
        click.echo(f"Demo organiser: {DEMO_EMAIL} / password: {DEMO_PASSWORD}")
