"""The secretariat verifies or rejects organisations waiting for verification."""

from __future__ import annotations

import pytest
from flask_sqlalchemy.record_queries import get_recorded_queries
from sqlalchemy import select

from consult_app.accounts import verification as ops
from consult_app.accounts.models import Organisation, Role, VerificationStatus
from consult_app.core.audit import AuditEntry
from consult_app.core.errors import NotAllowed, UserError
from consult_app.extensions import db
from tests.accounts.helpers import csrf_token_from
from tests.conftest import login, make_consultation, make_org, make_user


@pytest.fixture
def secretariat():
    return make_user(role=Role.SECRETARIAT)


def pending_org(name: str | None = None, members: int = 1) -> Organisation:
    org = make_org(name, verified=False)
    for _ in range(members):
        make_user(organisation=org)
    return org


def audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# --- operations ------------------------------------------------------------------------


def test_verify_sets_status_date_decider_note_and_audit(secretariat):
    org = pending_org()
    ops.verify_organisation(secretariat, org, "Checked the ECOSOC list.")
    assert org.verification_status is VerificationStatus.VERIFIED
    assert org.verified_at is not None
    assert org.verified_by_id == secretariat.id
    assert org.verification_note == "Checked the ECOSOC list."
    (entry,) = audit("verify_organisation")
    assert entry.actor_id == secretariat.id
    assert entry.object_type == "Organisation" and entry.object_id == org.id
    assert entry.before["verification_status"] == "pending"
    assert entry.after["verification_status"] == "verified"
    assert entry.after["verification_note"] == "Checked the ECOSOC list."


def test_reject_requires_a_note_and_stops_participation(secretariat):
    org = pending_org()
    contributor = org.members[0]
    consultation = make_consultation()
    assert consultation.can_participate(contributor)
    with pytest.raises(UserError):
        ops.reject_organisation(secretariat, org, "   ")
    assert org.verification_status is VerificationStatus.PENDING
    ops.reject_organisation(secretariat, org, "Not a real organisation.")
    assert org.verification_status is VerificationStatus.REJECTED
    assert not consultation.can_participate(contributor)
    (entry,) = audit("reject_organisation")
    assert entry.before["verification_status"] == "pending"
    assert entry.after["verification_status"] == "rejected"


def test_a_contributor_cannot_verify():
    org = pending_org()
    contributor = make_user()
    with pytest.raises(NotAllowed):
        ops.verify_organisation(contributor, org)
    assert org.verification_status is VerificationStatus.PENDING


def test_the_same_decision_twice_is_recorded_once(secretariat):
    org = pending_org()
    ops.verify_organisation(secretariat, org, "ok")
    ops.verify_organisation(secretariat, org, "ok")
    assert len(audit("verify_organisation")) == 1


# --- pages -----------------------------------------------------------------------------


def test_list_shows_pending_organisations_with_contributors(client, secretariat):
    waiting = pending_org("Waiting Org", members=2)
    make_org("Already Verified Org")
    login(client, secretariat)
    page = client.get("/verification/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Waiting Org" in html
    assert "Already Verified Org" not in html
    for member in waiting.members:
        assert member.email in html
    verified = client.get("/verification/?status=verified").get_data(as_text=True)
    assert "Already Verified Org" in verified


def test_list_query_count_does_not_grow_with_organisations(client, secretariat):
    login(client, secretariat)
    pending_org(members=2)
    client.get("/verification/")
    before = len(get_recorded_queries())
    client.get("/verification/")
    few = len(get_recorded_queries()) - before
    for _ in range(6):
        pending_org(members=3)
    db.session.commit()
    before = len(get_recorded_queries())
    client.get("/verification/")
    many = len(get_recorded_queries()) - before
    assert many == few


def test_list_is_paginated(app, client, secretariat):
    for _ in range(app.config["PER_PAGE"] + 2):
        pending_org(members=0)
    login(client, secretariat)
    assert client.get("/verification/?page=2").status_code == 200
    assert client.get("/verification/?page=9").status_code == 404


def test_verify_through_the_page(client, secretariat):
    org = pending_org()
    login(client, secretariat)
    response = client.post(
        f"/verification/{org.id}", data={f"org-{org.id}-note": "", f"org-{org.id}-verify": "1"}
    )
    assert response.status_code == 302
    db.session.refresh(org)
    assert org.verification_status is VerificationStatus.VERIFIED
    assert org.verified_by_id == secretariat.id


def test_reject_without_note_is_refused_and_changes_nothing(client, secretariat):
    org = pending_org()
    login(client, secretariat)
    response = client.post(
        f"/verification/{org.id}", data={f"org-{org.id}-note": "", f"org-{org.id}-reject": "1"}
    )
    assert response.status_code == 400
    assert "why the organisation is rejected" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Organisation, org.id).verification_status is VerificationStatus.PENDING
    assert audit("reject_organisation") == []


def test_reject_through_the_page(client, secretariat):
    org = pending_org()
    login(client, secretariat)
    response = client.post(
        f"/verification/{org.id}",
        data={f"org-{org.id}-note": "Duplicate registration.", f"org-{org.id}-reject": "1"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    org = db.session.get(Organisation, org.id)
    assert org.verification_status is VerificationStatus.REJECTED
    assert org.verification_note == "Duplicate registration."


def test_unknown_organisation_is_404(client, secretariat):
    login(client, secretariat)
    assert client.get("/verification/999999").status_code == 404
    assert client.post("/verification/999999", data={"org-999999-verify": "1"}).status_code == 404


def test_contributor_gets_403_everywhere(client):
    org = pending_org()
    contributor = make_user()
    login(client, contributor)
    assert client.get("/verification/").status_code == 403
    assert client.get(f"/verification/{org.id}").status_code == 403
    response = client.post(f"/verification/{org.id}", data={f"org-{org.id}-verify": "1"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Organisation, org.id).verification_status is VerificationStatus.PENDING


def test_anonymous_is_sent_to_sign_in(client):
    org = pending_org()
    db.session.commit()
    response = client.get("/verification/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.post(f"/verification/{org.id}", data={f"org-{org.id}-verify": "1"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_post_without_csrf_token_is_refused(csrf_app, secretariat):
    client = csrf_app.test_client()
    org = pending_org()
    login(client, secretariat)
    response = client.post(f"/verification/{org.id}", data={f"org-{org.id}-verify": "1"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Organisation, org.id).verification_status is VerificationStatus.PENDING
    # With the token of the page, it works.
    page = client.get("/verification/")
    token = csrf_token_from(page, f"org-{org.id}-csrf_token")
    response = client.post(
        f"/verification/{org.id}",
        data={f"org-{org.id}-csrf_token": token, f"org-{org.id}-verify": "1"},
    )
    assert response.status_code == 302
