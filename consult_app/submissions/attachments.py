"""Attachments of a submission (PDF or DOCX, checked by content): adding and withdrawing
them, while the submission may be edited (the rules and locks of operations.py)."""

from __future__ import annotations

import hashlib
import logging
import os
import unicodedata
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from werkzeug.utils import secure_filename

from consult_app.accounts.models import User
from consult_app.core.audit import log_action
from consult_app.core.errors import UserError
from consult_app.core.files import FileProblem, check_ooxml, check_pdf
from consult_app.core.models import utcnow
from consult_app.extensions import db
from consult_app.submissions.editing import ensure_can_edit, flush, lock_submission, touch
from consult_app.submissions.models import Attachment, Submission

logger = logging.getLogger(__name__)

PDF_TYPE = "application/pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSIONS = {PDF_TYPE: ".pdf", DOCX_TYPE: ".docx"}


def _attachment_state(attachment: Attachment) -> dict[str, Any]:
    return {
        "filename": attachment.filename,
        "display_name": attachment.display_name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "withdrawn_at": attachment.withdrawn_at,
        "publish_consent": attachment.publish_consent,
    }


# --- attachments -----------------------------------------------------------------------


def detect_attachment_type(data: bytes) -> str | None:
    """PDF or DOCX by content, whatever the file is called; None for anything else.

    Claiming to be one is not enough: a PDF must open as a PDF (and run no JavaScript), a
    .docx must be a bounded archive of well-formed XML parts (``core.files``); a file that
    claims and fails raises ``UserError`` saying so.
    """
    if data.startswith(b"%PDF-"):
        try:
            check_pdf(data)
        except FileProblem as problem:
            logger.info("attachment refused as PDF: %s", problem)
            raise UserError(
                _(
                    "This file looks like a PDF but cannot be opened as one, or runs scripts. "
                    "Save it again as a plain PDF and attach it again."
                )
            ) from problem
        return PDF_TYPE
    if data.startswith(b"PK\x03\x04"):
        try:
            names = check_ooxml(data, "word/document.xml").parts
        except FileProblem as problem:
            if str(problem) in ("missing parts", "damaged archive"):
                return None  # another kind of archive, or none: not a Word document at all
            logger.info("attachment refused as DOCX: %s", problem)
            raise UserError(
                _(
                    "This Word document cannot be read safely (damaged, too large once "
                    "expanded, or with parts that are not XML). Save it again and attach it again."
                )
            ) from problem
        if {"[Content_Types].xml", "word/document.xml"} <= names:
            return DOCX_TYPE
    return None


def _display_name(filename: str) -> str:
    name = os.path.basename((filename or "").replace("\\", "/"))
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[:255]


def _stored_filename(display_name: str, content_type: str) -> str:
    stem = secure_filename(os.path.splitext(display_name)[0])[:100] or "attachment"
    return stem + EXTENSIONS[content_type]


def add_attachment(
    user: User,
    submission: Submission,
    filename: str,
    data: bytes,
    *,
    publish_consent: bool = False,
    now: datetime | None = None,
) -> Attachment:
    """Attach a PDF or DOCX file, checked by its content and size; ``publish_consent``: the
    authors agree that it be published in the consultation's public record."""
    lock_submission(submission)
    now = now or utcnow()
    ensure_can_edit(user, submission, now)
    limit = int(current_app.config["MAX_ATTACHMENT_BYTES"])
    if not data:
        raise UserError(_("The file is empty."))
    if len(data) > limit:
        megabytes = f"{limit / 1024 / 1024:g}"
        raise UserError(_("The file is too large: at most %(size)s MB.", size=megabytes))
    content_type = detect_attachment_type(data)
    if content_type is None:
        raise UserError(_("Only PDF and Word (.docx) files can be attached; this file is neither."))
    digest = hashlib.sha256(data).hexdigest()
    active = [a for a in submission.attachments if not a.is_withdrawn]
    for existing in active:
        if existing.sha256 == digest:
            # The same content (whatever it is called) is never attached twice.
            raise UserError(
                _(
                    "This file is already attached to the submission, as “%(name)s”. "
                    "It was not attached again.",
                    name=existing.display_name,
                )
            )
    maximum = int(current_app.config["MAX_ATTACHMENTS_PER_SUBMISSION"])
    if len(active) >= maximum:
        raise UserError(
            _("A submission can carry at most %(n)d attachments. Withdraw one first.", n=maximum)
        )
    display = _display_name(filename) or _stored_filename("", content_type)
    attachment = Attachment(
        submission=submission,
        filename=_stored_filename(display, content_type),
        display_name=display,
        content_type=content_type,
        size=len(data),
        sha256=digest,
        data=data,
        uploaded_by_id=user.id,
        publish_consent=bool(publish_consent),
    )
    db.session.add(attachment)
    touch(submission, now or utcnow())
    flush()
    log_action(user, "add_attachment", attachment, after=_attachment_state(attachment))
    return attachment


def withdraw_attachment(
    user: User, attachment: Attachment, *, now: datetime | None = None
) -> Attachment:
    """Withdraw an attachment; the file stays in the record."""
    submission = attachment.submission
    lock_submission(submission)
    now = now or utcnow()
    ensure_can_edit(user, submission, now)
    if attachment.is_withdrawn:
        return attachment
    moment = now or utcnow()
    before = _attachment_state(attachment)
    attachment.withdrawn_at = moment
    touch(submission, moment)
    flush()
    log_action(
        user, "withdraw_attachment", attachment, before=before, after=_attachment_state(attachment)
    )
    return attachment
