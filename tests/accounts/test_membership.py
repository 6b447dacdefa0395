"""Joining an existing organisation is a request that a focal point or the secretariat
approves; until then the account sees nothing of the organisation (issue 8 #3, issue 13 #1).

The impostor registers through the real registration page (CSRF on), as an attacker would.
"""

from __future__ import annotations

from sqlalchemy import select

from consult_app.accounts.models import MembershipStatus, OrgCategory, RegionalGroup, Role, User
from consult_app.core.audit import AuditEntry
from consult_app.core.mail import outbox as mail_outbox
from consult_app.extensions import db
from consult_app.submissions import commenting
from consult_app.submissions import operations as sub_ops
from consult_app.submissions.models import Comment, Position, Submission
from tests.accounts.helpers import confirm_registration, totp_code
from tests.browser import Browser
from tests.conftest import PASSWORD, login, make_consultation, make_org, make_user

IMPOSTOR = "impostor@evil.example"


def _register_for(app, org, email=IMPOSTOR, name="Mallory Impostor") -> Browser:
    """Register in a browser of its own, through the rendered form."""
    browser = Browser(app.test_client())
    browser.get("/account/register")
    browser.submit(
        browser.form("/account/register"),
        name=name,
        email=email,
        password="a long enough password",
        confirm="a long enough password",
        organisation_mode="existing",
        organisation_id=str(org.id),
    )
    assert "Check your mailbox" in browser.html
    message = [m for m in mail_outbox() if m["To"] == email][-1]
    return confirm_registration(browser, message)


def _state_with_submission():
    consultation = make_consultation()
    state = make_org("Republic of Testland", category=OrgCategory.MEMBER_STATE,
                     group=RegionalGroup.GRULAC)
    delegate = make_user(organisation=state)
    db.session.flush()
    submission = sub_ops.start_submission(delegate, consultation)
    provision = consultation.version.provisions[0]
    commenting.add_comment(
        delegate, submission, provision,
        commenting.CommentFields(
            position=Position.OPPOSE, body="Not for publication: our red lines."
        ),
    )
    db.session.commit()
    return consultation, state, delegate, submission


def test_impostor_joining_a_verified_state_gets_nothing(app, csrf_app, client):
    consultation, state, _delegate, submission = _state_with_submission()
    browser = _register_for(app, state)
    client = browser.client
    assert browser.status == 200
    assert "waiting for approval" in browser.html

    impostor = db.session.scalar(select(User).where(User.email == IMPOSTOR))
    assert impostor.membership_status is MembershipStatus.REQUESTED
    assert not impostor.can_act_for(state)

    # The State's submission, its receipt, revisions and list: nothing.
    for url in (
        f"/submissions/{submission.id}",
        f"/submissions/{submission.id}/revisions",
        f"/submissions/{submission.id}/receipt",
    ):
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert "red lines" not in response.get_data(as_text=True)
    listing = client.get("/submissions/").get_data(as_text=True)
    assert "red lines" not in listing and "Republic of Testland" not in listing

    # No comment, no revision recorded in the impostor's name.
    provision = consultation.version.provisions[1]
    before = db.session.scalar(select(db.func.count(Comment.id)))
    response = client.post(
        f"/submissions/{submission.id}/provisions/{provision.id}/comment",
        data={"position": "support", "kind": "general", "body": "Impostor's words."},
    )
    assert response.status_code in (400, 403, 404)
    response = client.post(f"/submissions/{submission.id}/submit", data={})
    assert response.status_code in (400, 403, 404)
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count(Comment.id))) == before
    assert db.session.get(Submission, submission.id).revision_count == 0
    # Starting a submission of its own for the State is refused too.
    response = client.post(f"/submissions/participate/{consultation.id}", data={})
    assert response.status_code in (400, 403, 404)
    assert db.session.scalar(select(db.func.count(Submission.id))) == 1


def test_a_state_request_waits_for_the_secretariat_not_its_members(app, client):
    _, state, delegate, _ = _state_with_submission()
    _register_for(app, state)
    impostor = db.session.scalar(select(User).where(User.email == IMPOSTOR))
    # The State's own delegate may not admit people (a note verbale names focal points).
    assert not delegate.can_decide_membership(impostor)
    login(client, delegate)
    page = client.get("/account/organisation").get_data(as_text=True)
    assert "Mallory Impostor" not in page
    response = client.post(
        f"/account/memberships/{impostor.id}", data={f"member-{impostor.id}-approve": "Approve"}
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert impostor.membership_status is MembershipStatus.REQUESTED


def test_secretariat_approves_through_the_verification_page(app, csrf_app, client):
    _, state, _, submission = _state_with_submission()
    _register_for(app, state, email="new.focal@testland.example", name="New Focal Point")
    candidate = db.session.scalar(select(User).where(User.email == "new.focal@testland.example"))
    secretariat = make_user(role=Role.SECRETARIAT)
    db.session.commit()
    browser = Browser(client)
    browser.get("/account/login")
    browser.submit(browser.form("/account/login"), email=secretariat.email, password=PASSWORD)
    browser.submit(browser.form("/account/two-step/code"), code=totp_code(secretariat.totp_secret))
    assert "You are signed in" in browser.html, browser.html
    browser.get("/verification/")
    browser.follow("Requests to act for an organisation")
    assert "New Focal Point" in browser.html
    mail_outbox().clear()
    browser.submit(browser.form(f"/account/memberships/{candidate.id}"),
                   **{f"member-{candidate.id}-approve": "Approve"})
    assert browser.status == 200
    assert "can now act for Republic of Testland" in browser.html
    db.session.expire_all()
    candidate = db.session.get(User, candidate.id)
    assert candidate.membership_status is MembershipStatus.CONFIRMED
    assert candidate.membership_decided_by_id == secretariat.id
    assert candidate.can_act_for(state)
    assert [m["To"] for m in mail_outbox()] == ["new.focal@testland.example"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "approve_membership"))
    assert entry.actor_id == secretariat.id and entry.after["membership_status"] == "confirmed"

    other = app.test_client()
    login(other, candidate)
    assert other.get(f"/submissions/{submission.id}").status_code == 200


def test_ngo_focal_point_approves_or_declines(app, csrf_app, client):
    ngo = make_org("Friends of Testing", category=OrgCategory.NGO)
    focal = make_user(organisation=ngo)
    other_ngo_member = make_user(organisation=make_org("Another NGO"))
    db.session.commit()
    mail_outbox().clear()
    _register_for(app, ngo, email="colleague@friends.example", name="Colleague One")
    _register_for(app, ngo, email="stranger@evil.example", name="Total Stranger")
    colleague = db.session.scalar(select(User).where(User.email == "colleague@friends.example"))
    stranger = db.session.scalar(select(User).where(User.email == "stranger@evil.example"))
    # The focal point hears of each request (once its address is confirmed).
    subjects = [m["Subject"] for m in mail_outbox() if m["To"] == focal.email]
    assert subjects == [
        "Colleague One asks to act for Friends of Testing",
        "Total Stranger asks to act for Friends of Testing",
    ]
    assert not other_ngo_member.can_decide_membership(colleague)

    login(client, focal)
    browser = Browser(client)
    browser.get("/account/organisation")
    assert "Colleague One" in browser.html and "Total Stranger" in browser.html
    browser.submit(browser.form(f"/account/memberships/{colleague.id}"),
                   **{f"member-{colleague.id}-approve": "Approve"})
    assert "can now act for Friends of Testing" in browser.html
    # Declining needs a reason; without one nothing changes.
    browser.submit(browser.form(f"/account/memberships/{stranger.id}"),
                   **{f"member-{stranger.id}-decline": "Decline"})
    assert "Say in the note why" in browser.html
    db.session.expire_all()
    assert db.session.get(User, stranger.id).membership_status is MembershipStatus.REQUESTED
    browser.submit(browser.form(f"/account/memberships/{stranger.id}"),
                   **{f"member-{stranger.id}-decline": "Decline",
                      f"member-{stranger.id}-note": "Not known to us."})
    db.session.expire_all()
    assert db.session.get(User, colleague.id).can_act_for(ngo)
    declined = db.session.get(User, stranger.id)
    assert declined.membership_status is MembershipStatus.DECLINED
    assert not declined.can_act_for(ngo)
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.actor_id == focal.id).order_by(AuditEntry.id)
    ).all()
    assert actions == ["approve_membership", "decline_membership"]


def test_focal_point_of_another_organisation_cannot_decide(app, client):
    ngo = make_org("Friends of Testing")
    make_user(organisation=ngo)
    outsider = make_user(organisation=make_org("Other NGO"))
    candidate = make_user(organisation=ngo)
    candidate.membership_status = MembershipStatus.REQUESTED
    db.session.commit()
    login(client, outsider)
    response = client.post(f"/account/memberships/{candidate.id}",
                           data={f"member-{candidate.id}-approve": "Approve"})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(User, candidate.id).membership_status is MembershipStatus.REQUESTED


def test_registering_a_new_organisation_makes_its_first_member(app, client):
    mail_outbox().clear()
    browser = Browser(client)
    browser.get("/account/register")
    browser.submit(
        browser.form("/account/register"),
        name="Founder", email="founder@new.example",
        password="a long enough password", confirm="a long enough password",
        organisation_mode="new", org_name="Brand New NGO", org_category="ngo",
    )
    confirm_registration(browser, mail_outbox()[-1])
    user = db.session.scalar(select(User).where(User.email == "founder@new.example"))
    assert user.membership_status is MembershipStatus.CONFIRMED
    assert user.can_act_for(user.organisation)
