"""Stakeholder organisations and the people who act for them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from consult_app.core.models import Model, UTCDateTime, enum_column


class OrgCategory(enum.Enum):
    MEMBER_STATE = "member_state"
    OBSERVER_STATE = "observer_state"
    IGO = "igo"
    UN_ENTITY = "un_entity"
    NHRI = "nhri"
    NGO = "ngo"
    ACADEMIC = "academic"
    BUSINESS = "business"
    INDIVIDUAL = "individual"

    @property
    def label(self) -> str:
        return str(CATEGORY_LABELS[self])

    @property
    def is_state(self) -> bool:
        return self in (OrgCategory.MEMBER_STATE, OrgCategory.OBSERVER_STATE)


CATEGORY_LABELS = {
    OrgCategory.MEMBER_STATE: _l("Member State"),
    OrgCategory.OBSERVER_STATE: _l("Observer State"),
    OrgCategory.IGO: _l("Intergovernmental organisation"),
    OrgCategory.UN_ENTITY: _l("United Nations entity"),
    OrgCategory.NHRI: _l("National human rights institution"),
    OrgCategory.NGO: _l("Civil society organisation / NGO"),
    OrgCategory.ACADEMIC: _l("Academic or research institution"),
    OrgCategory.BUSINESS: _l("Business"),
    OrgCategory.INDIVIDUAL: _l("Individual"),
}


class RegionalGroup(enum.Enum):
    AFRICAN = "african"
    ASIA_PACIFIC = "asia_pacific"
    EASTERN_EUROPEAN = "eastern_european"
    GRULAC = "grulac"
    WEOG = "weog"

    @property
    def label(self) -> str:
        return str(REGIONAL_GROUP_LABELS[self])


REGIONAL_GROUP_LABELS = {
    RegionalGroup.AFRICAN: _l("African States"),
    RegionalGroup.ASIA_PACIFIC: _l("Asia-Pacific States"),
    RegionalGroup.EASTERN_EUROPEAN: _l("Eastern European States"),
    RegionalGroup.GRULAC: _l("Latin American and Caribbean States"),
    RegionalGroup.WEOG: _l("Western European and other States"),
}


class VerificationStatus(enum.Enum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return str(
            {
                VerificationStatus.PENDING: _l("Awaiting verification"),
                VerificationStatus.VERIFIED: _l("Verified"),
                VerificationStatus.REJECTED: _l("Rejected"),
            }[self]
        )


class MembershipStatus(enum.Enum):
    """Whether a person's claim to act for an organisation has been accepted."""

    CONFIRMED = "confirmed"
    REQUESTED = "requested"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return str(
            {
                MembershipStatus.CONFIRMED: _l("Confirmed member"),
                MembershipStatus.REQUESTED: _l("Asked to join, awaiting approval"),
                MembershipStatus.DECLINED: _l("Request to join declined"),
            }[self]
        )


# Only the secretariat admits people to speak for these (a note verbale names focal points).
SECRETARIAT_APPROVES_MEMBERS = frozenset(
    {OrgCategory.MEMBER_STATE, OrgCategory.OBSERVER_STATE, OrgCategory.IGO, OrgCategory.UN_ENTITY}
)


class Role(enum.Enum):
    CONTRIBUTOR = "contributor"
    SECRETARIAT = "secretariat"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return str(
            {
                Role.CONTRIBUTOR: _l("Contributor"),
                Role.SECRETARIAT: _l("Secretariat"),
                Role.ADMIN: _l("Administrator"),
            }[self]
        )


class Organisation(Model):
    __tablename__ = "organisations"

    name: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    acronym: Mapped[str | None] = mapped_column(String(40))
    category: Mapped[OrgCategory] = mapped_column(enum_column(OrgCategory), nullable=False)
    regional_group: Mapped[RegionalGroup | None] = mapped_column(enum_column(RegionalGroup))
    country: Mapped[str | None] = mapped_column(String(100))
    website: Mapped[str | None] = mapped_column(String(300))
    ecosoc_status: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    verification_status: Mapped[VerificationStatus] = mapped_column(
        enum_column(VerificationStatus), nullable=False, default=VerificationStatus.PENDING
    )
    verification_note: Mapped[str | None] = mapped_column(Text)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", use_alter=True, name="fk_organisations_verified_by_id_users")
    )

    members: Mapped[list[User]] = relationship(
        back_populates="organisation", foreign_keys="User.organisation_id"
    )

    __table_args__ = (
        # A Member State always belongs to a regional group; non-State bodies never do.
        CheckConstraint(
            "(category != 'member_state') OR (regional_group IS NOT NULL)",
            name="member_state_has_group",
        ),
        CheckConstraint(
            "(category IN ('member_state', 'observer_state')) OR (regional_group IS NULL)",
            name="group_only_for_states",
        ),
        CheckConstraint(
            "(verification_status != 'verified') OR (verified_at IS NOT NULL)",
            name="verified_has_date",
        ),
    )

    @property
    def is_verified(self) -> bool:
        return self.verification_status is VerificationStatus.VERIFIED

    @property
    def display_name(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name


def normalise_email(value: str) -> str:
    """The stored form of an e-mail address: trimmed and lower-case."""
    return value.strip().lower()


class User(UserMixin, Model):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(254), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(256), nullable=False)
    role: Mapped[Role] = mapped_column(enum_column(Role), nullable=False, default=Role.CONTRIBUTOR)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    job_title: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), nullable=False, default="UTC")
    locale: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    membership_status: Mapped[MembershipStatus] = mapped_column(
        enum_column(MembershipStatus),
        nullable=False,
        default=MembershipStatus.CONFIRMED,
        server_default=MembershipStatus.CONFIRMED.value,
    )
    membership_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    membership_decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", name="fk_users_membership_decided_by_id_users")
    )
    membership_note: Mapped[str | None] = mapped_column(Text)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Second factor (accounts/two_factor.py): the TOTP secret (stored once confirmed),
    # when it was confirmed, and the last time step used (a code is accepted once).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    organisation: Mapped[Organisation | None] = relationship(
        back_populates="members", foreign_keys=[organisation_id]
    )

    @property
    def session_token(self) -> str | None:
        """The token of the sign-in this instance was loaded through (set by the user loader
        and by ``start_session``); Flask-Login keeps "<id>:<token>" in the cookie."""
        return self.__dict__.get("_session_token")

    @session_token.setter
    def session_token(self, token: str | None) -> None:
        self.__dict__["_session_token"] = token

    __table_args__ = (
        CheckConstraint(
            "(role != 'contributor') OR (organisation_id IS NOT NULL)",
            name="contributor_has_organisation",
        ),
        CheckConstraint(
            "(totp_enabled_at IS NULL) OR (totp_secret IS NOT NULL)",
            name="two_factor_has_secret",
        ),
    )

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    @validates("email")
    def _normalise_email(self, key: str, value: str) -> str:
        # Addresses are unique regardless of case: store them in one form only.
        return normalise_email(value)

    @property
    def is_active(self) -> bool:
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_secretariat(self) -> bool:
        return self.role in (Role.SECRETARIAT, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def can_manage_users(self) -> bool:
        return self.is_admin

    def can_manage_texts(self) -> bool:
        return self.is_secretariat

    def can_manage_consultations(self) -> bool:
        return self.is_secretariat

    def can_verify_organisations(self) -> bool:
        return self.is_secretariat

    def can_list_organisations(self) -> bool:
        return self.is_secretariat

    def can_see_work_waiting(self) -> bool:
        """The secretariat's home: counts of every consultation's work and requests."""
        return self.is_secretariat

    def get_id(self) -> str:
        if not self.session_token:
            raise RuntimeError("start a session (accounts.sessions.start_session) first")
        return f"{self.id}:{self.session_token}"

    @property
    def is_confirmed_member(self) -> bool:
        return self.membership_status is MembershipStatus.CONFIRMED

    @property
    def awaits_membership(self) -> bool:
        return self.role is Role.CONTRIBUTOR and (
            self.membership_status is MembershipStatus.REQUESTED
        )

    def can_act_for(self, organisation: Organisation | None) -> bool:
        """True when this user speaks for ``organisation``: a contributor whose membership
        was confirmed (a request to join gives nothing until it is approved)."""
        return (
            organisation is not None
            and self.role is Role.CONTRIBUTOR
            and self.organisation_id == organisation.id
            and self.membership_status is MembershipStatus.CONFIRMED
        )

    def can_decide_membership(self, candidate: User) -> bool:
        """The secretariat decides every request to join; a confirmed member (focal point)
        decides those for their own organisation, except for States and intergovernmental
        bodies, whose focal points only the secretariat admits."""
        org = candidate.organisation
        if org is None or candidate.membership_status is not MembershipStatus.REQUESTED:
            return False
        if self.is_secretariat:
            return True
        return (
            self.id != candidate.id
            and org.category not in SECRETARIAT_APPROVES_MEMBERS
            and self.can_act_for(org)
        )

    def can_see_members_of(self, organisation: Organisation | None) -> bool:
        return organisation is not None and (self.is_secretariat or self.can_act_for(organisation))


class UserSession(Model):
    """One signed-in device. Deleting the row signs that device out, whatever cookie it
    kept; the cookie holds the token, the table only its SHA-256."""

    __tablename__ = "user_sessions"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    remember: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    user_agent: Mapped[str | None] = mapped_column(String(200))


class RecoveryCode(Model):
    """A single-use code that stands in for the authenticator app at sign-in. Only the
    SHA-256 of the code is kept (codes are random, 79 bits)."""

    __tablename__ = "recovery_codes"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PendingRegistration(Model):
    """A registration waiting for its address to be confirmed by a link sent to it.

    The account (and a new organisation) is created only when the link is followed, so that
    nothing a visitor can see differs between an address that has an account and one that
    has not: the registration page answers the same, the list of organisations is the same.
    The row keeps the SHA-256 of the link's token, never the token.
    """

    __tablename__ = "pending_registrations"

    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(256), nullable=False)
    job_title: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(8))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    # The new organisation's fields (``operations.OrganisationData``), or None.
    new_organisation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)

    organisation: Mapped[Organisation | None] = relationship()

    @validates("email")
    def _normalise_email(self, key: str, value: str) -> str:
        return normalise_email(value)
