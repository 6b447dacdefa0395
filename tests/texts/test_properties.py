"""Property-based tests of the text import: whatever file and fields arrive (Markdown or
plain text shaped like a draft, arbitrary bytes, damaged .docx), never a 500; a refused
upload writes nothing, an accepted one previews without error."""

from __future__ import annotations

import io
import re

import pytest
from flask.testing import FlaskClient
from hypothesis import event, given
from hypothesis import strategies as st

from consult_app.accounts.models import Role
from consult_app.extensions import db
from tests.conftest import login, make_user
from tests.properties import BOUNDED, hostile_text, row_counts
from tests.submissions.conftest import docx_bytes
from tests.submissions.test_properties import _mutated

LINES = [
    "# Draft declaration on the right to international solidarity",
    "## Preamble",
    "PP1 Recalling the Charter of the United Nations,",
    "Article 1",
    "Article 1 bis",
    "1. Everyone has the right to international solidarity.",
    "(a) States shall cooperate;",
    "(i) in good faith;",
    "Part II",
    "[^1]: A footnote.",
    "Everyone[^1] has the right.",
    "",
    "   ",
]

draft_text = st.lists(st.one_of(st.sampled_from(LINES), hostile_text), max_size=25).map(
    lambda lines: "\n".join(lines).encode("utf-8", "surrogatepass")
)


@pytest.fixture
def secretariat(client: FlaskClient) -> None:
    user = make_user(role=Role.SECRETARIAT)
    db.session.commit()
    login(client, user)


@BOUNDED
@given(
    content=st.one_of(draft_text, st.binary(max_size=1024), _mutated(docx_bytes("Article 1"))),
    name=st.sampled_from(["draft.md", "draft.txt", "draft.docx", "draft", "x.pdf"]),
    fields=st.fixed_dictionaries(
        {
            "title": st.one_of(st.just("Draft declaration"), hostile_text),
            "symbol": hostile_text,
            "issued_on": st.one_of(st.just(""), st.just("2026-12-04"), hostile_text),
            "instrument": st.sampled_from(["", "1", "999999999999", "x"]),
            "language": st.sampled_from(["en", "fr", "ar", "", "xx"]),
        }
    ),
)
def test_text_import(
    client: FlaskClient, secretariat: None, content: bytes, name: str, fields: dict[str, str]
) -> None:
    before = row_counts()
    response = client.post(
        "/texts/import",
        data={**fields, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )
    event(f"answered {response.status_code}")
    assert response.status_code < 500
    if response.status_code != 302:
        assert row_counts() == before
        return
    preview = client.get(response.headers["Location"])
    assert preview.status_code < 500
    assert re.search(r"/texts/import/[^/]+$", response.headers["Location"])
