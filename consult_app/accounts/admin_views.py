"""Account management for administrators; the list of organisations for the secretariat."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager
from werkzeug.wrappers import Response

from consult_app.accounts import operations as ops
from consult_app.accounts import two_factor
from consult_app.accounts.forms import (
    ConfirmForm,
    OrganisationFilterForm,
    RoleForm,
    UserFilterForm,
)
from consult_app.accounts.models import (
    Organisation,
    OrgCategory,
    Role,
    User,
    VerificationStatus,
)
from consult_app.accounts.util import escape_like, per_page, safe_next_url, signed_in_user
from consult_app.core.errors import NotAllowed, NotFound, UserError
from consult_app.core.pagination import paginate
from consult_app.extensions import db

bp = Blueprint("accounts_admin", __name__, url_prefix="/admin")


def _admin() -> User:
    me = signed_in_user()
    if not me.can_manage_users():
        raise NotAllowed(_("Only administrators manage accounts."))
    return me


def _load_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("This account does not exist."))
    return user


def _back() -> Response:
    return redirect(safe_next_url(request.form.get("next")) or url_for("accounts_admin.users"))


@bp.get("/users")
@login_required
def users() -> str:
    _admin()
    filters = UserFilterForm(formdata=request.args)
    query = (
        select(User)
        .outerjoin(User.organisation)
        .options(contains_eager(User.organisation))
        .order_by(User.name, User.id)
    )
    if filters.validate():
        if filters.role.data:
            query = query.where(User.role == Role(filters.role.data))
        text = (filters.q.data or "").strip()
        if text:
            pattern = f"%{escape_like(text)}%"
            query = query.where(
                or_(
                    User.name.ilike(pattern, escape="\\"),
                    User.email.ilike(pattern, escape="\\"),
                    Organisation.name.ilike(pattern, escape="\\"),
                    Organisation.acronym.ilike(pattern, escape="\\"),
                )
            )
    page = paginate(query, per_page())
    return render_template(
        "admin/users.html",
        page=page,
        filters=filters,
        roles=list(Role),
        action_form=ConfirmForm(),
        here=request.full_path.rstrip("?"),
    )


@bp.post("/users/<int:user_id>/role")
@login_required
def change_role(user_id: int) -> Response:
    me = _admin()
    user = _load_user(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        raise UserError(_("Choose one of the roles in the list."))
    ops.change_role(me, user, Role(form.role.data))
    flash(_("%(name)s is now: %(role)s.", name=user.name, role=user.role.label), "success")
    return _back()


@bp.post("/users/<int:user_id>/deactivate")
@login_required
def deactivate(user_id: int) -> Response:
    me = _admin()
    user = _load_user(user_id)
    if not ConfirmForm().validate_on_submit():
        raise UserError(_("The request could not be understood."))
    ops.set_active(me, user, False)
    flash(_("The account of %(name)s is deactivated.", name=user.name), "success")
    return _back()


@bp.post("/users/<int:user_id>/activate")
@login_required
def activate(user_id: int) -> Response:
    me = _admin()
    user = _load_user(user_id)
    if not ConfirmForm().validate_on_submit():
        raise UserError(_("The request could not be understood."))
    ops.set_active(me, user, True)
    flash(_("The account of %(name)s is active again.", name=user.name), "success")
    return _back()


@bp.post("/users/<int:user_id>/two-step/reset")
@login_required
def reset_two_factor(user_id: int) -> Response:
    """Remove the account's second factor (a lost phone and lost recovery codes)."""
    me = _admin()
    user = _load_user(user_id)
    if not ConfirmForm().validate_on_submit():
        raise UserError(_("The request could not be understood."))
    if user.id == me.id:
        raise NotAllowed(_("Another administrator must reset your own two-step sign-in."))
    two_factor.reset(me, user)
    flash(
        _(
            "The two-step sign-in of %(name)s is reset; the account is signed out and sets it "
            "up again at its next sign-in.",
            name=user.name,
        ),
        "success",
    )
    return _back()


@bp.get("/organisations")
@login_required
def organisations() -> str:
    me = signed_in_user()
    if not me.can_list_organisations():
        raise NotAllowed(_("Only the secretariat sees the list of organisations."))
    filters = OrganisationFilterForm(formdata=request.args)
    query = select(Organisation).order_by(Organisation.name, Organisation.id)
    if filters.validate():
        if filters.category.data:
            query = query.where(Organisation.category == OrgCategory(filters.category.data))
        if filters.status.data:
            query = query.where(
                Organisation.verification_status == VerificationStatus(filters.status.data)
            )
        text = (filters.q.data or "").strip()
        if text:
            pattern = f"%{escape_like(text)}%"
            query = query.where(
                or_(
                    Organisation.name.ilike(pattern, escape="\\"),
                    Organisation.acronym.ilike(pattern, escape="\\"),
                    Organisation.country.ilike(pattern, escape="\\"),
                )
            )
    page = paginate(query, per_page())
    return render_template("admin/organisations.html", page=page, filters=filters)
