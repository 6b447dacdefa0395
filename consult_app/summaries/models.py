"""Tables of the summaries capability: the drafted and edited narrative summaries."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult_app.core.models import Model, UTCDateTime
from consult_app.submissions.models import Comment
from consult_app.summaries import counts  # noqa: F401  (the counts tables and their triggers)

if TYPE_CHECKING:
    from consult_app.accounts.models import User
    from consult_app.consultations.models import Consultation
    from consult_app.texts.models import Provision

# A consultation's comments by provision and submission, in id order: the counts triggers
# find the first remaining comment of a wording through it (and stop there), and a recount
# reads the comments in that order (declared here, on the comments table, because the
# summaries are what needs it).
Index(
    "ix_comments_figures",
    Comment.__table__.c.consultation_id,
    Comment.__table__.c.provision_id,
    Comment.__table__.c.submission_id,
    Comment.__table__.c.id,
)
# The reservations listed on a provision's figures page: the first ones by id, read in
# order from this index and stopped at the limit, instead of numbering all of them.
Index(
    "ix_comments_figures_position",
    Comment.__table__.c.consultation_id,
    Comment.__table__.c.provision_id,
    Comment.__table__.c.position,
    Comment.__table__.c.id,
)

#: ``scope_key`` of the whole-consultation summary (provision summaries use the provision id).
CONSULTATION_SCOPE = 0


class SummaryDraft(Model):
    """The narrative summary of one provision, or of the whole consultation (provision NULL).

    ``generated_text`` is the platform's latest draft; ``edited_text`` the secretariat's
    version, if any. When a regeneration changes the draft under an edited text, the
    previous draft is kept in ``previous_generated_text`` and ``awaiting_choice`` is set
    until the secretariat keeps its edits or takes the new draft.
    """

    __tablename__ = "summary_drafts"

    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id"), nullable=False, index=True
    )
    provision_id: Mapped[int | None] = mapped_column(ForeignKey("provisions.id"))
    # provision_id, or 0 for the whole consultation: NULLs are never equal in a UNIQUE
    # constraint, so this column is what makes the consultation summary unique everywhere.
    scope_key: Mapped[int] = mapped_column(Integer, nullable=False)
    generated_text: Mapped[str] = mapped_column(Text, nullable=False)
    previous_generated_text: Mapped[str | None] = mapped_column(Text)
    awaiting_choice: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    edited_text: Mapped[str | None] = mapped_column(Text)
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # What the public reads: the text as it stood when the secretariat last published it
    # (later edits and drafts stay internal until the next publication).
    published_text: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    consultation: Mapped[Consultation] = relationship()
    provision: Mapped[Provision | None] = relationship()
    edited_by: Mapped[User | None] = relationship(foreign_keys=[edited_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])

    __mapper_args__ = {"version_id_col": lock_version}

    __table_args__ = (
        UniqueConstraint("consultation_id", "provision_id"),
        UniqueConstraint("consultation_id", "scope_key"),
        CheckConstraint(
            "(provision_id IS NULL AND scope_key = 0) OR (provision_id = scope_key)",
            name="scope_matches_provision",
        ),
        CheckConstraint(
            "(edited_text IS NULL) OR (edited_at IS NOT NULL)", name="edited_has_date"
        ),
        CheckConstraint(
            "(NOT awaiting_choice) OR (edited_text IS NOT NULL)", name="choice_needs_edits"
        ),
        CheckConstraint(
            "(published_text IS NULL) OR (published_at IS NOT NULL)",
            name="published_has_date",
        ),
    )

    @property
    def current_text(self) -> str:
        return self.edited_text if self.edited_text is not None else self.generated_text

    @property
    def is_edited(self) -> bool:
        return self.edited_text is not None

    @property
    def is_published(self) -> bool:
        return self.published_text is not None

    @property
    def changed_since_published(self) -> bool:
        return self.published_text is not None and self.published_text != self.current_text

    def can_edit(self, user: User | None) -> bool:
        return self.consultation.can_manage(user)
