from __future__ import annotations

from datetime import date

from consult_app.extensions import db
from consult_app.revisions import operations as ops
from consult_app.texts.models import ProvisionKind
from tests.api.test_openapi import assert_matches
from tests.revisions.helpers import consulted_version, secretariat


def _published_pair():
    old, _c = consulted_version(articles=3, preamble=2)
    actor = secretariat()
    new = ops.start_next_version(actor, old, "Second draft")
    articles = [p for p in new.provisions if p.kind is ProvisionKind.ARTICLE]
    ops.add_provision(
        actor, new, ProvisionKind.ARTICLE, articles[0], None, None, "1. Inserted text."
    )
    db.session.commit()
    return old, new, actor


def test_record_and_comparison_are_public_once_published(client):
    old, new, actor = _published_pair()
    document = client.get("/api/v1/openapi.json").get_json()
    body = assert_matches(client, document, "/api/v1/versions")
    assert [v["id"] for v in body["data"]] == [old.id]  # the draft is not public
    assert client.get(f"/api/v1/versions/{new.id}/comparison").status_code == 404
    assert client.get(f"/api/v1/versions/{new.id}").status_code == 404
    assert (
        client.get("/revisions/compare", query_string={"old": old.id, "new": new.id}).status_code
        == 404
    )

    ops.publish_version(actor, new, "A/HRC/TEST/2", date(2027, 2, 1))
    db.session.commit()
    body = assert_matches(client, document, "/api/v1/versions")
    assert [v["id"] for v in body["data"]] == [new.id, old.id]
    assert body["data"][0]["compared_with_id"] == old.id
    assert body["data"][0]["issued_on"] == "2027-02-01"
    comparison = assert_matches(client, document, body["data"][0]["comparison"])["data"]
    assert comparison["from"]["id"] == old.id and comparison["to"]["id"] == new.id
    added = [p for p in comparison["provisions"] if "added" in p["statuses"]]
    assert added[0]["new_label"] == "Article 1 bis"
    assert added[0]["lines"][1]["changes"] == [{"op": "insert", "text": "1. Inserted text."}]
    assert comparison["counts"]["added"] == 1
    assert client.get(f"/api/v1/versions/{old.id}/comparison").status_code == 404
    assert client.get(f"/api/v1/versions/{new.id}/comparison?from=abc").status_code == 400
    assert client.get(f"/api/v1/versions/{new.id}/comparison?to=1").status_code == 400
