"""`flask demo load`: the demo consultation, with one sign-in account per role."""

from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import AppGroup

from consult_app.demo.loader import DEMO_ACCOUNTS, database_is_empty, load_demo
from consult_app.extensions import db

demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has users.")
def load_command(if_empty: bool) -> None:
    """Load the demo consultation and print the demo sign-in accounts."""
    if not database_is_empty():
        if if_empty:
            click.echo("The database already has data; demo not loaded.")
            return
        raise click.ClickException(
            "The database already has users. Load the demo into an empty database "
            "(or use --if-empty to skip quietly)."
        )
    # The demo's delegates are fictional: their receipt e-mails are not sent anywhere.
    backend = current_app.config["MAIL_BACKEND"]
    current_app.config["MAIL_BACKEND"] = "memory"
    try:
        summary = load_demo()
        db.session.commit()
    finally:
        current_app.config["MAIL_BACKEND"] = backend
    click.echo(
        f"Demo loaded: consultation {summary.consultation.id} "
        f"({summary.organisations} organisations, {summary.submissions} submissions, "
        f"{summary.comments} comments)."
    )
    port = os.environ.get("PORT", "5000")
    click.echo(f"Sign in at http://127.0.0.1:{port}/account/login with:")
    for role, (email, password) in DEMO_ACCOUNTS.items():
        click.echo(f"  {role.value:<12} {email:<28} {password}")
