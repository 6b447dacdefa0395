"""A consultation on one text version."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult_app.accounts.models import Organisation, OrgCategory, User, VerificationStatus
from consult_app.core.models import Model, UTCDateTime, enum_column, utcnow
from consult_app.texts.models import TextVersion


class PublicationMode(enum.Enum):
    IMMEDIATE = "immediate"
    AFTER_REVIEW = "after_review"

    @property
    def label(self) -> str:
        return str(
            {
                PublicationMode.IMMEDIATE: _l("Published on submission"),
                PublicationMode.AFTER_REVIEW: _l("Published after review by the secretariat"),
            }[self]
        )


class Phase(enum.Enum):
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return str(
            {Phase.UPCOMING: _l("Upcoming"), Phase.OPEN: _l("Open"), Phase.CLOSED: _l("Closed")}[
                self
            ]
        )


class Consultation(Model):
    __tablename__ = "consultations"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("text_versions.id"), nullable=False, index=True
    )
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    # How to take part (what to comment on, in which form), shown above the text.
    instructions: Mapped[str | None] = mapped_column(Text)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    # The zone the secretariat set the dates in; dates are shown in it and in UTC.
    timezone: Mapped[str] = mapped_column(String(64), nullable=False, default="UTC")
    # Values of OrgCategory that may take part.
    eligible_categories: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    publication_mode: Mapped[PublicationMode] = mapped_column(
        enum_column(PublicationMode), nullable=False, default=PublicationMode.AFTER_REVIEW
    )
    publish_submissions: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    allow_attribution: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Optimistic lock: an edit made on a stale form becomes a 409, not a silent overwrite.
    lock_version: Mapped[int] = mapped_column(
        Integer, nullable=False, default=1, server_default="1"
    )

    version: Mapped[TextVersion] = relationship()
    # Loaded when read (a page in another language), not with every consultation: the
    # comment post loads its consultation and needs none. Lists eager-load them.
    translations: Mapped[list[ConsultationTranslation]] = relationship(
        back_populates="consultation",
        order_by="ConsultationTranslation.language",
    )

    __mapper_args__ = {"version_id_col": lock_version}

    __table_args__ = (CheckConstraint("closes_at > opens_at", name="closes_after_opening"),)

    def phase(self, now: datetime | None = None) -> Phase:
        now = now or utcnow()
        if now < self.opens_at:
            return Phase.UPCOMING
        if now >= self.closes_at:
            return Phase.CLOSED
        return Phase.OPEN

    def is_open(self, now: datetime | None = None) -> bool:
        return self.phase(now) is Phase.OPEN

    def has_opened(self, now: datetime | None = None) -> bool:
        """True once the opening date has passed (the version can no longer change)."""
        return self.phase(now) is not Phase.UPCOMING

    @property
    def categories(self) -> list[OrgCategory]:
        return [OrgCategory(value) for value in self.eligible_categories]

    def is_eligible(self, organisation: Organisation) -> bool:
        return organisation.category.value in self.eligible_categories

    def can_view(self, user: User | None) -> bool:
        return True

    def can_manage(self, user: User | None) -> bool:
        return user is not None and user.is_authenticated and user.can_manage_consultations()

    def can_participate(self, user: User | None, now: datetime | None = None) -> bool:
        """May ``user`` start or change a submission now?"""
        return (
            user is not None
            and user.is_authenticated
            and user.organisation is not None
            and user.can_act_for(user.organisation)
            and self.is_eligible(user.organisation)
            and user.organisation.verification_status is not VerificationStatus.REJECTED
            and self.is_open(now)
        )


class ConsultationTranslation(Model):
    """The consultation's title, description and instructions in another language than
    the original (a field left empty is read in the original, marked as such)."""

    __tablename__ = "consultation_translations"

    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), nullable=False)
    language: Mapped[str] = mapped_column(String(5), nullable=False)
    title: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    instructions: Mapped[str | None] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    consultation: Mapped[Consultation] = relationship(back_populates="translations")

    __table_args__ = (UniqueConstraint("consultation_id", "language"),)
