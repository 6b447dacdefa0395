"""Traceability both ways: from a change to the comments that led to it, from a comment to
the change it caused (or the disposition saying why not), and the "reasons for the
changes" of a version provision by provision."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from consult_app.accounts.models import Organisation, User
from consult_app.consultations.models import Consultation
from consult_app.extensions import db
from consult_app.review.dispositions import author_label
from consult_app.review.models import Disposition
from consult_app.revisions.models import ChangeKind, TextChange, change_comments
from consult_app.submissions.models import Comment, Submission, SubmissionStatus
from consult_app.texts.models import Provision, TextVersion, VersionStatus


@dataclass(frozen=True)
class ChangeLink:
    change_id: int
    version_id: int
    version_title: str
    provision_id: int | None
    label: str
    kind: str
    kind_label: str
    summary: str
    published: bool


@dataclass(frozen=True)
class CommentReason:
    comment_id: int
    author: str
    outcome: str | None
    explanation: str | None


@dataclass
class ChangeReason:
    change_id: int
    sequence: int
    kind: str
    kind_label: str
    summary: str
    reason: str | None
    comments: list[CommentReason] = field(default_factory=list)


@dataclass
class ProvisionReasons:
    """Why one provision of the new version (or a deleted one) is as it is."""

    label: str
    provision_id: int | None
    changes: list[ChangeReason] = field(default_factory=list)


def changes_for_comments(
    comment_ids: Sequence[int], include_drafts: bool
) -> dict[int, list[ChangeLink]]:
    """The changes each comment led to (only in published versions unless asked)."""
    if not comment_ids:
        return {}
    query = (
        select(change_comments.c.comment_id, TextChange, TextVersion)
        .join(TextChange, TextChange.id == change_comments.c.change_id)
        .join(TextVersion, TextVersion.id == TextChange.version_id)
        .where(change_comments.c.comment_id.in_(list(comment_ids)))
        .order_by(TextVersion.id, TextChange.sequence)
    )
    if not include_drafts:
        query = query.where(TextVersion.status != VersionStatus.DRAFT)
    result: dict[int, list[ChangeLink]] = defaultdict(list)
    for comment_id, change, version in db.session.execute(query):
        result[comment_id].append(
            ChangeLink(
                change.id,
                version.id,
                version.display_title,
                change.provision_id,
                change.label,
                change.kind.value,
                change.kind.label,
                change.summary,
                version.status is not VersionStatus.DRAFT,
            )
        )
    return dict(result)


def comments_for_changes(change_ids: Sequence[int]) -> dict[int, list[Comment]]:
    """The comments linked to each change, with their submission and disposition."""
    if not change_ids:
        return {}
    rows = db.session.execute(
        select(change_comments.c.change_id, Comment)
        .join(Comment, Comment.id == change_comments.c.comment_id)
        .where(change_comments.c.change_id.in_(list(change_ids)))
        .options(
            joinedload(Comment.submission).joinedload(Submission.organisation),
            joinedload(Comment.disposition),
        )
        .order_by(Comment.id)
    ).all()
    result: dict[int, list[Comment]] = defaultdict(list)
    for change_id, comment in rows:
        result[change_id].append(comment)
    return dict(result)


def version_changes(version: TextVersion) -> list[TextChange]:
    return list(
        db.session.scalars(
            select(TextChange)
            .where(TextChange.version_id == version.id)
            .order_by(TextChange.sequence)
        )
    )


def reasons_for_changes(version: TextVersion, public_only: bool = True) -> list[ProvisionReasons]:
    """The reasons for the changes of ``version``, provision by provision in the order of
    the text (deleted provisions last): each change with the secretariat's reason and the
    comments that led to it, as far as the public may be told (``public_only``: published
    comments and dispositions only, authors as the disposition table names them)."""
    changes = version_changes(version)
    linked = comments_for_changes([c.id for c in changes])
    consultations: dict[int, Consultation] = {}
    order = {p.id: (p.position, p.label) for p in version.provisions}
    grouped: dict[tuple[int, int | str], ProvisionReasons] = {}
    for change in changes:
        if change.provision_id is not None and change.provision_id in order:
            key: tuple[int, int | str] = (order[change.provision_id][0], change.provision_id)
            label = order[change.provision_id][1]
        else:
            key = (10**9 + change.sequence, change.label)
            label = change.label
        entry = grouped.setdefault(
            key,
            ProvisionReasons(label, change.provision_id if change.provision_id in order else None),
        )
        reason = ChangeReason(
            change.id,
            change.sequence,
            change.kind.value,
            change.kind.label,
            change.summary,
            change.reason,
        )
        for comment in linked.get(change.id, []):
            disposition = comment.disposition
            if public_only and (
                not comment.is_public
                or not comment.submission.publishable
                or disposition is None
                or disposition.published_at is None
            ):
                continue
            consultation = consultations.get(comment.consultation_id)
            if consultation is None:
                consultation = db.session.get(Consultation, comment.consultation_id)
                assert consultation is not None
                consultations[comment.consultation_id] = consultation
            reason.comments.append(
                CommentReason(
                    comment.id,
                    author_label(consultation, comment.submission),
                    disposition.outcome.label if disposition is not None else None,
                    disposition.public_explanation if disposition is not None else None,
                )
            )
        entry.changes.append(reason)
    return [grouped[key] for key in sorted(grouped, key=lambda k: k[0])]


# --- "how our input was used" ----------------------------------------------------------


def can_see_full_input(viewer: User | None, organisation: Organisation) -> bool:
    """Its confirmed members and the secretariat see all of an organisation's comments."""
    return bool(
        viewer is not None
        and viewer.is_authenticated
        and (viewer.is_secretariat or viewer.can_act_for(organisation))
    )


@dataclass
class InputRow:
    comment: Comment
    provision_label: str
    disposition: Disposition | None
    changes: list[ChangeLink]

    @property
    def changed_text(self) -> bool:
        return any(c.kind != ChangeKind.ALIGNED.value for c in self.changes)


def organisation_input(organisation: Organisation, viewer: User | None) -> list[InputRow]:
    """The organisation's submitted comments with the change each led to or the reason
    why not; for the public only the published comments of consultations that publish
    and name their contributors."""
    full = can_see_full_input(viewer, organisation)
    secretariat = bool(viewer is not None and viewer.is_authenticated and viewer.is_secretariat)
    query = (
        select(Comment)
        .join(Submission, Comment.submission_id == Submission.id)
        .join(Provision, Comment.provision_id == Provision.id)
        .join(Consultation, Comment.consultation_id == Consultation.id)
        .where(
            Submission.organisation_id == organisation.id,
            Submission.status == SubmissionStatus.SUBMITTED,
            Comment.withdrawn_at.is_(None),
        )
        .options(
            joinedload(Comment.provision),
            joinedload(Comment.paragraph),
            joinedload(Comment.disposition),
            joinedload(Comment.submission),
        )
        .order_by(Consultation.id, Provision.position, Comment.id)
    )
    if not full:
        query = query.where(
            Comment.is_public.is_(True),
            Submission.publishable.is_(True),
            Consultation.publish_submissions.is_(True),
            Consultation.allow_attribution.is_(True),
        )
    comments = list(db.session.scalars(query).unique())
    links = changes_for_comments([c.id for c in comments], include_drafts=secretariat)
    rows = []
    for comment in comments:
        disposition = comment.disposition
        if disposition is not None and disposition.published_at is None and not secretariat:
            disposition = None
        label = comment.provision.label + (
            f" ({comment.paragraph.display_label})" if comment.paragraph is not None else ""
        )
        rows.append(InputRow(comment, label, disposition, links.get(comment.id, [])))
    return rows
