"""Nothing confidential leaves through the API, whatever endpoint or filter is used."""

from __future__ import annotations

from flask.testing import FlaskClient

from consult_app.extensions import db
from consult_app.submissions.editing import refresh_public_flags
from consult_app.submissions.models import ModerationStatus
from tests.api.conftest import MARKER, World, add_comment, build_world, get_json
from tests.conftest import make_consultation, make_org
from tests.consultations.factories import make_submission


def crawl(client: FlaskClient, world: World) -> dict[str, str]:
    """The raw text of every endpoint (every page, every filter value) about ``world``."""
    cid = world.consultation.id
    version_id = world.consultation.version_id
    urls = [
        "/api/v1/",
        "/api/v1/openapi.json",
        "/api/v1/docs",
        "/api/v1/instruments?per_page=100",
        f"/api/v1/instruments/{world.consultation.version.instrument_id}",
        f"/api/v1/versions/{version_id}",
        "/api/v1/consultations?per_page=100",
        f"/api/v1/consultations/{cid}",
        f"/api/v1/consultations/{cid}/comments?per_page=100",
        f"/api/v1/consultations/{cid}/dispositions?per_page=100",
        f"/api/v1/consultations/{cid}/figures?per_page=100",
    ]
    for provision in world.consultation.version.provisions:
        urls.append(f"/api/v1/consultations/{cid}/provisions/{provision.id}/comments?per_page=100")
        urls.append(f"/api/v1/consultations/{cid}/comments?provision={provision.id}")
        urls.append(f"/api/v1/consultations/{cid}/dispositions?provision={provision.id}")
    for group in ("african", "grulac", "weog"):
        urls.append(f"/api/v1/consultations/{cid}/comments?regional_group={group}")
    for category in ("member_state", "ngo", "academic"):
        urls.append(f"/api/v1/consultations/{cid}/comments?category={category}")
    for position in ("support", "oppose", "no_position"):
        urls.append(f"/api/v1/consultations/{cid}/comments?position={position}")
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.get_data(as_text=True)
    return pages


def test_no_marker_in_any_response(client, world: World):
    # The marker is in internal notes, e-mails, user names, withheld, pending, withdrawn,
    # draft and confidential comments, an unpublished disposition, a redacted original,
    # a redaction reason, general remarks, a channel detail, a verification note, and the
    # names of a confidential State and of a draft's organisation.
    assert all(MARKER in c.body for c in world.hidden)
    pages = crawl(client, world)
    for url, text in pages.items():
        assert MARKER not in text.lower(), url
    # ...and the crawl did see the public data.
    everything = "".join(pages.values())
    assert "We support article 1." in everything
    assert "Our minister [redacted] thinks so." in everything


def test_hidden_comments_never_listed(client, world: World):
    cid = world.consultation.id
    listed = {
        c["id"]
        for c in get_json(client, f"/api/v1/consultations/{cid}/comments?per_page=100")["data"]
    }
    assert listed == {c.id for c in world.visible}
    assert not listed & {c.id for c in world.hidden}
    dispositions = get_json(client, f"/api/v1/consultations/{cid}/dispositions")["data"]
    assert {d["comment_id"] for d in dispositions} <= {c.id for c in world.visible}


def test_confidential_submission_never_appears_even_by_its_category(client, world: World):
    cid = world.consultation.id
    body = get_json(client, f"/api/v1/consultations/{cid}/comments?regional_group=african")
    assert body["data"] == [] and body["meta"]["total"] == 0


def test_without_attribution_no_organisation_is_named(client):
    world = build_world(allow_attribution=False)
    pages = crawl(client, world)
    text = "".join(pages.values())
    for name in (
        "Republic of Testland",
        "RTL",
        "Friends of Solidarity",
        "Solidarity Coalition",
        "University of Testing",
        MARKER,
    ):
        assert name not in text, name
    comments = get_json(client, f"/api/v1/consultations/{world.consultation.id}/comments")["data"]
    assert len(comments) == 3
    state_comment, _redacted, ngo_comment = comments
    assert state_comment["author"] == {
        "name": None,
        "acronym": None,
        "category": "member_state",
        "regional_group": "grulac",
        "on_behalf": None,
        "cosigners": [],
    }
    assert ngo_comment["author"]["on_behalf"] == {
        "kind": "coalition",
        "regional_group": None,
        "name": None,
    }
    assert ngo_comment["author"]["cosigners"] == [
        {"name": None, "acronym": None, "category": "academic", "regional_group": None}
    ]
    detail = get_json(client, f"/api/v1/consultations/{world.consultation.id}")["data"]
    assert detail["publication"]["allow_attribution"] is False


def test_unpublishable_submission_is_never_named_even_if_flagged_public(client):
    # Should a bug elsewhere mark such a comment public, the API still names no one.
    consultation = make_consultation()
    secret = make_org("Quiet Republic")
    submission = make_submission(consultation, secret, publishable=False)
    add_comment(submission, consultation.version.provisions[2], "Slipped through.", is_public=True)
    db.session.commit()
    response = client.get(f"/api/v1/consultations/{consultation.id}/comments")
    assert b"Quiet Republic" not in response.data
    assert response.get_json()["data"][0]["author"]["name"] is None


def test_consultation_that_publishes_nothing_lists_nothing(client):
    consultation = make_consultation(publish_submissions=False)
    submission = make_submission(consultation, make_org("Open Republic"))
    add_comment(
        submission,
        consultation.version.provisions[2],
        "Not for the public.",
        ModerationStatus.PUBLISHED,
    )
    refresh_public_flags(submission)
    db.session.commit()
    body = get_json(client, f"/api/v1/consultations/{consultation.id}/comments")
    assert body["data"] == [] and body["meta"]["total"] == 0
    assert (
        b"Not for the public."
        not in client.get(
            f"/api/v1/consultations/{consultation.id}/provisions/"
            f"{consultation.version.provisions[2].id}/comments"
        ).data
    )


def test_withdrawing_or_withholding_removes_a_comment(client, world: World):
    cid = world.consultation.id
    comment = world.visible[0]
    comment.moderation_status = ModerationStatus.WITHHELD
    comment.withheld_reason = "spam"
    refresh_public_flags(comment.submission)
    db.session.commit()
    ids = [c["id"] for c in get_json(client, f"/api/v1/consultations/{cid}/comments")["data"]]
    assert comment.id not in ids
    # Its published disposition goes with it.
    dispositions = get_json(client, f"/api/v1/consultations/{cid}/dispositions")["data"]
    assert comment.id not in {d["comment_id"] for d in dispositions}
