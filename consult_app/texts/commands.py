"""`flask texts ...`: import a text from a .docx, Markdown or plain-text file."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from pathlib import Path

import click
from flask.cli import AppGroup

from consult_app.core.errors import UserError
from consult_app.extensions import db
from consult_app.texts.importer import ImportFormatError, ImportResult, parse_document
from consult_app.texts.languages import align, check_language, save_translation
from consult_app.texts.models import TEXT_LANGUAGES, Instrument, TextVersion
from consult_app.texts.operations import import_text

logger = logging.getLogger(__name__)

texts_cli = AppGroup("texts", help="Import and inspect texts.")


def summary_lines(result: ImportResult) -> list[str]:
    """A readable account of what the importer recognised."""
    counts = result.counts()
    lines = [
        f"Format: {result.format}",
        f"Title found: {result.title or '-'}",
        f"Masthead lines left out: {len(result.masthead)}",
        f"Preambular paragraphs: {counts['preamble']}",
        f"Articles: {counts['articles']}",
        f"Paragraphs: {counts['paragraphs']}",
        f"Sub-paragraphs: {counts['subparagraphs']}",
        f"Footnotes: {counts['footnotes']}",
        f"Front matter: {'yes' if result.front_matter else 'no'}",
        f"Chapeau: {result.chapeau or 'no'}",
        f"Proclaiming paragraph: {'yes' if result.proclamation else 'no'}",
        f"Final clauses: {'yes' if result.closing else 'no'}",
        f"Adjustments: {len(result.adjustments)}",
    ]
    lines.extend(f"  - {adjustment}" for adjustment in result.adjustments)
    lines.append(f"Warnings: {counts['warnings']}")
    lines.extend(f"  - {warning}" for warning in result.warnings)
    return lines


@texts_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--title", default=None, help="Title of the new version.")
@click.option("--symbol", default=None, help="Document symbol, e.g. A/HRC/53/32.")
@click.option("--date", "issued_on", default=None, help="Date of the version (YYYY-MM-DD).")
@click.option(
    "--instrument",
    "instrument_id",
    type=int,
    default=None,
    help="Add the version to this existing instrument (id).",
)
@click.option(
    "--version",
    "version_id",
    type=int,
    default=None,
    help="Import PATH as a language version of this existing version (id); needs --language.",
)
@click.option(
    "--language",
    default=None,
    help="Language of the file: " + ", ".join(TEXT_LANGUAGES) + " (default en for a new version).",
)
@click.option("--dry-run", is_flag=True, help="Only show what was recognised; save nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the recognised structure as JSON.")
def import_command(
    path: Path,
    title: str | None,
    symbol: str | None,
    issued_on: str | None,
    instrument_id: int | None,
    version_id: int | None,
    language: str | None,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Import PATH (.docx, Markdown or plain text) as a new version of a text, or with
    --version and --language as a language version of an existing one."""
    if language is not None and language.strip().lower() not in TEXT_LANGUAGES:
        raise click.ClickException(
            f"--language must be one of {', '.join(TEXT_LANGUAGES)}, not {language!r}."
        )
    if version_id is not None:
        import_language_version(path, version_id, language, dry_run, as_json)
        return
    try:
        data = path.read_bytes()
    except OSError as error:
        raise click.ClickException(f"Cannot read {path}: {error.strerror or error}") from error
    day: date | None = None
    if issued_on:
        try:
            day = datetime.strptime(issued_on, "%Y-%m-%d").date()
        except ValueError:
            raise click.ClickException("--date must be a date written YYYY-MM-DD.") from None
    if title is None:
        raise click.ClickException("--title is required for a new version.")
    if not " ".join(title.split()):
        raise click.ClickException("--title must not be empty.")

    instrument: Instrument | None = None
    if instrument_id is not None:
        instrument = db.session.get(Instrument, instrument_id)
        if instrument is None:
            raise click.ClickException(f"There is no instrument with id {instrument_id}.")

    try:
        result = parse_document(data, path.name)
    except ImportFormatError as error:
        raise click.ClickException(f"{path.name}: {error.message}") from None

    payload = result.to_json()
    if dry_run:
        if as_json:
            click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        else:
            click.echo("\n".join(summary_lines(result)))
            click.echo("Dry run: nothing was saved.")
        return

    try:
        version = import_text(
            None,
            result,
            title=title,
            symbol=symbol,
            issued_on=day,
            instrument=instrument,
            source_filename=path.name,
            language=(language or "en").strip().lower(),
        )
        db.session.commit()
    except UserError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    if as_json:
        payload["version_id"] = version.id
        payload["instrument_id"] = version.instrument_id
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(summary_lines(result)))
        click.echo(
            f"Saved version {version.id} of instrument {version.instrument_id}: "
            f"{version.display_title}"
        )


def import_language_version(
    path: Path, version_id: int, language: str | None, dry_run: bool, as_json: bool
) -> None:
    """`texts import PATH --version ID --language fr`: align, show the differences, save."""
    if language is None:
        raise click.ClickException("--language is required with --version.")
    version = db.session.get(TextVersion, version_id)
    if version is None:
        raise click.ClickException(f"There is no version with id {version_id}.")
    try:
        code = check_language(version, language)
    except UserError as error:
        raise click.ClickException(error.message) from None
    try:
        data = path.read_bytes()
    except OSError as error:
        raise click.ClickException(f"Cannot read {path}: {error.strerror or error}") from error
    try:
        result = parse_document(data, path.name)
    except ImportFormatError as error:
        raise click.ClickException(f"{path.name}: {error.message}") from None
    alignment = align(version, result, code)
    payload = result.to_json()
    payload["alignment"] = alignment.to_json()
    lines = summary_lines(result)
    lines.append(
        f"Aligned with version {version.id} ({version.language}): "
        f"{len(alignment.pairs)} of {len(version.provisions)} provisions"
    )
    lines.append(f"Differences: {len(alignment.differences)}")
    lines.extend(f"  - {difference.message}" for difference in alignment.differences)
    if dry_run:
        if as_json:
            click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        else:
            click.echo("\n".join(lines))
            click.echo("Dry run: nothing was saved.")
        return
    try:
        save_translation(None, version, code, result, alignment, source_filename=path.name)
        db.session.commit()
    except UserError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    if as_json:
        payload["version_id"] = version.id
        payload["language"] = code
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(lines))
        click.echo(f"Saved the {code} language version of version {version.id}.")
