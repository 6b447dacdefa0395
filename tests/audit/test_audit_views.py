"""The audit trail pages: list, filters, diff, CSV export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from flask_sqlalchemy.record_queries import get_recorded_queries

from consult_app.accounts.models import Role
from consult_app.core.audit import AuditEntry, log_action
from consult_app.extensions import db
from tests.conftest import login, make_org, make_user


@pytest.fixture
def secretariat():
    return make_user(role=Role.SECRETARIAT, email="sec@example.org")


@pytest.fixture
def entries(secretariat):
    org = make_org("Audited Org")
    other = make_org("Other Org")
    first = log_action(secretariat, "verify_organisation", org,
                       before={"verification_status": "pending", "name": "Audited Org"},
                       after={"verification_status": "verified", "name": "Audited Org"})
    second = log_action(None, "import_text", other, after={"title": "=HYPERLINK(\"x\")"})
    third = log_action(secretariat, "reject_organisation", other,
                       before={"verification_status": "pending"},
                       after={"verification_status": "rejected"})
    db.session.commit()
    return {"org": org, "other": other, "entries": [first, second, third]}


def shown_ids(html: str, entries: list[AuditEntry]) -> set[int]:
    return {e.id for e in entries if f'<th scope="row">{e.id}</th>' in html}


def test_list_newest_first_with_actor_time_object_and_diff(client, secretariat, entries):
    login(client, secretariat)
    response = client.get("/audit/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    first, _second, third = entries["entries"]
    assert html.index(f'<th scope="row">{third.id}</th>') < html.index(
        f'<th scope="row">{first.id}</th>'
    )
    assert "sec@example.org" in html
    assert "System" in html  # the entry without an actor
    assert "UTC" in html
    assert f"Organisation #{entries['org'].id}" in html
    # Only the key that changed is shown, with both values.
    assert "<dt>Verification</dt>" in html  # the field in words, not its code
    assert "<del>Awaiting verification</del>" in html and "<ins>Verified</ins>" in html
    assert "<dt>Name</dt>" not in html
    # User text is escaped.
    assert "=HYPERLINK(&#34;x&#34;)" in html or "=HYPERLINK(&quot;x&quot;)" in html


def test_filters(client, secretariat, entries):
    login(client, secretariat)
    first, second, third = entries["entries"]
    every = entries["entries"]

    def ids(query: str) -> set[int]:
        response = client.get("/audit/?" + query)
        assert response.status_code == 200
        return shown_ids(response.get_data(as_text=True), every)

    assert ids(f"actor={secretariat.id}") == {first.id, third.id}
    assert ids("actor=SEC@example.org") == {first.id, third.id}
    assert ids("actor=nobody@example.org") == set()
    assert ids("actor=system") == {second.id}
    assert ids("action=reject_organisation") == {third.id}
    assert ids("object_type=Organisation") == {first.id, second.id, third.id}
    assert ids(f"object_type=Organisation&object_id={entries['other'].id}") == {
        second.id, third.id
    }
    today = datetime.now(UTC).date()
    assert ids(f"date_from={today - timedelta(days=1)}&date_to={today + timedelta(days=1)}") == {
        first.id, second.id, third.id
    }
    assert ids(f"date_from={today + timedelta(days=2)}") == set()
    assert ids(f"date_to={today - timedelta(days=2)}") == set()


@pytest.mark.parametrize(
    "query", ["object_id=abc", "object_id=99999999999999999999999", "date_from=yesterday",
              "date_from=2024-02-02&date_to=2024-01-01"]
)
def test_bad_filters_are_400_not_500(client, secretariat, entries, query):
    login(client, secretariat)
    assert client.get("/audit/?" + query).status_code == 400
    assert client.get("/audit/export.csv?" + query).status_code == 400


def test_list_is_paginated_with_constant_queries(app, client, secretariat):
    org = make_org()
    for n in range(3):
        actor = make_user(role=Role.SECRETARIAT)
        log_action(actor, "touch", org, after={"n": n})
    login(client, secretariat)
    client.get("/audit/")
    before = len(get_recorded_queries())
    client.get("/audit/")
    few = len(get_recorded_queries()) - before
    for n in range(app.config["PER_PAGE"] + 5):
        log_action(make_user(role=Role.SECRETARIAT), "touch", org, after={"n": n})
    db.session.commit()
    before = len(get_recorded_queries())
    client.get("/audit/")
    many = len(get_recorded_queries()) - before
    assert many == few
    assert client.get("/audit/?page=2").status_code == 200
    assert client.get("/audit/?page=50").status_code == 404


def test_csv_export_has_filtered_entries_hashes_and_guard(client, secretariat, entries):
    login(client, secretariat)
    response = client.get("/audit/export.csv?object_type=Organisation")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.is_streamed
    body = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    first, second, third = entries["entries"]
    assert [int(r["id"]) for r in rows] == [third.id, second.id, first.id]
    by_id = {int(r["id"]): r for r in rows}
    assert by_id[first.id]["actor_email"] == "sec@example.org"
    assert by_id[first.id]["hash"] == first.hash
    assert by_id[first.id]["prev_hash"] == first.prev_hash
    assert by_id[third.id]["prev_hash"] == second.hash
    assert by_id[first.id]["changed_keys"] == "verification_status"
    assert by_id[second.id]["actor_id"] == ""
    # JSON starting with "{" is safe; a value starting with "=" inside it is not at the start.
    assert by_id[second.id]["after"].startswith("{")
    filtered = client.get("/audit/export.csv?action=reject_organisation").get_data(as_text=True)
    assert len(list(csv.DictReader(io.StringIO(filtered.lstrip("\ufeff"))))) == 1


def test_csv_export_guards_cells_that_start_a_formula(client, secretariat):
    attacker = make_user(email="=cmd@example.org")
    log_action(attacker, "=SUM(A1)", make_org(), after={"x": 1})
    db.session.commit()
    login(client, secretariat)
    body = client.get("/audit/export.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0]["action"] == "'=SUM(A1)"
    assert rows[0]["actor_email"] == "'=cmd@example.org"


def test_contributor_gets_403_and_anonymous_is_sent_to_sign_in(client, entries):
    contributor = make_user()
    db.session.commit()
    assert client.get("/audit/").status_code == 302
    assert client.get("/audit/export.csv").status_code == 302
    login(client, contributor)
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403

