"""Property-based tests of the secretariat's review forms (themes, redaction, the queue's
search and filters): whatever is typed, never a 500, and a refused form writes nothing."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from hypothesis import event, given
from hypothesis import strategies as st

from consult_app.accounts.models import Role
from consult_app.extensions import db
from consult_app.submissions.models import Comment, ModerationStatus
from tests.conftest import login, make_consultation, make_org, make_user
from tests.consultations.factories import make_comment, make_submission
from tests.properties import BOUNDED, hostile_text, row_counts


@dataclass
class Review:
    consultation_id: int
    comment_id: int


@pytest.fixture
def review(client: FlaskClient) -> Review:
    secretariat = make_user(role=Role.SECRETARIAT)
    consultation = make_consultation()
    article = consultation.version.provisions[2]
    submission = make_submission(consultation, make_org())
    comment = make_comment(
        submission,
        article,
        body="We support it.",
        proposed_wording="Everyone has the right.",
        rationale="Clarity.",
        moderation_status=ModerationStatus.PUBLISHED,
    )
    db.session.commit()
    login(client, secretariat)
    return Review(consultation.id, comment.id)


@BOUNDED
@given(name=hostile_text, description=hostile_text, public=st.sampled_from(["", "y", "\x00"]))
def test_theme_form(
    client: FlaskClient, review: Review, name: str, description: str, public: str
) -> None:
    before = row_counts()
    response = client.post(
        f"/review/{review.consultation_id}/themes",
        data={"name": name, "description": description, "public": public},
    )
    event(f"answered {response.status_code}")
    assert response.status_code < 500
    if response.status_code != 302:
        assert row_counts() == before


def _redaction(comment_id: int) -> tuple[object, ...]:
    db.session.expire_all()
    comment = db.session.get(Comment, comment_id)
    assert comment is not None
    return (
        comment.redacted_body,
        comment.redacted_proposed_wording,
        comment.redacted_rationale,
        comment.lock_version,
    )


@BOUNDED
@given(
    fields=st.fixed_dictionaries(
        {
            "redact-redact_body": st.sampled_from(["", "y"]),
            "redact-redacted_body": hostile_text,
            "redact-redact_proposed_wording": st.sampled_from(["", "y"]),
            "redact-redacted_proposed_wording": hostile_text,
            "redact-redact_rationale": st.sampled_from(["", "y", "\x00"]),
            "redact-redacted_rationale": hostile_text,
            "redact-reason": hostile_text,
        }
    )
)
def test_redaction_form(client: FlaskClient, review: Review, fields: dict[str, str]) -> None:
    before = (row_counts(), _redaction(review.comment_id))
    response = client.post(f"/review/comments/{review.comment_id}/redact", data=fields)
    event(f"answered {response.status_code}")
    assert response.status_code < 500
    if response.status_code != 302:
        assert (row_counts(), _redaction(review.comment_id)) == before


@BOUNDED
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "q",
                "status",
                "position",
                "provision",
                "organisation",
                "category",
                "theme",
                "page",
                "sort",
                "assigned",
                "kind",
                "language",
                "x",
            ]
        ),
        st.one_of(hostile_text, st.integers().map(str)),
        max_size=5,
    )
)
def test_queue_search_and_filters(
    client: FlaskClient, review: Review, params: dict[str, str]
) -> None:
    before = row_counts()
    response = client.get(f"/review/{review.consultation_id}/queue", query_string=params)
    event(f"answered {response.status_code}")
    assert response.status_code < 500
    assert row_counts() == before
