"""Pages where a contributor drafts, revises and submits the organisation's submission.

Every route answers 404 for a submission the user may not see (another organisation's),
so that its existence is not revealed; the secretariat sees submissions read-only.
"""

from __future__ import annotations

import io
import logging
from collections import defaultdict
from functools import cache
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import joinedload, load_only, selectinload, undefer
from werkzeug.wrappers import Response as BaseResponse
from wtforms.fields.choices import SelectChoice

from consult_app.accounts.models import Organisation, RegionalGroup, User, VerificationStatus
from consult_app.consultations.models import Consultation
from consult_app.core.errors import NotAllowed, NotFound, UserError
from consult_app.core.forms import choices
from consult_app.core.pagination import paginate
from consult_app.extensions import db, limiter
from consult_app.submissions import attachments as attachment_ops
from consult_app.submissions import commenting, editing, submitting
from consult_app.submissions import operations as ops
from consult_app.submissions.forms import (
    ActionForm,
    AttachmentForm,
    CommentForm,
    DetailsForm,
    StartForm,
    SubmitForm,
)
from consult_app.submissions.models import (
    Attachment,
    AuthoredComment,
    Comment,
    CommentKind,
    Cosigner,
    OnBehalfKind,
    Position,
    Submission,
    SubmissionRevision,
    WithheldReason,
)
from consult_app.texts.detect import guess_language
from consult_app.texts.languages import read
from consult_app.texts.models import TEXT_LANGUAGES, Paragraph, Provision
from consult_app.texts.redline import redline_html

logger = logging.getLogger(__name__)

bp = Blueprint("submissions", __name__, url_prefix="/submissions")


def _submit_limit() -> str:
    return str(current_app.config["SUBMIT_RATE_LIMIT"])


def _user() -> User:
    user: User = current_user._get_current_object()
    return user


# --- loading and permission ------------------------------------------------------------


def _load_submission(submission_id: int, *, for_update: bool = False) -> Submission:
    """The submission, if the user may see it; ``for_update`` when the request changes it
    (locked, with its consultation and organisation, in one query)."""
    submission = (
        editing.load_submission_for_update(submission_id)
        if for_update
        else db.session.get(Submission, submission_id)
    )
    if submission is None or not submission.can_view(_user()):
        raise NotFound(_("This submission does not exist."))
    return submission


def _require_edit(submission: Submission) -> None:
    reason = editing.edit_refusal(_user(), submission)
    if reason:
        raise NotAllowed(reason)


def _load_editable(submission_id: int, *, for_update: bool = False) -> Submission:
    submission = _load_submission(submission_id, for_update=for_update)
    _require_edit(submission)
    return submission


def _load_comment(submission: Submission, comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.submission_id != submission.id:
        raise NotFound(_("This comment does not exist."))
    return comment


@cache
def _provision_query() -> Select[Any]:
    """A provision of a given version, with its paragraphs (built once, values bound)."""
    return (
        select(Provision)
        .where(
            Provision.id == bindparam("provision_id"),
            Provision.version_id == bindparam("version_id"),
        )
        .options(joinedload(Provision.paragraphs))
    )


def _load_provision(submission: Submission, provision_id: int) -> Provision:
    provision = (
        db.session.execute(
            _provision_query(),
            {"provision_id": provision_id, "version_id": submission.consultation.version_id},
        )
        .unique()
        .scalar_one_or_none()
    )
    if provision is None:
        raise NotFound(_("This provision is not part of the text under consultation."))
    return provision


def _load_attachment(submission: Submission, attachment_id: int) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.submission_id != submission.id:
        raise NotFound(_("This attachment does not exist."))
    return attachment


def _show(submission_id: int) -> BaseResponse:
    return redirect(url_for("submissions.show", submission_id=submission_id))


# --- list and start --------------------------------------------------------------------


@bp.get("/")
@login_required
def my_submissions() -> str:
    user = _user()
    organisation = user.organisation if user.can_act_for(user.organisation) else None
    pagination = None
    counts: dict[int, int] = {}
    if organisation is not None:
        pagination = paginate(
            select(Submission)
            .where(Submission.organisation_id == organisation.id)
            .options(joinedload(Submission.consultation).selectinload(Consultation.translations))
            .order_by(Submission.created_at.desc(), Submission.id.desc()),
            current_app.config["PER_PAGE"],
        )
        ids = [s.id for s in pagination.items]
        if ids:
            counts = dict(
                db.session.execute(
                    select(Comment.submission_id, func.count(Comment.id))
                    .where(Comment.submission_id.in_(ids), Comment.withdrawn_at.is_(None))
                    .group_by(Comment.submission_id)
                ).all()
            )
    return render_template(
        "submissions/list.html", organisation=organisation, pagination=pagination, counts=counts
    )


@bp.route("/participate/<int:consultation_id>", methods=["GET", "POST"])
@login_required
def participate(consultation_id: int) -> str | BaseResponse:
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        raise NotFound(_("This consultation does not exist."))
    user = _user()
    existing = (
        ops.find_submission(consultation, user.organisation)
        if user.can_act_for(user.organisation) and user.organisation is not None
        else None
    )
    form = StartForm()
    if form.validate_on_submit():
        submission = ops.start_submission(user, consultation)
        if existing is None:
            flash(_("Your submission was started. It is a draft until you submit it."), "info")
        return _show(submission.id)
    if existing is None:
        reason = editing.participation_refusal(user, consultation)
        if reason:
            raise NotAllowed(reason)
    return render_template(
        "submissions/participate.html", consultation=consultation, existing=existing, form=form
    )


# --- the submission page ---------------------------------------------------------------


def _details_form(submission: Submission, formdata: Any = None) -> DetailsForm:
    if formdata is None:
        form = DetailsForm(
            formdata=None,
            prefix="details",
            general_remarks=submission.general_remarks,
            on_behalf_kind=submission.on_behalf_kind.value,
            on_behalf_group=submission.on_behalf_group.value if submission.on_behalf_group else "",
            on_behalf_name=submission.on_behalf_name,
            publishable=submission.publishable,
            cosigners=[c.organisation_id for c in submission.cosigners],
            lock_version=submission.lock_version,
        )
    else:
        form = DetailsForm(prefix="details")
    author = submission.organisation
    kinds = [k for k in OnBehalfKind if k is not OnBehalfKind.REGIONAL_GROUP]
    if author.category.is_state:
        kinds = list(OnBehalfKind)
    form.on_behalf_kind.choices = choices((k.value, k.label) for k in kinds)
    form.cosigners.choices = choices(
        (o.id, o.display_name)
        for o in db.session.scalars(
            select(Organisation)
            .where(
                Organisation.id != author.id,
                Organisation.verification_status != VerificationStatus.REJECTED,
            )
            .order_by(Organisation.name)
            # Hundreds of organisations: only what the option shows.
            .options(load_only(Organisation.name, Organisation.acronym))
        )
    )
    return form


def _render_show(
    submission: Submission, details_form: DetailsForm | None = None, status: int = 200
) -> tuple[str, int]:
    user = _user()
    edit_reason = editing.edit_refusal(user, submission)
    can_edit = edit_reason is None
    consultation = submission.consultation
    provisions = db.session.scalars(
        select(Provision)
        .where(Provision.version_id == consultation.version_id)
        .options(selectinload(Provision.paragraphs))
        .order_by(Provision.position)
    ).all()
    # This page shows the authors' unsubmitted edits; the public sees the submitted wording.
    comments = [
        AuthoredComment(c)
        for c in db.session.scalars(
            select(Comment).where(Comment.submission_id == submission.id).order_by(Comment.id)
        )
    ]
    by_provision: dict[int, list[AuthoredComment]] = defaultdict(list)
    for comment in comments:
        by_provision[comment.provision_id].append(comment)
    paragraphs = {p.id: p for provision in provisions for p in provision.paragraphs}
    provisions_by_id = {p.id: p for p in provisions}
    redlines = {}
    for comment in comments:
        if comment.proposed_wording:
            paragraph = paragraphs.get(comment.paragraph_id) if comment.paragraph_id else None
            base = commenting.amendment_base(
                provisions_by_id[comment.provision_id], paragraph, comment.language
            )
            redlines[comment.id] = redline_html(base, comment.proposed_wording)
    cosigners = db.session.scalars(
        select(Cosigner)
        .where(Cosigner.submission_id == submission.id)
        .options(joinedload(Cosigner.organisation))
        .order_by(Cosigner.id)
    ).all()
    attachments = db.session.scalars(
        select(Attachment).where(Attachment.submission_id == submission.id).order_by(Attachment.id)
    ).all()
    return (
        render_template(
            "submissions/show.html",
            submission=submission,
            consultation=consultation,
            provisions=provisions,
            by_provision=by_provision,
            paragraph_map=paragraphs,
            redlines=redlines,
            cosigners=cosigners,
            attachments=attachments,
            can_edit=can_edit,
            edit_reason=edit_reason,
            details_form=details_form or (_details_form(submission) if can_edit else None),
            submit_form=SubmitForm(
                formdata=None, prefix="submit", lock_version=submission.lock_version
            ),
            attachment_form=AttachmentForm(formdata=None, prefix="attachment"),
            max_attachments=current_app.config["MAX_ATTACHMENTS_PER_SUBMISSION"],
            max_attachment_mb=current_app.config["MAX_ATTACHMENT_BYTES"] / 1024 / 1024,
            reason_labels={r.value: r.label for r in WithheldReason},
        ),
        status,
    )


@bp.get("/<int:submission_id>")
@login_required
def show(submission_id: int) -> tuple[str, int]:
    return _render_show(_load_submission(submission_id))


def _save_details(
    submission: Submission, form: DetailsForm, refused_note: str | None = None
) -> tuple[str, int] | None:
    """Store what the details form holds; the page again (400) when it cannot be stored."""
    if not form.validate_on_submit():
        if refused_note:
            form.form_errors.append(refused_note)
        return _render_show(submission, form, 400)
    kind = OnBehalfKind(form.on_behalf_kind.data)
    details = ops.SubmissionDetails(
        general_remarks=form.general_remarks.data,
        on_behalf_kind=kind,
        on_behalf_group=RegionalGroup(form.on_behalf_group.data)
        if form.on_behalf_group.data
        else None,
        on_behalf_name=form.on_behalf_name.data,
        publishable=bool(form.publishable.data),
        cosigner_ids=form.cosigners.data or [],
    )
    try:
        ops.update_submission_details(
            _user(), submission, details, expected_lock_version=form.lock_version.data
        )
    except UserError as error:
        if error.status_code != 400:
            raise
        db.session.rollback()
        form.form_errors.append(error.message)
        if refused_note:
            form.form_errors.append(refused_note)
        return _render_show(submission, form, 400)
    return None


@bp.post("/<int:submission_id>/details")
@login_required
def update_details(submission_id: int) -> tuple[str, int] | BaseResponse:
    submission = _load_editable(submission_id, for_update=True)
    form = _details_form(submission, formdata=True)
    refused = _save_details(submission, form)
    if refused is not None:
        return refused
    flash(_("Saved. Remember to submit so that the secretariat receives the changes."), "info")
    return _show(submission.id)


@bp.post("/<int:submission_id>/submit")
@login_required
@limiter.limit(_submit_limit)
def submit(submission_id: int) -> tuple[str, int] | BaseResponse:
    submission = _load_editable(submission_id, for_update=True)
    if "details-lock_version" in request.form:
        # The Submit button belongs to the details form: what it holds (general remarks
        # edited without Save included) is stored first, then submitted, or nothing is.
        details_form = _details_form(submission, formdata=True)
        refused = _save_details(submission, details_form, _("Nothing was submitted."))
        if refused is not None:
            return refused
        expected_lock_version: int | None = submission.lock_version
    else:
        form = SubmitForm(prefix="submit")
        if not form.validate_on_submit():
            raise UserError(_("The form was incomplete. Reload the page and submit again."))
        expected_lock_version = form.lock_version.data
    result = submitting.submit_submission(_user(), submission, expected_lock_version)
    if result.revision is None:
        flash(_("Nothing has changed since your last submission; it stands as submitted."), "info")
    elif result.revision.number == 1:
        flash(
            _("Submitted. Your receipt number is %(number)s.", number=submission.receipt_number),
            "info",
        )
    else:
        flash(
            _(
                "Revision %(n)d submitted (receipt %(number)s).",
                n=result.revision.number,
                number=submission.receipt_number,
            ),
            "info",
        )
    return redirect(url_for("submissions.receipt", submission_id=submission.id))


# --- comments --------------------------------------------------------------------------


def _paragraph_choices(provision: Provision) -> list[SelectChoice]:
    pairs = [("", _("The whole of %(label)s", label=provision.label))]
    for paragraph in provision.paragraphs:
        text = paragraph.text if len(paragraph.text) <= 70 else paragraph.text[:70] + "…"
        label = paragraph.display_label or _("Paragraph")
        pairs.append((str(paragraph.id), f"{label} {text}"))
    return choices(pairs)


def _reader_language() -> str:
    code = str(get_locale() or "en").split("_")[0].lower()
    return code if code in TEXT_LANGUAGES else "en"


def _offer_language(form: CommentForm, language: str | None) -> None:
    """Preselect ``language`` (a guess from the text, or the reader's language)."""
    offered = language or guess_language(form.body.data) or _reader_language()
    form.language.data = offered
    form.language_offered.data = offered


def _declared_language(form: CommentForm) -> str | None:
    """The language the author chose; the offer left untouched gives way to a confident
    guess from the text they wrote (the offer was made before there was any)."""
    chosen = form.language.data or ""
    if chosen == form.language_offered.data:
        # The comment itself: a proposed wording may be the prefilled text, left as it was.
        guessed = guess_language(form.body.data)
        if guessed is not None:
            return guessed
    return chosen or None


def _comment_fields(form: CommentForm, provision: Provision) -> commenting.CommentFields:
    paragraph: Paragraph | None = None
    if form.paragraph.data:
        chosen = form.paragraph.data
        paragraph = next((p for p in provision.paragraphs if str(p.id) == chosen), None)
    return commenting.CommentFields(
        language=_declared_language(form),
        position=Position(form.position.data),
        kind=CommentKind(form.kind.data),
        body=form.body.data or "",
        paragraph=paragraph,
        quoted_text=form.quoted_text.data,
        proposed_wording=form.proposed_wording.data,
        rationale=form.rationale.data,
    )


def _render_comment_form(
    submission: Submission,
    provision: Provision,
    form: CommentForm,
    comment: Comment | None,
    status: int,
) -> tuple[str, int]:
    # The provision in the reader's language where translated (one query), the original's
    # with a note where not.
    (reading,) = read([provision], submission.consultation.version, str(get_locale()))
    return (
        render_template(
            "submissions/comment_form.html",
            submission=submission,
            provision=provision,
            reading=reading,
            form=form,
            comment=comment,
        ),
        status,
    )


@bp.route("/<int:submission_id>/provisions/<int:provision_id>/comment", methods=["GET", "POST"])
@login_required
@limiter.limit(_submit_limit, methods=["POST"])
def add_comment(submission_id: int, provision_id: int) -> tuple[str, int] | BaseResponse:
    submission = _load_editable(submission_id, for_update=request.method == "POST")
    provision = _load_provision(submission, provision_id)
    form = CommentForm()
    form.paragraph.choices = _paragraph_choices(provision)
    if request.method == "GET":
        chosen = request.args.get("paragraph", "")
        paragraph = next((p for p in provision.paragraphs if str(p.id) == chosen), None)
        form.paragraph.data = str(paragraph.id) if paragraph else ""
        _offer_language(form, None)
        form.proposed_wording.data = commenting.amendment_base(
            provision, paragraph, form.language.data
        )
        return _render_comment_form(submission, provision, form, None, 200)
    if form.validate_on_submit():
        try:
            saved = commenting.add_comment(
                _user(), submission, provision, _comment_fields(form, provision)
            )
        except UserError as error:
            if error.status_code != 400:
                raise
            db.session.rollback()
            form.form_errors.append(error.message)
        else:
            flash(_("Your comment on %(label)s was saved.", label=provision.label), "info")
            # Straight to the saved comment (focusable), not the top of the page.
            return redirect(
                url_for("submissions.show", submission_id=submission.id) + f"#comment-{saved.id}"
            )
    return _render_comment_form(submission, provision, form, None, 400)


@bp.route("/<int:submission_id>/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_comment(submission_id: int, comment_id: int) -> tuple[str, int] | BaseResponse:
    submission = _load_submission(submission_id, for_update=request.method == "POST")
    comment = _load_comment(submission, comment_id)
    _require_edit(submission)
    if comment.is_withdrawn:
        raise UserError(_("This comment was withdrawn and can no longer be changed."))
    provision = _load_provision(submission, comment.provision_id)
    if request.method == "GET":
        authored = AuthoredComment(comment)  # with the edit not submitted yet, if any
        form = CommentForm(
            formdata=None,
            paragraph=str(authored.paragraph_id) if authored.paragraph_id else "",
            quoted_text=authored.quoted_text,
            position=authored.position.value,
            kind=authored.kind.value,
            body=authored.body,
            proposed_wording=authored.proposed_wording
            or commenting.amendment_base(provision, authored.paragraph, authored.language),
            rationale=authored.rationale,
            lock_version=comment.lock_version,
        )
        _offer_language(form, authored.language)
        if authored.language:  # declared before: kept as declared, not guessed again
            form.language_offered.data = ""
        form.paragraph.choices = _paragraph_choices(provision)
        return _render_comment_form(submission, provision, form, comment, 200)
    form = CommentForm()
    form.paragraph.choices = _paragraph_choices(provision)
    if form.validate_on_submit():
        try:
            commenting.update_comment(
                _user(),
                comment,
                _comment_fields(form, provision),
                expected_lock_version=form.lock_version.data,
            )
        except UserError as error:
            if error.status_code != 400:
                raise
            db.session.rollback()
            form.form_errors.append(error.message)
        else:
            flash(_("Your comment on %(label)s was updated.", label=provision.label), "info")
            return redirect(
                url_for("submissions.show", submission_id=submission.id) + f"#comment-{comment.id}"
            )
    return _render_comment_form(submission, provision, form, comment, 400)


@bp.post("/<int:submission_id>/comments/<int:comment_id>/withdraw")
@login_required
def withdraw_comment(submission_id: int, comment_id: int) -> BaseResponse:
    submission = _load_submission(submission_id, for_update=True)
    comment = _load_comment(submission, comment_id)
    _require_edit(submission)
    if not ActionForm().validate_on_submit():
        raise UserError(_("The form was incomplete. Reload the page and try again."))
    commenting.withdraw_comment(_user(), comment)
    flash(_("The comment was withdrawn. It stays in the record but no longer counts."), "info")
    anchor = f"#provision-{comment.provision_id}"
    return redirect(url_for("submissions.show", submission_id=submission.id) + anchor)


# --- attachments -----------------------------------------------------------------------


@bp.post("/<int:submission_id>/attachments")
@login_required
@limiter.limit(_submit_limit)
def upload_attachment(submission_id: int) -> tuple[str, int] | BaseResponse:
    # Not locked here: the upload is read first (the operation locks the row after it).
    submission = _load_editable(submission_id)
    form = AttachmentForm(prefix="attachment")
    if not form.validate_on_submit():
        message = next(iter(form.file.errors), None) or _(
            "The form was incomplete. Reload the page and try again."
        )
        raise UserError(str(message))
    upload = form.file.data
    limit = int(current_app.config["MAX_ATTACHMENT_BYTES"])
    data = upload.stream.read(limit + 1)
    attachment = attachment_ops.add_attachment(
        _user(),
        submission,
        upload.filename or "",
        data,
        publish_consent=bool(form.publish_consent.data),
    )
    flash(_("“%(name)s” is attached.", name=attachment.display_name), "info")
    return redirect(url_for("submissions.show", submission_id=submission.id) + "#attachments")


@bp.get("/<int:submission_id>/attachments/<int:attachment_id>")
@login_required
def download_attachment(submission_id: int, attachment_id: int) -> Response:
    submission = _load_submission(submission_id)
    attachment = db.session.execute(
        select(Attachment)
        .where(Attachment.id == attachment_id, Attachment.submission_id == submission.id)
        .options(undefer(Attachment.data))
    ).scalar_one_or_none()
    if attachment is None:
        raise NotFound(_("This attachment does not exist."))
    response = send_file(
        io.BytesIO(attachment.data),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/<int:submission_id>/attachments/<int:attachment_id>/withdraw")
@login_required
def withdraw_attachment(submission_id: int, attachment_id: int) -> BaseResponse:
    submission = _load_submission(submission_id, for_update=True)
    attachment = _load_attachment(submission, attachment_id)
    _require_edit(submission)
    if not ActionForm().validate_on_submit():
        raise UserError(_("The form was incomplete. Reload the page and try again."))
    attachment_ops.withdraw_attachment(_user(), attachment)
    flash(_("The attachment was withdrawn. It stays in the record."), "info")
    return redirect(url_for("submissions.show", submission_id=submission.id) + "#attachments")


# --- receipt and revisions -------------------------------------------------------------


def _counts_per_provision(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    rows: dict[tuple[int, str, str], int] = defaultdict(int)
    for comment in snapshot.get("comments", []):
        key = (
            int(comment.get("provision_position") or 0),
            str(comment.get("provision_kind") or ""),
            str(comment.get("provision_number") or ""),
        )
        rows[key] += 1
    return [
        {"kind": kind, "number": number, "count": count}
        for (_position, kind, number), count in sorted(rows.items())
    ]


def _on_behalf_text(snapshot: dict[str, Any]) -> str:
    kind = snapshot.get("on_behalf_kind")
    group = snapshot.get("on_behalf_group")
    if kind == OnBehalfKind.REGIONAL_GROUP.value and group in {g.value for g in RegionalGroup}:
        return _("On behalf of the %(group)s", group=RegionalGroup(group).label)
    if kind == OnBehalfKind.COALITION.value and snapshot.get("on_behalf_name"):
        return _("On behalf of %(name)s", name=snapshot["on_behalf_name"])
    return _("For the organisation itself")


@bp.get("/<int:submission_id>/receipt")
@login_required
def receipt(submission_id: int) -> str:
    submission = _load_submission(submission_id)
    if not submission.is_submitted:
        raise NotFound(_("This submission has not been submitted yet, so it has no receipt."))
    revision = db.session.execute(
        select(SubmissionRevision)
        .where(SubmissionRevision.submission_id == submission.id)
        .order_by(SubmissionRevision.number.desc())
        .limit(1)
    ).scalar_one_or_none()
    snapshot = revision.snapshot if revision is not None else submitting.build_snapshot(submission)
    return render_template(
        "submissions/receipt.html",
        submission=submission,
        consultation=submission.consultation,
        revision=revision,
        snapshot=snapshot,
        counts=_counts_per_provision(snapshot),
        on_behalf=_on_behalf_text(snapshot),
    )


@bp.get("/<int:submission_id>/revisions")
@login_required
def revisions(submission_id: int) -> str:
    submission = _load_submission(submission_id)
    items = db.session.scalars(
        select(SubmissionRevision)
        .where(SubmissionRevision.submission_id == submission.id)
        .options(joinedload(SubmissionRevision.submitted_by))
        .order_by(SubmissionRevision.number.desc())
    ).all()
    return render_template(
        "submissions/revisions.html",
        submission=submission,
        consultation=submission.consultation,
        revisions=items,
        on_behalf={r.id: _on_behalf_text(r.snapshot) for r in items},
        labels={
            "position": {p.value: p.label for p in Position},
            "kind": {k.value: k.label for k in CommentKind},
        },
    )
