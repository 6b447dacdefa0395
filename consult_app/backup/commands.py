"""`flask ops backup|restore`: the whole platform as one portable archive (archive.py)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from consult_app.backup.archive import BackupError, backup, restore
from consult_app.extensions import db

ops_cli = AppGroup("ops", help="Operations: back up and restore the whole platform.")


@ops_cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Write every table and the stored files to one portable archive (.tar.gz)."""
    try:
        summary = backup(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    rows = sum(summary.tables.values())
    click.echo(
        f"Backed up {rows} rows of {len(summary.tables)} tables and {summary.files} files "
        f"({summary.dialect}, schema {summary.revision or 'not migrated'}) to {path}."
    )


@ops_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(path: Path) -> None:
    """Load an archive of `flask ops backup` into an empty database (all or nothing)."""
    try:
        summary = restore(path)
        db.session.commit()
    except BackupError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    rows = sum(summary.tables.values())
    click.echo(
        f"Restored {rows} rows of {len(summary.tables)} tables and {summary.files} files "
        f"(made on {summary.dialect}); counts rebuilt; audit chain intact."
    )
