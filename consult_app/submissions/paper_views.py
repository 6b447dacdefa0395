"""Position papers: upload a .docx or .pdf, confirm the comments found, save them.

Reading the paper saves nothing: the comments found are shown in a form, one row per
comment, to correct and keep or drop; only that form's "Save" stores anything, through the
operations of a contributor (:func:`commenting.add_comment`) or, for a paper received by
the secretariat, of an offline submission (:func:`offline.record_offline_submission`).
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from consult_app.accounts.models import Organisation, User
from consult_app.consultations.models import Consultation
from consult_app.core.errors import NotAllowed, NotFound, UserError
from consult_app.extensions import db, limiter
from consult_app.submissions import commenting, editing, offline_values, paper_files, papers
from consult_app.submissions import operations as ops
from consult_app.submissions.models import Channel, Submission
from consult_app.submissions.offline_views import (
    flash_recorded,
    organisation_options,
    record_from_form,
    secretariat_consultation,
)
from consult_app.submissions.paper_forms import (
    PaperConfirmForm,
    PaperRecordForm,
    PaperUploadForm,
    row_data,
)

logger = logging.getLogger(__name__)

bp = Blueprint("papers", __name__)


def _submit_limit() -> str:
    return str(current_app.config["SUBMIT_RATE_LIMIT"])


def _user() -> User:
    user: User = current_user._get_current_object()
    return user


def _split(form: PaperUploadForm, index: offline_values.ProvisionIndex) -> papers.SplitPaper | None:
    """The paper of a validated upload form, split; None (errors on the form) otherwise."""
    upload: FileStorage = form.file.data
    limit = int(current_app.config["MAX_ATTACHMENT_BYTES"])
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        form.file.errors = [
            _("The file is too large: at most %(size)s MB.", size=f"{limit / 1024 / 1024:g}")
        ]
        return None
    if not data:
        form.file.errors = [_("The file is empty.")]
        return None
    try:
        blocks = paper_files.read_paper(data)
        return papers.split_paper(blocks, papers.catalogue_from(index.provisions))
    except paper_files.PaperError as error:
        form.file.errors = [error.message]
        return None


# --- a contributor's own submission ------------------------------------------------------


def _editable(submission_id: int, *, for_update: bool = False) -> Submission:
    submission = (
        editing.load_submission_for_update(submission_id)
        if for_update
        else db.session.get(Submission, submission_id)
    )
    if submission is None or not submission.can_view(_user()):
        raise NotFound(_("This submission does not exist."))
    reason = editing.edit_refusal(_user(), submission)
    if reason:
        raise NotAllowed(reason)
    return submission


def _render_confirm(
    submission: Submission, form: PaperConfirmForm, split: papers.SplitPaper | None, status: int
) -> tuple[str, int]:
    return (
        render_template(
            "submissions/paper_confirm.html",
            submission=submission,
            consultation=submission.consultation,
            form=form,
            split=split,
        ),
        status,
    )


@bp.route("/submissions/<int:submission_id>/paper", methods=["GET", "POST"])
@login_required
@limiter.limit(_submit_limit, methods=["POST"])
def upload(submission_id: int) -> tuple[str, int]:
    submission = _editable(submission_id)
    form = PaperUploadForm()
    action = url_for("papers.upload", submission_id=submission.id)
    back = url_for("submissions.show", submission_id=submission.id)
    if request.method == "POST" and form.validate_on_submit():
        index = offline_values.ProvisionIndex(submission.consultation)
        split = _split(form, index)
        if split is not None:
            confirm = PaperConfirmForm(
                formdata=None,
                index=index,
                general_remarks="\n\n".join(split.general),
                comments=row_data(split),
            )
            logger.info(
                "user %s read a position paper for submission %s: %d comments",
                _user().id,
                submission.id,
                len(split.comments),
            )
            return _render_confirm(submission, confirm, split, 200)
    status = 400 if request.method == "POST" else 200
    return (
        render_template(
            "submissions/paper_upload.html",
            form=form,
            action=action,
            back=back,
            consultation=submission.consultation,
            secretariat=False,
        ),
        status,
    )


@bp.post("/submissions/<int:submission_id>/paper/save")
@login_required
@limiter.limit(_submit_limit)
def save(submission_id: int) -> tuple[str, int] | Response:
    submission = _editable(submission_id, for_update=True)
    index = offline_values.ProvisionIndex(submission.consultation)
    form = PaperConfirmForm(index=index)
    if not form.validate_on_submit():
        return _render_confirm(submission, form, None, 400)
    remarks = (form.general_remarks.data or "").strip()
    if not form.comment_items and not remarks:
        form.form_errors.append(
            _("Nothing to save: keep at least one comment, or general remarks.")
        )
        return _render_confirm(submission, form, None, 400)
    user = _user()
    try:
        for provision, fields in form.comment_items:
            commenting.add_comment(user, submission, provision, fields)
        merged = papers.merge_remarks(submission.general_remarks, remarks)
        if merged != submission.general_remarks:
            ops.update_submission_details(
                user,
                submission,
                ops.SubmissionDetails(
                    general_remarks=merged,
                    on_behalf_kind=submission.on_behalf_kind,
                    on_behalf_group=submission.on_behalf_group,
                    on_behalf_name=submission.on_behalf_name,
                    publishable=submission.publishable,
                    cosigner_ids=[c.organisation_id for c in submission.cosigners],
                ),
            )
    except UserError as error:
        if error.status_code != 400:
            raise
        db.session.rollback()
        form.form_errors.append(error.message)
        return _render_confirm(submission, form, None, 400)
    flash(
        ngettext(
            "%(num)d comment from the paper was saved.",
            "%(num)d comments from the paper were saved.",
            len(form.comment_items),
        )
        + " "
        + _("Remember to submit so that the secretariat receives them."),
        "info",
    )
    return redirect(url_for("submissions.show", submission_id=submission.id))


# --- a paper received by the secretariat ------------------------------------------------


def _render_record(
    consultation: Consultation,
    form: PaperRecordForm,
    split: papers.SplitPaper | None,
    status: int,
) -> tuple[str, int]:
    return (
        render_template(
            "submissions/paper_record.html", consultation=consultation, form=form, split=split
        ),
        status,
    )


def _named_organisation(split: papers.SplitPaper, options: list[tuple[int, str]]) -> str:
    """The organisation the opening of the paper names, when it names exactly one."""
    opening = " ".join(split.general[:5]).casefold()
    if not opening:
        return ""
    names = db.session.execute(
        select(Organisation.id, Organisation.name).where(
            Organisation.id.in_([oid for oid, _label in options])
        )
    ).all()
    found = [oid for oid, name in names if name.casefold() in opening]
    return str(found[0]) if len(found) == 1 else ""


@bp.route("/secretariat/submissions/<int:consultation_id>/paper", methods=["GET", "POST"])
@login_required
def record_upload(consultation_id: int) -> tuple[str, int]:
    _me, consultation = secretariat_consultation(consultation_id)
    form = PaperUploadForm()
    action = url_for("papers.record_upload", consultation_id=consultation.id)
    back = url_for("offline.index", consultation_id=consultation.id)
    if request.method == "POST" and form.validate_on_submit():
        index = offline_values.ProvisionIndex(consultation)
        split = _split(form, index)
        if split is not None:
            options = organisation_options(consultation)
            record = PaperRecordForm(
                formdata=None,
                organisations=options,
                organisation=_named_organisation(split, options),
                index=index,
                timezone=consultation.timezone,
                channel=Channel.NOTE_VERBALE.value,
                general_remarks="\n\n".join(split.general),
                comments=row_data(split),
            )
            return _render_record(consultation, record, split, 200)
    status = 400 if request.method == "POST" else 200
    return (
        render_template(
            "submissions/paper_upload.html",
            form=form,
            action=action,
            back=back,
            consultation=consultation,
            secretariat=True,
        ),
        status,
    )


@bp.post("/secretariat/submissions/<int:consultation_id>/paper/record")
@login_required
def record_save(consultation_id: int) -> tuple[str, int] | Response:
    me, consultation = secretariat_consultation(consultation_id)
    form = PaperRecordForm(
        organisations=organisation_options(consultation),
        index=offline_values.ProvisionIndex(consultation),
    )
    if not form.validate_on_submit() or form.received_at is None:
        return _render_record(consultation, form, None, 400)
    try:
        result = record_from_form(me, consultation, form)
    except UserError as error:
        if error.status_code != 400:
            raise
        db.session.rollback()
        form.form_errors.append(error.message)
        return _render_record(consultation, form, None, 400)
    flash_recorded(result)
    return redirect(url_for("submissions.receipt", submission_id=result.submission.id))
