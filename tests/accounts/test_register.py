from __future__ import annotations

import pytest
from sqlalchemy import func, select

from consult_app.accounts.models import (
    MembershipStatus,
    Organisation,
    OrgCategory,
    RegionalGroup,
    Role,
    User,
    VerificationStatus,
)
from consult_app.core.audit import AuditEntry
from consult_app.extensions import db
from tests.conftest import make_org, make_user

PASSWORD = "a long enough password"


def _data(**changes):
    data = {
        "name": "Ana Delegate",
        "email": "Ana.Delegate@Example.org",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "job_title": "First Secretary",
        "organisation_mode": "existing",
        "organisation_id": "",
        "org_name": "",
        "org_acronym": "",
        "org_category": "",
        "org_regional_group": "",
        "org_country": "",
        "org_website": "",
    }
    data.update(changes)
    return data


def _new_org(**changes):
    values = {
        "organisation_mode": "new",
        "org_name": "Permanent Mission of Testland",
        "org_acronym": "PMT",
        "org_category": "member_state",
        "org_regional_group": "grulac",
        "org_country": "Testland",
        "org_website": "https://testland.example.org",
    }
    values.update(changes)
    return _data(**values)


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def _signed_in(client):
    with client.session_transaction() as session:
        return session.get("_user_id")


def test_register_page_lists_organisations_by_name(client):
    make_org("Zeta Coalition")
    make_org("Alpha Institute")
    make_org("Rejected Body", verified=False).verification_status = VerificationStatus.REJECTED
    db.session.commit()
    response = client.get("/account/register")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.index("Alpha Institute") < text.index("Zeta Coalition")
    assert "Rejected Body" not in text
    assert "your comments are marked as unverified" in text
    assert "Western European and other States" in text


def test_register_with_existing_organisation(client):
    org = make_org("Existing NGO")
    db.session.commit()
    response = client.post("/account/register", data=_data(organisation_id=str(org.id)))
    assert response.status_code == 302
    user = db.session.scalar(select(User))
    assert user.email == "ana.delegate@example.org"
    assert user.role is Role.CONTRIBUTOR
    assert user.organisation_id == org.id
    assert user.job_title == "First Secretary"
    assert user.password_hash != PASSWORD and PASSWORD not in user.password_hash
    assert user.check_password(PASSWORD)
    assert _signed_in(client).split(":")[0] == str(user.id)
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert actions == ["register_user", "request_membership"]
    assert user.membership_status is MembershipStatus.REQUESTED


def test_register_with_new_state_organisation(client):
    response = client.post("/account/register", data=_new_org())
    assert response.status_code == 302
    org = db.session.scalar(select(Organisation))
    assert org.name == "Permanent Mission of Testland"
    assert org.category is OrgCategory.MEMBER_STATE
    assert org.regional_group is RegionalGroup.GRULAC
    assert org.verification_status is VerificationStatus.PENDING
    assert org.verified_at is None
    user = db.session.scalar(select(User))
    assert user.organisation_id == org.id
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["create_organisation", "register_user"]
    assert all(e.actor_id == user.id for e in entries)
    assert entries[0].after["verification_status"] == "pending"
    follow = client.get(response.headers["Location"])
    assert b"The secretariat will verify your organisation" in follow.data


def test_register_new_ngo_without_group(client):
    response = client.post(
        "/account/register",
        data=_new_org(
            org_name="Friends of Solidarity",
            org_category="ngo",
            org_regional_group="",
            org_ecosoc="y",
        ),
    )
    assert response.status_code == 302
    org = db.session.scalar(select(Organisation))
    assert org.regional_group is None
    assert org.ecosoc_status is True


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"password": "short", "confirm": "short"}, "between 10 and 200 characters"),
        ({"confirm": "something else entirely"}, "The two passwords do not match."),
        ({"email": "not-an-address"}, "Invalid email address"),
        ({"name": ""}, "This field is required."),
        ({"organisation_id": ""}, "Choose your organisation."),
        ({"organisation_id": "999999"}, "Not a valid choice"),
        ({"organisation_mode": "sideways"}, "Not a valid choice"),
    ],
)
def test_register_validation_errors(client, changes, message):
    org = make_org("Valid Org")
    db.session.commit()
    data = _data(organisation_id=str(org.id))
    data.update(changes)
    response = client.post("/account/register", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _count(User) == 0
    assert _signed_in(client) is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"org_name": ""}, "Give the name of the organisation."),
        ({"org_category": ""}, "Choose a category."),
        ({"org_category": "galactic_empire"}, "Not a valid choice"),
        ({"org_regional_group": ""}, "A Member State belongs to one of the five regional groups."),
        ({"org_category": "ngo"}, "Only States belong to a regional group."),
        ({"org_regional_group": "atlantis"}, "Not a valid choice"),
        ({"org_website": "javascript:alert(1)"}, "starting with https://"),
        ({"org_ecosoc": "y"}, "Only non-governmental organisations"),
    ],
)
def test_register_new_organisation_validation(client, changes, message):
    response = client.post("/account/register", data=_new_org(**changes))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _count(User) == 0
    assert _count(Organisation) == 0


def test_register_observer_state_may_have_group(client):
    response = client.post(
        "/account/register",
        data=_new_org(org_category="observer_state", org_regional_group=""),
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Organisation)).regional_group is None


def test_register_duplicate_email_case_insensitive(client):
    org = make_org()
    make_user(email="ana.delegate@example.org", organisation=org)
    db.session.commit()
    response = client.post(
        "/account/register", data=_data(email="ANA.DELEGATE@example.org", organisation_id=org.id)
    )
    assert response.status_code == 200
    assert b"An account with this e-mail address already exists." in response.data
    assert _count(User) == 1


def test_register_duplicate_organisation_name(client):
    make_org("Permanent Mission of Testland", category=OrgCategory.MEMBER_STATE)
    db.session.commit()
    response = client.post(
        "/account/register", data=_new_org(org_name="permanent mission of TESTLAND")
    )
    assert response.status_code == 200
    assert b"already registered" in response.data
    assert _count(Organisation) == 1
    assert _count(User) == 0


def test_register_rate_limited(client, rate_limited):
    for _ in range(2):
        assert client.post("/account/register", data=_data()).status_code == 200
    org = make_org()
    db.session.commit()
    response = client.post("/account/register", data=_data(organisation_id=str(org.id)))
    assert response.status_code == 429
    assert _count(User) == 0


def test_register_csrf_refused(csrf_app):
    client = csrf_app.test_client()
    org = make_org()
    db.session.commit()
    response = client.post("/account/register", data=_data(organisation_id=str(org.id)))
    assert response.status_code == 400
    assert _count(User) == 0


def test_signed_in_user_is_sent_away_from_register(client):
    from tests.conftest import login

    login(client, make_user())
    assert client.get("/account/register").status_code == 302


def test_register_with_csrf_token_from_page(csrf_app):
    from tests.accounts.helpers import csrf_token_from

    client = csrf_app.test_client()
    org = make_org("Token Org")
    db.session.commit()
    token = csrf_token_from(client.get("/account/register"))
    data = _data(organisation_id=str(org.id), csrf_token=token)
    assert client.post("/account/register", data=data).status_code == 302
    assert _count(User) == 1


def test_register_new_organisation_with_minimal_form(client):
    """Only the fields a browser sends for a new organisation; no select left empty."""
    data = {
        k: v
        for k, v in _new_org().items()
        if k not in ("organisation_id", "org_acronym", "org_country", "org_website")
    }
    assert client.post("/account/register", data=data).status_code == 302
    assert _count(Organisation) == 1
