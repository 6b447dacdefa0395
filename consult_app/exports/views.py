"""Downloads and background export jobs.

Anyone may download the newest public file of each export; the secretariat starts jobs,
follows their progress and downloads internal files. Pages refresh themselves (an HTTP
``Refresh`` header, no JavaScript) while a job is queued or running.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from consult_app.consultations.models import Consultation
from consult_app.core.errors import NotAllowed, NotFound
from consult_app.core.pagination import paginate
from consult_app.core.storage import get_storage
from consult_app.exports.forms import (
    ExportForm,
    ReportSettingsForm,
    RetryForm,
    language_names,
    parse_choice,
)
from consult_app.exports.jobs import (
    download_name,
    is_latest_public,
    is_stale,
    job_file,
    latest_public_job_ids,
    request_export,
    retry_export,
)
from consult_app.exports.models import FORMATS_BY_KIND, ExportFormat, ExportJob, ExportKind
from consult_app.exports.operations import report_settings, save_report_settings
from consult_app.extensions import db, login_manager

bp = Blueprint("exports", __name__, url_prefix="/exports")
logger = logging.getLogger(__name__)

REFRESH_SECONDS = 3
JOBS_PER_PAGE = 20


def _get_consultation(consultation_id: int) -> Consultation:
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None or not consultation.can_view(current_user):
        raise NotFound(_("This consultation does not exist."))
    return consultation


def _get_job(job_id: int) -> ExportJob:
    job = db.session.get(ExportJob, job_id, options=[joinedload(ExportJob.consultation)])
    if job is None:
        raise NotFound(_("This export does not exist."))
    return job


def _get_status_job(job_id: int) -> ExportJob:
    """A job whose page (progress, errors, starting it again) the user may see."""
    job = _get_job(job_id)
    if not job.can_view_status(current_user):
        raise NotFound(_("This export does not exist."))
    return job


def _settings_form(consultation: Consultation) -> ReportSettingsForm:
    """The report settings form filled with what is stored (or the defaults)."""
    settings = report_settings(consultation)
    form = ReportSettingsForm(formdata=None, obj=settings)
    form.body.data = settings.body.value
    return form


def _page(
    consultation: Consultation,
    form: ExportForm,
    status: int = 200,
    settings_form: ReportSettingsForm | None = None,
) -> Response:
    latest_ids = latest_public_job_ids(consultation)
    latest = {
        job.id: job
        for job in db.session.scalars(
            select(ExportJob).where(ExportJob.id.in_(list(latest_ids.values())))
        )
    }
    # Each kind and format: its newest public file in each language it was built in (the
    # English one first), or one row "not built yet".
    available: list[tuple[ExportKind, ExportFormat, ExportJob | None]] = []
    for kind, formats in FORMATS_BY_KIND.items():
        for fmt in formats:
            built = sorted(
                (latest[job_id] for (k, f, _lang), job_id in latest_ids.items()
                 if (k, f) == (kind, fmt) and job_id in latest),
                key=lambda job: (job.language != "en", job.language),
            )  # fmt: skip
            available += [(kind, fmt, job) for job in built] or [(kind, fmt, None)]
    can_manage = consultation.can_manage(current_user)
    pagination = None
    if can_manage:
        pagination = paginate(
            select(ExportJob)
            .options(joinedload(ExportJob.requested_by))
            .where(ExportJob.consultation_id == consultation.id)
            .order_by(ExportJob.id.desc()),
            JOBS_PER_PAGE,
        )
    stale = (
        {job.id for job in pagination.items if is_stale(job)} if pagination is not None else set()
    )
    active = pagination is not None and any(
        job.status.is_active and job.id not in stale for job in pagination.items
    )
    response = current_app.make_response(
        (
            render_template(
                "exports/index.html",
                consultation=consultation,
                available=available,
                language_names=language_names(),
                can_manage=can_manage,
                form=form,
                settings_form=(
                    settings_form or _settings_form(consultation) if can_manage else None
                ),
                pagination=pagination,
                active=active,
                stale=stale,
            ),
            status,
        )
    )
    if active:
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    return response


@bp.get("/<int:consultation_id>")
def index(consultation_id: int) -> Response:
    consultation = _get_consultation(consultation_id)
    return _page(consultation, ExportForm())


@bp.post("/<int:consultation_id>")
@login_required
def start(consultation_id: int) -> Response:
    consultation = _get_consultation(consultation_id)
    if not consultation.can_manage(current_user):
        raise NotAllowed(_("Only the secretariat can build exports."))
    form = ExportForm()
    if not form.validate_on_submit():
        return _page(consultation, form, status=400)
    kind, fmt = parse_choice(form.export.data or "")
    job = request_export(
        current_user,
        consultation,
        kind,
        fmt,
        internal=bool(form.internal.data),
        language=form.language.data or "en",
    )
    flash(_("The export has been queued; this page shows its progress."), "success")
    return redirect(url_for("exports.job_status", job_id=job.id))


@bp.post("/<int:consultation_id>/report-settings")
@login_required
def save_settings(consultation_id: int) -> Response:
    """Store the masthead and word limit of the consultation's report."""
    consultation = _get_consultation(consultation_id)
    if not consultation.can_manage(current_user):
        raise NotAllowed(_("Only the secretariat can change the report settings."))
    form = ReportSettingsForm()
    if not form.validate_on_submit():
        return _page(consultation, ExportForm(formdata=None), status=400, settings_form=form)
    save_report_settings(
        current_user, consultation, expected_lock_version=form.lock_version.data, **form.values()
    )
    flash(_("The report settings were saved. They apply to the next report built."), "success")
    return redirect(
        url_for("exports.index", consultation_id=consultation.id, _anchor="report-settings")
    )


@bp.get("/jobs/<int:job_id>")
@login_required
def job_status(job_id: int) -> Response:
    job = _get_status_job(job_id)
    stale = is_stale(job)
    response = current_app.make_response(
        render_template(
            "exports/job.html",
            job=job,
            has_file=job_file(job) is not None,
            stale=stale,
            retry_form=RetryForm(),
        )
    )
    if job.status.is_active and not stale:
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    return response


@bp.post("/jobs/<int:job_id>/retry")
@login_required
def retry(job_id: int) -> Response:
    """Start a failed or stopped export again (a new job with the same choices)."""
    job = _get_status_job(job_id)
    form = RetryForm()
    if not form.validate_on_submit():
        flash(_("The form has expired; please try again."), "error")
        return redirect(url_for("exports.job_status", job_id=job.id))
    new_job = retry_export(current_user, job)
    flash(_("The export has been queued again; this page shows its progress."), "success")
    return redirect(url_for("exports.job_status", job_id=new_job.id))


@bp.get("/jobs/<int:job_id>/download")
def download(job_id: int) -> Response:
    job = _get_job(job_id)
    if not job.can_download(current_user, is_latest_public=is_latest_public(job)):
        if job.internal and not current_user.is_authenticated:
            return login_manager.unauthorized()
        raise NotFound(_("This export does not exist."))
    key = job_file(job)
    storage = get_storage()
    source: Path | io.BytesIO | None = storage.local_path(key) if key else None
    if key and source is None:
        data = storage.get(key)
        source = io.BytesIO(data) if data is not None else None
    if source is None:
        raise NotFound(_("The file of this export is no longer available; build it again."))
    logger.info("export job %s downloaded by %s", job.id, getattr(current_user, "id", None))
    response = send_file(
        source,
        mimetype=job.format.content_type,
        as_attachment=True,
        download_name=download_name(job),
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store" if job.internal else "no-cache"
    return response
