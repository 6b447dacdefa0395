"""Read-side queries of consultations: lists, the consulted text, neighbouring provisions
(the published comments are read in submissions/published.py).

The statements of the provision page are built once (``@cache``, one per shape) with their
values as bound parameters: building a SQLAlchemy statement and its cache key costs more
than running it on an index, and the page is the busiest of the public site.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, exists, func, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from consult_app.consultations.models import Consultation, Phase
from consult_app.core.models import utcnow
from consult_app.extensions import db
from consult_app.texts.models import Instrument, Provision, TextVersion


def consultations_query(phase: Phase | None = None, now: datetime | None = None) -> Select[Any]:
    """Consultations, latest first, with their version and instrument loaded."""
    now = now or utcnow()
    query = select(Consultation).options(
        joinedload(Consultation.version).joinedload(TextVersion.instrument),
        selectinload(Consultation.translations),  # titles in the reader's language
    )
    if phase is Phase.UPCOMING:
        query = query.where(Consultation.opens_at > now)
    elif phase is Phase.OPEN:
        query = query.where(Consultation.opens_at <= now, Consultation.closes_at > now)
    elif phase is Phase.CLOSED:
        query = query.where(Consultation.closes_at <= now)
    return query.order_by(Consultation.opens_at.desc(), Consultation.id.desc())


def version_choices() -> list[tuple[int, str]]:
    """Every text version as (id, "Instrument — Version (symbol)"), for a select."""
    rows = db.session.execute(
        select(TextVersion.id, Instrument.title, TextVersion.title, TextVersion.symbol)
        .join(Instrument, TextVersion.instrument_id == Instrument.id)
        .order_by(Instrument.title, TextVersion.id.desc())
    ).all()
    choices = []
    for version_id, instrument_title, version_title, symbol in rows:
        label = (
            version_title
            if version_title == instrument_title
            else (f"{instrument_title} — {version_title}")
        )
        if symbol:
            label = f"{label} ({symbol})"
        choices.append((version_id, label))
    return choices


def provisions_with_paragraphs(version_id: int) -> list[Provision]:
    """The provisions of a version in order, with their paragraphs (two queries)."""
    return list(
        db.session.scalars(
            select(Provision)
            .where(Provision.version_id == version_id)
            .options(selectinload(Provision.paragraphs))
            .order_by(Provision.position)
        )
    )


@cache
def _shares_version_statement() -> Select[Any]:
    other = aliased(Consultation)
    return (
        select(other.id)
        .where(
            other.version_id == bindparam("version_id"),
            other.id != bindparam("consultation_id"),
        )
        .limit(1)
    )


def shares_version(consultation: Consultation) -> bool:
    """True when another consultation runs on the same text version as this one.

    Comments on a provision can then belong to either consultation, so public lists must
    filter on the consultation too; otherwise the provision alone decides (and the counts
    are read from the index ``comments(provision_id, is_public, id)`` without the table).
    """
    other = db.session.execute(
        _shares_version_statement(),
        {"version_id": consultation.version_id, "consultation_id": consultation.id},
    ).first()
    return other is not None


@cache
def _neighbours_statement() -> Select[Any]:
    same_version = Provision.version_id == bindparam("version_id")
    before = (
        select(func.max(Provision.position))
        .where(same_version, Provision.position < bindparam("position"))
        .scalar_subquery()
    )
    after = (
        select(func.min(Provision.position))
        .where(same_version, Provision.position > bindparam("position"))
        .scalar_subquery()
    )
    return select(Provision).where(same_version, Provision.position.in_([before, after]))


def neighbours(provision: Provision) -> tuple[Provision | None, Provision | None]:
    """The provisions just before and after ``provision`` in its version (one query)."""
    rows = db.session.scalars(
        _neighbours_statement(),
        {"version_id": provision.version_id, "position": provision.position},
    ).all()
    previous = next((p for p in rows if p.position < provision.position), None)
    following = next((p for p in rows if p.position > provision.position), None)
    return previous, following


@cache
def _consultation_statement(with_sharing: bool) -> Select[Any]:
    statement = (
        select(Consultation)
        .options(
            joinedload(Consultation.version).joinedload(TextVersion.instrument),
            # The public pages name it in the reader's language.
            selectinload(Consultation.translations),
        )
        .where(Consultation.id == bindparam("consultation_id"))
    )
    if with_sharing:
        other = aliased(Consultation)
        shared = (
            exists()
            .where(other.version_id == Consultation.version_id, other.id != Consultation.id)
            .correlate(Consultation)
        )
        statement = statement.add_columns(shared.label("shared"))
    return statement


def consultation_with_text(consultation_id: int) -> Consultation | None:
    """The consultation with its text version and instrument (one query)."""
    return db.session.execute(
        _consultation_statement(False), {"consultation_id": consultation_id}
    ).scalar_one_or_none()


def consultation_sharing_version(consultation_id: int) -> tuple[Consultation | None, bool]:
    """:func:`consultation_with_text`, and :func:`shares_version` for it, in one query."""
    row = db.session.execute(
        _consultation_statement(True), {"consultation_id": consultation_id}
    ).first()
    if row is None:
        return None, False
    return row[0], bool(row[1])


@cache
def _provision_statement() -> Select[Any]:
    return (
        select(Provision)
        .options(joinedload(Provision.paragraphs))
        .where(Provision.id == bindparam("provision_id"))
    )


def provision_with_paragraphs(provision_id: int) -> Provision | None:
    """A provision with its paragraphs in order (one query)."""
    return (
        db.session.execute(_provision_statement(), {"provision_id": provision_id})
        .unique()
        .scalar_one_or_none()
    )
