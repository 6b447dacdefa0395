"""Registration, sign-in, sign-out, password reset and profile."""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from consult_app import LANGUAGE_SESSION_KEY
from consult_app.accounts import operations as ops
from consult_app.accounts.forms import (
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    PasswordResetRequestForm,
    ProfileForm,
    RegistrationForm,
)
from consult_app.accounts.models import Organisation, OrgCategory, RegionalGroup
from consult_app.accounts.util import safe_next_url, signed_in_user
from consult_app.core.errors import NotFound
from consult_app.extensions import db, limiter

logger = logging.getLogger(__name__)

bp = Blueprint("accounts", __name__, url_prefix="/account")


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _register_limit() -> str:
    return str(current_app.config["REGISTER_RATE_LIMIT"])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> str | Response:
    next_url = safe_next_url(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("core.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = ops.authenticate(form.email.data or "", form.password.data or "")
        if user is None:
            # Same words whether the address is unknown, the password wrong or the
            # account deactivated: the page must not tell which addresses have accounts.
            flash(_("The e-mail address or the password is not correct."), "error")
        else:
            login_user(user, remember=bool(form.remember.data))
            ops.record_login(user)
            flash(_("You are signed in."), "success")
            return redirect(next_url or url_for("core.index"))
    return render_template("accounts/login.html", form=form, next_url=next_url)


@bp.post("/logout")
def logout() -> Response:
    if current_user.is_authenticated:
        logout_user()
        flash(_("You are signed out."), "info")
    return redirect(url_for("core.index"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"])
def register() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = RegistrationForm()
    if form.validate_on_submit():
        organisation = None
        new_organisation = None
        if form.organisation_mode.data == "existing":
            organisation = db.session.get(Organisation, int(form.organisation_id.data or 0))
            if organisation is None:
                raise NotFound(_("This organisation does not exist."))
        else:
            group = form.org_regional_group.data
            new_organisation = ops.OrganisationData(
                name=form.org_name.data or "",
                acronym=form.org_acronym.data,
                category=OrgCategory(form.org_category.data),
                regional_group=RegionalGroup(group) if group else None,
                country=form.org_country.data,
                website=form.org_website.data,
                ecosoc_status=bool(form.org_ecosoc.data),
            )
        user = ops.register_contributor(
            name=form.name.data or "",
            email=form.email.data or "",
            password=form.password.data or "",
            job_title=form.job_title.data,
            organisation=organisation,
            new_organisation=new_organisation,
        )
        login_user(user)
        ops.record_login(user)
        if new_organisation is not None:
            flash(
                _(
                    "Your account is ready. The secretariat will verify your organisation; "
                    "until then your comments are marked as unverified."
                ),
                "success",
            )
        else:
            flash(_("Your account is ready."), "success")
        return redirect(url_for("core.index"))
    return render_template("accounts/register.html", form=form)


@bp.route("/password/reset", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def request_reset() -> str | Response:
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        ops.request_password_reset(form.email.data or "")
        flash(
            _(
                "If an account uses this address, we have sent it a link to choose a new "
                "password. Check your mailbox."
            ),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def reset_password(token: str) -> str | Response | tuple[str, int]:
    user = ops.user_for_reset_token(token)
    if user is None:
        return render_template("accounts/reset_invalid.html"), 400
    form = PasswordResetForm()
    if form.validate_on_submit():
        ops.reset_password(user, form.password.data or "")
        flash(_("Your password has been changed. You can now sign in."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form, token=token)


def _profile_page(profile_form: ProfileForm, password_form: PasswordChangeForm) -> str:
    return render_template("accounts/profile.html", form=profile_form, password_form=password_form)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> str | Response:
    me = signed_in_user()
    form = ProfileForm(obj=me)
    if form.validate_on_submit():
        ops.update_profile(
            me,
            name=form.name.data or "",
            job_title=form.job_title.data,
            timezone=form.timezone.data or "UTC",
            locale=form.locale.data or None,
        )
        # The language saved in the profile replaces the one chosen earlier in this visit.
        session.pop(LANGUAGE_SESSION_KEY, None)
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("accounts.profile"))
    return _profile_page(form, PasswordChangeForm(user=me, prefix="pw"))


@bp.post("/profile/password")
@login_required
def change_password() -> str | Response:
    me = signed_in_user()
    password_form = PasswordChangeForm(user=me, prefix="pw")
    if password_form.validate_on_submit():
        ops.change_password(me, password_form.password.data or "")
        flash(_("Your password has been changed."), "success")
        return redirect(url_for("accounts.profile"))
    return _profile_page(ProfileForm(formdata=None, obj=me), password_form)
