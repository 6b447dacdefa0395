"""Recording a file's submissions in bulk (issue 12: files of many submissions).

Each group of rows of the file (one organisation, channel and reference) gives the
organisation's submission, or a new revision of it: what
:func:`~consult_app.submissions.offline.record_offline_submission` would record group by
group is worked out here in Python from the checked plans, the submissions recorded
before the file being read once (with their comments, co-signers and attachments), and
written with a few set-based statements: the new submissions' rows in their final state,
the new state of the others (one version-checked UPDATE each, as one ``executemany``), the
comments with their final ``is_public`` (and one UPDATE of the flag for the comments
recorded before), the revisions with their snapshots, and the audit entries made ready
for the chain (:class:`~consult_app.core.audit.AuditRecord`). A submission with edits of
its authors waiting, or not submitted, is left to record_offline_submission.

Everything is prepared before the write (:func:`prepare`), with the ids the rows will
take: reserved from the sequences on PostgreSQL (where the submissions read are locked
``FOR UPDATE``, as record_offline_submission locks them), the next ones after the tables'
largest on SQLite, where :func:`write` checks them again once it holds the write lock (and
prepares again in the rare case another writer inserted rows meanwhile; a submission
changed meanwhile fails its version check). So on SQLite the write lock is held for the
writes only. The comments' INSERT is announced before and after (:mod:`.signals`), so that
the figures' counts are kept once for all its rows (SQLite's triggers run a row at a time).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, case, false, func, select, text, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from consult_app.accounts.models import Organisation, User
from consult_app.consultations.models import Consultation, PublicationMode
from consult_app.core.audit import AuditRecord, BoundRows, audit_record, bind_rows, insert_bound
from consult_app.core.errors import UserError
from consult_app.extensions import db
from consult_app.submissions.models import (
    Comment,
    Cosigner,
    ModerationStatus,
    OnBehalfKind,
    Submission,
    SubmissionRevision,
    SubmissionStatus,
)
from consult_app.submissions.operations import SubmissionDetails, validated_details
from consult_app.submissions.signals import comments_bulk_insert_ends, comments_bulk_insert_starts
from consult_app.submissions.submitting import receipt_number

if TYPE_CHECKING:
    from consult_app.submissions.offline_import import PlannedSubmission

logger = logging.getLogger(__name__)


class PlanError(Exception):
    """A plan that record_offline_submission would refuse: its line and why."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


#: The keys of validated_comment's dict: what a comment says (a repeated one is left out).
VALUE_KEYS = (
    "provision_id",
    "paragraph_id",
    "quoted_text",
    "position",
    "kind",
    "body",
    "proposed_wording",
    "rationale",
    "language",
)


@dataclass
class _Comment:
    values: dict[str, Any] | None  # validated_comment's dict (None: recorded before)
    entry: dict[str, Any]  # its entry in the snapshots (the id added once known)


@dataclass
class _Revision:
    plan: int  # index of the plan (the group of rows) it records
    number: int
    received: dict[str, Any]
    before: dict[str, Any] | None  # submission_state before it (None: created)
    after: dict[str, Any]  # submission_state after it, less the receipt number
    shown: int  # the submission's first ``shown`` comments are in its snapshot
    added: range  # the indexes of the comments it added


@dataclass
class _Submission:
    organisation: Organisation
    row: dict[str, Any]  # the submissions row in its state after the file
    comments: list[_Comment] = field(default_factory=list)
    keys: set[tuple[Any, ...]] = field(default_factory=set)
    revisions: list[_Revision] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)  # plans that recorded nothing
    lines: list[int] = field(default_factory=list)
    # A submission recorded before the file (None: created by it), as it was read.
    existing: Submission | None = None
    cosigners: list[dict[str, Any]] = field(default_factory=list)  # snapshot entries
    attachments: list[dict[str, Any]] = field(default_factory=list)  # snapshot entries


@dataclass(frozen=True)
class Outcome:
    """What a plan recorded (as :class:`~consult_app.submissions.offline.RecordResult`)."""

    receipt_number: str
    created: bool
    revision: int | None
    comments: int


@dataclass
class Prepared:
    """The rows of the new submissions of a file, ready to be written (:func:`write`)."""

    submissions: list[dict[str, Any]]
    comments: list[dict[str, Any]]
    revisions: list[dict[str, Any]]
    audit: dict[int, list[AuditRecord]]  # by plan index, in the order of the chain
    outcomes: dict[int, Outcome]  # by plan index
    #: SQLite: the first ids taken to be free (submissions, comments), checked by write().
    first_ids: tuple[int, int] | None = None
    drafts: list[_Submission] = field(default_factory=list)
    context: tuple[Any, ...] = ()
    #: Submissions recorded before the file: their new state (``b_id``: the row,
    #: ``b_version``: its lock version as read), and whose comments are public.
    updates: list[dict[str, Any]] = field(default_factory=list)
    visible: list[int] = field(default_factory=list)
    hidden: list[int] = field(default_factory=list)
    indexes: list[int] = field(default_factory=list)  # the plans recorded here
    #: The rows of the submissions, comments and revisions bound for the driver
    #: (:func:`~consult_app.core.audit.bind_rows`), so that the write lock is held for
    #: the driver's inserts only.
    bound: tuple[BoundRows, ...] = ()


def _existing_draft(submission: Submission) -> _Submission:
    """The draft of a submission recorded before the file, from what is read of it."""
    active = sorted(submission.active_comments, key=lambda c: c.id)
    draft = _Submission(
        submission.organisation,
        {
            "general_remarks": submission.general_remarks,
            "on_behalf_kind": submission.on_behalf_kind,
            "on_behalf_group": submission.on_behalf_group,
            "on_behalf_name": submission.on_behalf_name,
            "publishable": submission.publishable,
            "revision_count": submission.revision_count,
            "lock_version": submission.lock_version,
            "last_submitted_at": submission.last_submitted_at,
            "receipt_number": submission.receipt_number,
        },
        comments=[_Comment(None, _entry_of(c)) for c in active],
        keys={tuple(getattr(c, k) for k in VALUE_KEYS) for c in active},
        existing=submission,
        cosigners=sorted(
            ({"id": c.organisation.id, "name": c.organisation.name} for c in submission.cosigners),
            key=lambda item: item["id"],
        ),
        attachments=[
            {
                "id": a.id,
                "filename": a.filename,
                "display_name": a.display_name,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
            }
            for a in sorted(submission.attachments, key=lambda a: a.id)
            if not a.is_withdrawn
        ],
    )
    return draft


def _entry_of(comment: Comment) -> dict[str, Any]:
    """A recorded comment's entry in a snapshot (:func:`build_snapshot`)."""
    values = {k: getattr(comment, k) for k in VALUE_KEYS}
    return {**_entry(comment.provision, comment.paragraph, values), "id": comment.id}


def _eligible(submission: Submission) -> bool:
    """Recorded in bulk: submitted, with no edit of its authors waiting to be submitted
    (record_offline_submission would put them in place, or refuse)."""
    return (
        submission.is_submitted
        and not submission.has_unsubmitted_changes
        and not any(c.unsubmitted_edit for c in submission.comments)
    )


def _state(draft: _Submission) -> dict[str, Any]:
    """:func:`~consult_app.submissions.editing.submission_state` of a draft (the receipt
    number of a new one is set with its id)."""
    row = draft.row
    group = row["on_behalf_group"]
    return {
        "status": SubmissionStatus.SUBMITTED.value,
        "general_remarks": row["general_remarks"],
        "on_behalf_kind": row["on_behalf_kind"].value,
        "on_behalf_group": group.value if group is not None else None,
        "on_behalf_name": row["on_behalf_name"],
        "publishable": row["publishable"],
        "cosigners": [c["id"] for c in draft.cosigners],
        "receipt_number": row.get("receipt_number"),
        "revision_count": row["revision_count"],
        "has_unsubmitted_changes": False,
    }


def _entry(provision: Any, paragraph: Any, values: dict[str, Any]) -> dict[str, Any]:
    """A comment's entry in a snapshot, as :func:`build_snapshot` writes it."""
    return {
        "id": None,
        "provision_id": values["provision_id"],
        "provision_kind": provision.kind.value,
        "provision_number": provision.number,
        "provision_position": provision.position,
        "paragraph_id": values["paragraph_id"],
        "paragraph_label": paragraph.display_label if paragraph is not None else None,
        "quoted_text": values["quoted_text"],
        "position": values["position"].value,
        "kind": values["kind"].value,
        "body": values["body"],
        "proposed_wording": values["proposed_wording"],
        "rationale": values["rationale"],
        "language": values["language"],
    }


def _simulate(
    actor: User,
    consultation: Consultation,
    plans: Sequence[PlannedSubmission],
    indexes: Sequence[int],
    moment: datetime,
    drafts: dict[int, _Submission],
) -> list[_Submission]:
    """Record the plans ``indexes`` in memory, as record_offline_submission would one by
    one (:class:`PlanError` where it would refuse one), after ``drafts`` (by organisation
    id: the submissions recorded before the file)."""
    for index in indexes:
        plan = plans[index]
        organisation = plan.organisation
        kind, group, name = plan.on_behalf
        try:
            valid = validated_details(
                organisation,
                SubmissionDetails(
                    on_behalf_kind=kind,
                    on_behalf_group=group,
                    on_behalf_name=name,
                    publishable=plan.publishable,
                ),
            )
        except UserError as error:
            raise PlanError(plan.line, error.message) from None
        draft = drafts.get(organisation.id)
        before: dict[str, Any] | None = None
        if draft is None:
            draft = drafts[organisation.id] = _Submission(
                organisation,
                {
                    "consultation_id": consultation.id,
                    "organisation_id": organisation.id,
                    "created_by_id": actor.id,
                    "recorded_by_id": actor.id,
                    "status": SubmissionStatus.SUBMITTED,
                    "channel": plan.channel,
                    "channel_detail": plan.channel_detail,
                    "received_at": plan.received_at,
                    "general_remarks": valid.general_remarks,
                    "on_behalf_kind": kind,
                    "on_behalf_group": valid.on_behalf_group,
                    "on_behalf_name": valid.on_behalf_name,
                    "publishable": bool(plan.publishable),
                    "submitted_at": plan.received_at,
                    "last_submitted_at": moment,
                    "revision_count": 0,
                    "has_unsubmitted_changes": False,
                    # The ORM's INSERT (1), then one UPDATE a revision.
                    "lock_version": 1,
                },
            )
        else:
            row = draft.row
            before = _state(draft)
            # Never publish what anyone asked to keep unpublished.
            row["publishable"] = row["publishable"] and bool(plan.publishable)
            if row["on_behalf_kind"] is OnBehalfKind.NONE and kind is not OnBehalfKind.NONE:
                row["on_behalf_kind"] = kind
                row["on_behalf_group"] = valid.on_behalf_group
                row["on_behalf_name"] = valid.on_behalf_name
            if _state(draft) != before:
                # record_offline_submission's changes are flushed (an UPDATE) when it reads
                # the comments, before the revision's UPDATE.
                row["lock_version"] += 1
        draft.lines.append(plan.line)
        start = len(draft.comments)
        for (provision, fields), values in zip(plan.comments, plan.values, strict=True):
            # What each comment says, to leave out those already recorded.
            key = tuple(values[k] for k in VALUE_KEYS)
            if key in draft.keys:
                continue
            draft.keys.add(key)
            draft.comments.append(_Comment(values, _entry(provision, fields.paragraph, values)))
        added = range(start, len(draft.comments))
        row = draft.row
        if before is not None and not added and _state(draft) == before:
            draft.unchanged.append(index)
            continue
        row["revision_count"] += 1
        row["lock_version"] += 1
        row["last_submitted_at"] = moment
        draft.revisions.append(
            _Revision(
                plan=index,
                number=row["revision_count"],
                received={
                    "channel": plan.channel.value,
                    "channel_detail": plan.channel_detail,
                    "received_at": plan.received_at.isoformat(),
                    "recorded_by_id": actor.id,
                },
                before=before,
                after=_state(draft),
                shown=len(draft.comments),
                added=added,
            )
        )
    return list(drafts.values())


def _build(
    actor: User,
    consultation: Consultation,
    drafts: list[_Submission],
    moment: datetime,
    submission_ids: Sequence[int],
    comment_ids: Sequence[int],
) -> Prepared:
    """The rows of ``drafts`` with the ids given (to the new submissions and comments), in
    the order the plans would take them one by one (new submissions by their first plan,
    comments and revisions by plan)."""
    moderation = (
        ModerationStatus.PUBLISHED
        if consultation.publication_mode is PublicationMode.IMMEDIATE
        else ModerationStatus.PENDING
    )
    submissions: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    visible: list[int] = []
    hidden: list[int] = []
    outcomes: dict[int, Outcome] = {}
    receipts: list[str] = []
    ids: list[int] = []
    new_ids = iter(submission_ids)
    for draft in drafts:
        row, existing = draft.row, draft.existing
        if existing is None:
            submission_id = next(new_ids)
            receipt = receipt_number(consultation.id, submission_id)
            submissions.append({**row, "id": submission_id, "receipt_number": receipt})
        else:
            submission_id, receipt = existing.id, row["receipt_number"]
            if draft.revisions:
                updates.append(
                    {
                        "b_id": submission_id,
                        "b_version": existing.lock_version,
                        **{k: row[k] for k in _UPDATED},
                    }
                )
                public = row["publishable"] and consultation.publish_submissions
                (visible if public else hidden).append(submission_id)
        ids.append(submission_id)
        receipts.append(receipt)
        for index in draft.unchanged:
            outcomes[index] = Outcome(receipt, False, None, 0)
    assert next(new_ids, None) is None
    ordered = sorted(
        (
            (revision.plan, position, revision)
            for position, draft in enumerate(drafts)
            for revision in draft.revisions
        ),
        key=lambda item: item[0],
    )
    comments: list[dict[str, Any]] = []
    next_id = iter(comment_ids)
    for _plan, position, revision in ordered:
        draft = drafts[position]
        # refresh_public_flags after the file's last revision: what every comment ends with.
        public = (
            draft.row["publishable"]
            and consultation.publish_submissions
            and moderation is ModerationStatus.PUBLISHED
        )
        for i in revision.added:
            comment = draft.comments[i]
            comment.entry["id"] = comment_id = next(next_id)
            comments.append(
                {
                    "consultation_id": consultation.id,
                    "created_by_id": actor.id,
                    "moderation_status": moderation,
                    "is_public": public,
                    **(comment.values or {}),
                    "submission_id": ids[position],
                    "id": comment_id,
                }
            )
    assert next(next_id, None) is None
    revisions: list[dict[str, Any]] = []
    audit: dict[int, list[AuditRecord]] = {}
    for plan, position, revision in ordered:
        draft = drafts[position]
        submission_id, receipt = ids[position], receipts[position]
        state = {**revision.after, "receipt_number": receipt}
        revisions.append(
            {
                "submission_id": submission_id,
                "number": revision.number,
                "submitted_at": moment,
                "submitted_by_id": actor.id,
                # Serialised here, not while the write lock is held (bind_rows).
                "snapshot": json.dumps(
                    {
                        "organisation": {
                            "id": draft.organisation.id,
                            "name": draft.organisation.name,
                        },
                        "general_remarks": state["general_remarks"],
                        "on_behalf_kind": state["on_behalf_kind"],
                        "on_behalf_group": state["on_behalf_group"],
                        "on_behalf_name": state["on_behalf_name"],
                        "publishable": state["publishable"],
                        "cosigners": draft.cosigners,
                        "comments": [c.entry for c in draft.comments[: revision.shown]],
                        "attachments": draft.attachments,
                        "received": revision.received,
                    }
                ),
            }
        )
        added = [draft.comments[i] for i in revision.added]
        before = revision.before
        audit[plan] = [
            *(
                audit_record(
                    actor,
                    "add_comment",
                    Comment.__name__,
                    c.entry["id"],
                    None,
                    _comment_state(c.values or {}, moderation),
                )
                for c in added
            ),
            audit_record(
                actor,
                "record_offline_submission",
                Submission.__name__,
                submission_id,
                None if before is None else {**before, "receipt_number": receipt},
                {
                    **state,
                    **revision.received,
                    "revision": revision.number,
                    "comments_added": len(added),
                },
            ),
        ]
        outcomes[plan] = Outcome(receipt, before is None, revision.number, len(added))
    return Prepared(
        submissions,
        comments,
        revisions,
        audit,
        outcomes,
        updates=updates,
        visible=visible,
        hidden=hidden,
        bound=(
            bind_rows(Submission.__table__, submissions),
            bind_rows(Comment.__table__, comments),
            bind_rows(SubmissionRevision.__table__, revisions, json_text=("snapshot",)),
        ),
    )


#: The columns a revision recorded in bulk changes in a submission recorded before the file.
_UPDATED = (
    "general_remarks",
    "on_behalf_kind",
    "on_behalf_group",
    "on_behalf_name",
    "publishable",
    "revision_count",
    "lock_version",
    "last_submitted_at",
)


def _comment_state(values: dict[str, Any], moderation: ModerationStatus) -> dict[str, Any]:
    """:func:`~consult_app.submissions.editing.comment_state` of a new comment."""
    return {
        "provision_id": values["provision_id"],
        "paragraph_id": values["paragraph_id"],
        "quoted_text": values["quoted_text"],
        "position": values["position"].value,
        "kind": values["kind"].value,
        "body": values["body"],
        "proposed_wording": values["proposed_wording"],
        "rationale": values["rationale"],
        "language": values["language"],
        "moderation_status": moderation.value,
        "withdrawn_at": None,
    }


def _next_ids() -> tuple[int, int]:
    """SQLite: the ids the next submission and comment rows take (the largest plus one)."""
    return (
        db.session.scalar(select(func.coalesce(func.max(Submission.id), 0) + 1)) or 1,
        db.session.scalar(select(func.coalesce(func.max(Comment.id), 0) + 1)) or 1,
    )


def _reserve(table: str, count: int) -> list[int]:
    """PostgreSQL: ``count`` ids taken from the table's sequence (in their order)."""
    if not count:
        return []
    return sorted(
        db.session.scalars(
            text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                "FROM generate_series(1, :count)"
            ),
            {"table": table, "count": count},
        )
    )


def prepare(
    actor: User,
    consultation: Consultation,
    plans: Sequence[PlannedSubmission],
    moment: datetime,
) -> Prepared | None:
    """The rows that recording the plans adds, worked out before anything is written, for
    every plan but those of organisations whose submission has edits of its authors
    waiting (or is not submitted): those are left to record_offline_submission
    (``Prepared.indexes``: the plans done here; None: none). :class:`PlanError` as
    record_offline_submission would refuse a plan."""
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    known = set(
        db.session.scalars(
            select(Submission.organisation_id).where(Submission.consultation_id == consultation.id)
        )
    )
    wanted = {plan.organisation.id for plan in plans} & known
    drafts: dict[int, _Submission] = {}
    if wanted:
        query = (
            select(Submission)
            .where(
                Submission.consultation_id == consultation.id,
                Submission.organisation_id.in_(wanted),
            )
            .options(
                selectinload(Submission.comments).joinedload(Comment.provision),
                selectinload(Submission.comments).joinedload(Comment.paragraph),
                selectinload(Submission.cosigners).joinedload(Cosigner.organisation),
                selectinload(Submission.attachments),
                joinedload(Submission.organisation),
            )
            .execution_options(populate_existing=True)
        )
        if postgresql:  # as lock_submission does: held until the import commits
            query = query.with_for_update(of=Submission)
        for submission in db.session.scalars(query).unique():
            if _eligible(submission):
                drafts[submission.organisation_id] = _existing_draft(submission)
    indexes = [
        i
        for i, plan in enumerate(plans)
        if plan.organisation.id not in known or plan.organisation.id in drafts
    ]
    if not indexes:
        return None
    ordered = _simulate(actor, consultation, plans, indexes, moment, drafts)
    ordered = [d for d in ordered if d.revisions or d.unchanged or d.existing is None]
    new = [d for d in ordered if d.existing is None]
    submissions = len(new)
    comments = sum(len(r.added) for d in ordered for r in d.revisions)
    if postgresql:
        prepared = _build(
            actor,
            consultation,
            ordered,
            moment,
            _reserve(Submission.__tablename__, submissions),
            _reserve(Comment.__tablename__, comments),
        )
    else:
        first = _next_ids()
        prepared = _build(
            actor,
            consultation,
            ordered,
            moment,
            range(first[0], first[0] + submissions),
            range(first[1], first[1] + comments),
        )
        prepared.first_ids = first
    prepared.drafts = ordered
    prepared.context = (actor, consultation, moment)
    prepared.indexes = indexes
    return prepared


def take_write_lock() -> None:
    """SQLite: take the write lock now (``BEGIN IMMEDIATE``, waiting for another writer as
    any write would) unless the transaction holds it already, so that what is read next
    is what the writes will find."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if not getattr(raw, "in_transaction", True):
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def write(prepared: Prepared) -> Prepared:
    """Insert the rows of ``prepared`` (after :func:`take_write_lock` on SQLite): the
    Prepared written, made again if another writer took the ids meanwhile (SQLite)."""
    actor, consultation, moment = prepared.context
    if prepared.first_ids is not None:
        first = _next_ids()
        if first != prepared.first_ids:
            submissions, comments = len(prepared.submissions), len(prepared.comments)
            indexes = prepared.indexes
            logger.info("bulk import: ids taken meanwhile, the rows are made again")
            rebuilt = _build(
                actor,
                consultation,
                prepared.drafts,
                moment,
                range(first[0], first[0] + submissions),
                range(first[1], first[1] + comments),
            )
            rebuilt.first_ids, rebuilt.drafts, rebuilt.context = (
                first,
                prepared.drafts,
                prepared.context,
            )
            rebuilt.indexes = indexes
            prepared = rebuilt
    # Another writer may have recorded a submission of one of these organisations since
    # the file was checked (SQLite: not any more, the write lock is held).
    taken = set(
        db.session.scalars(
            select(Submission.organisation_id).where(Submission.consultation_id == consultation.id)
        )
    )
    for draft in prepared.drafts:
        if draft.existing is None and draft.organisation.id in taken:
            raise PlanError(draft.lines[0], _conflict(draft.organisation))
    dbapi = db.session.get_bind().dialect.dbapi
    driver_error: Any = getattr(dbapi, "IntegrityError", IntegrityError)
    submission_rows, comment_rows, revision_rows = prepared.bound
    try:
        insert_bound(submission_rows)
    except (IntegrityError, driver_error):
        draft = next(d for d in prepared.drafts if d.existing is None)
        raise PlanError(draft.lines[0], _conflict(draft.organisation)) from None
    if prepared.updates:
        _update_existing(prepared)
    _insert_comments(comment_rows)
    insert_bound(revision_rows)
    if prepared.visible or prepared.hidden:
        _refresh_public_flags(prepared.visible, prepared.hidden)
    for draft in prepared.drafts:
        if draft.existing is not None:  # read before: changed above
            for comment in draft.existing.comments:
                # Only these (_refresh_public_flags): a whole object's expiry walks its
                # relationships, which thousands of comments make long under the lock.
                db.session.expire(comment, _REFRESHED)
            db.session.expire(draft.existing)
    logger.info(
        "offline import: %d new submissions and %d revisions recorded by user %s in bulk, "
        "%d comments",
        len(prepared.submissions),
        len(prepared.revisions),
        actor.id,
        len(prepared.comments),
    )
    return prepared


def _insert_comments(rows: BoundRows) -> None:
    """Insert the comments, announced before and after (:mod:`.signals`: the figures' counts
    are then kept for the rows at once, not by a trigger a row)."""
    if not rows.values:
        return
    comments_bulk_insert_starts.send(None)
    ids: tuple[int, int] | None = None
    try:
        insert_bound(rows)
        column = rows.names.index("id")
        given = [row[column] for row in rows.values]
        ids = (min(given), max(given))
    finally:
        comments_bulk_insert_ends.send(None, ids=ids)


def _update_existing(prepared: Prepared) -> None:
    """The new state of the submissions recorded before the file, one UPDATE each with
    their lock version as read (SQLite read them before the write lock)."""
    table = Submission.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.lock_version == bindparam("b_version"))
        .values({name: bindparam(name) for name in _UPDATED})
    )
    result = db.session.connection().execute(statement, prepared.updates)
    if result.rowcount != len(prepared.updates):
        draft = next(d for d in prepared.drafts if d.existing is not None)
        raise PlanError(
            draft.lines[0],
            str(
                _(
                    "This submission was being changed at the same moment elsewhere. "
                    "Reload the page."
                )
            ),
        )


#: The columns of the comments recorded before the file that :func:`write` changes.
_REFRESHED = ("is_public", "updated_at")


def _refresh_public_flags(visible: list[int], hidden: list[int]) -> None:
    """refresh_public_flags of the submissions recorded before the file, together."""
    table = Comment.__table__
    shown = case(
        (
            and_(
                table.c.moderation_status == ModerationStatus.PUBLISHED,
                table.c.withdrawn_at.is_(None),
            ),
            true(),
        ),
        else_=false(),
    )
    connection = db.session.connection()
    for ids, value in ((visible, shown), (hidden, false())):
        if ids:
            connection.execute(
                update(table).where(table.c.submission_id.in_(ids)).values(is_public=value)
            )


def _conflict(organisation: Organisation) -> str:
    return str(
        _(
            "A submission of %(name)s was recorded at the same moment. Reload the page.",
            name=organisation.name,
        )
    )
