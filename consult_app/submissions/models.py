"""A submission of one organisation in one consultation, and its comments."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    func,
    or_,
    true,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from consult_app.accounts.models import Organisation, RegionalGroup, User
from consult_app.consultations.models import Consultation
from consult_app.core.models import Model, UTCDateTime, enum_column
from consult_app.extensions import db
from consult_app.texts.models import Paragraph, Provision


class WithheldReason(enum.Enum):
    SPAM = "spam"
    OFFENSIVE = "offensive"
    OFF_TOPIC = "off_topic"
    CONFIDENTIAL = "confidential"
    DUPLICATE = "duplicate"

    @property
    def label(self) -> str:
        return str(
            {
                WithheldReason.SPAM: _l("Spam"),
                WithheldReason.OFFENSIVE: _l("Offensive"),
                WithheldReason.OFF_TOPIC: _l("Off-topic"),
                WithheldReason.CONFIDENTIAL: _l("Confidential"),
                WithheldReason.DUPLICATE: _l("Duplicate"),
            }[self]
        )


class SubmissionStatus(enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"

    @property
    def label(self) -> str:
        return str(
            {SubmissionStatus.DRAFT: _l("Draft"), SubmissionStatus.SUBMITTED: _l("Submitted")}[self]
        )


class Channel(enum.Enum):
    ONLINE = "online"
    EMAIL = "email"
    LETTER = "letter"
    NOTE_VERBALE = "note_verbale"
    ORAL = "oral"

    @property
    def label(self) -> str:
        return str(
            {
                Channel.ONLINE: _l("Online"),
                Channel.EMAIL: _l("E-mail"),
                Channel.LETTER: _l("Letter"),
                Channel.NOTE_VERBALE: _l("Note verbale"),
                Channel.ORAL: _l("Oral statement"),
            }[self]
        )


class OnBehalfKind(enum.Enum):
    NONE = "none"
    REGIONAL_GROUP = "regional_group"
    COALITION = "coalition"

    @property
    def label(self) -> str:
        return str(
            {
                OnBehalfKind.NONE: _l("Only for our organisation"),
                OnBehalfKind.REGIONAL_GROUP: _l("On behalf of a regional group"),
                OnBehalfKind.COALITION: _l("On behalf of a group or coalition"),
            }[self]
        )


class Position(enum.Enum):
    SUPPORT = "support"
    SUPPORT_WITH_AMENDMENTS = "support_with_amendments"
    OPPOSE = "oppose"
    RESERVATION = "reservation"
    PROPOSE_DELETION = "propose_deletion"
    NO_POSITION = "no_position"

    @property
    def label(self) -> str:
        return str(POSITION_LABELS[self])


POSITION_LABELS = {
    Position.SUPPORT: _l("Support"),
    Position.SUPPORT_WITH_AMENDMENTS: _l("Support with amendments"),
    Position.OPPOSE: _l("Oppose"),
    Position.RESERVATION: _l("Reservation"),
    Position.PROPOSE_DELETION: _l("Propose deletion"),
    Position.NO_POSITION: _l("No position"),
}


class CommentKind(enum.Enum):
    GENERAL = "general"
    SUBSTANTIVE = "substantive"
    DRAFTING = "drafting"

    @property
    def label(self) -> str:
        return str(COMMENT_KIND_LABELS[self])


COMMENT_KIND_LABELS = {
    CommentKind.GENERAL: _l("General"),
    CommentKind.SUBSTANTIVE: _l("Substantive"),
    CommentKind.DRAFTING: _l("Drafting / editorial"),
}


class ModerationStatus(enum.Enum):
    PENDING = "pending"
    PUBLISHED = "published"
    WITHHELD = "withheld"

    @property
    def label(self) -> str:
        return str(
            {
                ModerationStatus.PENDING: _l("Pending review"),
                ModerationStatus.PUBLISHED: _l("Published"),
                ModerationStatus.WITHHELD: _l("Withheld"),
            }[self]
        )


class Submission(Model):
    __tablename__ = "submissions"

    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), nullable=False)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id"), nullable=False, index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[SubmissionStatus] = mapped_column(
        enum_column(SubmissionStatus), nullable=False, default=SubmissionStatus.DRAFT
    )
    channel: Mapped[Channel] = mapped_column(
        enum_column(Channel), nullable=False, default=Channel.ONLINE
    )
    general_remarks: Mapped[str | None] = mapped_column(Text)
    on_behalf_kind: Mapped[OnBehalfKind] = mapped_column(
        enum_column(OnBehalfKind), nullable=False, default=OnBehalfKind.NONE
    )
    on_behalf_group: Mapped[RegionalGroup | None] = mapped_column(enum_column(RegionalGroup))
    on_behalf_name: Mapped[str | None] = mapped_column(String(300))
    # False when the organisation asked that the submission not be published.
    publishable: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    receipt_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revision_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # True when the authors changed something since their last submission.
    has_unsubmitted_changes: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Submissions received outside the platform: who recorded them, when they arrived, and
    # the reference or the meeting (for an oral statement).
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    channel_detail: Mapped[str | None] = mapped_column(String(300))
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    consultation: Mapped[Consultation] = relationship()
    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    comments: Mapped[list[Comment]] = relationship(
        back_populates="submission", order_by="Comment.id"
    )
    cosigners: Mapped[list[Cosigner]] = relationship(
        back_populates="submission", order_by="Cosigner.id"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="submission", order_by="Attachment.id"
    )
    revisions: Mapped[list[SubmissionRevision]] = relationship(
        back_populates="submission", order_by="SubmissionRevision.number"
    )

    __mapper_args__ = {"version_id_col": lock_version}

    __table_args__ = (
        # One submission per organisation and consultation: a double click or a second
        # tab finds the existing one instead of creating another.
        UniqueConstraint("consultation_id", "organisation_id"),
        CheckConstraint(
            "(status != 'submitted') OR "
            "(receipt_number IS NOT NULL AND submitted_at IS NOT NULL AND revision_count > 0)",
            name="submitted_has_receipt",
        ),
        CheckConstraint(
            "(on_behalf_kind != 'regional_group') OR (on_behalf_group IS NOT NULL)",
            name="regional_group_named",
        ),
        CheckConstraint(
            "(on_behalf_kind != 'coalition') OR (on_behalf_name IS NOT NULL)",
            name="coalition_named",
        ),
        CheckConstraint(
            "(channel != 'oral') OR (channel_detail IS NOT NULL)", name="oral_names_meeting"
        ),
        CheckConstraint(
            "(channel = 'online') OR (recorded_by_id IS NOT NULL)", name="offline_has_recorder"
        ),
    )

    @property
    def is_submitted(self) -> bool:
        return self.status is SubmissionStatus.SUBMITTED

    @property
    def active_comments(self) -> list[Comment]:
        return [c for c in self.comments if c.withdrawn_at is None]

    def can_view(self, user: User | None) -> bool:
        """Authors of the organisation and the secretariat see a submission in full."""
        if user is None or not user.is_authenticated:
            return False
        return user.is_secretariat or user.can_act_for(self.organisation)

    def can_edit(self, user: User | None, now: datetime | None = None) -> bool:
        """Authors may change it while the consultation is open, never after."""
        return (
            user is not None
            and user.is_authenticated
            and user.can_act_for(self.organisation)
            and self.channel is Channel.ONLINE
            and self.consultation.can_participate(user, now)
        )

    @property
    def on_behalf_label(self) -> str | None:
        if self.on_behalf_kind is OnBehalfKind.REGIONAL_GROUP and self.on_behalf_group:
            return str(_l("on behalf of the %(group)s", group=self.on_behalf_group.label))
        if self.on_behalf_kind is OnBehalfKind.COALITION and self.on_behalf_name:
            return str(_l("on behalf of %(name)s", name=self.on_behalf_name))
        return None


class Cosigner(Model):
    __tablename__ = "submission_cosigners"

    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), nullable=False)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id"), nullable=False, index=True
    )

    submission: Mapped[Submission] = relationship(back_populates="cosigners")
    organisation: Mapped[Organisation] = relationship()

    __table_args__ = (UniqueConstraint("submission_id", "organisation_id"),)


#: Comment columns searched by the review queue's free text (trigram-indexed on PostgreSQL).
TRIGRAM_SEARCH_COLUMNS = ("body", "proposed_wording", "rationale")

#: The parts of a comment the secretariat can redact, each with its ``redacted_`` column.
REDACTABLE_PARTS = ("body", "proposed_wording", "rationale")

#: What the authors write in a comment: the fields an unsubmitted edit holds.
AUTHORED_FIELDS = (
    "paragraph_id",
    "quoted_text",
    "position",
    "kind",
    "body",
    "proposed_wording",
    "rationale",
    "language",
)
_AUTHORED_ENUMS: dict[str, type[enum.Enum]] = {"position": Position, "kind": CommentKind}


def encode_authored(values: dict[str, Any]) -> dict[str, Any]:
    """Authored values as JSON-ready data (enums by value)."""
    return {
        key: value.value if isinstance(value, enum.Enum) else value
        for key, value in values.items()
        if key in AUTHORED_FIELDS
    }


def decode_authored(data: dict[str, Any]) -> dict[str, Any]:
    """The inverse of :func:`encode_authored`."""
    return {
        key: _AUTHORED_ENUMS[key](value) if key in _AUTHORED_ENUMS else value
        for key, value in data.items()
        if key in AUTHORED_FIELDS
    }


class Comment(Model):
    __tablename__ = "comments"

    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id"), nullable=False, index=True
    )
    # Denormalised from the submission (set on insert) so the review queue and the figures
    # filter a consultation's comments without a join.
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id"), nullable=False, index=True
    )
    provision_id: Mapped[int] = mapped_column(ForeignKey("provisions.id"), nullable=False)
    paragraph_id: Mapped[int | None] = mapped_column(ForeignKey("paragraphs.id"))
    quoted_text: Mapped[str | None] = mapped_column(Text)
    position: Mapped[Position] = mapped_column(enum_column(Position), nullable=False)
    kind: Mapped[CommentKind] = mapped_column(
        enum_column(CommentKind), nullable=False, default=CommentKind.SUBSTANTIVE
    )
    body: Mapped[str] = mapped_column(Text, nullable=False)
    proposed_wording: Mapped[str | None] = mapped_column(Text)
    rationale: Mapped[str | None] = mapped_column(Text)
    # The language the comment is written in (one of the six, declared by its author;
    # NULL for comments made before languages were recorded).
    language: Mapped[str | None] = mapped_column(String(5), index=True)
    moderation_status: Mapped[ModerationStatus] = mapped_column(
        enum_column(ModerationStatus), nullable=False, default=ModerationStatus.PENDING
    )
    withheld_reason: Mapped[str | None] = mapped_column(String(32))
    # Set when the authors withdraw the comment; the row stays in the record.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Denormalised from the submission so public lists need no join to filter.
    is_public: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # An edit of a comment of a submitted submission, kept apart until the submission is
    # submitted again: until then the columns above (what the public, the secretariat and
    # the figures see) keep the wording last submitted.
    unsubmitted_edit: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    # Review: what the public reads instead of each redacted part (NULL: the part is not
    # redacted; '' for the proposed wording or the rationale: the public reads none), the
    # originals being kept; who moderated it and when, the reviewer it is assigned to, and
    # the duplicate group it belongs to. The public reads the ``public_*`` properties.
    redacted_body: Mapped[str | None] = mapped_column(Text)
    redacted_proposed_wording: Mapped[str | None] = mapped_column(Text)
    redacted_rationale: Mapped[str | None] = mapped_column(Text)
    redaction_reason: Mapped[str | None] = mapped_column(String(300))
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    duplicate_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("duplicate_groups.id"), index=True
    )

    submission: Mapped[Submission] = relationship(back_populates="comments")
    provision: Mapped[Provision] = relationship()
    paragraph: Mapped[Paragraph | None] = relationship()
    # Review's Theme and Disposition (review is built on submissions), named for the mapper
    # registry to resolve: typed loosely here, since this layer does not import review.
    themes: Mapped[list[Any]] = relationship(
        "Theme", secondary="comment_themes", order_by="Theme.name"
    )
    disposition: Mapped[Any] = relationship("Disposition", uselist=False)

    __mapper_args__ = {"version_id_col": lock_version}

    __table_args__ = (
        CheckConstraint(
            "(moderation_status != 'withheld') OR (withheld_reason IS NOT NULL)",
            name="withheld_has_reason",
        ),
        # The public list of a provision: published, visible comments, in order.
        Index("ix_comments_provision_public", "provision_id", "is_public", "id"),
        # The public list of a consultation (the JSON API): counted and paged on the index.
        Index("ix_comments_consultation_public", "consultation_id", "is_public", "id"),
        # The review queue: a consultation's comments newest first, by submission, by
        # status, by provision or by reviewer, each already in id order (no sort of
        # 100,000 rows), and counted from an index without reading the table.
        Index("ix_comments_queue", "consultation_id", "id"),
        Index("ix_comments_queue_submission", "consultation_id", "submission_id", "id"),
        Index("ix_comments_queue_status", "consultation_id", "moderation_status", "id"),
        Index("ix_comments_queue_provision", "consultation_id", "provision_id", "id"),
        # "Mine and pending", "unassigned and pending": counted from the index alone.
        Index(
            "ix_comments_queue_assignee",
            "consultation_id",
            "assigned_to_id",
            "moderation_status",
            "id",
        ),
        # The queue's free-text search (ILIKE '%text%') on PostgreSQL: trigram indexes
        # (extension pg_trgm). SQLite has no such index and reads the comments.
        *(
            Index(
                f"ix_comments_{column}_trgm",
                column,
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            ).ddl_if(dialect="postgresql")
            for column in TRIGRAM_SEARCH_COLUMNS
        ),
    )

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    # What the public reads: the redacted text of each redacted part, else the original.
    # Usable on a comment and in a query (``select(Comment.public_body.label("body"))``),
    # so that public pages, the API and public exports never select an original.

    @hybrid_property
    def public_body(self) -> str:
        return self.body if self.redacted_body is None else self.redacted_body

    @public_body.inplace.expression
    @classmethod
    def _public_body_expression(cls) -> ColumnElement[str]:
        return func.coalesce(cls.redacted_body, cls.body)

    @hybrid_property
    def public_proposed_wording(self) -> str | None:
        if self.redacted_proposed_wording is None:
            return self.proposed_wording
        return self.redacted_proposed_wording or None

    @public_proposed_wording.inplace.expression
    @classmethod
    def _public_proposed_wording_expression(cls) -> ColumnElement[str | None]:
        return func.nullif(func.coalesce(cls.redacted_proposed_wording, cls.proposed_wording), "")

    @hybrid_property
    def public_rationale(self) -> str | None:
        if self.redacted_rationale is None:
            return self.rationale
        return self.redacted_rationale or None

    @public_rationale.inplace.expression
    @classmethod
    def _public_rationale_expression(cls) -> ColumnElement[str | None]:
        return func.nullif(func.coalesce(cls.redacted_rationale, cls.rationale), "")

    @hybrid_property
    def is_redacted(self) -> bool:
        """Whether the secretariat redacted any part of the comment."""
        return any(getattr(self, f"redacted_{part}") is not None for part in REDACTABLE_PARTS)

    @is_redacted.inplace.expression
    @classmethod
    def _is_redacted_expression(cls) -> ColumnElement[bool]:
        return or_(
            cls.redacted_body.is_not(None),
            cls.redacted_proposed_wording.is_not(None),
            cls.redacted_rationale.is_not(None),
        )

    @property
    def redacted_parts(self) -> list[str]:
        """The names of the redacted parts, in :data:`REDACTABLE_PARTS` order."""
        return [p for p in REDACTABLE_PARTS if getattr(self, f"redacted_{p}") is not None]

    def authored_values(self) -> dict[str, Any]:
        """What the authors last wrote: their unsubmitted edit over the submitted wording."""
        values = {key: getattr(self, key) for key in AUTHORED_FIELDS}
        values.update(decode_authored(self.unsubmitted_edit or {}))
        return values


class AuthoredComment:
    """A comment as its authors see it on their own pages: their unsubmitted edit, if any,
    in place of the wording last submitted (everything else read from the comment)."""

    def __init__(self, comment: Comment) -> None:
        self.comment = comment
        self.values = comment.authored_values()

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__["values"]
        if name in values:
            return values[name]
        return getattr(self.__dict__["comment"], name)

    @property
    def has_unsubmitted_edit(self) -> bool:
        return bool(self.comment.unsubmitted_edit)

    @property
    def paragraph(self) -> Paragraph | None:
        paragraph_id = self.values["paragraph_id"]
        if paragraph_id == self.comment.paragraph_id:
            return self.comment.paragraph
        return db.session.get(Paragraph, paragraph_id) if paragraph_id else None


# pg_trgm must exist before the trigram indexes are created (``db.create_all()``; the
# migration creates it too).
event.listen(
    Comment.__table__,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),
)


class Attachment(Model):
    __tablename__ = "attachments"

    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id"), nullable=False, index=True
    )
    # ``filename`` is the sanitised name used when the file is served; ``display_name`` is
    # the name the uploader gave it, shown (escaped) in pages.
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    display_name: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The written submissions of the public record: an attachment is published only when
    # its authors agreed to it when attaching it (``publish_consent``) and the secretariat
    # published it (never when it withheld it, e.g. as confidential), the submission being
    # submitted and publishable in a consultation that publishes submissions.
    publish_consent: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    moderation_status: Mapped[ModerationStatus] = mapped_column(
        enum_column(ModerationStatus),
        nullable=False,
        default=ModerationStatus.PENDING,
        server_default=ModerationStatus.PENDING.value,
    )
    withheld_reason: Mapped[str | None] = mapped_column(String(32))
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    submission: Mapped[Submission] = relationship(back_populates="attachments")

    __table_args__ = (
        CheckConstraint(
            "(moderation_status != 'withheld') OR (withheld_reason IS NOT NULL)",
            name="withheld_has_reason",
        ),
    )

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def is_public(self) -> bool:
        """Whether the public record lists it (the rule of :func:`public_attachment_filter`)."""
        submission = self.submission
        return (
            self.withdrawn_at is None
            and self.publish_consent
            and self.moderation_status is ModerationStatus.PUBLISHED
            and submission.is_submitted
            and submission.publishable
            and submission.consultation.publish_submissions
        )

    def can_moderate(self, user: User | None) -> bool:
        """The secretariat publishes or withholds the written submissions."""
        return user is not None and user.is_authenticated and user.is_secretariat


def public_attachment_filter() -> list[ColumnElement[bool]]:
    """The conditions of a public attachment, for a query joining ``Submission`` and
    ``Consultation``."""
    return [
        Attachment.withdrawn_at.is_(None),
        Attachment.publish_consent.is_(true()),
        Attachment.moderation_status == ModerationStatus.PUBLISHED,
        Submission.status == SubmissionStatus.SUBMITTED,
        Submission.publishable.is_(true()),
        Consultation.publish_submissions.is_(true()),
    ]


class SubmissionRevision(Model):
    """A snapshot of the submission as it stood each time it was submitted."""

    __tablename__ = "submission_revisions"

    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)

    submission: Mapped[Submission] = relationship(back_populates="revisions")
    submitted_by: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("submission_id", "number"),)


@event.listens_for(Comment, "before_insert")
def _copy_consultation(mapper: Any, connection: Any, comment: Comment) -> None:
    if comment.consultation_id is None:
        comment.consultation_id = comment.submission.consultation_id


# --- import jobs -------------------------------------------------------------------------


class ImportStatus(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return str(
            {
                ImportStatus.QUEUED: _l("Waiting to start"),
                ImportStatus.RUNNING: _l("Running"),
                ImportStatus.SUCCEEDED: _l("Finished"),
                ImportStatus.FAILED: _l("Failed"),
            }[self]
        )

    @property
    def is_active(self) -> bool:
        return self in (ImportStatus.QUEUED, ImportStatus.RUNNING)


class ImportStage(enum.Enum):
    """Where a running import is: the rows are read, checked one by one, then written."""

    WAITING = "waiting"
    READING = "reading"
    CHECKING = "checking"
    WRITING = "writing"
    DONE = "done"

    @property
    def label(self) -> str:
        return str(
            {
                ImportStage.WAITING: _l("Waiting to start"),
                ImportStage.READING: _l("Reading the file"),
                ImportStage.CHECKING: _l("Checking the rows"),
                ImportStage.WRITING: _l("Recording the submissions"),
                ImportStage.DONE: _l("Done"),
            }[self]
        )


class ImportJob(Model):
    """One file of offline submissions imported in the background (all or nothing).

    The uploaded bytes wait in the file storage (``file_key``) until the job ends. The
    outcome is ``result`` (counts and receipts) when it succeeded, or ``errors`` (the
    line-level problems of a rejected file, at most ``MAX_STORED_ERRORS`` of
    ``error_count``) or ``error`` (why it could not run) when it failed. ``updated_at`` is
    the heartbeat of a running job.
    """

    __tablename__ = "import_jobs"

    MAX_STORED_ERRORS = 1000

    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id"), nullable=False)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    status: Mapped[ImportStatus] = mapped_column(
        enum_column(ImportStatus), nullable=False, default=ImportStatus.QUEUED
    )
    stage: Mapped[ImportStage] = mapped_column(
        enum_column(ImportStage), nullable=False, default=ImportStage.WAITING
    )
    dry_run: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    file_key: Mapped[str | None] = mapped_column(String(255))
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    file_size: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rows_total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    errors: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    error_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    consultation: Mapped[Consultation] = relationship()
    requested_by: Mapped[User] = relationship()

    __table_args__ = (
        CheckConstraint("rows_done >= 0 AND rows_total >= 0", name="rows_positive"),
        CheckConstraint(
            "(status != 'succeeded') OR (result IS NOT NULL AND finished_at IS NOT NULL)",
            name="succeeded_has_result",
        ),
        CheckConstraint(
            "(status != 'failed') OR ((error IS NOT NULL OR error_count > 0) "
            "AND finished_at IS NOT NULL)",
            name="failed_has_reason",
        ),
        # The import page: a consultation's recent jobs, newest first.
        Index("ix_import_jobs_consultation", "consultation_id", "id"),
        # The worker's look for silent running jobs.
        Index("ix_import_jobs_status", "status", "updated_at"),
    )

    @property
    def percent(self) -> int:
        """Overall progress: reading 0-5 %, checking the rows 5-50 %, writing 50-100 %."""
        if self.status is ImportStatus.SUCCEEDED or self.stage is ImportStage.DONE:
            return 100
        total = max(self.rows_total, 1)
        share = min(self.rows_done, total) / total
        if self.stage is ImportStage.CHECKING:
            return 5 + int(45 * share)
        if self.stage is ImportStage.WRITING:
            return 50 + min(49, int(50 * share))
        return 0
