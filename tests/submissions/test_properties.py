"""Property-based tests of what contributors and the secretariat send in: the comment form,
attachments (PDF and .docx, checked by content) and the offline import. Whatever arrives,
never a 500, and a refused input writes nothing (every table keeps its row count)."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from flask.testing import FlaskClient
from hypothesis import event, example, given
from hypothesis import strategies as st
from sqlalchemy import select

from consult_app.extensions import db
from consult_app.submissions.models import (
    ImportJob,
    ImportStatus,
    Position,
    Submission,
    SubmissionStatus,
)
from tests.conftest import login
from tests.properties import BOUNDED, hostile_text, row_counts
from tests.submissions.conftest import PDF_BYTES, World, docx_bytes
from tests.submissions.test_offline_import import HEADER, MEETING

DOCX_BYTES = docx_bytes()


@pytest.fixture
def draft(client: FlaskClient, world: World) -> Submission:
    submission = Submission(
        consultation=world.consultation, organisation=world.org, status=SubmissionStatus.DRAFT
    )
    db.session.add(submission)
    db.session.commit()
    login(client, world.author)
    return submission


# --- the comment form -------------------------------------------------------------------


@BOUNDED
@given(
    fields=st.fixed_dictionaries(
        {
            "paragraph": st.one_of(st.just(""), hostile_text, st.integers().map(str)),
            "quoted_text": hostile_text,
            "position": st.one_of(st.sampled_from([p.value for p in Position]), hostile_text),
            "kind": st.sampled_from(["general", "substantive", "drafting", "", "\x00", "zz"]),
            "body": hostile_text,
            "proposed_wording": hostile_text,
            "rationale": hostile_text,
            "lock_version": st.one_of(st.just(""), st.integers().map(str), hostile_text),
        }
    )
)
@example(
    fields={
        "paragraph": "",
        "quoted_text": "",
        "position": "support",
        "kind": "substantive",
        "body": "We support this article.",
        "proposed_wording": "",
        "rationale": "",
        "lock_version": "",
    }
)
def test_comment_form(
    client: FlaskClient, world: World, draft: Submission, fields: dict[str, str]
) -> None:
    article = world.articles[0]
    before = row_counts()
    response = client.post(f"/submissions/{draft.id}/provisions/{article.id}/comment", data=fields)
    event(f"answered {response.status_code}")
    assert response.status_code < 500
    if response.status_code != 302:
        assert row_counts() == before
    else:  # accepted: one comment more
        assert row_counts()["comments"] == before["comments"] + 1


# --- attachments ------------------------------------------------------------------------


def _mutated(base: bytes) -> st.SearchStrategy[bytes]:
    """``base`` truncated, with bytes overwritten, or with something put in front."""
    return st.one_of(
        st.integers(0, len(base)).map(lambda n: base[:n]),
        st.lists(
            st.tuples(st.integers(0, len(base) - 1), st.integers(0, 255)), min_size=1, max_size=8
        ).map(lambda edits: _overwrite(base, edits)),
        st.binary(max_size=64).map(lambda head: head + base),
        st.binary(max_size=64).map(lambda tail: base + tail),
    )


def _overwrite(base: bytes, edits: list[tuple[int, int]]) -> bytes:
    data = bytearray(base)
    for at, value in edits:
        data[at] = value
    return bytes(data)


def _zip_of(parts: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in parts:
            archive.writestr(name or "x", content)
    return buffer.getvalue()


uploads = st.one_of(
    st.binary(max_size=2048),
    st.just(b"%PDF-1.7\n<html><script>alert(1)</script></html>"),
    _mutated(PDF_BYTES),
    _mutated(DOCX_BYTES),
    st.lists(
        st.tuples(
            st.sampled_from(["[Content_Types].xml", "word/document.xml", "_rels/.rels", "x.bin"]),
            st.binary(max_size=256),
        ),
        max_size=4,
        unique_by=lambda part: part[0],
    ).map(_zip_of),
)


@BOUNDED
@given(
    data=uploads,
    name=st.tuples(hostile_text, st.sampled_from([".pdf", ".docx", ".PDF", "", ".exe"])).map(
        "".join
    ),
    content_type=st.sampled_from(["application/pdf", "application/octet-stream", "text/html"]),
)
def test_attachment_upload(
    client: FlaskClient, draft: Submission, data: bytes, name: str, content_type: str
) -> None:
    before = row_counts()
    response = client.post(
        f"/submissions/{draft.id}/attachments",
        data={"attachment-file": (io.BytesIO(data), name, content_type)},
        content_type="multipart/form-data",
    )
    event(f"answered {response.status_code}")
    assert response.status_code < 500
    if response.status_code != 302:
        assert row_counts() == before


# --- the offline import -----------------------------------------------------------------


def _cell(valid: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(valid), hostile_text)


ORGS = ["Republic of Testland", "Friends of Testing"]  # the world's organisations
GOOD_ROW = [
    ORGS[0],
    "oral",
    MEETING,
    "2023-01-20",
    "Article 2",
    "1",
    "support",
    "general",
    "We welcome it.",
    "",
    "",
    "yes",
    "grulac",
]

rows = st.lists(
    st.tuples(
        _cell(ORGS),
        _cell(["oral", "letter", "email"]),
        _cell([MEETING, "Ref. FT/4"]),
        _cell(["2023-01-20", "2023-02-03T10:00+01:00", "2099-01-01", "31/02/2023"]),
        _cell(["PP1", "Article 2", "3", "Article 99"]),
        _cell(["", "1", "2 (b)"]),
        _cell([p.value for p in Position]),
        _cell(["general", "drafting", ""]),
        _cell(["We welcome it.", "=1+1"]),
        _cell(["", "Everyone has the right."]),
        _cell(["", "Clarity."]),
        _cell(["yes", "no", ""]),
        _cell(["", "grulac", "coalition:Friends"]),
    ).map(list),
    max_size=5,
)


def _csv(rows: list[list[str]], header: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8", "surrogatepass")


headers = st.one_of(
    st.just(HEADER), st.permutations(HEADER).map(list), st.lists(hostile_text, max_size=14)
)


@BOUNDED
@given(
    content=st.one_of(
        st.tuples(rows, headers).map(lambda pair: _csv(*pair)),
        st.binary(max_size=1024),
        _mutated(DOCX_BYTES),
    ),
    name=st.sampled_from(["received.csv", "received.xlsx", "x", "a.docx"]),
    dry_run=st.booleans(),
)
@example(content=_csv([GOOD_ROW], HEADER), name="received.csv", dry_run=False)
def test_offline_import(
    client: FlaskClient, world: World, content: bytes, name: str, dry_run: bool
) -> None:
    login(client, world.secretariat)
    before = row_counts()
    response = client.post(
        f"/secretariat/submissions/{world.consultation.id}/import",
        data={"file": (io.BytesIO(content), name), "dry_run": "y" if dry_run else ""},
        content_type="multipart/form-data",
    )
    event(f"answered {response.status_code}")
    assert response.status_code < 500
    if response.status_code != 303:  # refused by the form: nothing at all
        assert row_counts() == before
        return
    # Accepted for a job (run inline in tests), which has ended: recorded all or nothing.
    db.session.expire_all()
    job = db.session.scalars(select(ImportJob).order_by(ImportJob.id.desc())).first()
    assert job is not None and job.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED)
    event(f"job {job.status.value}")
    after = row_counts()
    if dry_run or job.status is ImportStatus.FAILED:
        # Only the job and the audit entry of its request.
        assert after == {**before, "import_jobs": before["import_jobs"] + 1,
                         "audit_entries": before["audit_entries"] + 1}
    else:  # imported: the rows are recorded
        assert after["comments"] > before["comments"]
