"""The list envelope, its links, and refusals of bad parameters (400) and unknown ids (404)."""

from __future__ import annotations

import pytest

from consult_app.extensions import db
from tests.api.conftest import add_comment, get_json
from tests.conftest import make_consultation
from tests.consultations.factories import make_submission


@pytest.fixture
def many():
    """A consultation with 45 public comments on its first article."""
    consultation = make_consultation()
    article = consultation.version.provisions[2]
    submission = make_submission(consultation)
    comments = [
        add_comment(submission, article, f"Comment {n}.", is_public=True) for n in range(45)
    ]
    db.session.commit()
    return consultation, article, [c.id for c in comments]


def test_envelope_and_links(client, many):
    consultation, _article, ids = many
    base = f"/api/v1/consultations/{consultation.id}/comments"

    first = get_json(client, base)
    assert first["meta"] == {"page": 1, "per_page": 20, "total": 45, "pages": 3}
    assert [c["id"] for c in first["data"]] == ids[:20]
    assert first["links"] == {
        "self": f"{base}?page=1&per_page=20",
        "next": f"{base}?page=2&per_page=20",
        "prev": None,
    }
    second = get_json(client, first["links"]["next"])
    assert [c["id"] for c in second["data"]] == ids[20:40]
    assert second["links"]["prev"] == f"{base}?page=1&per_page=20"
    last = get_json(client, second["links"]["next"])
    assert [c["id"] for c in last["data"]] == ids[40:]
    assert last["links"]["next"] is None
    assert last["meta"]["page"] == 3


def test_walking_next_links_visits_every_item_once(client, many):
    consultation, _article, ids = many
    url: str | None = f"/api/v1/consultations/{consultation.id}/comments?per_page=7"
    seen: list[int] = []
    while url:
        body = get_json(client, url)
        seen += [c["id"] for c in body["data"]]
        url = body["links"]["next"]
    assert seen == ids


def test_filters_are_kept_in_links(client, many):
    consultation, article, _ids = many
    base = f"/api/v1/consultations/{consultation.id}/comments"
    body = get_json(client, f"{base}?position=support&provision={article.id}&per_page=10")
    assert body["meta"]["pages"] == 5
    assert body["links"]["next"] == (
        f"{base}?position=support&provision={article.id}&page=2&per_page=10"
    )


def test_per_page_bounds(client, many):
    consultation, _article, _ids = many
    base = f"/api/v1/consultations/{consultation.id}/comments"
    assert len(get_json(client, f"{base}?per_page=100")["data"]) == 45
    assert len(get_json(client, f"{base}?per_page=1")["data"]) == 1


def test_empty_list_has_one_page(client):
    consultation = make_consultation()
    db.session.commit()
    body = get_json(client, f"/api/v1/consultations/{consultation.id}/comments")
    assert body["data"] == []
    assert body["meta"] == {"page": 1, "per_page": 20, "total": 0, "pages": 1}
    assert body["links"]["next"] is None and body["links"]["prev"] is None


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=-1",
        "page=abc",
        "page=1.5",
        "page=99999999999999999999",
        "page=%D9%A3",  # an Arabic-Indic digit: a digit to Python, not to the API
        "per_page=0",
        "per_page=101",
        "per_page=ten",
        "position=maybe",
        "category=alien",
        "regional_group=mars",
        "provision=abc",
        "provision=0",
        "provision=99999999999",
        "provision=999999",  # not a provision of the consulted text
        "postion=support",  # misspelt: refused, not ignored
    ],
)
def test_invalid_parameters_are_400(client, many, query):
    consultation, _article, _ids = many
    body = get_json(client, f"/api/v1/consultations/{consultation.id}/comments?{query}", 400)
    error = body["error"]
    assert error["status"] == 400
    assert error["message"]
    assert set(error) == {"status", "title", "message"}


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/instruments?page=0",
        "/api/v1/consultations?phase=soon",
        "/api/v1/consultations?per_page=1000",
        "/api/v1/consultations/{cid}/dispositions?outcome=maybe",
        "/api/v1/consultations/{cid}/dispositions?provision=999999",
        "/api/v1/consultations/{cid}/provisions/{pid}/comments?provision=1",
        "/api/v1/consultations/{cid}?page=2",
        "/api/v1/?x=1",
    ],
)
def test_invalid_parameters_elsewhere_are_400(client, many, url):
    consultation, article, _ids = many
    get_json(client, url.format(cid=consultation.id, pid=article.id), 400)


def test_page_past_the_end_is_404(client, many):
    consultation, _article, _ids = many
    base = f"/api/v1/consultations/{consultation.id}/comments"
    get_json(client, f"{base}?page=3")
    body = get_json(client, f"{base}?page=4", 404)
    assert "last page is 3" in body["error"]["message"]
    get_json(client, "/api/v1/instruments?page=2", 404)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/consultations/99999999999999999999",
        "/api/v1/consultations/2147483648/comments",
        "/api/v1/instruments/99999999999",
        "/api/v1/versions/99999999999",
        "/api/v1/consultations/abc",
        "/api/v1/nothing-here",
    ],
)
def test_unknown_ids_are_json_404(client, url):
    body = get_json(client, url, 404)
    assert body["error"]["status"] == 404
