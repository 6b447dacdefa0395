"""Forms for registration, sign-in, password reset, profile and account management."""

from __future__ import annotations

import zoneinfo
from functools import lru_cache
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from consult_app.accounts.models import (
    Organisation,
    OrgCategory,
    RegionalGroup,
    Role,
    User,
    VerificationStatus,
)
from consult_app.accounts.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    password_problem,
)
from consult_app.core.forms import AppForm, choices
from consult_app.extensions import db

__all__ = ["MAX_PASSWORD_LENGTH", "MIN_PASSWORD_LENGTH"]

# Names of the six UN languages in their own script, so that anyone finds their own.
LANGUAGE_NAMES = {
    "ar": "العربية",
    "zh": "中文",
    "en": "English",
    "fr": "Français",
    "ru": "Русский",
    "es": "Español",
}


@lru_cache(maxsize=1)
def timezone_names() -> tuple[str, ...]:
    """Every IANA time zone the server knows, sorted."""
    return tuple(sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC"))


def _password_field(label: Any) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=_l(
                    "The password must be between %(min)d and %(max)d characters long.",
                    min=MIN_PASSWORD_LENGTH,
                    max=MAX_PASSWORD_LENGTH,
                ),
            ),
        ],
    )


def _confirm_field() -> PasswordField:
    return PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("The two passwords do not match.")),
        ],
    )


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _check_new_password(field: PasswordField, email: str | None, name: str | None) -> None:
    """Refuse a common password, or one made of the person's name or address."""
    if field.errors:
        return  # the length is wrong already: one message at a time
    problem = password_problem(field.data or "", email=email, name=name)
    if problem is not None:
        raise ValidationError(str(problem))


class LoginForm(AppForm):
    email = EmailField(
        _l("E-mail address"), validators=[DataRequired(), Length(max=254)], filters=[_strip]
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    remember = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Sign in"))


class RegistrationForm(AppForm):
    name = StringField(
        _l("Full name"), validators=[DataRequired(), Length(max=200)], filters=[_strip]
    )
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(), Email(), Length(max=254)],
        filters=[_strip],
    )
    password = _password_field(_l("Password"))
    confirm = _confirm_field()
    job_title = StringField(
        _l("Job title"), validators=[Optional(), Length(max=200)], filters=[_strip]
    )
    organisation_mode = RadioField(
        _l("Your organisation"),
        choices=[],
        default="existing",
        validators=[DataRequired()],
    )
    organisation_id = SelectField(_l("Organisation"), choices=[], default="")
    org_name = StringField(
        _l("Name of the organisation"), validators=[Optional(), Length(max=200)], filters=[_strip]
    )
    org_acronym = StringField(
        _l("Acronym"), validators=[Optional(), Length(max=40)], filters=[_strip]
    )
    org_category = SelectField(_l("Category"), choices=[], default="")
    org_regional_group = SelectField(_l("United Nations regional group"), choices=[], default="")
    org_country = StringField(
        _l("Country"), validators=[Optional(), Length(max=100)], filters=[_strip]
    )
    org_website = StringField(
        _l("Website"), validators=[Optional(), Length(max=300)], filters=[_strip]
    )
    org_ecosoc = BooleanField(_l("The organisation has ECOSOC consultative status"))
    submit = SubmitField(_l("Create my account"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation_mode.choices = choices(
            [
                ("existing", _l("My organisation is already registered")),
                ("new", _l("Register a new organisation")),
            ]
        )
        self.org_category.choices = choices(
            [("", _l("Choose a category")), *((c.value, c.label) for c in OrgCategory)]
        )
        self.org_regional_group.choices = choices(
            [("", _l("None")), *((g.value, g.label) for g in RegionalGroup)]
        )
        organisations = db.session.execute(
            select(Organisation.id, Organisation.name, Organisation.acronym)
            .where(Organisation.verification_status != VerificationStatus.REJECTED)
            .order_by(Organisation.name)
        ).all()
        self.organisation_id.choices = choices(
            [
                ("", _l("Choose your organisation")),
                *(
                    (str(org_id), f"{name} ({acronym})" if acronym else name)
                    for org_id, name, acronym in organisations
                ),
            ]
        )

    # No check that the address is free: the page must not tell which addresses have
    # accounts. Registration answers the same either way and writes to the address.

    def validate_password(self, field: PasswordField) -> None:
        _check_new_password(field, self.email.data, self.name.data)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.organisation_mode.data == "existing":
            if not self.organisation_id.data:
                self.organisation_id.errors.append(_l("Choose your organisation."))
                valid = False
        elif self.organisation_mode.data == "new":
            valid = self._validate_new_organisation() and valid
        return valid

    def _validate_new_organisation(self) -> bool:
        valid = True
        name = self.org_name.data or ""
        if not name:
            self.org_name.errors.append(_l("Give the name of the organisation."))
            valid = False
        elif db.session.scalar(
            select(Organisation.id).where(func.lower(Organisation.name) == name.lower())
        ):
            self.org_name.errors.append(
                _l("This organisation is already registered: choose it from the list.")
            )
            valid = False
        if self.org_category.errors or self.org_regional_group.errors:
            return False  # an unknown value, already reported
        if not self.org_category.data:
            self.org_category.errors.append(_l("Choose a category."))
            return False
        category = OrgCategory(self.org_category.data)
        group = self.org_regional_group.data
        if category is OrgCategory.MEMBER_STATE and not group:
            self.org_regional_group.errors.append(
                _l("A Member State belongs to one of the five regional groups.")
            )
            valid = False
        if group and not category.is_state:
            self.org_regional_group.errors.append(_l("Only States belong to a regional group."))
            valid = False
        if self.org_ecosoc.data and category is not OrgCategory.NGO:
            self.org_ecosoc.errors.append(
                _l("Only non-governmental organisations hold ECOSOC consultative status.")
            )
            valid = False
        website = self.org_website.data or ""
        if website and (not website.lower().startswith(("http://", "https://")) or " " in website):
            self.org_website.errors.append(
                _l("Give the full address of the website, starting with https://.")
            )
            valid = False
        return valid


class PasswordResetRequestForm(AppForm):
    email = EmailField(
        _l("E-mail address"), validators=[DataRequired(), Length(max=254)], filters=[_strip]
    )
    submit = SubmitField(_l("Send me a link"))


class PasswordResetForm(AppForm):
    password = _password_field(_l("New password"))
    confirm = _confirm_field()
    submit = SubmitField(_l("Set the new password"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._user = user

    def validate_password(self, field: PasswordField) -> None:
        _check_new_password(field, self._user.email, self._user.name)


class ProfileForm(AppForm):
    name = StringField(
        _l("Full name"), validators=[DataRequired(), Length(max=200)], filters=[_strip]
    )
    job_title = StringField(
        _l("Job title"), validators=[Optional(), Length(max=200)], filters=[_strip]
    )
    timezone = SelectField(_l("Time zone"), choices=[], validators=[DataRequired()])
    locale = SelectField(_l("Language"), choices=[])
    submit = SubmitField(_l("Save"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = choices((z, z) for z in timezone_names())
        self.locale.choices = choices(
            [("", _l("The language of my browser")), *LANGUAGE_NAMES.items()]
        )


class PasswordChangeForm(AppForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    password = _password_field(_l("New password"))
    confirm = _confirm_field()
    submit = SubmitField(_l("Change the password"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._user = user

    def validate_current_password(self, field: PasswordField) -> None:
        if not self._user.check_password(field.data or ""):
            raise ValidationError(_l("The current password is not correct."))

    def validate_password(self, field: PasswordField) -> None:
        _check_new_password(field, self._user.email, self._user.name)


class RoleForm(AppForm):
    role = SelectField(_l("Role"), choices=[], validators=[DataRequired()])
    submit = SubmitField(_l("Change role"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = choices((r.value, r.label) for r in Role)


class ConfirmForm(AppForm):
    """A button and its CSRF token."""

    submit = SubmitField(_l("Confirm"))


class UserFilterForm(AppForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name, e-mail or organisation"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), choices=[], default="")
    submit = SubmitField(_l("Filter"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = choices([("", _l("All roles")), *((r.value, r.label) for r in Role)])


class OrganisationFilterForm(AppForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name, acronym or country"), validators=[Optional(), Length(max=100)])
    category = SelectField(_l("Category"), choices=[], default="")
    status = SelectField(_l("Verification"), choices=[], default="")
    submit = SubmitField(_l("Filter"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.category.choices = choices(
            [("", _l("All categories")), *((c.value, c.label) for c in OrgCategory)]
        )
        self.status.choices = choices(
            [("", _l("Any status")), *((s.value, s.label) for s in VerificationStatus)]
        )


class MembershipDecisionForm(AppForm):
    """Approve or decline a request to act for an organisation."""

    note = TextAreaField(
        _l("Note (required to decline; sent to the person)"),
        validators=[Optional(), Length(max=2000)],
    )
    approve = SubmitField(_l("Approve"))
    decline = SubmitField(_l("Decline"))


class TwoFactorCodeForm(AppForm):
    """The code from the authenticator app, or a recovery code, after the password."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=40)],
        filters=[_strip],
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True},
    )
    submit = SubmitField(_l("Sign in"))


class TwoFactorSetupForm(AppForm):
    """The first code the authenticator app shows, proving it holds the secret."""

    code = StringField(
        _l("Code shown by the app"),
        validators=[DataRequired(), Length(max=20)],
        filters=[_strip],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Turn on two-step sign-in"))


class TwoFactorDisableForm(AppForm):
    """A contributor turns the optional second factor off, with their password."""

    password = PasswordField(
        _l("Your password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    submit = SubmitField(_l("Turn off two-step sign-in"))
