"""What contributors do to a submission: start it, set its details (remarks, on behalf of,
co-signers, publication wish), and :func:`compose_submission`, the one call for scripts.

The other operations have a module each (:mod:`~consult_app.submissions.commenting`,
:mod:`~consult_app.submissions.attachments`, :mod:`~consult_app.submissions.submitting`),
over the rules and locks of :mod:`~consult_app.submissions.editing`. Every operation takes
the acting ``user`` explicitly and reads nothing from the request, so the demo loader and
CLI commands call the same functions as the views. Operations flush and write an audit
entry; they never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import (
    select,
)
from sqlalchemy.exc import IntegrityError

from consult_app.accounts.models import (
    Organisation,
    RegionalGroup,
    User,
    VerificationStatus,
)
from consult_app.consultations.models import Consultation
from consult_app.core.audit import log_action
from consult_app.core.errors import Conflict, NotAllowed, UserError
from consult_app.core.models import utcnow
from consult_app.extensions import db
from consult_app.submissions.commenting import CommentFields, add_comment
from consult_app.submissions.editing import (
    clean_text,
    ensure_can_edit,
    flush,
    lock_submission,
    participation_refusal,
    refresh_public_flags,
    submission_state,
    touch,
)
from consult_app.submissions.models import (
    Channel,
    Cosigner,
    OnBehalfKind,
    Submission,
    SubmissionStatus,
)
from consult_app.submissions.submitting import submit_submission
from consult_app.texts.models import Provision

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
    organisations = (
        {
            o.id: o
            for o in db.session.scalars(
                select(Organisation).where(
                    Organisation.id.in_(wanted_ids),
                    Organisation.verification_status != VerificationStatus.REJECTED,
                )
            )
        }
        if wanted_ids
        else {}
    )
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
    ensure_can_edit(user, submission, now)
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
    touch(submission, now or utcnow())
    flush()
    refresh_public_flags(submission)
    log_action(user, "update_submission", submission, before=before, after=submission_state(
        submission
    ))
    return submission


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
