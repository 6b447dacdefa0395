"""The second step of signing in, setting up a second factor, and turning it off."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from consult_app.accounts import throttle, two_factor
from consult_app.accounts.forms import TwoFactorCodeForm, TwoFactorDisableForm, TwoFactorSetupForm
from consult_app.accounts.models import User
from consult_app.accounts.util import signed_in_user
from consult_app.accounts.views import finish_sign_in
from consult_app.core.errors import NotAllowed

bp = Blueprint("two_factor", __name__, url_prefix="/account/two-step")


def _expired() -> Response:
    flash(_("Your sign-in has expired. Please sign in again."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/code", methods=["GET", "POST"])
def verify() -> str | Response | tuple[str, int]:
    """After the password: the authenticator app's code, or a recovery code."""
    waiting = two_factor.pending()
    if waiting is None:
        return _expired()
    user = waiting.user
    if not user.two_factor_enabled:
        return redirect(url_for("two_factor.setup"))
    form = TwoFactorCodeForm()
    if form.validate_on_submit():
        if not throttle.codes_allowed(user.id):
            flash(_("Too many wrong codes. Wait a few minutes, then try again."), "error")
            return render_template("accounts/two_factor_code.html", form=form), 429
        kind = two_factor.verify(user, form.code.data or "")
        if kind is None:
            throttle.record_code_failure(user.id)
            form.code.errors = [_("This code is not correct, or was already used.")]
        else:
            throttle.clear_codes(user.id)
            two_factor.clear_pending()
            if kind == "recovery":
                left = two_factor.recovery_codes_left(user)
                flash(
                    ngettext(
                        "You signed in with a recovery code; %(num)d is left.",
                        "You signed in with a recovery code; %(num)d are left.",
                        left,
                    ),
                    "warning",
                )
            return finish_sign_in(user, remember=waiting.remember, next_url=waiting.next_url)
    return render_template("accounts/two_factor_code.html", form=form)


def _setup_user() -> tuple[User | None, two_factor.Pending | None]:
    """Who is setting up: a signed-in account (from its profile) or a sign-in waiting for it."""
    if current_user.is_authenticated:
        return signed_in_user(), None
    waiting = two_factor.pending()
    return (waiting.user if waiting else None), waiting


@bp.route("/setup", methods=["GET", "POST"])
def setup() -> str | Response:
    """Scan the QR code (or type the secret), confirm one code, receive recovery codes."""
    user, waiting = _setup_user()
    if user is None:
        return _expired()
    if user.two_factor_enabled:
        if waiting is not None:
            return redirect(url_for("two_factor.verify"))
        flash(_("Two-step sign-in is already on for your account."), "info")
        return redirect(url_for("accounts.profile"))
    secret = two_factor.setup_secret(user)
    form = TwoFactorSetupForm()
    if form.validate_on_submit():
        if not throttle.codes_allowed(user.id):
            form.code.errors = [_("Too many wrong codes. Wait a few minutes, then try again.")]
        else:
            codes = two_factor.confirm_setup(user, secret, form.code.data or "")
            if codes is None:
                throttle.record_code_failure(user.id)
                form.code.errors = [
                    _("This code is not correct. Check the time of your phone and try again.")
                ]
            else:
                throttle.clear_codes(user.id)
                next_url = None
                if waiting is not None:
                    two_factor.clear_pending()
                    finish_sign_in(user, remember=waiting.remember, next_url=waiting.next_url)
                    next_url = waiting.next_url
                # Shown once, in this answer only: nothing keeps them in clear.
                return render_template(
                    "accounts/two_factor_codes.html",
                    codes=codes,
                    next_url=next_url or url_for("home.index"),
                )
    uri = two_factor.provisioning_uri(user, secret)
    return render_template(
        "accounts/two_factor_setup.html",
        form=form,
        qr=two_factor.qr_svg(uri, _("QR code to scan with your authenticator app")),
        secret=two_factor.grouped(secret),
        required=two_factor.required_for(user),
    )


@bp.post("/disable")
@login_required
def disable() -> str | Response:
    """A contributor turns the optional second factor off, confirming with the password."""
    me = signed_in_user()
    if two_factor.required_for(me):
        raise NotAllowed(_("Secretariat and administrator accounts must keep two-step sign-in."))
    form = TwoFactorDisableForm(prefix="tf")
    if form.validate_on_submit() and me.check_password(form.password.data or ""):
        two_factor.disable(me)
        flash(_("Two-step sign-in is off for your account."), "success")
    else:
        flash(_("The password is not correct: two-step sign-in stays on."), "error")
    return redirect(url_for("accounts.profile"))
