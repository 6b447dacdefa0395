"""Tables of the exports capability: background export jobs and the files they produce."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult_app.accounts.models import User
from consult_app.consultations.models import Consultation
from consult_app.core.models import Model, UTCDateTime, enum_column


class ExportKind(enum.Enum):
    REPORT = "report"
    COMPILATION = "compilation"
    DISPOSITIONS = "dispositions"

    @property
    def label(self) -> str:
        return str(
            {
                ExportKind.REPORT: _l("Consensus report"),
                ExportKind.COMPILATION: _l("Compilation of comments by provision"),
                ExportKind.DISPOSITIONS: _l("Disposition of comments"),
            }[self]
        )


class ExportFormat(enum.Enum):
    DOCX = "docx"
    PDF = "pdf"
    HTML = "html"
    XLSX = "xlsx"
    CSV = "csv"

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self]

    @property
    def label(self) -> str:
        return {
            ExportFormat.DOCX: "Word (.docx)",
            ExportFormat.PDF: "PDF",
            ExportFormat.HTML: "HTML",
            ExportFormat.XLSX: "Excel (.xlsx)",
            ExportFormat.CSV: "CSV",
        }[self]


CONTENT_TYPES = {
    ExportFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ExportFormat.PDF: "application/pdf",
    ExportFormat.HTML: "text/html; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.CSV: "text/csv; charset=utf-8",
}

# Which formats each kind of export is built in.
FORMATS_BY_KIND: dict[ExportKind, tuple[ExportFormat, ...]] = {
    ExportKind.REPORT: (ExportFormat.DOCX, ExportFormat.PDF, ExportFormat.HTML),
    ExportKind.COMPILATION: (ExportFormat.XLSX, ExportFormat.CSV),
    ExportKind.DISPOSITIONS: (ExportFormat.XLSX, ExportFormat.CSV),
}


class JobStatus(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return str(
            {
                JobStatus.QUEUED: _l("Waiting to start"),
                JobStatus.RUNNING: _l("Running"),
                JobStatus.DONE: _l("Ready"),
                JobStatus.FAILED: _l("Failed"),
            }[self]
        )

    @property
    def is_active(self) -> bool:
        return self in (JobStatus.QUEUED, JobStatus.RUNNING)


class ExportJob(Model):
    """One export built in the background; the file stays under EXPORTS_DIR for download."""

    __tablename__ = "export_jobs"

    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id"), nullable=False
    )
    kind: Mapped[ExportKind] = mapped_column(enum_column(ExportKind), nullable=False)
    format: Mapped[ExportFormat] = mapped_column(enum_column(ExportFormat), nullable=False)
    # Internal exports (secretariat only) include unpublished comments and internal notes.
    internal: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # The language the file is written in (one of UN_LANGUAGES): its interface strings and,
    # where a language version exists, the text under consultation.
    language: Mapped[str] = mapped_column(
        String(8), nullable=False, default="en", server_default="en"
    )
    status: Mapped[JobStatus] = mapped_column(
        enum_column(JobStatus), nullable=False, default=JobStatus.QUEUED
    )
    progress: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    message: Mapped[str | None] = mapped_column(String(300))
    # Relative to EXPORTS_DIR; never a user-supplied name.
    file_path: Mapped[str | None] = mapped_column(String(255))
    filename: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int | None] = mapped_column(Integer)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(Text)

    consultation: Mapped[Consultation] = relationship()
    requested_by: Mapped[User | None] = relationship()

    __table_args__ = (
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress_range"),
        CheckConstraint(
            "(status != 'done') OR (file_path IS NOT NULL AND finished_at IS NOT NULL)",
            name="done_has_file",
        ),
        CheckConstraint(
            "(status != 'failed') OR (error IS NOT NULL AND finished_at IS NOT NULL)",
            name="failed_has_error",
        ),
        # The exports page: a consultation's jobs newest first, and the latest public file
        # of each kind and format.
        Index("ix_export_jobs_consultation", "consultation_id", "id"),
        Index(
            "ix_export_jobs_latest",
            "consultation_id", "kind", "format", "internal", "status", "id",
        ),
    )

    @property
    def extension(self) -> str:
        return self.format.value

    def can_view_status(self, user: User | None) -> bool:
        """Job pages (progress, errors) are for the secretariat."""
        return user is not None and user.is_authenticated and user.is_secretariat

    def can_download(self, user: User | None, *, is_latest_public: bool) -> bool:
        """Internal files: secretariat only; public files: anyone, latest of its kind only.

        An older public file may still hold a comment withheld since; only the newest one
        is offered to the public (the secretariat rebuilds after moderation changes).
        """
        if self.status is not JobStatus.DONE:
            return False
        if user is not None and user.is_authenticated and user.is_secretariat:
            return True
        return not self.internal and is_latest_public


# --- the report as a UN document ---------------------------------------------------------

#: The word limit of reports to the Human Rights Council (the default of the setting).
HRC_WORD_LIMIT = 10_700
WORD_LIMIT_MIN = 500
WORD_LIMIT_MAX = 100_000
#: The six official languages, by locale code: the report's "Original:" line.
UN_LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")


class ReportBody(enum.Enum):
    """The organ the report is issued to (its masthead)."""

    HUMAN_RIGHTS_COUNCIL = "human_rights_council"
    GENERAL_ASSEMBLY = "general_assembly"

    @property
    def label(self) -> str:
        return str(
            {
                ReportBody.HUMAN_RIGHTS_COUNCIL: _l("Human Rights Council"),
                ReportBody.GENERAL_ASSEMBLY: _l("General Assembly"),
            }[self]
        )


class ReportSettings(Model):
    """What the secretariat fills in for the report's masthead, and its word limit.

    One row per consultation, created on the first save; until then the defaults apply
    (:func:`consult_app.exports.operations.report_settings`). Empty text means "not set":
    the masthead leaves that line out, or uses its default (title, summary).
    """

    __tablename__ = "report_settings"

    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id"), nullable=False, unique=True
    )
    #: The report's own document symbol (e.g. A/HRC/62/45), not the symbol of the text.
    symbol: Mapped[str | None] = mapped_column(String(60))
    body: Mapped[ReportBody] = mapped_column(
        enum_column(ReportBody), nullable=False, default=ReportBody.HUMAN_RIGHTS_COUNCIL
    )
    session: Mapped[str | None] = mapped_column(String(120))
    session_dates: Mapped[str | None] = mapped_column(String(120))
    agenda_item: Mapped[str | None] = mapped_column(String(20))
    agenda_title: Mapped[str | None] = mapped_column(String(500))
    #: The document's date; None: the day the report is built.
    issued_on: Mapped[date | None] = mapped_column(Date)
    original_language: Mapped[str] = mapped_column(String(8), nullable=False, default="en")
    title: Mapped[str | None] = mapped_column(String(300))
    #: The line under the title, e.g. "Report of the Independent Expert on ...".
    subtitle: Mapped[str | None] = mapped_column(String(300))
    #: The text of the summary box; None: drafted from the figures.
    summary: Mapped[str | None] = mapped_column(Text)
    #: Words of the main body (masthead, summary, chapters and their notes; not annexes).
    word_limit: Mapped[int] = mapped_column(Integer, nullable=False, default=HRC_WORD_LIMIT)
    lock_version: Mapped[int] = mapped_column(
        Integer, nullable=False, default=1, server_default="1"
    )

    consultation: Mapped[Consultation] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}

    __table_args__ = (
        CheckConstraint(
            f"word_limit BETWEEN {WORD_LIMIT_MIN} AND {WORD_LIMIT_MAX}", name="word_limit_range"
        ),
        CheckConstraint(
            "original_language IN (" + ", ".join(f"'{code}'" for code in UN_LANGUAGES) + ")",
            name="original_language_un",
        ),
    )
