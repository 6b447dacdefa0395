"""`flask audit ...`: verify the tamper-evident audit chain."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from consult_app.core.audit import verify_chain

audit_cli = AppGroup("audit", help="Inspect the audit log.")


@audit_cli.command("verify")
def verify_command() -> None:
    """Check that no audit entry was changed or removed."""
    problems = verify_chain()
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        raise SystemExit(1)
    click.echo("Audit chain intact.")
