"""Consultations: the public list, and the secretariat's forms to open and change them.

The consultation's page and its provisions' pages list published comments: they are in
submissions/public_views.py, on this blueprint (same endpoints and URLs).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from consult_app.accounts.models import OrgCategory
from consult_app.consultations.forms import ConsultationForm
from consult_app.consultations.models import Consultation, Phase, PublicationMode
from consult_app.consultations.operations import open_consultation, update_consultation
from consult_app.consultations.queries import (
    consultation_with_text,
    consultations_query,
    version_choices,
)
from consult_app.core.errors import NotAllowed, NotFound
from consult_app.core.pagination import paginate
from consult_app.extensions import db
from consult_app.texts.models import TextVersion

bp = Blueprint("consultations", __name__, url_prefix="/consultations")
logger = logging.getLogger(__name__)


def get_viewable(consultation_id: int) -> Consultation:
    """The consultation, or NotFound when it does not exist or the reader may not see it."""
    return viewable(consultation_with_text(consultation_id))


def viewable(consultation: Consultation | None) -> Consultation:
    if consultation is None or not consultation.can_view(current_user):
        raise NotFound(_("This consultation does not exist."))
    return consultation


# --- public pages ----------------------------------------------------------------------


@bp.get("/")
def list_consultations() -> str:
    raw_phase = request.args.get("phase") or None
    try:
        phase = Phase(raw_phase) if raw_phase else None
    except ValueError:
        abort(400)
    pagination = paginate(consultations_query(phase), current_app.config["PER_PAGE"])
    return render_template(
        "consultations/list.html", pagination=pagination, phase=phase, phases=list(Phase)
    )


# --- secretariat -----------------------------------------------------------------------


def _form_context(form: ConsultationForm, **extra: Any) -> dict[str, Any]:
    return {
        "form": form,
        "category_labels": {c.value: c.label for c in OrgCategory},
        "modes": list(PublicationMode),
        **extra,
    }


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_consultation() -> str | Response | tuple[str, int]:
    if not current_user.can_manage_consultations():
        raise NotAllowed(_("Only the secretariat can open consultations."))
    versions = version_choices()
    form = ConsultationForm(versions=versions)
    if request.method == "GET":
        form.categories.data = [c.value for c in OrgCategory]
    if form.validate_on_submit() and not form.check.data:
        assert form.opens_at is not None and form.closes_at is not None
        version = db.session.get(TextVersion, form.version_id.data)
        consultation = open_consultation(
            current_user,
            version,
            title=form.title.data or "",
            description=form.description.data,
            instructions=form.instructions.data,
            opens_at=form.opens_at,
            closes_at=form.closes_at,
            timezone=form.timezone.data,
            categories=form.categories.data or [],
            publication_mode=form.publication_mode.data,
            publish_submissions=form.publish_submissions.data,
            allow_attribution=form.allow_attribution.data,
        )
        flash(_("The consultation was opened."), "success")
        return redirect(url_for(".show", consultation_id=consultation.id))
    status = 400 if form.is_submitted() and form.errors else 200
    return render_template(
        "consultations/form.html",
        **_form_context(form, consultation=None, has_versions=bool(versions)),
    ), status


@bp.route("/<int:consultation_id>/edit", methods=["GET", "POST"])
@login_required
def edit_consultation(consultation_id: int) -> str | Response | tuple[str, int]:
    consultation = get_viewable(consultation_id)
    if not consultation.can_manage(current_user):
        raise NotAllowed(_("Only the secretariat can change consultations."))
    version_locked = consultation.has_opened()
    form = ConsultationForm(versions=version_choices(), obj=consultation)
    if version_locked:
        del form.version_id
    if request.method == "GET":
        form.set_dates(consultation.opens_at, consultation.closes_at, consultation.timezone)
        form.categories.data = list(consultation.eligible_categories)
        form.publication_mode.data = consultation.publication_mode.value
        form.lock_version.data = str(consultation.lock_version)
    if form.validate_on_submit() and not form.check.data:
        changes: dict[str, Any] = {
            "title": form.title.data,
            "description": form.description.data,
            "instructions": form.instructions.data,
            "opens_at": form.opens_at,
            "closes_at": form.closes_at,
            "timezone": form.timezone.data,
            "categories": form.categories.data or [],
            "publication_mode": form.publication_mode.data,
            "publish_submissions": form.publish_submissions.data,
            "allow_attribution": form.allow_attribution.data,
        }
        if not version_locked:
            changes["version"] = db.session.get(TextVersion, form.version_id.data)
        lock = form.lock_version.data
        update_consultation(
            current_user,
            consultation,
            expected_lock_version=int(lock) if lock and lock.isascii() and lock.isdigit() else None,
            **changes,
        )
        flash(_("The consultation was updated."), "success")
        return redirect(url_for(".show", consultation_id=consultation.id))
    status = 400 if form.is_submitted() and form.errors else 200
    return render_template(
        "consultations/form.html",
        **_form_context(
            form, consultation=consultation, version_locked=version_locked, has_versions=True
        ),
    ), status
