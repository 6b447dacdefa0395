"""Submissions received outside the platform, recorded by the secretariat."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from consult_app.accounts.models import Organisation, RegionalGroup, User, VerificationStatus
from consult_app.accounts.util import signed_in_user
from consult_app.consultations.models import Consultation
from consult_app.core.errors import NotAllowed, NotFound, UserError
from consult_app.core.guards import allow_larger_body
from consult_app.core.pagination import paginate
from consult_app.extensions import db
from consult_app.submissions import import_jobs, offline, offline_import, offline_values
from consult_app.submissions.models import (
    Channel,
    Comment,
    ImportJob,
    OnBehalfKind,
    Submission,
    SubmissionStatus,
)
from consult_app.submissions.offline_forms import (
    ImportForm,
    OfflineSubmissionForm,
    rows_arg,
)

bp = Blueprint("offline", __name__, url_prefix="/secretariat/submissions")
# A file of up to 20,000 rows is larger than other forms' bodies (MAX_CONTENT_LENGTH).
allow_larger_body("offline.import_file", "MAX_SUBMISSIONS_IMPORT_BYTES")


def secretariat_consultation(consultation_id: int) -> tuple[User, Consultation]:
    me = signed_in_user()
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        raise NotFound(_("This consultation does not exist."))
    if not consultation.can_manage(me):
        raise NotAllowed(_("Only the secretariat records submissions received outside."))
    return me, consultation


@bp.get("/<int:consultation_id>/")
@login_required
def index(consultation_id: int) -> str:
    _me, consultation = secretariat_consultation(consultation_id)
    page = paginate(
        select(Submission)
        .where(
            Submission.consultation_id == consultation.id,
            Submission.status == SubmissionStatus.SUBMITTED,
        )
        .options(joinedload(Submission.organisation))
        .order_by(Submission.submitted_at.desc(), Submission.id.desc()),
        int(current_app.config["PER_PAGE"]),
    )
    ids = [s.id for s in page.items]
    counts = (
        dict(
            db.session.execute(
                select(Comment.submission_id, func.count(Comment.id))
                .where(Comment.submission_id.in_(ids), Comment.withdrawn_at.is_(None))
                .group_by(Comment.submission_id)
            ).all()
        )
        if ids
        else {}
    )
    return render_template(
        "offline/index.html", consultation=consultation, page=page, counts=counts
    )


def organisation_options(consultation: Consultation) -> list[tuple[int, str]]:
    existing = dict(
        db.session.execute(
            select(Submission.organisation_id, Submission.receipt_number).where(
                Submission.consultation_id == consultation.id
            )
        ).all()
    )
    options = []
    for org in db.session.scalars(
        select(Organisation)
        .where(
            Organisation.verification_status != VerificationStatus.REJECTED,
            Organisation.category.in_(consultation.categories),
        )
        .order_by(Organisation.name)
    ):
        label = org.display_name
        if org.id in existing:
            receipt = existing[org.id] or _("draft")
            label = _("%(name)s — has a submission (%(receipt)s): added as a new revision",
                      name=label, receipt=receipt)
        options.append((org.id, label))
    return options


def _render_form(
    consultation: Consultation, form: OfflineSubmissionForm, rows: int, status: int
) -> tuple[str, int]:
    return (
        render_template("offline/new.html", consultation=consultation, form=form, rows=rows),
        status,
    )


def record_from_form(
    me: User, consultation: Consultation, form: OfflineSubmissionForm
) -> offline.RecordResult:
    """Record what a validated :class:`OfflineSubmissionForm` (or a subclass) holds."""
    assert form.received_at is not None  # the form computed it when it validated
    organisation = db.session.get(Organisation, int(form.organisation.data))
    assert organisation is not None  # the form checked it is in the list
    return offline.record_offline_submission(
        me,
        consultation,
        organisation,
        channel=Channel(form.channel.data),
        channel_detail=form.channel_detail.data,
        received_at=form.received_at,
        general_remarks=form.general_remarks.data,
        comments=form.comment_items,
        publishable=bool(form.publishable.data),
        on_behalf_kind=OnBehalfKind(form.on_behalf_kind.data),
        on_behalf_group=RegionalGroup(form.on_behalf_group.data)
        if form.on_behalf_group.data
        else None,
        on_behalf_name=form.on_behalf_name.data,
        cosigner_ids=form.cosigners.data or [],
    )


def flash_recorded(result: offline.RecordResult) -> None:
    submission = result.submission
    if result.revision is None:
        flash(_("Nothing new: this was already recorded (receipt %(number)s).",
                number=submission.receipt_number), "info")
    elif result.created:
        flash(_("Recorded with receipt number %(number)s.", number=submission.receipt_number),
              "success")
    else:
        flash(
            _("Added to the existing submission of %(name)s as revision %(n)d (receipt "
              "%(number)s).", name=submission.organisation.name, n=result.revision.number,
              number=submission.receipt_number),
            "success",
        )


@bp.route("/<int:consultation_id>/new", methods=["GET", "POST"])
@login_required
def new(consultation_id: int) -> tuple[str, int] | Response:
    me, consultation = secretariat_consultation(consultation_id)
    rows = rows_arg(request.args.get("rows"))
    options = organisation_options(consultation)
    index = offline_values.ProvisionIndex(consultation)
    if request.method == "GET":
        form = OfflineSubmissionForm(
            organisations=options,
            index=index,
            timezone=consultation.timezone,
            comments=[{} for _ in range(rows)],
        )
        return _render_form(consultation, form, rows, 200)
    form = OfflineSubmissionForm(organisations=options, index=index)
    if not form.validate_on_submit() or form.received_at is None:
        return _render_form(consultation, form, rows, 400)
    try:
        result = record_from_form(me, consultation, form)
    except UserError as error:
        if error.status_code != 400:
            raise
        db.session.rollback()
        form.form_errors.append(error.message)
        return _render_form(consultation, form, rows, 400)
    flash_recorded(result)
    submission = result.submission
    return redirect(url_for("submissions.receipt", submission_id=submission.id))


REFRESH_SECONDS = 2
#: Problems of a rejected file shown on its job page (the job keeps up to
#: ``ImportJob.MAX_STORED_ERRORS``; the page says how many there are in all).
SHOWN_ERRORS = 200


def _render_import(consultation: Consultation, form: ImportForm, status: int) -> tuple[str, int]:
    return (
        render_template(
            "offline/import.html",
            consultation=consultation,
            form=form,
            columns=offline_import.COLUMNS,
            jobs=import_jobs.recent_jobs(consultation),
        ),
        status,
    )


@bp.route("/<int:consultation_id>/import", methods=["GET", "POST"])
@login_required
def import_file(consultation_id: int) -> tuple[str, int] | Response:
    """The form; a file sent is imported in the background (its job page shows how)."""
    me, consultation = secretariat_consultation(consultation_id)
    form = ImportForm()
    if request.method == "GET":
        return _render_import(consultation, form, 200)
    if not form.validate_on_submit():
        return _render_import(consultation, form, 400)
    limit = int(current_app.config["MAX_SUBMISSIONS_IMPORT_BYTES"])
    data = form.file.data.stream.read(limit + 1)
    if len(data) > limit:
        form.file.errors = [
            _("The file is too large: at most %(size)s MB.", size=f"{limit / 1024 / 1024:g}")
        ]
        return _render_import(consultation, form, 400)
    job = import_jobs.request_import(
        me, consultation, data, form.file.data.filename, dry_run=bool(form.dry_run.data)
    )
    return redirect(
        url_for("offline.import_job", consultation_id=consultation.id, job_id=job.id), 303
    )


def _import_job(consultation_id: int, job_id: int) -> tuple[Consultation, ImportJob]:
    _me, consultation = secretariat_consultation(consultation_id)
    job = db.session.get(ImportJob, job_id)
    if job is None or job.consultation_id != consultation.id:
        raise NotFound(_("This import does not exist."))
    return consultation, job


def _import_summary(result: dict[str, Any], *, dry_run: bool) -> str:
    """What an import recorded (or, checked only, would record): each count with the plural
    of its own language, written as numbers are in the reader's language."""

    def n(key: str) -> int:
        return int(result.get(key) or 0)

    def number(key: str) -> str:
        return format_number(n(key))

    parts = {
        "submissions": ngettext(
            "%(count)s submission",
            "%(count)s submissions",
            n("submissions"),
            count=number("submissions"),
        ),
        # TRANSLATORS: "new" submissions (of an import), as in "(2 new, 1 added to ...)".
        "created": ngettext(
            "%(count)s new", "%(count)s new", n("created"), count=number("created")
        ),
        "added": ngettext(
            "%(count)s added to an existing submission",
            "%(count)s added to existing submissions",
            n("added"),
            count=number("added"),
        ),
        "comments": ngettext(
            "%(count)s comment", "%(count)s comments", n("comments"), count=number("comments")
        ),
    }
    if dry_run:
        return _(
            "Importing it would record %(submissions)s (%(created)s, %(added)s) with "
            "%(comments)s. Nothing was imported yet.",
            **parts,
        )
    return _("Imported %(submissions)s (%(created)s, %(added)s) with %(comments)s.", **parts)


@bp.get("/<int:consultation_id>/imports/<int:job_id>")
@login_required
def import_job(consultation_id: int, job_id: int) -> Response:
    """Where an import is: its progress while it runs (the page refreshes itself), then
    what was imported, or the problems of the file."""
    consultation, job = _import_job(consultation_id, job_id)
    stale = import_jobs.is_stale(job)
    active = job.status.is_active and not stale
    # The page reloads itself (a ``Refresh`` header: no JavaScript, and not the <meta> that
    # WCAG 2.2.1 refuses) unless the reader asked it to stop (``?auto=0``).
    refresh = active and request.args.get("auto") != "0"
    response = current_app.make_response(
        render_template(
            "offline/import_job.html",
            consultation=consultation,
            job=job,
            stale=stale,
            active=active,
            refresh=refresh,
            shown_errors=(job.errors or [])[:SHOWN_ERRORS],
            format_number=format_number,
            summary=_import_summary(job.result, dry_run=job.dry_run) if job.result else None,
        )
    )
    if refresh:
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    return response


@bp.get("/<int:consultation_id>/imports/<int:job_id>/status")
@login_required
def import_job_status(consultation_id: int, job_id: int) -> Response:
    """The job's progress as JSON, for the page's script (the page works without it)."""
    _consultation, job = _import_job(consultation_id, job_id)
    stale = import_jobs.is_stale(job)
    return jsonify(
        status=job.status.value,
        status_label=_("Stopped without finishing") if stale else job.status.label,
        stage=job.stage.value,
        stage_label=job.stage.label,
        rows_done=job.rows_done,
        rows_total=job.rows_total,
        percent=job.percent,
        rows_label=_("%(done)s of %(total)s rows", done=format_number(job.rows_done),
                     total=format_number(job.rows_total)),
        active=job.status.is_active and not stale,
    )
