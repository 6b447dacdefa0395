"""Verification of organisations by the secretariat."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from consult_app.accounts import membership
from consult_app.accounts import verification as ops
from consult_app.accounts.forms import MembershipDecisionForm
from consult_app.accounts.models import Organisation, User, VerificationStatus
from consult_app.accounts.util import per_page, signed_in_user
from consult_app.core.errors import NotAllowed, NotFound, UserError
from consult_app.core.forms import AppForm
from consult_app.core.pagination import paginate
from consult_app.extensions import db

bp = Blueprint("verification", __name__, url_prefix="/verification")


class DecisionForm(AppForm):
    note = TextAreaField(
        _l("Note (required to reject; shown to the secretariat only)"),
        validators=[Optional(), Length(max=ops.MAX_NOTE)],
    )
    verify = SubmitField(_l("Verify"))
    reject = SubmitField(_l("Reject"))


def _form(org: Organisation, formdata: bool = False) -> DecisionForm:
    prefix = f"org-{org.id}"
    if formdata:
        return DecisionForm(prefix=prefix)
    return DecisionForm(formdata=None, prefix=prefix)


def _secretariat() -> User:
    me = signed_in_user()
    if not me.can_verify_organisations():
        raise NotAllowed(_("Only the secretariat verifies organisations."))
    return me


def _load(org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id, options=[selectinload(Organisation.members)])
    if org is None:
        raise NotFound(_("This organisation does not exist."))
    return org


def _status_arg() -> VerificationStatus:
    raw = request.args.get("status", VerificationStatus.PENDING.value)
    try:
        return VerificationStatus(raw)
    except ValueError:
        return VerificationStatus.PENDING


@bp.get("/")
@login_required
def index() -> str:
    _secretariat()
    status = _status_arg()
    page = paginate(ops.organisations_by_status(status), per_page())
    return render_template(
        "verification/list.html",
        page=page,
        status=status,
        statuses=list(VerificationStatus),
        forms={org.id: _form(org) for org in page.items},
    )


def _render_show(org: Organisation, form: DecisionForm, status: int = 200) -> tuple[str, int]:
    return render_template("verification/show.html", org=org, form=form), status


@bp.get("/memberships")
@login_required
def memberships() -> str:
    """Requests to act for an organisation, which the secretariat approves or declines."""
    me = _secretariat()
    page = paginate(membership.pending_requests(me), per_page())
    return render_template(
        "verification/memberships.html",
        page=page,
        forms={
            c.id: MembershipDecisionForm(formdata=None, prefix=f"member-{c.id}")
            for c in page.items
        },
    )


@bp.get("/<int:org_id>")
@login_required
def show(org_id: int) -> tuple[str, int]:
    _secretariat()
    org = _load(org_id)
    return _render_show(org, _form(org))


@bp.post("/<int:org_id>")
@login_required
def decide(org_id: int) -> tuple[str, int] | Response:
    me = _secretariat()
    org = _load(org_id)
    form = _form(org, formdata=True)
    if not form.validate_on_submit():
        return _render_show(org, form, 400)
    if not (form.verify.data or form.reject.data):
        form.form_errors.append(_("Choose whether to verify or to reject the organisation."))
        return _render_show(org, form, 400)
    try:
        if form.reject.data:
            ops.reject_organisation(me, org, form.note.data)
            message = _("%(name)s was rejected.", name=org.name)
        else:
            ops.verify_organisation(me, org, form.note.data)
            message = _("%(name)s is verified.", name=org.name)
    except UserError as error:
        if error.status_code != 400:
            raise
        db.session.rollback()
        org = _load(org_id)
        form.note.errors = [*form.note.errors, error.message]
        return _render_show(org, form, 400)
    flash(message, "success")
    return redirect(url_for("verification.index"))
