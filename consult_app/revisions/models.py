"""Lineage and changes of a revised version, and who may revise.

``Provision.derived_from_id`` (texts) names one provision of the previous version; a merged
provision comes from several, so every source is also a row of ``provision_sources``.
Paragraphs keep theirs in ``paragraph_sources`` (an amendment to paragraph 2 of the old
article lands on the paragraph that came from it). A :class:`TextChange` is one edit of a
draft version (edited, added, deleted, moved, split, merged, renumbered, amendment
applied); ``change_comments`` links it to the comments that led to it.
"""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult_app.accounts.models import User
from consult_app.core.models import Model, enum_column
from consult_app.extensions import db
from consult_app.texts.models import TextVersion, VersionStatus

provision_sources = Table(
    "provision_sources",
    db.metadata,
    Column("provision_id", ForeignKey("provisions.id"), primary_key=True),
    Column("source_id", ForeignKey("provisions.id"), primary_key=True, index=True),
)

paragraph_sources = Table(
    "paragraph_sources",
    db.metadata,
    Column("paragraph_id", ForeignKey("paragraphs.id"), primary_key=True),
    Column("source_id", ForeignKey("paragraphs.id"), nullable=False, index=True),
)

change_comments = Table(
    "change_comments",
    db.metadata,
    Column("change_id", ForeignKey("text_changes.id"), primary_key=True),
    Column("comment_id", ForeignKey("comments.id"), primary_key=True, index=True),
)


class ChangeKind(enum.Enum):
    EDITED = "edited"
    ADDED = "added"
    DELETED = "deleted"
    MOVED = "moved"
    SPLIT = "split"
    MERGED = "merged"
    RENUMBERED = "renumbered"
    AMENDMENT = "amendment"
    ALIGNED = "aligned"

    @property
    def label(self) -> str:
        return str(
            {
                ChangeKind.EDITED: _l("Edited"),
                ChangeKind.ADDED: _l("Added"),
                ChangeKind.DELETED: _l("Deleted"),
                ChangeKind.MOVED: _l("Moved"),
                ChangeKind.SPLIT: _l("Split"),
                ChangeKind.MERGED: _l("Merged"),
                ChangeKind.RENUMBERED: _l("Renumbered"),
                ChangeKind.AMENDMENT: _l("Amendment applied"),
                ChangeKind.ALIGNED: _l("Aligned with the previous version"),
            }[self]
        )


class TextChange(Model):
    """One change made to a draft version by the secretariat."""

    __tablename__ = "text_changes"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("text_versions.id"), nullable=False, index=True
    )
    kind: Mapped[ChangeKind] = mapped_column(enum_column(ChangeKind), nullable=False)
    # The provision of this version the change produced (none once it is deleted).
    provision_id: Mapped[int | None] = mapped_column(ForeignKey("provisions.id"), index=True)
    # The provision of the previous version it concerns, if any (kept after a deletion).
    source_provision_id: Mapped[int | None] = mapped_column(ForeignKey("provisions.id"))
    # The label of the provision when the change was made ("Article 5 bis").
    label: Mapped[str] = mapped_column(String(300), nullable=False)
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    # Why: written by the secretariat, shown in "reasons for the changes".
    reason: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sequence: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    version: Mapped[TextVersion] = relationship()
    actor: Mapped[User | None] = relationship()


def is_revisable(version: TextVersion) -> bool:
    """A version changes while it is a draft that no consultation and no later version uses."""
    from sqlalchemy import exists, select

    from consult_app.consultations.models import Consultation

    if version.status is not VersionStatus.DRAFT:
        return False
    used = db.session.scalar(
        select(
            exists().where(Consultation.version_id == version.id)
            | exists().where(TextVersion.previous_id == version.id)
        )
    )
    return not used


def can_revise(user: User | None) -> bool:
    """The secretariat makes and edits new versions."""
    return bool(user is not None and user.is_authenticated and user.can_manage_texts())


def can_view_version(user: User | None, version: TextVersion) -> bool:
    """A revision being drafted is the secretariat's until it is published (as on the
    text's own page); the comparisons and the record show published versions only."""
    return (version.status is not VersionStatus.DRAFT or can_revise(user)) and version.can_view(
        user
    )
