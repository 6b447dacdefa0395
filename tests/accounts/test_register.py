from __future__ import annotations

import pytest
from sqlalchemy import func, select

from consult_app.accounts.models import (
    MembershipStatus,
    Organisation,
    OrgCategory,
    PendingRegistration,
    RegionalGroup,
    Role,
    User,
    VerificationStatus,
)
from consult_app.core.audit import AuditEntry
from consult_app.extensions import db
from tests.accounts.helpers import confirm_registration, confirmation_link
from tests.browser import Browser
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


def _confirm(client, mail):
    """Follow the link of the last confirmation mail and press the button."""
    assert mail, "no mail sent"
    return confirm_registration(Browser(client), mail[-1])


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


def test_register_with_existing_organisation(client, mail):
    org = make_org("Existing NGO")
    db.session.commit()
    response = client.post("/account/register", data=_data(organisation_id=str(org.id)))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/register/sent")
    # Nothing exists, nobody is signed in, until the address is confirmed.
    assert _count(User) == 0 and _signed_in(client) is None
    assert [m["To"] for m in mail] == ["ana.delegate@example.org"]
    assert PASSWORD not in db.session.scalar(select(PendingRegistration)).password_hash
    browser = _confirm(client, mail)
    assert "your request to act for Existing NGO has been sent" in browser.html
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


def test_register_with_new_state_organisation(client, mail):
    response = client.post("/account/register", data=_new_org())
    assert response.status_code == 302
    assert _count(Organisation) == 0  # created with the account, once the address is confirmed
    browser = _confirm(client, mail)
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
    assert "The secretariat will verify your organisation" in browser.html
    assert _signed_in(client).split(":")[0] == str(user.id)


def test_register_new_ngo_without_group(client, mail):
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
    _confirm(client, mail)
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


def test_register_observer_state_may_have_group(client, mail):
    response = client.post(
        "/account/register",
        data=_new_org(org_category="observer_state", org_regional_group=""),
    )
    assert response.status_code == 302
    _confirm(client, mail)
    assert db.session.scalar(select(Organisation)).regional_group is None


def test_register_with_an_address_that_has_an_account_answers_the_same(app, mail):
    """The visitor sees the same pages as for a free address; the owner gets a note."""
    org = make_org("Existing NGO")
    owner = make_user(email="ana.delegate@example.org", organisation=org)
    owner.name = "Ana Owner"
    db.session.commit()
    pages = []
    for email in ("ANA.DELEGATE@example.org", "someone.new@example.org"):
        browser = Browser(app.test_client())
        browser.get("/account/register")
        browser.submit(
            browser.form("/account/register"),
            **_data(
                email=email,
                organisation_id=str(org.id),
                password="Tuesday lantern 47 okapi",
                confirm="Tuesday lantern 47 okapi",
            ),
        )
        pages.append((browser.status, browser.url, browser.html))
    assert pages[0] == pages[1]
    assert pages[0][0] == 200 and "Check your mailbox" in pages[0][2]
    assert "already exists" not in pages[0][2]

    assert [m["To"] for m in mail] == ["ana.delegate@example.org", "someone.new@example.org"]
    note = mail[0].get_content()
    assert "already has an account" in note and "/account/password/reset" in note
    assert "/account/register/confirm/" not in note
    assert _count(User) == 1
    assert db.session.scalars(select(PendingRegistration.email)).all() == [
        "someone.new@example.org"
    ]
    db.session.expire_all()
    assert db.session.get(User, owner.id).check_password("correct horse battery staple")


def test_confirmation_link_works_once_and_expires(app, client, mail):
    org = make_org("Existing NGO")
    db.session.commit()
    client.post("/account/register", data=_data(organisation_id=str(org.id)))
    link = confirmation_link(mail[-1])
    # Opening the link (as a mail filter would) creates nothing: the button does.
    assert client.get(link).status_code == 200
    assert _count(User) == 0
    assert client.post(link, data={}).status_code == 302
    assert _count(User) == 1 and _count(PendingRegistration) == 0
    other = app.test_client()
    assert other.get(link).status_code == 400
    assert other.post(link, data={}).status_code == 400
    assert _count(User) == 1

    client.post("/account/logout")
    mail.clear()
    app.test_client().post(
        "/account/register", data=_data(email="late@example.org", organisation_id=str(org.id))
    )
    pending = db.session.scalar(select(PendingRegistration))
    pending.expires_at = pending.created_at
    db.session.commit()
    response = app.test_client().post(confirmation_link(mail[-1]), data={})
    assert response.status_code == 400
    assert b"This link does not work" in response.data
    assert _count(User) == 1


def test_unconfirmed_registration_cannot_sign_in(client, mail):
    org = make_org("Existing NGO")
    db.session.commit()
    client.post("/account/register", data=_data(organisation_id=str(org.id)))
    response = client.post(
        "/account/login", data={"email": "ana.delegate@example.org", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert b"The e-mail address or the password is not correct." in response.data
    assert _signed_in(client) is None


def test_a_new_organisation_is_not_listed_before_its_founder_confirms(client, mail):
    client.post("/account/register", data=_new_org(org_name="Hidden Until Confirmed"))
    assert "Hidden Until Confirmed" not in client.get("/account/register").get_data(as_text=True)
    _confirm(client, mail)
    client.post("/account/logout")
    assert "Hidden Until Confirmed" in client.get("/account/register").get_data(as_text=True)


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
    assert _count(User) == 0 and _count(PendingRegistration) == 0


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
    assert _count(PendingRegistration) == 1


def test_register_new_organisation_with_minimal_form(client):
    """Only the fields a browser sends for a new organisation; no select left empty."""
    data = {
        k: v
        for k, v in _new_org().items()
        if k not in ("organisation_id", "org_acronym", "org_country", "org_website")
    }
    assert client.post("/account/register", data=data).status_code == 302
    pending = db.session.scalar(select(PendingRegistration))
    assert pending.new_organisation["category"] == "member_state"


@pytest.mark.parametrize(("seconds", "said"), [(3600, "1 hour"), (48 * 3600, "48 hours")])
def test_the_time_to_confirm_is_said_with_its_plural(app, client, mail, seconds, said):
    """The page after registering and the mail say how long the link lasts: "1 hour",
    "48 hours", not "hour(s)"."""
    saved = app.config["REGISTRATION_MAX_AGE"]
    app.config["REGISTRATION_MAX_AGE"] = seconds
    try:
        org = make_org("Existing NGO")
        db.session.commit()
        response = client.post(
            "/account/register", data=_data(organisation_id=str(org.id)), follow_redirects=True
        )
    finally:
        app.config["REGISTRATION_MAX_AGE"] = saved
    page = response.get_data(as_text=True)
    assert f"within {said} to confirm your address" in page
    assert f"within {said} and confirm your address" in mail[-1].get_content()
    assert "(s)" not in page and "(s)" not in mail[-1].get_content()
