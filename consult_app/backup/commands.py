"""`flask ops backup|restore`: the whole platform as one portable archive (archive.py);
`flask ops export-consultation|import-consultation`: one consultation (consultation.py)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from consult_app.backup.archive import BackupError, backup, restore
from consult_app.backup.consultation import export_consultation, import_consultation
from consult_app.extensions import db

ops_cli = AppGroup("ops", help="Operations: back up and restore the platform or one consultation.")


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


@ops_cli.command("export-consultation")
@click.argument("consultation_id", type=int)
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def export_consultation_command(consultation_id: int, path: Path) -> None:
    """Write one consultation, with what it needs, to a portable archive (.tar.gz)."""
    try:
        summary = export_consultation(consultation_id, path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Exported consultation {summary.consultation_id} ({summary.title}): {summary.rows} "
        f"rows, {summary.accounts} accounts without their passwords, {summary.entries} audit "
        f"entries and {summary.links} links of the chain, {summary.files} files "
        f"({summary.dialect}, schema {summary.revision or 'not migrated'}) to {path}."
    )


@ops_cli.command("import-consultation")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_consultation_command(path: Path) -> None:
    """Load an archive of `flask ops export-consultation` into an empty database."""
    try:
        summary = import_consultation(path)
        db.session.commit()
    except BackupError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Imported consultation {summary.consultation_id} ({summary.title}): {summary.rows} "
        f"rows, {summary.files} files (made on {summary.dialect}); figures equal to the "
        f"archive's; audit chain intact ({summary.entries} entries, {summary.links} links).\n"
        f"The {summary.accounts} accounts have no usable password and no second factor: "
        "each person sets a new password with 'Forgot your password?'."
    )
