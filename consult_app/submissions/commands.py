"""`flask submissions ...`: submissions received outside the platform."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from consult_app.accounts.models import User, normalise_email
from consult_app.consultations.models import Consultation
from consult_app.core.errors import UserError
from consult_app.extensions import db
from consult_app.submissions.offline_import import ImportRejected, import_offline_file
from consult_app.submissions.paper_files import PaperError
from consult_app.submissions.papers import catalogue_for, split_file

submissions_cli = AppGroup("submissions", help="Submissions.")


@submissions_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--consultation", "consultation_id", type=int, required=True,
              help="Number of the consultation.")
@click.option("--recorded-by", "recorded_by", required=True, metavar="EMAIL",
              help="E-mail address of the secretariat member recording the submissions.")
@click.option("--dry-run", is_flag=True, help="Check the file and report; import nothing.")
def import_command(file: Path, consultation_id: int, recorded_by: str, dry_run: bool) -> None:
    """Import submissions received outside the platform from a .csv or .xlsx FILE.

    The columns are described in docs/offline_submissions.md. Every row is checked first;
    if any is wrong, nothing is imported and the command exits with status 1.
    """
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        raise click.ClickException(f"No consultation {consultation_id}.")
    actor = db.session.scalar(select(User).where(User.email == normalise_email(recorded_by)))
    if actor is None or not actor.active or not consultation.can_manage(actor):
        raise click.ClickException(f"{recorded_by} is not an active secretariat account.")
    limit = int(current_app.config["MAX_SUBMISSIONS_IMPORT_BYTES"])
    if file.stat().st_size > limit:
        raise click.ClickException(f"The file is too large (at most {limit} bytes).")
    data = file.read_bytes()
    try:
        result = import_offline_file(actor, consultation, data, dry_run=dry_run)
    except ImportRejected as rejected:
        db.session.rollback()
        for error in rejected.errors:
            click.echo(str(error), err=True)
        click.echo(f"Nothing was imported: {_count(len(rejected.errors), 'problem')}.", err=True)
        raise SystemExit(1) from None
    except UserError as error:
        db.session.rollback()
        click.echo(f"Nothing was imported: {error.message}", err=True)
        raise SystemExit(1) from None
    if dry_run:
        db.session.rollback()
        click.echo(
            f"The file is correct: it would record {_count(len(result.submissions), 'submission')}"
            f" ({result.created_count:,} new, {result.added_count:,} added to an existing one) "
            f"with {_count(result.comment_count, 'comment')}. Nothing was imported (--dry-run)."
        )
        return
    db.session.commit()
    click.echo(
        f"Imported {_count(len(result.submissions), 'submission')} ({result.created_count:,} "
        f"new, {result.added_count:,} added to an existing one) with "
        f"{_count(result.comment_count, 'comment')}."
    )
    for item in result.submissions:
        state = "new" if item.created else f"revision {item.revision}"
        click.echo(
            f"{item.receipt_number}\t{item.organisation}\t{_count(item.comments, 'comment')}\t"
            f"{state}"
        )


def _count(n: int, noun: str) -> str:
    """``n`` and ``noun``, in the plural unless one (the commands speak English)."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


@submissions_cli.command("split-paper")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--consultation", "consultation_id", type=int, required=True,
              help="Number of the consultation whose text the paper comments on.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def split_paper_command(file: Path, consultation_id: int, as_json: bool) -> None:
    """Split a position paper (.docx or .pdf FILE) into comments per provision; save nothing.

    With --json: {"comments": [{"provision", "paragraph", "position", "body",
    "proposed_wording"}], "general": [...], "warnings": [...]}.
    """
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        raise click.ClickException(f"No consultation {consultation_id}.")
    limit = int(current_app.config["MAX_ATTACHMENT_BYTES"])
    if file.stat().st_size > limit:
        raise click.ClickException(f"The file is too large (at most {limit} bytes).")
    try:
        result = split_file(file.read_bytes(), catalogue_for(consultation.version_id))
    except PaperError as error:
        raise click.ClickException(error.message) from None
    finally:
        db.session.rollback()  # read only
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        return
    for comment in result.comments:
        where = comment.target.label + (f"({comment.paragraph.label})" if comment.paragraph
                                        else "")
        click.echo(f"{where}\t{comment.position.value}\t{comment.body}")
        if comment.proposed_wording:
            click.echo(f"\tproposed: {comment.proposed_wording}")
    for remark in result.general:
        click.echo(f"general\t{remark}")
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
