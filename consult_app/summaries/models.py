"""Tables of the summaries capability: the drafted and edited narrative summaries, and the
consensus settings of each consultation."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult_app.core.models import Model, UTCDateTime, enum_column
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
    translations: Mapped[list[SummaryTranslation]] = relationship(
        back_populates="summary", order_by="SummaryTranslation.language", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": lock_version}

    __table_args__ = (
        UniqueConstraint("consultation_id", "provision_id"),
        UniqueConstraint("consultation_id", "scope_key"),
        CheckConstraint(
            "(provision_id IS NULL AND scope_key = 0) OR (provision_id = scope_key)",
            name="scope_matches_provision",
        ),
        CheckConstraint("(edited_text IS NULL) OR (edited_at IS NOT NULL)", name="edited_has_date"),
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


class Attribution(enum.Enum):
    """Whether the drafted summaries and the consensus reasons name delegations."""

    NAMED = "named"
    UNATTRIBUTED = "unattributed"

    @property
    def label(self) -> str:
        return str(ATTRIBUTION_LABELS[self])


ATTRIBUTION_LABELS = {
    Attribution.NAMED: _l("Named: delegations and organisations that may be named are named"),
    Attribution.UNATTRIBUTED: _l(
        "Unattributed, in the style of a chair's summary: nobody is named"
    ),
}


class SummaryTranslation(Model):
    """A published summary in another language. ``source_text`` is the published text it
    translates: once the summary is published again with other words, the translation is
    marked as needing an update (and is still shown, marked, rather than hidden)."""

    __tablename__ = "summary_translations"

    summary_id: Mapped[int] = mapped_column(ForeignKey("summary_drafts.id"), nullable=False)
    language: Mapped[str] = mapped_column(String(5), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    source_text: Mapped[str] = mapped_column(Text, nullable=False)

    summary: Mapped[SummaryDraft] = relationship(back_populates="translations")

    __table_args__ = (UniqueConstraint("summary_id", "language"),)

    @property
    def needs_update(self) -> bool:
        return self.summary.published_text != self.source_text


class ConsensusSettings(Model):
    """The thresholds of the consensus indicator and the wording of the summaries, for one
    consultation (docs/consensus.md). A consultation without a row uses the defaults of
    :data:`consult_app.summaries.consensus.DEFAULT_RULE`."""

    __tablename__ = "consensus_settings"

    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id"), nullable=False, unique=True
    )
    #: State positions objecting to a text that keep it in square brackets.
    bracket_objections: Mapped[int] = mapped_column(Integer, nullable=False)
    #: State positions, and regional groups they come from, needed for a reading at all.
    min_states: Mapped[int] = mapped_column(Integer, nullable=False)
    min_groups: Mapped[int] = mapped_column(Integer, nullable=False)
    #: Regional groups that must have taken a position for a text without objection to
    #: read as agreed.
    agreed_min_groups: Mapped[int] = mapped_column(Integer, nullable=False)
    #: Quantifiers: up to ``few_max`` "a few", ``some_max`` "some", ``several_max``
    #: "several", then "many"; "most" from ``most_min`` when more than half.
    few_max: Mapped[int] = mapped_column(Integer, nullable=False)
    some_max: Mapped[int] = mapped_column(Integer, nullable=False)
    several_max: Mapped[int] = mapped_column(Integer, nullable=False)
    most_min: Mapped[int] = mapped_column(Integer, nullable=False)
    attribution: Mapped[Attribution] = mapped_column(enum_column(Attribution), nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    consultation: Mapped[Consultation] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}

    __table_args__ = (
        CheckConstraint("bracket_objections >= 1", name="bracket_objections_positive"),
        CheckConstraint("min_states >= 1", name="min_states_positive"),
        CheckConstraint("min_groups BETWEEN 1 AND 5", name="min_groups_range"),
        CheckConstraint("agreed_min_groups BETWEEN 1 AND 5", name="agreed_min_groups_range"),
        CheckConstraint(
            "few_max >= 2 AND some_max >= few_max AND several_max >= some_max",
            name="quantifiers_ordered",
        ),
        CheckConstraint("most_min >= 2", name="most_min_range"),
    )
