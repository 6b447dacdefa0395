"""Each endpoint answers what the OpenAPI document promises, from the right rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from consult_app.extensions import db
from consult_app.texts.models import Paragraph
from tests.api.conftest import MARKER, World, get_json
from tests.conftest import make_consultation, make_version


def test_index_links_to_everything(client):
    body = get_json(client, "/api/v1/")
    assert body["version"] == "v1"
    assert body["links"] == {
        "self": "/api/v1/",
        "openapi": "/api/v1/openapi.json",
        "docs": "/api/v1/docs",
        "instruments": "/api/v1/instruments",
        "consultations": "/api/v1/consultations",
        "versions": "/api/v1/versions",
    }
    for url in body["links"].values():
        assert client.get(url).status_code == 200


def test_instruments_list_and_detail(client):
    first = make_version()
    second = make_version()
    second.instrument.title = "Another declaration"
    db.session.commit()

    body = get_json(client, "/api/v1/instruments")
    assert [i["title"] for i in body["data"]] == [
        "Another declaration",
        "Draft declaration on testing",
    ]
    assert body["meta"] == {"page": 1, "per_page": 20, "total": 2, "pages": 1}
    listed = body["data"][1]
    assert listed["id"] == first.instrument_id
    assert listed["versions"] == [
        {
            "id": first.id,
            "title": "Draft declaration on testing",
            "symbol": "A/HRC/TEST/1",
            "issued_on": None,
            "status": "under_consultation",
            "previous_id": None,
            "links": {"self": f"/api/v1/versions/{first.id}"},
        }
    ]

    detail = get_json(client, f"/api/v1/instruments/{first.instrument_id}")["data"]
    assert detail == listed
    get_json(client, "/api/v1/instruments/999999", 404)


def test_version_with_provisions_and_nested_paragraphs(client):
    version = make_version(articles=1, preamble=1)
    article = version.provisions[1]
    parent = article.paragraphs[1]
    db.session.add_all(
        [
            Paragraph(
                provision=article, position=3, level=1, label="(a)", text="Sub a;", parent=parent
            ),
            Paragraph(
                provision=article, position=4, level=1, label="(b)", text="Sub b.", parent=parent
            ),
        ]
    )
    version.source_filename = "secret-upload-name.docx"
    db.session.commit()

    response = client.get(f"/api/v1/versions/{version.id}")
    assert b"secret-upload-name" not in response.data
    data = response.get_json()["data"]
    assert data["instrument"]["id"] == version.instrument_id
    assert [(p["kind"], p["number"]) for p in data["provisions"]] == [
        ("preamble", "1"),
        ("article", "1"),
    ]
    preamble, art = data["provisions"]
    assert preamble["intro"].startswith("Recalling the importance")
    assert preamble["paragraphs"] == []
    assert art["title"] == "Title of article 1"
    top = art["paragraphs"]
    assert [p["label"] for p in top] == ["1", "2"]
    assert top[0]["children"] == []
    assert [(c["label"], c["level"], c["text"]) for c in top[1]["children"]] == [
        ("(a)", 1, "Sub a;"),
        ("(b)", 1, "Sub b."),
    ]
    get_json(client, "/api/v1/versions/999999", 404)


def test_consultations_list_filters_by_phase(client):
    open_one = make_consultation()
    closed = make_consultation(opens=timedelta(days=-10), closes=timedelta(days=-2))
    db.session.commit()

    body = get_json(client, "/api/v1/consultations")
    assert {c["id"] for c in body["data"]} == {open_one.id, closed.id}
    only_closed = get_json(client, "/api/v1/consultations?phase=closed")
    assert [c["id"] for c in only_closed["data"]] == [closed.id]
    assert only_closed["data"][0]["phase"] == "closed"
    assert only_closed["links"]["self"] == "/api/v1/consultations?phase=closed&page=1&per_page=20"


def test_consultation_detail_dates_settings_and_provisions(client, world: World):
    consultation = world.consultation
    consultation.opens_at = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)
    consultation.closes_at = datetime(2036, 7, 1, 15, 30, tzinfo=UTC)
    db.session.commit()

    data = get_json(client, f"/api/v1/consultations/{consultation.id}")["data"]
    assert data["opens_at"] == "2026-01-10T08:00:00+00:00"
    assert data["closes_at"] == "2036-07-01T15:30:00+00:00"
    assert data["timezone"] == "Europe/Zurich"
    assert data["opens_at_local"] == "2026-01-10T09:00:00+01:00"
    assert data["closes_at_local"] == "2036-07-01T17:30:00+02:00"
    assert data["phase"] == "open"
    assert "member_state" in data["eligible_categories"]
    assert data["publication"] == {
        "mode": "immediate",
        "publish_submissions": True,
        "allow_attribution": True,
    }
    assert data["links"]["comments"] == f"/api/v1/consultations/{consultation.id}/comments"
    counts = {p["id"]: p["public_comments"] for p in data["provisions"]}
    assert counts[world.article.id] == 2
    assert counts[world.other_article.id] == 1
    assert sum(counts.values()) == 3
    first = next(p for p in data["provisions"] if p["id"] == world.article.id)
    assert first["links"]["comments"] == (
        f"/api/v1/consultations/{consultation.id}/provisions/{world.article.id}/comments"
    )
    get_json(client, "/api/v1/consultations/999999", 404)


def test_comment_list_content(client, world: World):
    body = get_json(client, f"/api/v1/consultations/{world.consultation.id}/comments")
    assert body["meta"]["total"] == 3
    assert [c["id"] for c in body["data"]] == sorted(c.id for c in world.visible)
    first, redacted, ngo = body["data"]

    assert first["provision_id"] == world.article.id
    assert first["paragraph_id"] == world.article.paragraphs[0].id
    assert first["paragraph_label"] == "1"
    assert first["position"] == "support_with_amendments"
    assert first["kind"] == "substantive"
    assert first["quoted_text"] == "Everyone has the right"
    assert first["proposed_wording"] == "Everyone has the right to the thing."
    assert first["rationale"] == "Clarity."
    assert first["submitted_at"].endswith("+00:00")
    assert first["author"] == {
        "name": "Republic of Testland",
        "acronym": "RTL",
        "category": "member_state",
        "regional_group": "grulac",
        "on_behalf": None,
        "cosigners": [],
    }
    assert first["disposition"]["outcome"] == "accepted"
    assert first["disposition"]["public_explanation"] == "The wording was changed."
    assert first["disposition"]["change_reference"] == (
        "Article 1, paragraph 1 of the revised draft."
    )
    assert first["links"]["html"] == (
        f"/consultations/{world.consultation.id}/provisions/{world.article.id}"
        f"#comment-{first['id']}"
    )

    assert redacted["body"] == "Our minister [redacted] thinks so."
    assert redacted["redacted"] is True
    # Every redacted part is given as redacted: the wording replaced, the rationale removed.
    assert redacted["proposed_wording"] == "Everyone has the right to the thing."
    assert redacted["rationale"] is None
    assert redacted["disposition"] is None  # decided, not yet published
    assert first["redacted"] is False

    assert ngo["author"]["name"] == "Friends of Solidarity"
    assert ngo["author"]["on_behalf"] == {
        "kind": "coalition",
        "regional_group": None,
        "name": "Solidarity Coalition",
    }
    assert ngo["author"]["cosigners"] == [
        {
            "name": "University of Testing",
            "acronym": None,
            "category": "academic",
            "regional_group": None,
        }
    ]


def test_comment_filters(client, world: World):
    base = f"/api/v1/consultations/{world.consultation.id}/comments"

    def ids(query: str) -> list[int]:
        return [c["id"] for c in get_json(client, f"{base}?{query}")["data"]]

    first, redacted, ngo = sorted(c.id for c in world.visible)
    assert ids(f"provision={world.article.id}") == [first, ngo]
    assert ids(f"provision={world.other_article.id}") == [redacted]
    assert ids("position=oppose") == [redacted]
    assert ids("category=ngo") == [ngo]
    assert ids("category=member_state") == [first, redacted]
    assert ids("regional_group=grulac") == [first, redacted]
    assert ids("regional_group=african") == []
    assert ids(
        f"provision={world.article.id}&category=member_state&position=support_with_amendments"
    ) == [first]
    body = get_json(client, f"{base}?category=member_state")
    assert body["meta"]["total"] == 2


def test_provision_comment_list(client, world: World):
    cid = world.consultation.id
    url = f"/api/v1/consultations/{cid}/provisions/{world.article.id}/comments"
    body = get_json(client, url)
    assert [c["id"] for c in body["data"]] == sorted(
        c.id for c in world.visible if c.provision_id == world.article.id
    )
    assert [c["id"] for c in get_json(client, url + "?position=propose_deletion")["data"]] == [
        max(c.id for c in world.visible)
    ]
    other_version = make_version()
    db.session.commit()
    get_json(
        client,
        f"/api/v1/consultations/{cid}/provisions/{other_version.provisions[0].id}/comments",
        404,
    )
    get_json(client, f"/api/v1/consultations/{cid}/provisions/999999/comments", 404)
    get_json(client, f"/api/v1/consultations/999999/provisions/{world.article.id}/comments", 404)


def test_comments_of_another_consultation_on_the_same_text_are_not_listed(client, world: World):
    from tests.api.conftest import add_comment
    from tests.consultations.factories import make_submission

    other_round = make_consultation(version=world.consultation.version)
    other_submission = make_submission(other_round)
    add_comment(other_submission, world.article, "From another round.", is_public=True)
    db.session.commit()
    cid = world.consultation.id
    for url in (
        f"/api/v1/consultations/{cid}/comments",
        f"/api/v1/consultations/{cid}/provisions/{world.article.id}/comments",
    ):
        assert b"From another round." not in client.get(url).data
    assert (
        b"From another round."
        in client.get(f"/api/v1/consultations/{other_round.id}/comments").data
    )


def test_dispositions(client, world: World):
    cid = world.consultation.id
    body = get_json(client, f"/api/v1/consultations/{cid}/dispositions")
    first = min(c.id for c in world.visible)
    assert body["meta"]["total"] == 1
    assert body["data"] == [
        {
            "comment_id": first,
            "provision_id": world.article.id,
            "outcome": "accepted",
            "public_explanation": "The wording was changed.",
            "change_reference": "Article 1, paragraph 1 of the revised draft.",
            "resulting_provision_id": None,
            "published_at": body["data"][0]["published_at"],
        }
    ]
    assert body["data"][0]["published_at"].endswith("+00:00")
    url = f"/api/v1/consultations/{cid}/dispositions"
    assert get_json(client, f"{url}?outcome=not_accepted")["data"] == []
    assert get_json(client, f"{url}?provision={world.other_article.id}")["data"] == []
    assert (
        len(get_json(client, f"{url}?provision={world.article.id}&outcome=accepted")["data"]) == 1
    )
    get_json(client, "/api/v1/consultations/999999/dispositions", 404)


def test_docs_page_is_html_without_script(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "<script" not in html
    assert "<h1>Public API, version 1</h1>" in html
    for path in (
        "/api/v1/instruments",
        "/api/v1/consultations/{consultation_id}/comments",
        "/api/v1/consultations/{consultation_id}/dispositions",
    ):
        assert f"GET {path}</code>" in html
    assert 'id="schema-Comment"' in html
    assert 'id="vocabulary-Category"' in html
    assert "Civil society organisation / NGO" in html
    assert '<th scope="col">' in html
    assert client.get("/api/v1/docs?lang=fr").status_code == 200


def test_only_get_is_allowed(client, world: World):
    response = client.post(f"/api/v1/consultations/{world.consultation.id}/comments")
    assert response.status_code == 405
    assert response.get_json()["error"]["status"] == 405


def test_cors_headers_are_not_sent(client, world: World):
    response = client.get("/api/v1/consultations", headers={"Origin": "https://example.com"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_figures_count_without_naming(client, world: World):
    cid = world.consultation.id
    body = get_json(client, f"/api/v1/consultations/{cid}/figures")
    provisions = world.consultation.version.provisions
    assert body["meta"]["total"] == len(provisions)
    assert [f["provision_id"] for f in body["data"]] == [p.id for p in provisions]
    article = next(f for f in body["data"] if f["provision_id"] == world.article.id)
    # Published comments count, including the confidential State's (never named);
    # pending, withheld, withdrawn and draft comments do not.
    assert article["total"]["comments"] == 3
    assert article["total"]["organisations"] == 3
    assert article["states"]["organisations"] == 2
    assert set(article["by_regional_group"]) == {"grulac", "african"}
    assert article["by_category"]["ngo"]["stances"]["propose_deletion"] == 1
    assert article["label"] == "Article 1"
    # Two State positions from two regional groups, no objection: too few for a reading.
    consensus = article["consensus"]
    assert consensus["level"] == "no_basis"
    assert consensus["reasons"][0] == ("No basis: 2 State positions from 2 regional groups; a "
                                       "reading needs at least 5 State positions from 2 "
                                       "regional groups.")
    assert consensus["objection"] == {"positions": 0, "regional_groups": 0,
                                      "observer_states": 0}
    # Testland spoke to paragraph 1, the confidential State to the article as a whole.
    assert [(part["paragraph_id"], part["label"]) for part in consensus["parts"]] == [
        (None, "the provision as a whole"),
        (world.article.paragraphs[0].id, "paragraph 1"),
    ]
    assert "Testland" not in str(consensus) and MARKER not in str(consensus)
    assert article["on_behalf"] == [
        {
            "kind": "coalition",
            "regional_group": None,
            "name": "Solidarity Coalition",
            "lead_category": "ngo",
            "stance": "propose_deletion",
            "submissions": 1,
        }
    ]
    assert b"Confidential" not in client.get(f"/api/v1/consultations/{cid}/figures").data
    paged = get_json(client, f"/api/v1/consultations/{cid}/figures?per_page=2&page=2")
    assert [f["provision_id"] for f in paged["data"]] == [p.id for p in provisions[2:4]]
    get_json(client, "/api/v1/consultations/999999/figures", 404)
