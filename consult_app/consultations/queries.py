"""Read-side queries of consultations: lists, published comments, counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from consult_app.consultations.models import Consultation, Phase
from consult_app.core.models import utcnow
from consult_app.extensions import db
from consult_app.submissions.models import Comment, Cosigner, Position, Submission
from consult_app.texts.models import Instrument, Provision, TextVersion


def consultations_query(phase: Phase | None = None, now: datetime | None = None) -> Select[Any]:
    """Consultations, latest first, with their version and instrument loaded."""
    now = now or utcnow()
    query = select(Consultation).options(
        joinedload(Consultation.version).joinedload(TextVersion.instrument)
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


def _public_comments(consultation: Consultation) -> Select[Any]:
    return (
        select(Comment)
        .join(Submission, Comment.submission_id == Submission.id)
        .where(Submission.consultation_id == consultation.id, Comment.is_public.is_(True))
    )


def published_comment_counts(consultation: Consultation) -> dict[int, int]:
    """Published comments per provision of the consultation, in one GROUP BY query."""
    rows = db.session.execute(
        select(Comment.provision_id, func.count(Comment.id))
        .join(Submission, Comment.submission_id == Submission.id)
        .where(Submission.consultation_id == consultation.id, Comment.is_public.is_(True))
        .group_by(Comment.provision_id)
    ).all()
    return {provision_id: count for provision_id, count in rows}


def published_comments_query(
    consultation: Consultation, provision: Provision, position: Position | None = None
) -> Select[Any]:
    """The published comments on ``provision``, oldest first, with their authors loaded."""
    query = _public_comments(consultation).where(Comment.provision_id == provision.id)
    if position is not None:
        query = query.where(Comment.position == position)
    submission = contains_eager(Comment.submission)
    return query.options(
        submission.joinedload(Submission.organisation),
        submission.selectinload(Submission.cosigners).joinedload(Cosigner.organisation),
    ).order_by(Comment.id)


def neighbours(provision: Provision) -> tuple[Provision | None, Provision | None]:
    """The provisions just before and after ``provision`` in its version."""
    same_version = select(Provision).where(Provision.version_id == provision.version_id)
    previous = db.session.scalars(
        same_version.where(Provision.position < provision.position)
        .order_by(Provision.position.desc())
        .limit(1)
    ).first()
    following = db.session.scalars(
        same_version.where(Provision.position > provision.position)
        .order_by(Provision.position)
        .limit(1)
    ).first()
    return previous, following
