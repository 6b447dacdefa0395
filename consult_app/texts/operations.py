"""Saving texts (validated, audited, flushed; never committed)."""

from __future__ import annotations

import logging
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from consult_app.accounts.models import User
from consult_app.core.audit import log_action
from consult_app.core.errors import UserError
from consult_app.extensions import db
from consult_app.texts.importer import ImportResult, ParsedParagraph
from consult_app.texts.models import (
    TEXT_LANGUAGES,
    Footnote,
    FootnotePlace,
    Instrument,
    Paragraph,
    Provision,
    ProvisionKind,
    TextVersion,
    VersionStatus,
)

logger = logging.getLogger(__name__)

TITLE_MAX = 300
SYMBOL_MAX = 100
FILENAME_MAX = 255


def _clean(value: str | None) -> str | None:
    cleaned = " ".join((value or "").split())
    return cleaned or None


def _check_length(value: str | None, limit: int, what: str) -> None:
    if value is not None and len(value) > limit:
        raise UserError(_("%(what)s is longer than %(limit)s characters.", what=what, limit=limit))


def _add_paragraphs(
    provision: Provision,
    paragraphs: list[ParsedParagraph],
    parent: Paragraph | None,
    position: list[int],
    saved: dict[int, Paragraph],
) -> None:
    for parsed in paragraphs:
        _check_length(parsed.label, 20, _("A paragraph label"))
        position[0] += 1
        paragraph = Paragraph(
            provision=provision,
            position=position[0],
            level=min(parsed.level, 3),
            label=parsed.label,
            text=parsed.text,
            parent=parent,
        )
        db.session.add(paragraph)
        saved[id(parsed)] = paragraph
        _add_paragraphs(provision, parsed.children, paragraph, position, saved)


def import_text(
    actor: User | None,
    result: ImportResult,
    title: str,
    symbol: str | None = None,
    issued_on: date | None = None,
    instrument: Instrument | None = None,
    source_filename: str | None = None,
    language: str = "en",
) -> TextVersion:
    """Save a recognised text as a new version of ``instrument`` (or of a new instrument)."""
    clean_title = _clean(title)
    if clean_title is None:
        raise UserError(_("Give the version a title."))
    _check_length(clean_title, TITLE_MAX, _("The title"))
    clean_symbol = _clean(symbol)
    _check_length(clean_symbol, SYMBOL_MAX, _("The document symbol"))
    if not result.provisions:
        raise UserError(
            _("Nothing to save: no preambular paragraph and no article was recognised.")
        )
    if language not in TEXT_LANGUAGES:
        raise UserError(
            _(
                "The language must be one of %(languages)s.",
                languages=", ".join(TEXT_LANGUAGES),
            )
        )
    filename = _clean(source_filename)
    if filename and len(filename) > FILENAME_MAX:
        filename = filename[-FILENAME_MAX:]

    previous: TextVersion | None = None
    if instrument is None:
        instrument = Instrument(title=clean_title)
        db.session.add(instrument)
    else:
        previous = db.session.scalars(
            select(TextVersion)
            .where(TextVersion.instrument_id == instrument.id)
            .order_by(TextVersion.id.desc())
            .limit(1)
        ).first()

    version = TextVersion(
        instrument=instrument,
        title=clean_title,
        symbol=clean_symbol,
        issued_on=issued_on,
        status=VersionStatus.DRAFT,
        front_matter=result.front_matter,
        chapeau=result.chapeau,
        proclamation=result.proclamation,
        closing=result.closing,
        source_filename=filename,
        previous_id=previous.id if previous is not None else None,
        language=language,
    )
    db.session.add(version)
    provisions: dict[int, Provision] = {}
    paragraphs: dict[int, Paragraph] = {}
    for position, parsed in enumerate(result.provisions, start=1):
        _check_length(parsed.number, 20, _("An article number"))
        _check_length(parsed.title, 300, _("An article title"))
        _check_length(parsed.part_heading, 300, _("A part heading"))
        _check_length(parsed.source_label, 20, _("A paragraph label"))
        provision = Provision(
            version=version,
            position=position,
            kind=ProvisionKind(parsed.kind),
            number=parsed.number,
            title=parsed.title,
            source_label=parsed.source_label,
            part_heading=parsed.part_heading,
            intro=parsed.intro,
        )
        db.session.add(provision)
        provisions[id(parsed)] = provision
        _add_paragraphs(provision, parsed.paragraphs, None, [0], paragraphs)
    for position, note in enumerate(result.footnotes, start=1):
        _check_length(note.label, 20, _("A footnote label"))
        db.session.add(
            Footnote(
                version=version,
                position=position,
                provision=provisions[id(note.provision)] if note.provision is not None else None,
                paragraph=paragraphs[id(note.paragraph)] if note.paragraph is not None else None,
                place=FootnotePlace(note.place) if note.place else None,
                call_at=note.call_at,
                label=note.label,
                text=note.text,
            )
        )
    db.session.flush()

    counts = result.counts()
    log_action(
        actor,
        "import_text",
        version,
        after={
            "instrument_id": instrument.id,
            "title": version.title,
            "symbol": version.symbol,
            "issued_on": issued_on.isoformat() if issued_on else None,
            "previous_id": version.previous_id,
            "source_filename": filename,
            "language": language,
            "format": result.format,
            "counts": counts,
            "warnings": list(result.warnings),
            "adjustments": list(result.adjustments),
        },
    )
    logger.info(
        "user %s imported version %s of instrument %s (%s)",
        actor.id if actor is not None else None,
        version.id,
        instrument.id,
        counts,
    )
    return version
