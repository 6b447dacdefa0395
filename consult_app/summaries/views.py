"""Dashboard, per-provision figures and the narrative summaries of a consultation.

The dashboard and figures pages are public: visitors see figures from published comments
only, the secretariat also sees pending ones. Summaries are drafted from published data;
only the secretariat drafts, edits, regenerates and publishes them, and visitors read a
summary only as it was last published.
"""

from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from consult_app.consultations.models import Consultation
from consult_app.core.cache import cached
from consult_app.core.errors import Conflict, NotAllowed, NotFound, UserError
from consult_app.extensions import db
from consult_app.summaries.aggregation import provision_figures
from consult_app.summaries.commands import recount_command, summaries_cli
from consult_app.summaries.consensus import classify
from consult_app.summaries.dashboard import build_dashboard
from consult_app.summaries.disclosure import is_suppressed, min_cell_size, public_figures
from consult_app.summaries.forms import (
    ChoiceForm,
    ConsensusSettingsForm,
    PublishSummaryForm,
    RegenerateForm,
    SummaryForm,
)
from consult_app.summaries.models import SummaryDraft
from consult_app.summaries.operations import (
    SummaryChoice,
    edit_summary,
    generate_summaries,
    publish_summary,
    resolve_regeneration,
    summary_draft,
    update_consensus_settings,
)
from consult_app.summaries.settings import consensus_settings, default_rule, rule_for, rule_of
from consult_app.texts.models import Provision
from consult_app.texts.redline import redline_html

bp = Blueprint("summaries", __name__, url_prefix="/consultations")
# `flask summaries recount`: the blueprint's command group is named after it.
bp.cli.add_command(recount_command)
bp.cli.help = summaries_cli.help
# `{% if part is suppressed %}`: a figure withheld from the public (disclosure.py).
bp.add_app_template_test(is_suppressed, "suppressed")
logger = logging.getLogger(__name__)


def _consultation(consultation_id: int) -> Consultation:
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None or not consultation.can_view(current_user):
        raise NotFound(_("This consultation does not exist."))
    return consultation


def _provision(consultation: Consultation, provision_id: int | None) -> Provision | None:
    if provision_id is None:
        return None
    provision = db.session.get(Provision, provision_id)
    if provision is None or provision.version_id != consultation.version_id:
        raise NotFound(_("This provision is not part of the consulted text."))
    return provision


def _managed(consultation_id: int) -> Consultation:
    consultation = _consultation(consultation_id)
    if not consultation.can_manage(current_user):
        raise NotAllowed(_("Only the secretariat can prepare the summaries."))
    return consultation


def _summary_url(consultation: Consultation, provision: Provision | None) -> str:
    anchor = f"summary-{provision.id}" if provision is not None else "summary-consultation"
    return url_for("summaries.summary", consultation_id=consultation.id, _anchor=anchor)


@bp.get("/<int:consultation_id>/dashboard")
def dashboard(consultation_id: int) -> str:
    consultation = _consultation(consultation_id)
    secretariat = consultation.can_manage(current_user)
    # The rule is part of the key: new settings show at once, in every process.
    rule = rule_for(consultation)
    key = (consultation.id, secretariat, str(get_locale()), rule)
    data = cached(
        "dashboard",
        key,
        "FIGURES_CACHE_SECONDS",
        lambda: build_dashboard(consultation, public_only=not secretariat, rule=rule),
    )
    return render_template(
        "summaries/dashboard.html", consultation=consultation, data=data,
        secretariat_view=secretariat, min_cell_size=min_cell_size(),
    )


@bp.get("/<int:consultation_id>/figures/<int:provision_id>")
def figures(consultation_id: int, provision_id: int) -> str:
    consultation = _consultation(consultation_id)
    provision = _provision(consultation, provision_id)
    assert provision is not None
    secretariat = consultation.can_manage(current_user)
    rule = rule_for(consultation)
    key = (consultation.id, provision.id, secretariat, str(get_locale()), rule)
    (item,) = cached(
        "figures",
        key,
        "FIGURES_CACHE_SECONDS",
        lambda: provision_figures(
            consultation, [provision.id], public_only=not secretariat, rule=rule
        ),
    )
    result = classify(item)
    if not secretariat:  # small slices withheld (docs/security.md, F9)
        item = public_figures(item)
    return render_template(
        "summaries/figures.html", consultation=consultation, provision=provision,
        figures=item, consensus=result, secretariat_view=secretariat,
        group_rows=[(g.label, part) for g, part in item.by_regional_group.items()],
        category_rows=[(c.label, part) for c, part in item.by_category.items()],
    )


@bp.get("/<int:consultation_id>/summary")
def summary(consultation_id: int) -> str:
    consultation = _consultation(consultation_id)
    drafts = list(
        db.session.execute(
            select(SummaryDraft)
            .outerjoin(Provision, Provision.id == SummaryDraft.provision_id)
            .where(SummaryDraft.consultation_id == consultation.id)
            .order_by(SummaryDraft.scope_key != 0, Provision.position)
        ).scalars()
    )
    can_manage = consultation.can_manage(current_user)
    if not can_manage:  # visitors read only what the secretariat published
        drafts = [d for d in drafts if d.is_published]
    whole = next((d for d in drafts if d.provision_id is None), None)
    labels = {
        p.id: p.full_label
        for p in db.session.execute(
            select(Provision).where(Provision.version_id == consultation.version_id)
        ).scalars()
    }
    publish_forms = (
        {
            d.scope_key: PublishSummaryForm(
                formdata=None, prefix=f"publish-{d.scope_key}", lock_version=d.lock_version
            )
            for d in drafts
        }
        if can_manage
        else {}
    )
    return render_template(
        "summaries/summary.html", consultation=consultation, whole=whole,
        provision_drafts=[d for d in drafts if d.provision_id is not None], labels=labels,
        can_manage=can_manage, form=RegenerateForm(), publish_forms=publish_forms,
    )


@bp.post("/<int:consultation_id>/summary/generate")
@login_required
def generate(consultation_id: int) -> Response:
    consultation = _managed(consultation_id)
    form = RegenerateForm()
    if not form.validate_on_submit():
        raise UserError(_("The form expired. Please try again."))
    report = generate_summaries(current_user, consultation)
    if report.awaiting_choice:
        flash(
            _(
                "The summaries were drafted again. %(n)d edited summaries have a new draft: "
                "your edits are kept until you choose.",
                n=len(report.awaiting_choice),
            ),
            "warning",
        )
    else:
        flash(_("The summaries were drafted from the latest figures."), "success")
    return redirect(url_for("summaries.summary", consultation_id=consultation.id))


def _draft_or_404(consultation: Consultation, provision: Provision | None) -> SummaryDraft:
    draft = summary_draft(consultation, provision)
    if draft is None:
        raise NotFound(_("No summary has been drafted yet: draft the summaries first."))
    return draft


def _render_edit(
    consultation: Consultation, provision: Provision | None, draft: SummaryDraft,
    form: SummaryForm, choice_form: ChoiceForm, status: int = 200, conflict: str | None = None,
    submitted_text: str | None = None,
) -> tuple[str, int]:
    redlines = None
    if draft.awaiting_choice and draft.previous_generated_text is not None:
        redlines = {
            "drafts": redline_html(draft.previous_generated_text, draft.generated_text),
            "edits": redline_html(draft.generated_text, draft.edited_text or ""),
        }
    return (
        render_template(
            "summaries/edit.html", consultation=consultation, provision=provision, draft=draft,
            form=form, choice_form=choice_form, redlines=redlines, conflict=conflict,
            submitted_text=submitted_text,
        ),
        status,
    )


@bp.route("/<int:consultation_id>/summary/edit", methods=["GET", "POST"],
          defaults={"provision_id": None})
@bp.route("/<int:consultation_id>/summary/provisions/<int:provision_id>/edit",
          methods=["GET", "POST"])
@login_required
def edit(consultation_id: int, provision_id: int | None) -> Response | tuple[str, int]:
    consultation = _managed(consultation_id)
    provision = _provision(consultation, provision_id)
    draft = _draft_or_404(consultation, provision)
    if not draft.can_edit(current_user):
        raise NotAllowed(_("Only the secretariat can edit the summaries."))
    form = SummaryForm()
    choice_form = ChoiceForm(formdata=None, lock_version=draft.lock_version)
    if not form.is_submitted():
        form.text.data = draft.current_text
        form.lock_version.data = draft.lock_version
        return _render_edit(consultation, provision, draft, form, choice_form)
    if not form.validate():
        return _render_edit(consultation, provision, draft, form, choice_form, 400)
    try:
        edit_summary(current_user, draft, form.text.data or "", form.lock_version.data)
    except Conflict as error:
        db.session.rollback()
        draft = _draft_or_404(consultation, provision)
        submitted = form.text.data or ""
        form.text.data = draft.current_text
        form.lock_version.data = draft.lock_version
        choice_form.lock_version.data = draft.lock_version
        return _render_edit(consultation, provision, draft, form, choice_form, 409,
                            conflict=error.message, submitted_text=submitted)
    flash(_("The summary was saved."), "success")
    return redirect(_summary_url(consultation, provision))


@bp.post("/<int:consultation_id>/summary/resolve", defaults={"provision_id": None})
@bp.post("/<int:consultation_id>/summary/provisions/<int:provision_id>/resolve")
@login_required
def resolve(consultation_id: int, provision_id: int | None) -> Response | tuple[str, int]:
    consultation = _managed(consultation_id)
    provision = _provision(consultation, provision_id)
    draft = _draft_or_404(consultation, provision)
    if not draft.can_edit(current_user):
        raise NotAllowed(_("Only the secretariat can edit the summaries."))
    choice_form = ChoiceForm()
    if not choice_form.validate_on_submit():
        form = SummaryForm(formdata=None, text=draft.current_text,
                           lock_version=draft.lock_version)
        return _render_edit(consultation, provision, draft, form, choice_form, 400)
    resolve_regeneration(
        current_user, draft, SummaryChoice(choice_form.choice.data),
        choice_form.lock_version.data,
    )
    flash(_("Your choice was saved."), "success")
    return redirect(_summary_url(consultation, provision))


def _render_settings(
    consultation: Consultation, form: ConsensusSettingsForm, status: int = 200,
    conflict: str | None = None,
) -> tuple[str, int]:
    return (
        render_template(
            "summaries/consensus_settings.html", consultation=consultation, form=form,
            defaults=default_rule(), conflict=conflict,
            own=consensus_settings(consultation) is not None,
        ),
        status,
    )


@bp.route("/<int:consultation_id>/consensus-settings", methods=["GET", "POST"])
@login_required
def settings(consultation_id: int) -> Response | tuple[str, int]:
    consultation = _consultation(consultation_id)
    if not consultation.can_manage(current_user):
        raise NotAllowed(_("Only the secretariat can change the consensus settings."))
    form = ConsensusSettingsForm()
    if not form.is_submitted():
        stored = consensus_settings(consultation)
        form.fill(rule_of(stored), stored.lock_version if stored else 0)
        return _render_settings(consultation, form)
    if not form.validate():
        return _render_settings(consultation, form, 400)
    try:
        update_consensus_settings(current_user, consultation, form.rule(),
                                  form.lock_version.data)
    except Conflict as error:
        db.session.rollback()
        stored = consensus_settings(consultation)
        fresh = ConsensusSettingsForm(formdata=None)
        fresh.fill(rule_of(stored), stored.lock_version if stored else 0)
        return _render_settings(consultation, fresh, 409, conflict=error.message)
    flash(_("The consensus settings were saved; the figures and the next drafts use them."),
          "success")
    return redirect(url_for("summaries.settings", consultation_id=consultation.id))

@bp.post("/<int:consultation_id>/summary/publish", defaults={"provision_id": None})
@bp.post("/<int:consultation_id>/summary/provisions/<int:provision_id>/publish")
@login_required
def publish(consultation_id: int, provision_id: int | None) -> Response:
    consultation = _managed(consultation_id)
    provision = _provision(consultation, provision_id)
    draft = _draft_or_404(consultation, provision)
    if not draft.can_edit(current_user):
        raise NotAllowed(_("Only the secretariat can publish the summaries."))
    form = PublishSummaryForm(prefix=f"publish-{draft.scope_key}")
    if not form.validate_on_submit():
        raise UserError(_("The form expired. Please try again."))
    publish_summary(current_user, draft, form.lock_version.data)
    flash(_("The summary was published: the public now reads it as it stands."), "success")
    return redirect(_summary_url(consultation, provision))

