"""Which comments and counts-table rows count (docs/consensus.md), as SQL conditions, and
which organisations may be named: shared by every figures query.

Secretariat view: the ``counted`` class of the counts tables; public view: ``published``
(see :func:`consult_app.summaries.counts.class_condition`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, case, select

from consult_app.accounts.models import OrgCategory
from consult_app.consultations.models import Consultation
from consult_app.submissions.models import Comment, Position, Submission, SubmissionStatus
from consult_app.summaries.counts import (
    class_condition,
    comment_counts,
    comment_total,
    count_column,
)
from consult_app.summaries.figures import STANCE_RANK


def counted_comment_conditions(
    consultation: Consultation, public_only: bool
) -> list[ColumnElement[bool]]:
    """WHERE conditions of the comments that count (``Submission`` must be joined).

    The same classes as the counts tables (:func:`counts.class_condition`), plus the
    consultation and the submission status.
    """
    return [
        Comment.consultation_id == consultation.id,
        Submission.status == SubmissionStatus.SUBMITTED,
        class_condition(counted_class(public_only)),
    ]


def counted_class(public_only: bool) -> str:
    return "published" if public_only else "counted"


def counted_rows(
    table: Any, consultation: Consultation, ids: Sequence[int], n: ColumnElement[Any]
) -> list[ColumnElement[bool]]:
    """WHERE conditions of a counts table's rows that count: this consultation, these
    provisions, submitted submissions (``Submission`` joined) and a non-zero ``n``."""
    return [
        table.c.consultation_id == consultation.id,
        table.c.provision_id.in_(list(ids)),
        Submission.status == SubmissionStatus.SUBMITTED,
        n > 0,
    ]


def _stance_expr(klass: str) -> ColumnElement[int]:
    """The stance rank of a ``comment_counts`` row: its strongest position with a comment."""
    return case(
        *[
            (comment_counts.c[count_column(klass, p)] > 0, rank)
            for p, rank in sorted(STANCE_RANK.items(), key=lambda item: -item[1])
        ],
        else_=0,
    )


def per_org_rows(
    consultation: Consultation, public_only: bool, ids: Sequence[int], *more: Any
) -> Any:
    """Per provision and submitted submission: comments, stance and comments per position,
    from ``comment_counts`` (one row each, no comment read)."""
    klass = counted_class(public_only)
    cc = comment_counts.c
    total = comment_total(klass)
    return (
        select(
            cc.provision_id.label("provision_id"),
            cc.submission_id.label("submission_id"),
            total.label("comments"),
            _stance_expr(klass).label("stance"),
            *[cc[count_column(klass, p)].label(f"c_{p.value}") for p in Position],
        )
        .select_from(comment_counts)
        .join(Submission, Submission.id == cc.submission_id)
        .where(*counted_rows(comment_counts, consultation, ids, total), *more)
        .subquery("per_org")
    )


def _is_state(category: OrgCategory) -> bool:
    return category.is_state


def may_name(consultation: Consultation, publishable: bool) -> bool:
    """May an organisation be named in figures and summaries (public or not)?"""
    return bool(consultation.allow_attribution and publishable)
