"""Import every model so that the metadata (and Alembic) sees the whole schema."""

import consult_app.core.storage
import consult_app.exports.models
import consult_app.revisions.models
import consult_app.summaries.models  # noqa: F401
from consult_app.accounts.models import Organisation, User
from consult_app.consultations.models import Consultation
from consult_app.core.audit import AuditEntry
from consult_app.review.models import (
    Disposition,
    DuplicateGroup,
    ProvisionAssignment,
    Theme,
    comment_themes,
)
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
    "Disposition",
    "DuplicateGroup",
    "Instrument",
    "Organisation",
    "Paragraph",
    "Provision",
    "ProvisionAssignment",
    "Submission",
    "SubmissionRevision",
    "TextVersion",
    "Theme",
    "User",
    "comment_themes",
]
