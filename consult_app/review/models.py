"""Review of comments: themes, dispositions, duplicate groups, reviewer assignments."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult_app.accounts.models import User
from consult_app.core.models import Model, UTCDateTime, enum_column
from consult_app.extensions import db
from consult_app.submissions.models import WithheldReason

__all__ = ["WithheldReason"]  # defined with the comments it is given for


class Outcome(enum.Enum):
    ACCEPTED = "accepted"
    ACCEPTED_IN_PART = "accepted_in_part"
    NOT_ACCEPTED = "not_accepted"
    NOTED = "noted"
    OUT_OF_SCOPE = "out_of_scope"

    @property
    def label(self) -> str:
        return str(
            {
                Outcome.ACCEPTED: _l("Accepted"),
                Outcome.ACCEPTED_IN_PART: _l("Accepted in part"),
                Outcome.NOT_ACCEPTED: _l("Not accepted"),
                Outcome.NOTED: _l("Noted"),
                Outcome.OUT_OF_SCOPE: _l("Out of scope"),
            }[self]
        )


class Satisfaction(enum.Enum):
    SATISFIED = "satisfied"
    NOT_SATISFIED = "not_satisfied"

    @property
    def label(self) -> str:
        return str(
            {
                Satisfaction.SATISFIED: _l("Satisfied"),
                Satisfaction.NOT_SATISFIED: _l("Not satisfied"),
            }[self]
        )


class GroupKind(enum.Enum):
    DUPLICATE = "duplicate"
    CAMPAIGN = "campaign"

    @property
    def label(self) -> str:
        return str(
            {GroupKind.DUPLICATE: _l("Duplicates"), GroupKind.CAMPAIGN: _l("Campaign")}[self]
        )


class GroupStatus(enum.Enum):
    SUGGESTED = "suggested"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"

    @property
    def label(self) -> str:
        return str(
            {
                GroupStatus.SUGGESTED: _l("Suggested"),
                GroupStatus.CONFIRMED: _l("Confirmed"),
                GroupStatus.DISMISSED: _l("Dismissed"),
            }[self]
        )


comment_themes = Table(
    "comment_themes",
    db.metadata,
    Column("comment_id", ForeignKey("comments.id"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id"), primary_key=True, index=True),
)


class Theme(Model):
    """A theme of the consultation's controlled list."""

    __tablename__ = "themes"

    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Internal unless marked public: only public themes are named in published figures,
    # summaries and exports (the secretariat's working labels stay among itself).
    public: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    translations: Mapped[list[ThemeTranslation]] = relationship(
        back_populates="theme", order_by="ThemeTranslation.language", lazy="selectin"
    )

    __table_args__ = (UniqueConstraint("consultation_id", "name"),)


class ThemeTranslation(Model):
    """A public theme's name in another language."""

    __tablename__ = "theme_translations"

    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id"), nullable=False)
    language: Mapped[str] = mapped_column(String(5), nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)

    theme: Mapped[Theme] = relationship(back_populates="translations")

    __table_args__ = (UniqueConstraint("theme_id", "language"),)


class Disposition(Model):
    """The secretariat's answer to one comment."""

    __tablename__ = "dispositions"

    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), nullable=False, unique=True)
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome), nullable=False)
    public_explanation: Mapped[str] = mapped_column(Text, nullable=False)
    internal_note: Mapped[str | None] = mapped_column(Text)
    # The change the comment led to in the next version, in words and as a link.
    change_reference: Mapped[str | None] = mapped_column(Text)
    resulting_provision_id: Mapped[int | None] = mapped_column(ForeignKey("provisions.id"))
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    satisfaction: Mapped[Satisfaction | None] = mapped_column(enum_column(Satisfaction))
    satisfaction_note: Mapped[str | None] = mapped_column(Text)
    satisfaction_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    decided_by: Mapped[User] = relationship(foreign_keys=[decided_by_id])

    __mapper_args__ = {"version_id_col": lock_version}

    __table_args__ = (
        CheckConstraint(
            "(satisfaction IS NULL) OR (satisfaction_at IS NOT NULL)",
            name="satisfaction_has_date",
        ),
    )


class DuplicateGroup(Model):
    """Near-identical comments found by the detector, confirmed or dismissed by a reviewer."""

    __tablename__ = "duplicate_groups"

    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id"), nullable=False, index=True
    )
    kind: Mapped[GroupKind] = mapped_column(enum_column(GroupKind), nullable=False)
    status: Mapped[GroupStatus] = mapped_column(
        enum_column(GroupStatus), nullable=False, default=GroupStatus.SUGGESTED
    )
    representative_comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", use_alter=True, name="fk_duplicate_groups_representative")
    )
    similarity: Mapped[float | None] = mapped_column(Float)
    size: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A dismissed group's comments leave it (their duplicate_group_id is cleared); their ids
    # are kept here so that detection never suggests the same set again.
    dismissed_comment_ids: Mapped[list[int] | None] = mapped_column(JSON)

    __table_args__ = (
        CheckConstraint(
            "(status = 'suggested') OR (reviewed_by_id IS NOT NULL)", name="reviewed_has_reviewer"
        ),
    )


class ProvisionAssignment(Model):
    """A reviewer responsible for the comments on one provision of a consultation."""

    __tablename__ = "provision_assignments"

    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), nullable=False)
    provision_id: Mapped[int] = mapped_column(ForeignKey("provisions.id"), nullable=False)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)

    reviewer: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("consultation_id", "provision_id"),)
