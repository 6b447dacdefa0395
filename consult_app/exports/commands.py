"""`flask exports ...`: build reports from the command line and run the job worker."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from consult_app.consultations.models import Consultation
from consult_app.core.errors import UserError
from consult_app.exports.jobs import build_export, expire_stale_jobs, run_job, worker
from consult_app.exports.models import UN_LANGUAGES, ExportFormat, ExportKind
from consult_app.extensions import db

exports_cli = AppGroup("exports", help="Exports and background jobs.")

# --format names of the command line.
CLI_FORMATS: dict[str, tuple[ExportKind, ExportFormat]] = {
    "docx": (ExportKind.REPORT, ExportFormat.DOCX),
    "pdf": (ExportKind.REPORT, ExportFormat.PDF),
    "html": (ExportKind.REPORT, ExportFormat.HTML),
    "xlsx": (ExportKind.COMPILATION, ExportFormat.XLSX),
    "csv": (ExportKind.COMPILATION, ExportFormat.CSV),
    "dispositions-xlsx": (ExportKind.DISPOSITIONS, ExportFormat.XLSX),
    "dispositions-csv": (ExportKind.DISPOSITIONS, ExportFormat.CSV),
}


@exports_cli.command("build")
@click.option("--consultation", "consultation_id", type=int, required=True,
              help="Id of the consultation.")
@click.option("--format", "format_name", type=click.Choice(list(CLI_FORMATS)), required=True,
              help="docx, pdf, html: the consensus report; xlsx, csv: the compilation; "
                   "dispositions-xlsx, dispositions-csv: the disposition table.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              required=True, help="File to write.")
@click.option("--internal", is_flag=True,
              help="Secretariat-only version: unpublished comments and internal notes.")
@click.option("--lang", "language", type=click.Choice(list(UN_LANGUAGES)), default="en",
              show_default=True,
              help="Language of the export: its wording, and the text under consultation in "
                   "that language version where there is one (else the original, marked).")
def build_command(
    consultation_id: int, format_name: str, output: Path, internal: bool, language: str
) -> None:
    """Build one export of a consultation into a file."""
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        raise click.ClickException(f"no consultation with id {consultation_id}")
    kind, fmt = CLI_FORMATS[format_name]
    last = {"percent": -1}

    def progress(done: int, total: int) -> None:
        percent = 100 if total <= 0 else int(done * 100 / total)
        if percent >= last["percent"] + 10:
            last["percent"] = percent
            click.echo(f"{percent}% ({done} of {total})", err=True)

    partial = output.with_name(output.name + ".part")
    try:
        build_export(
            consultation, kind, fmt, partial, internal=internal, progress=progress,
            language=language,
        )
        partial.replace(output)
    except UserError as error:
        partial.unlink(missing_ok=True)
        raise click.ClickException(error.message) from None
    finally:
        db.session.rollback()
    click.echo(f"wrote {output} ({output.stat().st_size} bytes)")


@exports_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker_command(burst: bool) -> None:
    """Run an RQ worker for the background jobs, exports and imports (needs REDIS_URL)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: jobs run inside the web process.")
    worker(app, burst=burst)


@exports_cli.command("run-job")
@click.argument("job_id", type=int)
def run_job_command(job_id: int) -> None:
    """Run one queued job now, in this process (to retry by hand)."""
    job = run_job(job_id)
    if job is None:
        raise click.ClickException(f"no export job with id {job_id}")
    click.echo(f"job {job.id}: {job.status.value} {job.progress}%")
    if job.error:
        click.echo(job.error, err=True)


@exports_cli.command("expire-stale")
@click.option("--consultation", "consultation_id", type=int, default=None,
              help="Only the jobs of this consultation.")
def expire_stale_command(consultation_id: int | None) -> None:
    """Record jobs whose process stopped (no sign of life for EXPORTS_STALE_SECONDS) as
    failed, so that they can be started again."""
    expired = expire_stale_jobs(consultation_id=consultation_id)
    db.session.commit()
    for job in expired:
        click.echo(f"job {job.id}: recorded as failed ({job.kind.value} {job.format.value})")
    click.echo(f"{len(expired)} stale job(s)")
