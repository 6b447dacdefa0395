"""The secretariat's work waiting: what is left to do in a consultation, by provision and for
the signed-in reviewer.

Every figure is counted in SQL, a handful of grouped queries whatever the size of the
consultation; the comment counts use the review queue's own conditions (``queue_conditions``,
``to_answer``), so that each number equals the list its link opens.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, select

from consult_app.accounts import membership
from consult_app.accounts.models import Organisation, User, VerificationStatus
from consult_app.consultations.models import Consultation, Phase
from consult_app.core.models import utcnow
from consult_app.extensions import db
from consult_app.review.models import DuplicateGroup, GroupStatus, ProvisionAssignment
from consult_app.review.queue import QueueFilters, queue_conditions, to_answer
from consult_app.submissions.models import Comment, ModerationStatus
from consult_app.summaries.models import SummaryDraft
from consult_app.texts.models import Provision

logger = logging.getLogger(__name__)

#: States of a summary on the home page.
NOT_DRAFTED = "not_drafted"
UNPUBLISHED = "unpublished"
CHANGED = "changed"
PUBLISHED = "published"


@dataclass
class CommentWork:
    """Comments to moderate and to answer, for everyone and for the reviewer."""

    to_moderate: int = 0
    to_moderate_mine: int = 0
    to_answer: int = 0
    to_answer_mine: int = 0

    def add(self, other: CommentWork) -> None:
        self.to_moderate += other.to_moderate
        self.to_moderate_mine += other.to_moderate_mine
        self.to_answer += other.to_answer
        self.to_answer_mine += other.to_answer_mine


@dataclass
class ProvisionWork:
    """One line of the table by provision."""

    provision: Provision
    comments: CommentWork
    responsible: str | None  # the reviewer responsible for the provision, if any
    mine: bool  # the signed-in reviewer is responsible for it
    summary: str  # NOT_DRAFTED, UNPUBLISHED, CHANGED or PUBLISHED


@dataclass
class ConsultationWork:
    """What is left to do in one consultation."""

    consultation: Consultation
    phase: Phase
    time_left: timedelta | None  # until the deadline; None once it has passed
    provisions: list[ProvisionWork]
    totals: CommentWork
    groups_to_confirm: int
    summaries_to_publish: int  # drafted and never published, or changed since publication
    whole_summary: str


@dataclass
class WorkWaiting:
    """The secretariat's home: one consultation's work, and the organisations' requests."""

    organisations_to_verify: int
    membership_requests: int
    consultation: ConsultationWork | None
    consultations: list[Consultation] = field(default_factory=list)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def comment_work(consultation: Consultation, user: User) -> dict[int, CommentWork]:
    """Per provision id: the comments to moderate and to answer (one grouped query)."""
    pending = Comment.moderation_status == ModerationStatus.PENDING
    answer = to_answer()
    mine = Comment.assigned_to_id == user.id
    rows = db.session.execute(
        select(
            Comment.provision_id,
            _count(pending),
            _count(and_(pending, mine)),
            _count(answer),
            _count(and_(answer, mine)),
        )
        .where(*queue_conditions(consultation, QueueFilters(), user))
        .group_by(Comment.provision_id)
    ).all()
    return {
        provision_id: CommentWork(int(a), int(b), int(c), int(d))
        for provision_id, a, b, c, d in rows
    }


def _summary_states(consultation: Consultation) -> dict[int, str]:
    """Per ``scope_key`` (0: the whole consultation): the state of its summary draft."""
    current = func.coalesce(SummaryDraft.edited_text, SummaryDraft.generated_text)
    rows = db.session.execute(
        select(
            SummaryDraft.scope_key,
            SummaryDraft.published_text.is_(None),
            SummaryDraft.published_text != current,
        ).where(SummaryDraft.consultation_id == consultation.id)
    ).all()
    states = {}
    for scope, never, changed in rows:
        states[scope] = UNPUBLISHED if never else CHANGED if changed else PUBLISHED
    return states


def consultation_work(
    consultation: Consultation, user: User, now: datetime | None = None
) -> ConsultationWork:
    """What is left to do in ``consultation``, by provision and for ``user``."""
    now = now or utcnow()
    provisions = list(
        db.session.scalars(
            select(Provision)
            .where(Provision.version_id == consultation.version_id)
            .order_by(Provision.position)
        )
    )
    comments = comment_work(consultation, user)
    responsible = {
        provision_id: (reviewer_id, name)
        for provision_id, reviewer_id, name in db.session.execute(
            select(ProvisionAssignment.provision_id, User.id, User.name)
            .join(User, ProvisionAssignment.reviewer_id == User.id)
            .where(ProvisionAssignment.consultation_id == consultation.id)
        )
    }
    summaries = _summary_states(consultation)
    groups = int(
        db.session.scalar(
            select(func.count(DuplicateGroup.id)).where(
                DuplicateGroup.consultation_id == consultation.id,
                DuplicateGroup.status == GroupStatus.SUGGESTED,
            )
        )
        or 0
    )
    totals = CommentWork()
    for work in comments.values():
        totals.add(work)
    rows = []
    for provision in provisions:
        work = comments.get(provision.id, CommentWork())
        reviewer_id, name = responsible.get(provision.id, (None, None))
        rows.append(
            ProvisionWork(
                provision=provision,
                comments=work,
                responsible=name,
                mine=reviewer_id == user.id,
                summary=summaries.get(provision.id, NOT_DRAFTED),
            )
        )
    phase = consultation.phase(now)
    return ConsultationWork(
        consultation=consultation,
        phase=phase,
        time_left=consultation.closes_at - now if phase is not Phase.CLOSED else None,
        provisions=rows,
        totals=totals,
        groups_to_confirm=groups,
        summaries_to_publish=sum(1 for s in summaries.values() if s in (UNPUBLISHED, CHANGED)),
        whole_summary=summaries.get(0, NOT_DRAFTED),
    )


def organisations_to_verify() -> int:
    """Organisations that registered and wait for the secretariat's verification."""
    return int(
        db.session.scalar(
            select(func.count(Organisation.id)).where(
                Organisation.verification_status == VerificationStatus.PENDING
            )
        )
        or 0
    )


def membership_requests(user: User) -> int:
    """Requests to join an organisation that ``user`` may decide."""
    listed = membership.pending_requests(user).order_by(None)
    return int(db.session.scalar(select(func.count()).select_from(listed.subquery())) or 0)


def default_consultation(consultations: list[Consultation], now: datetime) -> Consultation | None:
    """The consultation a reviewer most likely works on: the open one closing first, else the
    next to open, else the one that closed last."""
    by_phase: dict[Phase, list[Consultation]] = {phase: [] for phase in Phase}
    for consultation in consultations:
        by_phase[consultation.phase(now)].append(consultation)
    if by_phase[Phase.OPEN]:
        return min(by_phase[Phase.OPEN], key=lambda c: (c.closes_at, c.id))
    if by_phase[Phase.UPCOMING]:
        return min(by_phase[Phase.UPCOMING], key=lambda c: (c.opens_at, c.id))
    if by_phase[Phase.CLOSED]:
        return max(by_phase[Phase.CLOSED], key=lambda c: (c.closes_at, c.id))
    return None


def work_waiting(user: User, consultation: Consultation | None = None) -> WorkWaiting:
    """The secretariat's home for ``user``: ``consultation``, or the most likely one."""
    now = utcnow()
    consultations = list(
        db.session.scalars(select(Consultation).order_by(Consultation.closes_at.desc()))
    )
    if consultation is None:
        consultation = default_consultation(consultations, now)
    return WorkWaiting(
        organisations_to_verify=organisations_to_verify(),
        membership_requests=membership_requests(user),
        consultation=consultation_work(consultation, user, now) if consultation else None,
        consultations=consultations,
    )
