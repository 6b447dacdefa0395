"""Duplicate and campaign groups: the detection run, the secretariat's review, queries.

Detection (:func:`detect_duplicates`) streams the ``(id, body)`` of a consultation's
comments from the database (``yield_per``; no ORM object per comment) into
:func:`consult_app.review.duplicates.find_groups_within` (one language at a time) and
stores what it finds as *suggested* groups. The rules, in one place:

- **Scanned**: comments of submitted submissions, not withdrawn, and not already members of
  a *confirmed* group (a confirmed group is the secretariat's decision and is never
  re-examined, extended or shrunk by a later run).
- **Language**: comments are compared within their language only
  (:mod:`consult_app.review.comment_language`), so that a French and an English comment
  quoting the same passage of the draft are never one group.
- **Kind**: a group whose comments come from at least ``CAMPAIGN_MIN_ORGS`` distinct
  organisations (configuration, default 3) or that has at least :data:`CAMPAIGN_MIN_SIZE`
  members is a *campaign*; otherwise *duplicates* (for example one organisation pasting the
  same text under several provisions).
- **Representative**: the comment of the earliest submission (``submitted_at``, then id).
- **Re-running** keeps confirmed and dismissed groups untouched and replaces the suggested
  ones: a suggestion whose members are exactly the same keeps its id, others are removed
  (unreviewed machine output; the run's audit entry lists them). A candidate all of whose
  members were in one dismissed group is not suggested again; one that brings in other
  comments is (the new comments are new evidence).
- **Dismissing** clears the members' ``duplicate_group_id``; their ids stay on the group
  (``dismissed_comment_ids``). Confirming a dismissed group restores the members that are
  not meanwhile in another group.
- **Splitting** takes the chosen comments out *into no group*, and confirms the rest
  (splitting is a review decision about the group). A later run may suggest the split-off
  comments as a group of their own, but only if they are near-identical to one another:
  the confirmed group they left is not scanned again.
- **Answering** a group records one disposition per active member through
  :func:`consult_app.review.dispositions.record_disposition`; only a confirmed group is
  answered at once, so that a wrong suggestion cannot answer unrelated comments.

Every operation flushes and writes audit entries; none commits.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import (
    ColumnElement,
    Select,
    case,
    distinct,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import joinedload, load_only

from consult_app.accounts.models import Organisation, User
from consult_app.consultations.models import Consultation
from consult_app.core.audit import log_action
from consult_app.core.errors import NotAllowed, UserError
from consult_app.core.models import utcnow
from consult_app.extensions import db
from consult_app.review.comment_language import comparison_language
from consult_app.review.duplicates import find_groups_within
from consult_app.review.models import Disposition, DuplicateGroup, GroupKind, GroupStatus, Outcome
from consult_app.submissions.models import Comment, Submission, SubmissionStatus

logger = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.6
DEFAULT_CAMPAIGN_MIN_ORGS = 3
#: A group of at least this many comments is a campaign whatever the organisations.
CAMPAIGN_MIN_SIZE = 5
STREAM_BATCH = 2_000  # rows fetched at a time while scanning
_CHUNK = 500  # ids per IN (...) list (a CASE doubles the parameters)


# --- helpers ---------------------------------------------------------------------------


def can_review_groups(user: User | None) -> bool:
    """The secretariat reviews duplicate groups."""
    return user is not None and user.is_authenticated and user.is_secretariat


def _ensure_secretariat(actor: User | None) -> None:
    if not can_review_groups(actor):
        raise NotAllowed(_("Only the secretariat can review duplicate groups."))


def _chunks(ids: Sequence[int], size: int = _CHUNK) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _campaign_min_orgs() -> int:
    return int(current_app.config.get("CAMPAIGN_MIN_ORGS", DEFAULT_CAMPAIGN_MIN_ORGS))


def classify(size: int, organisations: int) -> GroupKind:
    """Campaign or duplicates, from the number of members and of distinct organisations."""
    if organisations >= _campaign_min_orgs() or size >= CAMPAIGN_MIN_SIZE:
        return GroupKind.CAMPAIGN
    return GroupKind.DUPLICATE


def _expire_group_ids() -> None:
    """Comments loaded in the session forget the group ids changed by set-based UPDATEs."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Comment):
            db.session.expire(obj, ["duplicate_group_id"])


def _lock(group: DuplicateGroup) -> DuplicateGroup:
    """The group row, locked (PostgreSQL) and reloaded, so that two reviewers serialise."""
    db.session.flush()
    return db.session.execute(
        select(DuplicateGroup)
        .where(DuplicateGroup.id == group.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def member_ids(group: DuplicateGroup) -> list[int]:
    """Ids of the group's current members, in id order."""
    return list(
        db.session.scalars(
            select(Comment.id).where(Comment.duplicate_group_id == group.id).order_by(Comment.id)
        )
    )


def group_state(group: DuplicateGroup) -> dict[str, Any]:
    """What the audit log keeps of a group."""
    return {
        "status": group.status.value,
        "kind": group.kind.value,
        "size": group.size,
        "representative_comment_id": group.representative_comment_id,
    }


def _set_members(assignments: dict[int, int]) -> None:
    """Set ``duplicate_group_id`` of many comments: one UPDATE ... CASE per chunk of ids."""
    ids = sorted(assignments)
    for chunk in _chunks(ids):
        mapping = {comment_id: assignments[comment_id] for comment_id in chunk}
        db.session.execute(
            update(Comment)
            .where(Comment.id.in_(chunk))
            .values(duplicate_group_id=case(mapping, value=Comment.id))
            .execution_options(synchronize_session=False)
        )


def _refresh_groups(*conditions: ColumnElement[bool]) -> None:
    """Recompute size, kind and representative of the groups matching ``conditions``, in SQL."""
    joined = (
        select(Comment.duplicate_group_id)
        .join(Submission, Comment.submission_id == Submission.id)
        .join(DuplicateGroup, DuplicateGroup.id == Comment.duplicate_group_id)
        .where(*conditions)
    )
    stats = {
        row.group_id: (int(row.size), int(row.organisations))
        for row in db.session.execute(
            joined.with_only_columns(
                Comment.duplicate_group_id.label("group_id"),
                func.count(Comment.id).label("size"),
                func.count(distinct(Submission.organisation_id)).label("organisations"),
            ).group_by(Comment.duplicate_group_id)
        )
    }
    rank = func.row_number().over(
        partition_by=Comment.duplicate_group_id, order_by=(Submission.submitted_at, Comment.id)
    )
    ranked = joined.with_only_columns(
        Comment.duplicate_group_id.label("group_id"),
        Comment.id.label("comment_id"),
        rank.label("rank"),
    ).subquery()
    representatives = {
        group_id: comment_id
        for group_id, comment_id in db.session.execute(
            select(ranked.c.group_id, ranked.c.comment_id).where(ranked.c.rank == 1)
        )
    }
    groups = db.session.scalars(select(DuplicateGroup).where(*conditions))
    for group in groups:
        size, organisations = stats.get(group.id, (0, 0))
        group.size = size
        group.kind = classify(size, organisations)
        group.representative_comment_id = representatives.get(group.id)
    db.session.flush()


def _answerable_members(group: DuplicateGroup) -> Select[Any]:
    return (
        select(Comment)
        .join(Submission, Comment.submission_id == Submission.id)
        .where(
            Comment.duplicate_group_id == group.id,
            Submission.status == SubmissionStatus.SUBMITTED,
            Comment.withdrawn_at.is_(None),
        )
    )


# --- detection -------------------------------------------------------------------------


@dataclass(frozen=True)
class DetectionResult:
    """What a detection run found and did."""

    consultation_id: int
    threshold: float
    comments_scanned: int
    suggested: int  # suggested groups after the run
    campaigns: int  # of which campaigns
    created_ids: frozenset[int]  # groups this run created
    unchanged: int  # suggestions of an earlier run with exactly the same members
    removed: int  # suggestions of an earlier run replaced
    not_resuggested: int  # candidates left out because the secretariat dismissed them
    reviewed_kept: int  # confirmed and dismissed groups left untouched

    def as_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "comments_scanned": self.comments_scanned,
            "suggested": self.suggested,
            "campaigns": self.campaigns,
            "created": len(self.created_ids),
            "unchanged": self.unchanged,
            "removed": self.removed,
            "not_resuggested": self.not_resuggested,
            "reviewed_kept": self.reviewed_kept,
        }


def check_threshold(threshold: float | None) -> float:
    """The threshold to use: the given one (0 < t <= 1) or the configured default."""
    if threshold is None:
        threshold = float(current_app.config.get("DUPLICATE_THRESHOLD", DEFAULT_THRESHOLD))
    if not 0.0 < threshold <= 1.0:
        raise UserError(_("The similarity threshold must be above 0 and at most 1."))
    return float(threshold)


def scan_query(consultation: Consultation) -> Select[int, str]:
    """``(id, body)`` of the comments detection looks at, streamed in id order."""
    confirmed = select(DuplicateGroup.id).where(
        DuplicateGroup.consultation_id == consultation.id,
        DuplicateGroup.status == GroupStatus.CONFIRMED,
    )
    return (
        select(Comment.id, Comment.body)
        .join(Submission, Comment.submission_id == Submission.id)
        .where(
            Comment.consultation_id == consultation.id,
            Submission.status == SubmissionStatus.SUBMITTED,
            Comment.withdrawn_at.is_(None),
            or_(Comment.duplicate_group_id.is_(None), Comment.duplicate_group_id.not_in(confirmed)),
        )
        .order_by(Comment.id)
        .execution_options(yield_per=STREAM_BATCH)
    )


def _all_dismissed(members: Iterable[int], dismissed_of: dict[int, set[int]]) -> bool:
    """True when one dismissed group held every one of ``members``."""
    common: set[int] | None = None
    for comment_id in members:
        groups = dismissed_of.get(comment_id)
        if not groups:
            return False
        common = set(groups) if common is None else common & groups
        if not common:
            return False
    return common is not None


def detect_duplicates(
    actor: User | None, consultation: Consultation, threshold: float | None = None
) -> DetectionResult:
    """Find near-identical comments of the consultation and store them as suggested groups.

    ``actor`` is None when the command line runs it.
    """
    if actor is not None:
        _ensure_secretariat(actor)
    threshold = check_threshold(threshold)
    db.session.flush()
    # One run at a time per consultation (PostgreSQL); SQLite serialises writers anyway.
    db.session.execute(
        select(Consultation.id).where(Consultation.id == consultation.id).with_for_update()
    )

    scanned = 0

    def rows() -> Iterator[tuple[int, str, str]]:
        nonlocal scanned
        for comment_id, body in db.session.execute(scan_query(consultation)):
            scanned += 1
            yield comment_id, body, comparison_language(body)

    # Within each language: a French and an English comment are never grouped by text.
    found = find_groups_within(rows(), threshold=threshold)

    existing = list(
        db.session.scalars(
            select(DuplicateGroup).where(DuplicateGroup.consultation_id == consultation.id)
        )
    )
    suggested = {g.id: g for g in existing if g.status is GroupStatus.SUGGESTED}
    dismissed_of: dict[int, set[int]] = defaultdict(set)
    for group in existing:
        if group.status is GroupStatus.DISMISSED:
            for comment_id in group.dismissed_comment_ids or []:
                dismissed_of[int(comment_id)].add(group.id)
    old_members: dict[int, set[int]] = defaultdict(set)
    if suggested:
        for group_id, comment_id in db.session.execute(
            select(Comment.duplicate_group_id, Comment.id)
            .join(DuplicateGroup, DuplicateGroup.id == Comment.duplicate_group_id)
            .where(
                DuplicateGroup.consultation_id == consultation.id,
                DuplicateGroup.status == GroupStatus.SUGGESTED,
            )
        ):
            if group_id is not None:
                old_members[group_id].add(comment_id)
    by_members = {frozenset(m): gid for gid, m in old_members.items()}

    not_resuggested = 0
    matched: dict[int, float] = {}
    new: list[tuple[tuple[int, ...], float]] = []
    for candidate in found:
        if _all_dismissed(candidate.members, dismissed_of):
            not_resuggested += 1
            continue
        same = by_members.get(frozenset(candidate.members))
        if same is not None and same not in matched:
            matched[same] = candidate.similarity
        else:
            new.append((candidate.members, candidate.similarity))

    stale = sorted(gid for gid in suggested if gid not in matched)
    for chunk in _chunks(stale):
        db.session.execute(
            update(Comment)
            .where(Comment.duplicate_group_id.in_(chunk))
            .values(duplicate_group_id=None)
            .execution_options(synchronize_session=False)
        )
    for gid in stale:
        db.session.delete(suggested[gid])
    for gid, similarity in matched.items():
        suggested[gid].similarity = round(similarity, 4)

    created = [
        DuplicateGroup(
            consultation_id=consultation.id,
            kind=GroupKind.DUPLICATE,  # set from the members below
            status=GroupStatus.SUGGESTED,
            similarity=round(similarity, 4),
            size=len(members),
        )
        for members, similarity in new
    ]
    db.session.add_all(created)
    db.session.flush()
    _set_members(
        {
            comment_id: group.id
            for group, (members, _similarity) in zip(created, new, strict=True)
            for comment_id in members
        }
    )
    _expire_group_ids()
    _refresh_groups(
        DuplicateGroup.consultation_id == consultation.id,
        DuplicateGroup.status == GroupStatus.SUGGESTED,
    )

    groups = [suggested[gid] for gid in matched] + created
    result = DetectionResult(
        consultation_id=consultation.id,
        threshold=threshold,
        comments_scanned=scanned,
        suggested=len(groups),
        campaigns=sum(1 for g in groups if g.kind is GroupKind.CAMPAIGN),
        created_ids=frozenset(g.id for g in created),
        unchanged=len(matched),
        removed=len(stale),
        not_resuggested=not_resuggested,
        reviewed_kept=len(existing) - len(suggested),
    )
    log_action(
        actor, "detect_duplicates", consultation, after={**result.as_dict(), "removed_ids": stale}
    )
    logger.info(
        "duplicates of consultation %s by %s: %d comments scanned, %d groups suggested",
        consultation.id,
        actor.id if actor is not None else "command line",
        scanned,
        len(groups),
    )
    return result


# --- review operations -----------------------------------------------------------------


def confirm_group(actor: User, group: DuplicateGroup) -> DuplicateGroup:
    """Confirm a suggested (or dismissed) group: its comments are near-identical."""
    _ensure_secretariat(actor)
    group = _lock(group)
    if group.status is GroupStatus.CONFIRMED:
        return group
    before = group_state(group)
    if group.status is GroupStatus.DISMISSED:
        _restore_members(group)
    group.status = GroupStatus.CONFIRMED
    group.reviewed_by_id = actor.id
    group.reviewed_at = utcnow()
    db.session.flush()
    log_action(actor, "confirm_duplicate_group", group, before=before, after=group_state(group))
    return group


def _restore_members(group: DuplicateGroup) -> None:
    """Members of a dismissed group that are still free come back into it."""
    ids = sorted(int(i) for i in group.dismissed_comment_ids or [])
    free: list[int] = []
    for chunk in _chunks(ids):
        free += db.session.scalars(
            select(Comment.id)
            .join(Submission, Comment.submission_id == Submission.id)
            .where(
                Comment.id.in_(chunk),
                Comment.duplicate_group_id.is_(None),
                Comment.withdrawn_at.is_(None),
                Submission.status == SubmissionStatus.SUBMITTED,
            )
        )
    if len(free) < 2:
        raise UserError(
            _(
                "Fewer than two comments of this dismissed group are still free (the others "
                "are withdrawn or in another group), so it cannot be confirmed. Run the "
                "detection again instead."
            )
        )
    _set_members({comment_id: group.id for comment_id in free})
    _expire_group_ids()
    group.dismissed_comment_ids = None
    _refresh_groups(DuplicateGroup.id == group.id)


def dismiss_group(actor: User, group: DuplicateGroup) -> DuplicateGroup:
    """Dismiss a group: its comments are not duplicates; they leave it and stay apart."""
    _ensure_secretariat(actor)
    group = _lock(group)
    if group.status is GroupStatus.DISMISSED:
        return group
    before = group_state(group)
    ids = member_ids(group)
    db.session.execute(
        update(Comment)
        .where(Comment.duplicate_group_id == group.id)
        .values(duplicate_group_id=None)
        .execution_options(synchronize_session=False)
    )
    _expire_group_ids()
    group.status = GroupStatus.DISMISSED
    group.reviewed_by_id = actor.id
    group.reviewed_at = utcnow()
    group.dismissed_comment_ids = ids
    db.session.flush()
    log_action(
        actor,
        "dismiss_duplicate_group",
        group,
        before={**before, "comment_ids": ids},
        after=group_state(group),
    )
    return group


def split_group(actor: User, group: DuplicateGroup, comment_ids: Iterable[int]) -> DuplicateGroup:
    """Take the chosen comments out of the group (into no group) and confirm the rest."""
    _ensure_secretariat(actor)
    group = _lock(group)
    if group.status is GroupStatus.DISMISSED:
        raise UserError(_("A dismissed group has no comments to take out."))
    wanted = sorted(set(comment_ids))
    if not wanted:
        raise UserError(_("Choose the comments to take out of the group."))
    members = set(member_ids(group))
    strangers = [i for i in wanted if i not in members]
    if strangers:
        raise UserError(
            _(
                "These comments are not in this group: %(ids)s. Nothing was changed.",
                ids=", ".join(str(i) for i in strangers[:20]),
            )
        )
    if len(members) - len(wanted) < 2:
        raise UserError(
            _(
                "At least two comments must stay in the group. To separate them all, "
                "dismiss the group."
            )
        )
    before = group_state(group)
    for chunk in _chunks(wanted):
        db.session.execute(
            update(Comment)
            .where(Comment.id.in_(chunk), Comment.duplicate_group_id == group.id)
            .values(duplicate_group_id=None)
            .execution_options(synchronize_session=False)
        )
    _expire_group_ids()
    group.status = GroupStatus.CONFIRMED
    group.reviewed_by_id = actor.id
    group.reviewed_at = utcnow()
    _refresh_groups(DuplicateGroup.id == group.id)
    log_action(
        actor,
        "split_duplicate_group",
        group,
        before=before,
        after={**group_state(group), "removed_comment_ids": wanted},
    )
    return group


def answer_group(
    actor: User,
    group: DuplicateGroup,
    outcome: Outcome | str,
    public_explanation: str | None,
    internal_note: str | None = None,
) -> list[Disposition]:
    """Record the same disposition for every active comment of a confirmed group."""
    from consult_app.review.dispositions import record_disposition

    _ensure_secretariat(actor)
    try:
        outcome = Outcome(outcome)
    except ValueError:
        raise UserError(_("Choose one of the outcomes offered.")) from None
    group = _lock(group)
    if group.status is not GroupStatus.CONFIRMED:
        raise UserError(_("Confirm the group before answering all its comments at once."))
    comments = list(
        db.session.scalars(
            _answerable_members(group)
            .options(load_only(Comment.id, Comment.consultation_id, Comment.lock_version))
            .order_by(Comment.id)
        )
    )
    if not comments:
        raise UserError(_("This group has no comment left to answer."))
    results = record_disposition(
        actor, comments, outcome, public_explanation, internal_note=internal_note
    )
    log_action(
        actor,
        "answer_duplicate_group",
        group,
        after={
            "outcome": results[0].outcome.value,
            "comments": len(results),
            "comment_ids": [c.id for c in comments],
        },
    )
    return results


# --- queries ---------------------------------------------------------------------------


def groups_query(
    consultation: Consultation, kind: GroupKind | None = None, status: GroupStatus | None = None
) -> Select[Any]:
    """The consultation's groups, largest first, optionally of one kind and status."""
    query = select(DuplicateGroup).where(DuplicateGroup.consultation_id == consultation.id)
    if kind is not None:
        query = query.where(DuplicateGroup.kind == kind)
    if status is not None:
        query = query.where(DuplicateGroup.status == status)
    return query.order_by(DuplicateGroup.size.desc(), DuplicateGroup.id)


@dataclass(frozen=True)
class GroupFigures:
    organisations: int
    categories: int


def group_figures(group_ids: Sequence[int]) -> dict[int, GroupFigures]:
    """Distinct organisations and categories of each group's members, in one query."""
    if not group_ids:
        return {}
    rows = db.session.execute(
        select(
            Comment.duplicate_group_id,
            func.count(distinct(Submission.organisation_id)),
            func.count(distinct(Organisation.category)),
        )
        .join(Submission, Comment.submission_id == Submission.id)
        .join(Organisation, Submission.organisation_id == Organisation.id)
        .where(Comment.duplicate_group_id.in_(list(group_ids)))
        .group_by(Comment.duplicate_group_id)
    )
    return {g: GroupFigures(int(o), int(c)) for g, o, c in rows if g is not None}


def representatives(groups: Iterable[DuplicateGroup]) -> dict[int, Comment]:
    """The representative comment of each group (with its organisation), in one query."""
    ids = sorted({g.representative_comment_id for g in groups if g.representative_comment_id})
    if not ids:
        return {}
    comments = db.session.scalars(
        select(Comment)
        .where(Comment.id.in_(ids))
        .options(
            joinedload(Comment.submission).joinedload(Submission.organisation),
            joinedload(Comment.provision),
        )
    )
    return {c.id: c for c in comments}


def members_query(group: DuplicateGroup) -> Select[Any]:
    """The group's members with their organisation and provision, in id order."""
    return (
        select(Comment)
        .where(Comment.duplicate_group_id == group.id)
        .options(
            joinedload(Comment.submission).joinedload(Submission.organisation),
            joinedload(Comment.provision),
        )
        .order_by(Comment.id)
    )


def groups_report(
    consultation: Consultation, statuses: Sequence[GroupStatus] | None = None
) -> list[dict[str, Any]]:
    """The groups of the consultation with their members, as plain data (for JSON)."""
    statuses = statuses or (GroupStatus.SUGGESTED, GroupStatus.CONFIRMED)
    groups = list(
        db.session.scalars(
            groups_query(consultation).where(DuplicateGroup.status.in_(list(statuses)))
        )
    )
    figures = {
        g: int(o)
        for g, o in db.session.execute(
            select(Comment.duplicate_group_id, func.count(distinct(Submission.organisation_id)))
            .join(Submission, Comment.submission_id == Submission.id)
            .join(DuplicateGroup, DuplicateGroup.id == Comment.duplicate_group_id)
            .where(DuplicateGroup.consultation_id == consultation.id)
            .group_by(Comment.duplicate_group_id)
        )
        if g is not None
    }
    members: dict[int, list[int]] = defaultdict(list)
    for group_id, comment_id in db.session.execute(
        select(Comment.duplicate_group_id, Comment.id)
        .join(DuplicateGroup, DuplicateGroup.id == Comment.duplicate_group_id)
        .where(DuplicateGroup.consultation_id == consultation.id)
        .order_by(Comment.id)
        .execution_options(yield_per=STREAM_BATCH)
    ):
        if group_id is not None:
            members[group_id].append(comment_id)
    return [
        {
            "id": g.id,
            "kind": g.kind.value,
            "status": g.status.value,
            "size": g.size,
            "organisations": figures.get(g.id, 0),
            "similarity": g.similarity,
            "representative_comment_id": g.representative_comment_id,
            "comment_ids": members.get(g.id, []),
        }
        for g in groups
    ]


@dataclass(frozen=True)
class CampaignCount:
    """Confirmed campaigns on one provision: how many, and how many comments they hold."""

    groups: int
    items: int


def campaign_counts(consultation: Consultation) -> dict[int, CampaignCount]:
    """Per provision id: confirmed campaign groups and their active comments (one query).

    A campaign counts as ``items`` comments written from one text: a provision with
    ``comments`` comments in all received ``comments - items + groups`` distinct texts.
    """
    rows = db.session.execute(
        select(
            Comment.provision_id,
            func.count(distinct(DuplicateGroup.id)),
            func.count(Comment.id),
        )
        .join(DuplicateGroup, DuplicateGroup.id == Comment.duplicate_group_id)
        .join(Submission, Comment.submission_id == Submission.id)
        .where(
            DuplicateGroup.consultation_id == consultation.id,
            DuplicateGroup.kind == GroupKind.CAMPAIGN,
            DuplicateGroup.status == GroupStatus.CONFIRMED,
            Submission.status == SubmissionStatus.SUBMITTED,
            Comment.withdrawn_at.is_(None),
        )
        .group_by(Comment.provision_id)
    )
    return {int(p): CampaignCount(int(g), int(n)) for p, g, n in rows}
