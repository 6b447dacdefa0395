"""Attachments: checked by content and size, stored with a digest, served only to authors."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from sqlalchemy import select

from consult_app.core.errors import UserError
from consult_app.extensions import db
from consult_app.submissions import attachments as attachment_ops
from consult_app.submissions import operations as ops
from consult_app.submissions.models import Attachment
from tests.conftest import login
from tests.submissions.conftest import PDF_BYTES, docx_bytes


def upload(client, submission_id, data: bytes, name: str, content_type="application/pdf"):
    return client.post(
        f"/submissions/{submission_id}/attachments",
        data={"attachment-file": (io.BytesIO(data), name, content_type)},
        content_type="multipart/form-data",
    )


def attachments() -> list[Attachment]:
    return list(db.session.scalars(select(Attachment).order_by(Attachment.id)))


def test_detect_by_content():
    assert attachment_ops.detect_attachment_type(PDF_BYTES) == attachment_ops.PDF_TYPE
    assert attachment_ops.detect_attachment_type(docx_bytes()) == attachment_ops.DOCX_TYPE
    assert attachment_ops.detect_attachment_type(b"<html>%PDF-</html>") is None
    assert attachment_ops.detect_attachment_type(b"PK\x03\x04 broken zip") is None
    other_zip = io.BytesIO()
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert attachment_ops.detect_attachment_type(other_zip.getvalue()) is None


def test_real_docx_and_minimal_pdf_are_accepted(client, world):
    submission = ops.start_submission(world.author, world.consultation)
    login(client, world.author)
    data = docx_bytes()
    response = upload(client, submission.id, data, "Our comments (final).docx",
                      "application/octet-stream")
    assert response.status_code == 302
    response = upload(client, submission.id, PDF_BYTES, "../../etc/Note verbale.pdf")
    assert response.status_code == 302
    docx_file, pdf_file = attachments()
    assert docx_file.content_type == attachment_ops.DOCX_TYPE
    assert docx_file.display_name == "Our comments (final).docx"
    assert docx_file.filename == "Our_comments_final.docx"
    assert docx_file.sha256 == hashlib.sha256(data).hexdigest()
    assert docx_file.size == len(data)
    assert pdf_file.content_type == attachment_ops.PDF_TYPE
    assert pdf_file.display_name == "Note verbale.pdf"
    assert pdf_file.filename == "Note_verbale.pdf"
    page = client.get(f"/submissions/{submission.id}")
    assert "Our comments (final).docx" in page.get_data(as_text=True)


def test_file_named_pdf_that_is_not_a_pdf_is_refused(client, world):
    submission = ops.start_submission(world.author, world.consultation)
    login(client, world.author)
    response = upload(client, submission.id, b"MZ\x90\x00 an executable", "report.pdf")
    assert response.status_code == 400
    assert "Only PDF and Word" in response.get_data(as_text=True)
    assert attachments() == []


def test_too_large_is_refused(client, app, world):
    submission = ops.start_submission(world.author, world.consultation)
    login(client, world.author)
    app.config["MAX_ATTACHMENT_BYTES"] = 100
    try:
        response = upload(client, submission.id, PDF_BYTES + b"0" * 200, "big.pdf")
    finally:
        app.config["MAX_ATTACHMENT_BYTES"] = 10 * 1024 * 1024
    assert response.status_code == 400
    assert "too large" in response.get_data(as_text=True)
    assert attachments() == []


def test_empty_upload_and_missing_file_are_refused(client, world):
    submission = ops.start_submission(world.author, world.consultation)
    login(client, world.author)
    response = client.post(f"/submissions/{submission.id}/attachments", data={},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose a file" in response.get_data(as_text=True)
    assert attachments() == []


def test_too_many_attachments_refused(app, world):
    submission = ops.start_submission(world.author, world.consultation)
    app.config["MAX_ATTACHMENTS_PER_SUBMISSION"] = 2
    try:
        attachment_ops.add_attachment(world.author, submission, "a.pdf", PDF_BYTES + b"1")
        attachment_ops.add_attachment(world.author, submission, "b.pdf", PDF_BYTES + b"2")
        with pytest.raises(UserError) as info:
            attachment_ops.add_attachment(world.author, submission, "c.pdf", PDF_BYTES + b"3")
    finally:
        app.config["MAX_ATTACHMENTS_PER_SUBMISSION"] = 10
    assert "at most 2" in info.value.message
    assert len(attachments()) == 2


def test_same_file_twice_is_refused_with_a_message(client, world):
    submission = ops.start_submission(world.author, world.consultation)
    attachment_ops.add_attachment(world.author, submission, "a.pdf", PDF_BYTES)
    with pytest.raises(UserError) as info:
        attachment_ops.add_attachment(world.author, submission, "a copy.pdf", PDF_BYTES)
    assert "already attached" in info.value.message and "a.pdf" in info.value.message
    db.session.commit()
    login(client, world.author)
    response = upload(client, submission.id, PDF_BYTES, "the same again.pdf")
    assert response.status_code == 400
    assert "This file is already attached to the submission, as “a.pdf”." in (
        response.get_data(as_text=True)
    )
    assert len(attachments()) == 1
    # Withdrawn, the same file may be attached again.
    attachment_ops.withdraw_attachment(world.author, attachments()[0])
    assert attachment_ops.add_attachment(world.author, submission, "again.pdf", PDF_BYTES).id != (
        attachments()[0].id
    )


def test_download_and_withdraw(client, world):
    submission = ops.start_submission(world.author, world.consultation)
    attachment = attachment_ops.add_attachment(world.author, submission, "Réponse.pdf", PDF_BYTES)
    login(client, world.author)
    response = client.get(f"/submissions/{submission.id}/attachments/{attachment.id}")
    assert response.status_code == 200
    assert response.data == PDF_BYTES
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "R_ponse.pdf" in disposition or "Reponse.pdf" in disposition
    assert "no-store" in response.headers["Cache-Control"]

    response = client.post(f"/submissions/{submission.id}/attachments/{attachment.id}/withdraw")
    assert response.status_code == 302
    db.session.refresh(attachment)
    assert attachment.withdrawn_at is not None
    # Withdrawn but kept in the record.
    url = f"/submissions/{submission.id}/attachments/{attachment.id}"
    assert client.get(url).status_code == 200


def test_secretariat_may_download(client, world):
    submission = ops.start_submission(world.author, world.consultation)
    attachment = attachment_ops.add_attachment(world.author, submission, "a.pdf", PDF_BYTES)
    login(client, world.secretariat)
    response = client.get(f"/submissions/{submission.id}/attachments/{attachment.id}")
    assert response.status_code == 200
    assert response.data == PDF_BYTES


def test_attachment_of_another_submission_is_404(client, world):
    mine = ops.start_submission(world.author, world.consultation)
    theirs = ops.start_submission(world.outsider, world.consultation)
    attachment = attachment_ops.add_attachment(world.outsider, theirs, "a.pdf", PDF_BYTES)
    login(client, world.author)
    url = f"/submissions/{mine.id}/attachments/{attachment.id}"
    assert client.get(url).status_code == 404
    assert client.post(url + "/withdraw").status_code == 404
    db.session.refresh(attachment)
    assert attachment.withdrawn_at is None


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n<html><script>alert(document.cookie)</script></html>\n%%EOF\n",
        b"PK\x03\x04" + b"\x00" * 40,  # a damaged archive that claims to be one
    ],
)
def test_hostile_files_are_refused_and_nothing_is_stored(client, world, data):
    submission = ops.start_submission(world.author, world.consultation)
    db.session.commit()
    login(client, world.author)
    response = upload(client, submission.id, data, "note.pdf")
    assert response.status_code in (400, 200)
    db.session.expire_all()
    assert db.session.get(type(submission), submission.id).attachments == []


def test_docx_bomb_and_non_xml_docx_are_refused_with_a_message(world):
    from tests.core.test_files import CONTENT_TYPES, _zip

    submission = ops.start_submission(world.author, world.consultation)
    bomb = _zip({"[Content_Types].xml": CONTENT_TYPES,
                 "word/document.xml": b"<w:document/>" + b" " * (30 * 1024 * 1024)})
    broken = _zip({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"not xml <"})
    for data in (bomb, broken):
        with pytest.raises(UserError, match="cannot be read safely"):
            attachment_ops.add_attachment(world.author, submission, "paper.docx", data)
    assert submission.attachments == []
