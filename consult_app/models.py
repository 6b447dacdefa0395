"""Import every model so that the metadata (and Alembic) sees the whole schema."""

from consult_app.accounts.models import Organisation, User
from consult_app.consultations.models import Consultation
from consult_app.core.audit import AuditEntry
from consult_app.submissions.models import (
    Attachment,
    Comment,
    Cosigner,
    Submission,
    SubmissionRevision,
)
from consult_app.texts.models import Instrument, Paragraph, Provision, TextVersion

__all__ = [
    "Attachment",
    "AuditEntry",
    "Comment",
    "Consultation",
    "Cosigner",
    "Instrument",
    "Organisation",
    "Paragraph",
    "Provision",
    "Submission",
    "SubmissionRevision",
    "TextVersion",
    "User",
]
