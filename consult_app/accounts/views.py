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

from consult_app.accounts import membership, throttle, two_factor
from consult_app.accounts import operations as ops
from consult_app.accounts.forms import (
    ConfirmForm,
    LoginForm,
    MembershipDecisionForm,
    PasswordChangeForm,
    PasswordResetForm,
    PasswordResetRequestForm,
    ProfileForm,
    RegistrationForm,
    TwoFactorDisableForm,
)
from consult_app.accounts.models import (
    Organisation,
    OrgCategory,
    RegionalGroup,
    User,
    normalise_email,
)
from consult_app.accounts.sessions import end_session, revoke_sessions, start_session
from consult_app.accounts.util import safe_next_url, signed_in_user
from consult_app.core.errors import NotAllowed, NotFound, UserError
from consult_app.core.templating import LANGUAGE_SESSION_KEY
from consult_app.extensions import db, limiter

logger = logging.getLogger(__name__)

bp = Blueprint("accounts", __name__, url_prefix="/account")


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _register_limit() -> str:
    return str(current_app.config["REGISTER_RATE_LIMIT"])


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    next_url = safe_next_url(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email = normalise_email(form.email.data or "")
        known = ops.find_user_by_email(email)
        verdict = throttle.check(email, known.id if known else None)
        if not verdict.allowed:
            if verdict.account_locked:
                flash(
                    _(
                        "Too many failed sign-ins for this address. Reset your password by "
                        "e-mail to sign in now, or try again in a few minutes."
                    ),
                    "error",
                )
            else:
                flash(
                    _(
                        "Too many failed sign-ins from your network. If you signed in on this "
                        "browser before, you can still do so; otherwise reset your password by "
                        "e-mail, or try again later."
                    ),
                    "error",
                )
            page = render_template("accounts/login.html", form=form, next_url=next_url)
            return page, 429
        user = ops.authenticate(email, form.password.data or "")
        if user is None:
            throttle.record_failure(email)
            # Same words whether the address is unknown, the password wrong or the
            # account deactivated: the page must not tell which addresses have accounts.
            flash(_("The e-mail address or the password is not correct."), "error")
        else:
            throttle.clear_account(email)
            remember = bool(form.remember.data)
            if user.two_factor_enabled or two_factor.required_for(user):
                # No session yet: the second factor (or setting it up) comes first.
                two_factor.begin(user, remember=remember, next_url=next_url)
                step = "verify" if user.two_factor_enabled else "setup"
                return redirect(url_for(f"two_factor.{step}"))
            return finish_sign_in(user, remember=remember, next_url=next_url)
    return render_template("accounts/login.html", form=form, next_url=next_url)


def finish_sign_in(user: User, *, remember: bool, next_url: str | None) -> Response:
    """Start the session of ``user``, whose credentials (all factors) were checked."""
    start_session(user, remember=remember)
    login_user(user, remember=remember)
    ops.record_login(user)
    flash(_("You are signed in."), "success")
    # The secretariat starts its day on the work waiting; everyone else on the home page.
    landing = url_for("review.home") if user.can_see_work_waiting() else url_for("home.index")
    response = redirect(next_url or landing)
    throttle.remember_device(response, user.id)
    return response


@bp.post("/logout")
def logout() -> Response:
    if current_user.is_authenticated:
        end_session(signed_in_user())
        logout_user()
        flash(_("You are signed out."), "info")
    return redirect(url_for("home.index"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"])
def register() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
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
        ops.start_registration(
            name=form.name.data or "",
            email=normalise_email(form.email.data or ""),
            password=form.password.data or "",
            job_title=form.job_title.data,
            organisation=organisation,
            new_organisation=new_organisation,
        )
        # The same answer whether or not the address has an account (the mail differs).
        return redirect(url_for("accounts.registration_sent"))
    return render_template("accounts/register.html", form=form)


@bp.get("/register/sent")
def registration_sent() -> str:
    hours = max(1, int(current_app.config["REGISTRATION_MAX_AGE"]) // 3600)
    return render_template("accounts/registration_sent.html", hours=hours)


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def confirm_registration(token: str) -> str | Response | tuple[str, int]:
    """Opening the link shows a button; only pressing it creates the account, so that mail
    filters that open links to scan them do not use it up."""
    pending = ops.pending_registration(token)
    if pending is None:
        return render_template("accounts/registration_invalid.html"), 400
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template(
            "accounts/registration_confirm.html", form=form, pending=pending, token=token
        )
    user = ops.confirm_registration(pending)
    if current_user.is_authenticated:  # someone else on this browser: their session ends
        end_session(signed_in_user())
        logout_user()
    start_session(user)
    login_user(user)
    ops.record_login(user)
    organisation = user.organisation
    if user.is_confirmed_member:
        flash(
            _(
                "Your account is ready. The secretariat will verify your organisation; "
                "until then your comments are marked as unverified."
            ),
            "success",
        )
        response = redirect(url_for("home.index"))
    else:
        membership.announce_request(user)
        flash(
            _(
                "Your account is ready, and your request to act for %(organisation)s has been "
                "sent. A focal point of %(organisation)s or the secretariat must approve it; "
                "until then you see nothing of its submissions.",
                organisation=organisation.name if organisation else "",
            ),
            "info",
        )
        response = redirect(url_for("accounts.organisation"))
    throttle.remember_device(response, user.id)
    return response


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
    form = PasswordResetForm(user=user)
    if form.validate_on_submit():
        ops.reset_password(user, form.password.data or "")
        throttle.clear_account(user.email)
        flash(_("Your password has been changed. You can now sign in."), "success")
        response = redirect(url_for("accounts.login"))
        # The person who holds the mailbox signs in from this browser whatever the counts.
        throttle.remember_device(response, user.id)
        return response
    return render_template("accounts/reset_password.html", form=form, token=token)


def _profile_page(profile_form: ProfileForm, password_form: PasswordChangeForm) -> str:
    me = signed_in_user()
    enabled = me.two_factor_enabled
    return render_template(
        "accounts/profile.html",
        form=profile_form,
        password_form=password_form,
        sessions_form=ConfirmForm(),
        recovery_codes_left=two_factor.recovery_codes_left(me) if enabled else 0,
        two_factor_form=(
            TwoFactorDisableForm(prefix="tf")
            if enabled and not two_factor.required_for(me)
            else None
        ),
    )


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


@bp.post("/sessions/end-all")
@login_required
def sign_out_everywhere() -> Response:
    """End every session of this account, this device's included."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        raise UserError(_("The form has expired. Please try again."))
    me = signed_in_user()
    revoke_sessions(me, me)
    logout_user()
    flash(_("You are signed out on every device."), "info")
    return redirect(url_for("accounts.login"))


# --- membership of an organisation ---------------------------------------------------------


def _decision_form(candidate: User, formdata: bool = False) -> MembershipDecisionForm:
    prefix = f"member-{candidate.id}"
    if formdata:
        return MembershipDecisionForm(prefix=prefix)
    return MembershipDecisionForm(formdata=None, prefix=prefix)


@bp.get("/organisation")
@login_required
def organisation() -> str:
    """The user's organisation: its members, and the requests to join they may decide."""
    me = signed_in_user()
    org = me.organisation
    members = membership.confirmed_members(org) if org and me.can_see_members_of(org) else []
    requests = list(db.session.scalars(membership.pending_requests(me, org))) if org else []
    return render_template(
        "accounts/organisation.html",
        org=org,
        members=members,
        requests=requests,
        forms={c.id: _decision_form(c) for c in requests},
    )


@bp.post("/memberships/<int:user_id>")
@login_required
def decide_membership(user_id: int) -> Response:
    me = signed_in_user()
    candidate = db.session.get(User, user_id)
    if candidate is None or not me.can_decide_membership(candidate):
        raise NotFound(_("There is no such request to decide."))
    form = _decision_form(candidate, formdata=True)
    back = safe_next_url(request.form.get("next")) or url_for("accounts.organisation")
    if not form.validate_on_submit() or not (form.approve.data or form.decline.data):
        flash(_("Choose whether to approve or to decline the request."), "error")
        return redirect(back)
    try:
        if form.decline.data:
            membership.decline_membership(me, candidate, form.note.data)
            flash(_("The request of %(name)s was declined.", name=candidate.name), "success")
        else:
            membership.approve_membership(me, candidate, form.note.data)
            flash(
                _(
                    "%(name)s can now act for %(organisation)s.",
                    name=candidate.name,
                    organisation=candidate.organisation.name if candidate.organisation else "",
                ),
                "success",
            )
    except NotAllowed:
        raise
    except UserError as error:
        db.session.rollback()
        flash(error.message, "error")
    return redirect(back)
