"""What contributors do to a submission: start it, comment, attach, submit, revise.

Every operation takes the acting ``user`` explicitly and reads nothing from the request,
so the demo loader and CLI commands call the same functions as the views. Operations
flush and write an audit entry; they never commit.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import (
    Select,
    and_,
    bindparam,
    case,
    event,
    false,
    inspect,
    select,
    true,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction, joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from consult_app.accounts.models import (
    Organisation,
    RegionalGroup,
    Role,
    User,
    VerificationStatus,
)
from consult_app.consultations.models import Consultation, Phase, PublicationMode
from consult_app.core.audit import log_action
from consult_app.core.errors import Conflict, NotAllowed, UserError
from consult_app.core.guards import strip_control_characters
from consult_app.core.models import utcnow
from consult_app.extensions import db
from consult_app.submissions.models import (
    Channel,
    Comment,
    CommentKind,
    Cosigner,
    ModerationStatus,
    OnBehalfKind,
    Position,
    Submission,
    SubmissionRevision,
    SubmissionStatus,
    decode_authored,
    encode_authored,
)
from consult_app.submissions.signals import submission_received
from consult_app.texts.detect import guess_language
from consult_app.texts.languages import wording_in
from consult_app.texts.models import TEXT_LANGUAGES, Paragraph, Provision
from consult_app.texts.redline import is_unchanged

logger = logging.getLogger(__name__)

RECEIPT_PREFIX = "SUB"
MAX_BODY = 20_000
MAX_QUOTE = 2_000


# --- permissions -----------------------------------------------------------------------


def participation_refusal(
    user: User | None, consultation: Consultation, now: datetime | None = None
) -> str | None:
    """Why ``user`` may not take part in ``consultation`` now, or None when they may."""
    if consultation.can_participate(user, now):
        return None
    phase = consultation.phase(now)
    if phase is Phase.CLOSED:
        return _(
            "The deadline has passed: submissions to this consultation can no longer be "
            "started or changed."
        )
    if phase is Phase.UPCOMING:
        return _("This consultation is not open yet.")
    if (
        user is None
        or not user.is_authenticated
        or user.role is not Role.CONTRIBUTOR
        or user.organisation is None
    ):
        return _("Only contributors who speak for a stakeholder organisation can take part.")
    if user.organisation.verification_status is VerificationStatus.REJECTED:
        return _("The registration of your organisation was not accepted, so it cannot take part.")
    if not consultation.is_eligible(user.organisation):
        return _(
            "Organisations of the category “%(category)s” are not invited to this consultation.",
            category=user.organisation.category.label,
        )
    return _("You cannot take part in this consultation.")


def edit_refusal(
    user: User | None, submission: Submission, now: datetime | None = None
) -> str | None:
    """Why ``user`` may not change ``submission`` now, or None when they may."""
    if submission.can_edit(user, now):
        return None
    if user is None or not user.is_authenticated or not user.can_act_for(submission.organisation):
        return _("Only contributors of the organisation that made this submission can change it.")
    if submission.channel is not Channel.ONLINE:
        return _("This submission was received outside the platform and is kept as received.")
    return participation_refusal(user, submission.consultation, now) or _(
        "You cannot change this submission."
    )


def _ensure_can_edit(user: User, submission: Submission, now: datetime | None) -> None:
    reason = edit_refusal(user, submission, now)
    if reason:
        raise NotAllowed(reason)


# --- helpers ---------------------------------------------------------------------------


def _changed_meanwhile() -> Conflict:
    return Conflict(
        _(
            "This submission was changed in another window or by a colleague while you "
            "were editing. Nothing was saved: reload the page and try again."
        )
    )


def _flush() -> None:
    """Flush; a row changed by someone else meanwhile becomes a 409, not a 500."""
    try:
        db.session.flush()
    except StaleDataError:
        # The caller (the request's error handler, or a script) rolls back.
        raise _changed_meanwhile() from None


_LOCKED = "consult_app.locked_submissions"


def _locked_ids() -> set[int]:
    """Submissions this session's transaction holds FOR UPDATE (forgotten when it ends)."""
    locked: set[int] = db.session.info.setdefault(_LOCKED, set())
    return locked


@event.listens_for(Session, "after_transaction_end")
def _forget_locks(session: Session, transaction: SessionTransaction) -> None:
    # Row locks end with the transaction (a rolled back SAVEPOINT releases those taken
    # since it began): forget them all, the next operation locks again. The internal
    # subtransaction of each flush ends too, and changes nothing.
    if transaction.parent is None or transaction.nested:
        session.info.pop(_LOCKED, None)


def load_submission_for_update(submission_id: int) -> Submission | None:
    """Load a submission FOR UPDATE, with its consultation and organisation, in one query.

    A view that is about to change the submission loads it this way, so that the
    operation's :func:`lock_submission` does not read the row a second time.
    """
    _flush()
    submission = (
        db.session.execute(
            select(Submission)
            .where(Submission.id == submission_id)
            .options(
                joinedload(Submission.consultation, innerjoin=True),
                joinedload(Submission.organisation, innerjoin=True),
            )
            .with_for_update(of=Submission)
            .execution_options(populate_existing=True)
        )
        .unique()
        .scalar_one_or_none()
    )
    if submission is not None:
        _locked_ids().add(submission.id)
    return submission


def lock_submission(submission: Submission) -> None:
    """Re-read the submission row FOR UPDATE: changes to one submission run one at a time.

    Once locked in the current transaction (here or by :func:`load_submission_for_update`)
    the row is not read again: no one else can have changed it since.
    """
    _flush()
    # The id without loading an expired object (flushed: the submission has a row).
    submission_id: int = inspect(submission).identity[0]
    if submission_id not in _locked_ids():
        db.session.execute(
            select(Submission)
            .where(Submission.id == submission_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one()  # the rows must be fetched for the refresh to happen
        _locked_ids().add(submission_id)
    db.session.expire(submission, ["comments", "cosigners", "attachments", "revisions"])


def _touch(submission: Submission, now: datetime) -> None:
    """Record that the authors changed something (bumps the submission's lock_version)."""
    submission.updated_at = now
    if submission.is_submitted:
        submission.has_unsubmitted_changes = True


def _touch_now(submission: Submission, now: datetime) -> None:
    """:func:`_touch` written at once: one version-checked UPDATE of the submission row.

    What the unit of work would emit for :func:`_touch` followed by a flush, without its
    cost; the submission must have no other pending change (it was just locked).
    """
    table = Submission.__table__
    version = submission.lock_version
    values: dict[str, Any] = {"updated_at": now, "lock_version": version + 1}
    if submission.is_submitted:
        values["has_unsubmitted_changes"] = True
    result = db.session.execute(
        update(table)
        .where(table.c.id == submission.id, table.c.lock_version == version)
        .values(values)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise _changed_meanwhile()
    for key, value in values.items():
        set_committed_value(submission, key, value)


def clean_text(value: str | None, limit: int | None = None) -> str | None:
    if value is None:
        return None
    # Control characters (NUL included) come from pasted or imported files, never from
    # someone typing: they are dropped whatever the channel (forms, offline files).
    value = strip_control_characters(value.replace("\r\n", "\n")).strip()
    if limit is not None and len(value) > limit:
        raise UserError(_("The text is too long (at most %(limit)d characters).", limit=limit))
    return value or None


def _squash(text: str) -> str:
    return " ".join(text.split())


def amendment_base(
    provision: Provision, paragraph: Paragraph | None, language: str | None = None
) -> str:
    """The current wording a proposed amendment is compared with: in the comment's
    ``language`` where the provision has that language version, else the original."""
    if language:
        return wording_in(provision, paragraph, language)
    return paragraph.text if paragraph is not None else provision.plain_text()


def submission_state(submission: Submission) -> dict[str, Any]:
    return {
        "status": submission.status.value,
        "general_remarks": submission.general_remarks,
        "on_behalf_kind": submission.on_behalf_kind.value,
        "on_behalf_group": submission.on_behalf_group.value
        if submission.on_behalf_group
        else None,
        "on_behalf_name": submission.on_behalf_name,
        "publishable": submission.publishable,
        "cosigners": sorted(c.organisation.id for c in submission.cosigners),
        "receipt_number": submission.receipt_number,
        "revision_count": submission.revision_count,
        "has_unsubmitted_changes": submission.has_unsubmitted_changes,
    }


def comment_state(comment: Comment) -> dict[str, Any]:
    return {
        "provision_id": comment.provision_id,
        "paragraph_id": comment.paragraph_id,
        "quoted_text": comment.quoted_text,
        "position": comment.position.value,
        "kind": comment.kind.value,
        "body": comment.body,
        "proposed_wording": comment.proposed_wording,
        "rationale": comment.rationale,
        "language": comment.language,
        "moderation_status": comment.moderation_status.value,
        "withdrawn_at": comment.withdrawn_at,
    }


# --- starting --------------------------------------------------------------------------


def find_submission(consultation: Consultation, organisation: Organisation) -> Submission | None:
    """The organisation's submission in ``consultation``, if it has one."""
    return db.session.execute(
        select(Submission).where(
            Submission.consultation_id == consultation.id,
            Submission.organisation_id == organisation.id,
        )
    ).scalar_one_or_none()


def start_submission(
    user: User, consultation: Consultation, *, now: datetime | None = None
) -> Submission:
    """Return the organisation's submission in ``consultation``, creating it if needed."""
    reason = participation_refusal(user, consultation, now)
    if reason:
        raise NotAllowed(reason)
    organisation = user.organisation
    assert organisation is not None  # participation_refusal checked it
    existing = find_submission(consultation, organisation)
    if existing is not None:
        return existing
    submission = Submission(
        consultation=consultation,
        organisation=organisation,
        created_by=user,
        status=SubmissionStatus.DRAFT,
        channel=Channel.ONLINE,
    )
    try:
        # A double click or a second tab may have created it a moment ago: the unique
        # constraint decides, and the loser loads the winner's row.
        with db.session.begin_nested():
            db.session.add(submission)
            db.session.flush()
    except IntegrityError:
        existing = find_submission(consultation, organisation)
        if existing is None:
            raise
        return existing
    log_action(user, "start_submission", submission, after=submission_state(submission))
    return submission


# --- comments --------------------------------------------------------------------------


@dataclass(frozen=True)
class CommentFields:
    """What an author writes in a comment (validated by :func:`validated_comment`)."""

    position: Position
    body: str
    kind: CommentKind = CommentKind.SUBSTANTIVE
    paragraph: Paragraph | None = None
    quoted_text: str | None = None
    proposed_wording: str | None = None
    rationale: str | None = None
    # One of the six languages; None: guessed from the text (offline and bulk imports).
    language: str | None = None


def validated_comment(
    submission: Submission, provision: Provision, fields: CommentFields
) -> dict[str, Any]:
    if provision.version_id != submission.consultation.version_id:
        raise UserError(_("This provision is not part of the text under consultation."))
    paragraph = fields.paragraph
    if paragraph is not None and paragraph.provision_id != provision.id:
        raise UserError(_("The paragraph chosen is not part of this provision."))
    body = clean_text(fields.body, MAX_BODY)
    if not body:
        raise UserError(_("Write your comment."))
    language = fields.language
    if language is not None and language not in TEXT_LANGUAGES:
        raise UserError(
            _("The language must be one of %(languages)s.", languages=", ".join(TEXT_LANGUAGES))
        )
    if language is None:
        language = guess_language(" ".join(filter(None, (body, fields.proposed_wording))))
    quoted = clean_text(fields.quoted_text, MAX_QUOTE)
    if quoted:
        quoted = _squash(quoted)
        sources = {
            amendment_base(provision, paragraph),
            amendment_base(provision, paragraph, language),
        }
        if not any(quoted.casefold() in _squash(source).casefold() for source in sources):
            raise UserError(
                _("The quoted words do not occur in the paragraph or provision you comment on.")
                if paragraph is not None
                else _("The quoted words do not occur in the text of this provision.")
            )
    proposed = clean_text(fields.proposed_wording, MAX_BODY)
    if proposed and any(
        is_unchanged(amendment_base(provision, base, code), proposed)
        for base in (paragraph, None)
        for code in {None, language}
    ):
        proposed = None  # the prefilled current wording, left as it was: no amendment
    return {
        "provision_id": provision.id,
        "paragraph_id": paragraph.id if paragraph is not None else None,
        "quoted_text": quoted,
        "position": fields.position,
        "kind": fields.kind,
        "body": body,
        "proposed_wording": proposed,
        "rationale": clean_text(fields.rationale, MAX_BODY),
        "language": language,
    }


def add_comment(
    user: User,
    submission: Submission,
    provision: Provision,
    fields: CommentFields,
    *,
    now: datetime | None = None,
) -> Comment:
    """Add a comment on ``provision`` to ``submission``."""
    lock_submission(submission)
    now = now or utcnow()
    _ensure_can_edit(user, submission, now)
    values = validated_comment(submission, provision, fields)
    # A resubmitted form must not leave the same comment twice (asked of the database, so
    # the cost does not grow with the number of comments already in the submission).
    existing = _same_comment(submission, values)
    if existing is not None:
        return existing
    try:
        _touch_now(submission, now or utcnow())
    except Conflict:
        # Where the row lock does not hold (SQLite), the same form posted twice at once
        # reaches this point twice: the request that lost the race finds the comment the
        # other one saved and answers as it would have (the post is idempotent).
        existing = _same_comment(submission, values)
        if existing is None:
            raise
        return existing
    # Ids rather than relationships: the flush then only inserts the comment.
    comment = Comment(
        submission_id=submission.id,
        consultation_id=submission.consultation_id,
        created_by_id=user.id,
        moderation_status=ModerationStatus.PENDING,
        is_public=False,
        **values,
    )
    db.session.add(comment)
    _flush()
    log_action(user, "add_comment", comment, after=comment_state(comment))
    return comment


def _same_comment(submission: Submission, values: dict[str, Any]) -> Comment | None:
    """The submission's comment (not withdrawn) that says exactly ``values``, if any."""
    existing_id = db.session.execute(
        _SAME_COMMENT, {"submission_id": submission.id, **values}
    ).scalar()
    return db.session.get(Comment, existing_id) if existing_id is not None else None


def _same_comment_statement() -> Select[tuple[int]]:
    """The first comment of a submission, not withdrawn, that says exactly the same thing
    (NULL matches NULL); built once, its values bound per call."""
    c = Comment.__table__.c
    same = [
        c[key].is_not_distinct_from(bindparam(key, type_=c[key].type))
        if c[key].nullable
        else c[key] == bindparam(key, type_=c[key].type)
        for key in (
            "provision_id", "paragraph_id", "quoted_text", "position", "kind", "body",
            "proposed_wording", "rationale", "language",
        )
    ]
    return (
        select(c.id)
        .where(c.submission_id == bindparam("submission_id"), c.withdrawn_at.is_(None), *same)
        .limit(1)
    )


_SAME_COMMENT = _same_comment_statement()


def update_comment(
    user: User,
    comment: Comment,
    fields: CommentFields,
    *,
    expected_lock_version: int | None = None,
    now: datetime | None = None,
) -> Comment:
    """Change what a comment says (a stale form is a conflict)."""
    submission = comment.submission
    lock_submission(submission)
    db.session.refresh(comment)
    now = now or utcnow()
    _ensure_can_edit(user, submission, now)
    if comment.is_withdrawn:
        raise UserError(_("This comment was withdrawn and can no longer be changed."))
    if expected_lock_version is not None and expected_lock_version != comment.lock_version:
        raise Conflict(
            _(
                "This comment was changed in another window or by a colleague since you "
                "opened it. Nothing was saved: reload it, check it and try again."
            )
        )
    values = validated_comment(submission, comment.provision, fields)
    values.pop("provision_id")  # a comment stays on its provision
    authored = comment.authored_values()
    if all(authored[key] == value for key, value in values.items()):
        return comment
    before = {**comment_state(comment), **authored}
    if submission.is_submitted:
        # Kept apart until the submission is submitted again: the public, the secretariat
        # and the figures go on seeing the wording last submitted.
        submitted = {key: getattr(comment, key) for key in values}
        comment.unsubmitted_edit = None if submitted == values else encode_authored(values)
    else:
        for key, value in values.items():
            setattr(comment, key, value)
    _touch(submission, now or utcnow())
    _flush()
    log_action(
        user,
        "update_comment",
        comment,
        before=before,
        after={**comment_state(comment), **comment.authored_values()},
    )
    return comment


def apply_unsubmitted_edits(submission: Submission) -> list[Comment]:
    """Put the authors' unsubmitted edits in place, as the submission is submitted again.

    A published comment whose wording changed goes back to review where the secretariat
    reviews first (the submission then publishes it again where it does not).
    """
    changed: list[Comment] = []
    review_first = submission.consultation.publication_mode is not PublicationMode.IMMEDIATE
    for comment in submission.active_comments:
        if not comment.unsubmitted_edit:
            continue
        values = decode_authored(comment.unsubmitted_edit)
        comment.unsubmitted_edit = None
        if all(getattr(comment, key) == value for key, value in values.items()):
            continue
        for key, value in values.items():
            setattr(comment, key, value)
        if review_first and comment.moderation_status is ModerationStatus.PUBLISHED:
            comment.moderation_status = ModerationStatus.PENDING
        changed.append(comment)
    return changed


def withdraw_comment(user: User, comment: Comment, *, now: datetime | None = None) -> Comment:
    """Withdraw a comment; it stays in the record but no longer counts or shows."""
    submission = comment.submission
    lock_submission(submission)
    now = now or utcnow()
    _ensure_can_edit(user, submission, now)
    if comment.is_withdrawn:
        return comment
    moment = now or utcnow()
    before = comment_state(comment)
    comment.withdrawn_at = moment
    _touch(submission, moment)
    _flush()
    refresh_public_flags(submission)
    log_action(user, "withdraw_comment", comment, before=before, after=comment_state(comment))
    return comment


# --- settings --------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmissionDetails:
    """General remarks and how the submission is made."""

    general_remarks: str | None = None
    on_behalf_kind: OnBehalfKind = OnBehalfKind.NONE
    on_behalf_group: RegionalGroup | None = None
    on_behalf_name: str | None = None
    publishable: bool = True
    cosigner_ids: Sequence[int] = ()


@dataclass(frozen=True)
class ValidDetails:
    """Submission details checked by :func:`validated_details`."""

    general_remarks: str | None
    on_behalf_group: RegionalGroup | None
    on_behalf_name: str | None
    cosigners: dict[int, Organisation]


def validated_details(author: Organisation, details: SubmissionDetails) -> ValidDetails:
    """Check remarks, on-behalf-of and co-signers of a submission made by ``author``."""
    remarks = clean_text(details.general_remarks, 50_000)
    group: RegionalGroup | None = None
    name: str | None = None
    if details.on_behalf_kind is OnBehalfKind.REGIONAL_GROUP:
        if not author.category.is_state:
            raise UserError(_("Only a State can make a submission on behalf of a regional group."))
        group = details.on_behalf_group or author.regional_group
        if group is None:
            raise UserError(_("Choose the regional group on whose behalf you submit."))
    elif details.on_behalf_kind is OnBehalfKind.COALITION:
        name = clean_text(details.on_behalf_name, 300)
        if not name:
            raise UserError(
                _("Give the name of the group or coalition on whose behalf you submit.")
            )
    wanted_ids = sorted(set(details.cosigner_ids))
    if author.id in wanted_ids:
        raise UserError(_("Your own organisation cannot co-sign its submission."))
    organisations = {
        o.id: o
        for o in db.session.scalars(
            select(Organisation).where(
                Organisation.id.in_(wanted_ids),
                Organisation.verification_status != VerificationStatus.REJECTED,
            )
        )
    }
    if len(organisations) != len(wanted_ids):
        raise UserError(_("One of the co-signing organisations chosen does not exist."))
    return ValidDetails(remarks, group, name, organisations)


def update_submission_details(
    user: User,
    submission: Submission,
    details: SubmissionDetails,
    *,
    expected_lock_version: int | None = None,
    now: datetime | None = None,
) -> Submission:
    """Set general remarks, on-behalf-of, publication wish and co-signers."""
    lock_submission(submission)
    now = now or utcnow()
    _ensure_can_edit(user, submission, now)
    if expected_lock_version is not None and expected_lock_version != submission.lock_version:
        raise Conflict(
            _(
                "This submission was changed in another window or by a colleague since you "
                "opened the page. Nothing was saved: reload the page, check it and try again."
            )
        )
    valid = validated_details(submission.organisation, details)
    remarks, group, name = valid.general_remarks, valid.on_behalf_group, valid.on_behalf_name
    organisations = valid.cosigners

    before = submission_state(submission)
    submission.general_remarks = remarks
    submission.on_behalf_kind = details.on_behalf_kind
    submission.on_behalf_group = group
    submission.on_behalf_name = name
    submission.publishable = bool(details.publishable)
    current = {c.organisation_id: c for c in submission.cosigners}
    for org_id, cosigner in current.items():
        if org_id not in organisations:
            submission.cosigners.remove(cosigner)
            db.session.delete(cosigner)
    for org_id, organisation in organisations.items():
        if org_id not in current:
            submission.cosigners.append(Cosigner(organisation=organisation))
    after = submission_state(submission)
    if after == before:
        return submission
    _touch(submission, now or utcnow())
    _flush()
    refresh_public_flags(submission)
    log_action(user, "update_submission", submission, before=before, after=submission_state(
        submission
    ))
    return submission


# --- submitting ------------------------------------------------------------------------


def build_snapshot(submission: Submission) -> dict[str, Any]:
    """Everything the authors submitted, as JSON-ready data (kept in each revision)."""
    comments = sorted(submission.active_comments, key=lambda c: c.id)
    return {
        "organisation": {"id": submission.organisation_id, "name": submission.organisation.name},
        "general_remarks": submission.general_remarks,
        "on_behalf_kind": submission.on_behalf_kind.value,
        "on_behalf_group": submission.on_behalf_group.value
        if submission.on_behalf_group
        else None,
        "on_behalf_name": submission.on_behalf_name,
        "publishable": submission.publishable,
        "cosigners": sorted(
            ({"id": c.organisation.id, "name": c.organisation.name} for c in submission.cosigners),
            key=lambda item: item["id"],
        ),
        "comments": [
            {
                "id": c.id,
                "provision_id": c.provision_id,
                "provision_kind": c.provision.kind.value,
                "provision_number": c.provision.number,
                "provision_position": c.provision.position,
                "paragraph_id": c.paragraph_id,
                "paragraph_label": c.paragraph.display_label if c.paragraph else None,
                "quoted_text": c.quoted_text,
                "position": c.position.value,
                "kind": c.kind.value,
                "body": c.body,
                "proposed_wording": c.proposed_wording,
                "rationale": c.rationale,
                "language": c.language,
            }
            for c in comments
        ],
        "attachments": [
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
    }


def _same_snapshot(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def receipt_number_for(submission: Submission) -> str:
    return f"{RECEIPT_PREFIX}-{submission.consultation_id:03d}-{submission.id:06d}"


@dataclass(frozen=True)
class SubmitResult:
    submission: Submission
    revision: SubmissionRevision | None  # None: nothing had changed since the last revision

    @property
    def created_revision(self) -> bool:
        return self.revision is not None


def submit_submission(
    user: User,
    submission: Submission,
    expected_lock_version: int | None,
    *,
    now: datetime | None = None,
) -> SubmitResult:
    """Submit (or resubmit) the submission: a receipt, a kept revision, publication."""
    lock_submission(submission)
    # One clock reading decides and is recorded: the receipt's time is the time the
    # deadline was checked against, so a submission accepted at the closing second never
    # shows a time after it.
    moment = now = now or utcnow()
    _ensure_can_edit(user, submission, now)
    # A refused submission (a conflict below) rolls the request back, edits included.
    apply_unsubmitted_edits(submission)
    snapshot = build_snapshot(submission)
    last = submission.revisions[-1] if submission.revisions else None
    unchanged = (
        submission.is_submitted and last is not None and _same_snapshot(last.snapshot, snapshot)
    )
    if unchanged and not submission.has_unsubmitted_changes:
        # A double click or a resubmitted form: already done, nothing to record.
        return SubmitResult(submission, None)
    if not unchanged and expected_lock_version != submission.lock_version:
        raise Conflict(
            _(
                "This submission was changed in another window or by a colleague since you "
                "opened the page, so it was not submitted. Review it and submit again."
            )
        )
    before = submission_state(submission)
    revision: SubmissionRevision | None = None
    if not unchanged:
        if not submission.is_submitted:
            submission.status = SubmissionStatus.SUBMITTED
            submission.submitted_at = moment
            submission.receipt_number = receipt_number_for(submission)
        submission.revision_count += 1
        submission.last_submitted_at = moment
        revision = SubmissionRevision(
            submission=submission,
            number=submission.revision_count,
            submitted_at=moment,
            submitted_by_id=user.id,
            snapshot=snapshot,
        )
        db.session.add(revision)
    submission.has_unsubmitted_changes = False
    publish = submission.consultation.publication_mode is PublicationMode.IMMEDIATE
    for comment in submission.active_comments:
        if publish and comment.moderation_status is ModerationStatus.PENDING:
            comment.moderation_status = ModerationStatus.PUBLISHED
    for attachment in submission.attachments:
        # Published on submission too, where its authors agreed to its publication.
        if (
            publish
            and attachment.publish_consent
            and not attachment.is_withdrawn
            and attachment.moderation_status is ModerationStatus.PENDING
        ):
            attachment.moderation_status = ModerationStatus.PUBLISHED
    try:
        _flush()
    except IntegrityError:
        # Another process recorded this revision number first.
        raise Conflict(
            _("This submission was being submitted at the same moment elsewhere. Reload the page.")
        ) from None
    refresh_public_flags(submission)
    log_action(
        user,
        "submit_submission",
        submission,
        before=before,
        after={**submission_state(submission), "revision": revision.number if revision else None},
    )
    logger.info(
        "submission %s submitted by user %s (revision %s)",
        submission.id,
        user.id,
        submission.revision_count,
    )
    if revision is not None:
        # Review's receipt e-mail: sent once the transaction commits; a mail failure is
        # logged, never raised.
        submission_received.send(submission, user=user, revision=revision)
    return SubmitResult(submission, revision)


def refresh_public_flags(submission: Submission) -> None:
    """Recompute Comment.is_public for every comment of ``submission`` in one UPDATE."""
    db.session.flush()
    consultation = submission.consultation
    visible = (
        submission.is_submitted and submission.publishable and consultation.publish_submissions
    )
    table = Comment.__table__
    value: Any = (
        case(
            (
                and_(
                    table.c.moderation_status == ModerationStatus.PUBLISHED,
                    table.c.withdrawn_at.is_(None),
                ),
                true(),
            ),
            else_=false(),
        )
        if visible
        else false()
    )
    db.session.execute(
        update(table).where(table.c.submission_id == submission.id).values(is_public=value)
    )
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Comment) and obj.submission_id == submission.id:
            db.session.expire(obj, ["is_public"])


# --- one call for scripts --------------------------------------------------------------


def compose_submission(
    user: User,
    consultation: Consultation,
    *,
    comments: Sequence[tuple[Provision, CommentFields]] = (),
    details: SubmissionDetails | None = None,
    attachments: Sequence[tuple[str, bytes]] = (),
    submit: bool = True,
    now: datetime | None = None,
) -> Submission:
    """Start, fill and optionally submit a submission in one call (demo loader, CLI)."""
    submission = start_submission(user, consultation, now=now)
    if details is not None:
        update_submission_details(user, submission, details, now=now)
    for provision, fields in comments:
        add_comment(user, submission, provision, fields, now=now)
    from consult_app.submissions.attachments import add_attachment  # it builds on this module

    for filename, data in attachments:
        add_attachment(user, submission, filename, data, now=now)
    if submit:
        submit_submission(user, submission, submission.lock_version, now=now)
    return submission
