"""E-mail: the receipt of a submission and the notice of published dispositions."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import select

from consult_app.core.mail import MailError, outbox
from consult_app.extensions import db
from consult_app.review import dispositions as ops
from consult_app.review import notifications
from consult_app.review.models import Outcome
from consult_app.submissions import commenting, submitting
from consult_app.submissions import operations as sub_ops
from consult_app.submissions.models import Position, Submission, SubmissionStatus
from tests.conftest import login, make_consultation, make_org, make_user
from tests.review.dispositions_support import (
    Scene,
    answer,
    build_scene,
)


@pytest.fixture(name="scene")
def scene_fixture() -> Scene:
    return build_scene()

def body(message) -> str:
    return message.get_content()


@pytest.fixture
def author():
    organisation = make_org("Republic of Mailland")
    user = make_user(organisation=organisation, email="delegate@mailland.example")
    user.timezone = "Asia/Tokyo"
    user.name = "Mai Delegate"
    return user


@pytest.fixture
def draft(author):
    consultation = make_consultation()
    submission = sub_ops.start_submission(author, consultation)
    provisions = consultation.version.provisions
    for provision in provisions[2:4]:
        commenting.add_comment(author, submission, provision, commenting.CommentFields(
            position=Position.SUPPORT, body=f"We support {provision.label}."))
    db.session.commit()
    outbox().clear()
    return submission


def lock_of(html: str) -> str:
    match = re.search(r'name="submit-lock_version"[^>]*value="(\d+)"', html) or re.search(
        r'value="(\d+)"[^>]*name="submit-lock_version"', html)
    assert match
    return match.group(1)


# --- the receipt -----------------------------------------------------------------------


def test_receipt_sent_once_on_submit_and_not_on_an_idempotent_resubmit(client, author, draft):
    login(client, author)
    lock = lock_of(client.get(f"/submissions/{draft.id}").get_data(as_text=True))
    response = client.post(f"/submissions/{draft.id}/submit", data={"submit-lock_version": lock})
    assert response.status_code == 302
    [message] = outbox()
    db.session.expire_all()
    submission = db.session.get(Submission, draft.id)
    assert message["To"] == "delegate@mailland.example"
    assert submission.receipt_number in message["Subject"]
    text = body(message)
    assert "Dear Mai Delegate," in text
    assert f"Receipt number: {submission.receipt_number}" in text
    assert "Revision: 1" in text
    assert "(Asia/Tokyo)" in text and "UTC" in text  # their zone and UTC
    assert "Comments: 2, on 2 provisions" in text
    assert "Attachments: 0" in text
    assert f"http://localhost/submissions/{draft.id}/receipt" in text

    # The same form sent again (a double click): nothing new, no second e-mail.
    again = client.post(f"/submissions/{draft.id}/submit", data={"submit-lock_version": lock})
    assert again.status_code == 302
    assert len(outbox()) == 1

    # A real revision is a new receipt e-mail.
    commenting.add_comment(author, submission, submission.consultation.version.provisions[0],
                        commenting.CommentFields(position=Position.OPPOSE, body="One more."))
    db.session.commit()
    lock = lock_of(client.get(f"/submissions/{draft.id}").get_data(as_text=True))
    client.post(f"/submissions/{draft.id}/submit", data={"submit-lock_version": lock})
    assert len(outbox()) == 2
    assert "Revision: 2" in body(outbox()[1])


def test_no_receipt_when_the_transaction_is_rolled_back(author, draft):
    submitting.submit_submission(author, draft, draft.lock_version)
    db.session.rollback()
    assert outbox() == []
    db.session.commit()
    assert outbox() == []


def test_receipt_outside_a_request_uses_the_public_url(app, author, draft):
    app.config["PUBLIC_URL"] = "https://consult.example.org/"
    try:
        submitting.submit_submission(author, draft, draft.lock_version)
        assert outbox() == []  # not before the commit
        db.session.commit()
    finally:
        app.config.pop("PUBLIC_URL")
    [message] = outbox()
    assert f"https://consult.example.org/submissions/{draft.id}/receipt" in body(message)


def test_a_failing_mail_server_does_not_lose_the_submission(client, author, draft, monkeypatch,
                                                            caplog):
    def broken(*args, **kwargs):
        raise MailError("SMTP delivery failed: connection refused")

    monkeypatch.setattr(notifications, "send_mail", broken)
    # Alembic's fileConfig (run by the migration tests) disables existing loggers.
    monkeypatch.setattr(logging.getLogger(notifications.__name__), "disabled", False)
    login(client, author)
    lock = lock_of(client.get(f"/submissions/{draft.id}").get_data(as_text=True))
    with caplog.at_level(logging.ERROR, logger="consult_app.review.notifications"):
        response = client.post(f"/submissions/{draft.id}/submit",
                               data={"submit-lock_version": lock})
    assert response.status_code == 302
    assert "could not send the receipt e-mail" in caplog.text
    db.session.expire_all()
    submission = db.session.get(Submission, draft.id)
    assert submission.status is SubmissionStatus.SUBMITTED
    assert submission.receipt_number
    assert len(submission.revisions) == 1
    assert outbox() == []


def test_an_unexpected_error_while_sending_is_contained(author, draft, monkeypatch):
    monkeypatch.setattr(notifications, "send_mail",
                        lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    submitting.submit_submission(author, draft, draft.lock_version)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Submission, draft.id).is_submitted


# --- published dispositions ------------------------------------------------------------


def test_publication_notice_one_per_contributor_with_their_count(client, scene: Scene):
    answer(scene, scene.comments_of(scene.state))
    answer(scene, scene.comments_of(scene.ngo))
    db.session.commit()
    login(client, scene.ana)
    response = client.post(f"/dispositions/{scene.consultation.id}/publish")
    assert response.status_code == 302
    messages = {m["To"]: m for m in outbox()}
    assert sorted(messages) == [
        "alan@testland.example", "alice@testland.example", "bob@friends.example"
    ]
    assert len(outbox()) == 3
    state_text = body(messages["alice@testland.example"])
    assert "answers to 2 of the comments of Republic of Testland" in state_text
    assert f"http://localhost/dispositions/mine/{scene.consultation.id}" in state_text
    assert "answers to 1 of the comments of Friends of Testing" in body(
        messages["bob@friends.example"])
    # Nothing new to publish: no new notice.
    client.post(f"/dispositions/{scene.consultation.id}/publish")
    assert len(outbox()) == 3


def test_a_later_publication_notifies_only_the_newly_answered(scene: Scene):
    answer(scene, scene.comments_of(scene.state)[:1])
    ops.publish_dispositions(scene.ana, scene.consultation)
    db.session.commit()
    outbox().clear()
    answer(scene, scene.comments_of(scene.ngo))
    ops.publish_dispositions(scene.ana, scene.consultation)
    db.session.commit()
    assert [m["To"] for m in outbox()] == ["bob@friends.example"]


def test_inactive_contributors_get_no_notice(scene: Scene):
    scene.alan.active = False
    answer(scene, scene.comments_of(scene.state))
    ops.publish_dispositions(scene.ana, scene.consultation)
    db.session.commit()
    assert [m["To"] for m in outbox()] == ["alice@testland.example"]


def test_publication_stands_when_mail_fails(client, scene: Scene, monkeypatch):
    def broken(*args, **kwargs):
        raise MailError("SMTP delivery failed")

    monkeypatch.setattr(notifications, "send_mail", broken)
    answer(scene, scene.comments_of(scene.state))
    db.session.commit()
    login(client, scene.ana)
    response = client.post(f"/dispositions/{scene.consultation.id}/publish")
    assert response.status_code == 302
    db.session.expire_all()
    from consult_app.review.models import Disposition

    assert all(d.published_at is not None for d in db.session.scalars(select(Disposition)))


def test_external_url_without_request_or_public_url_is_a_path(app):
    assert notifications.external_url("dispositions.mine", consultation_id=3) == (
        "/dispositions/mine/3"
    )
    app.config.update(SERVER_NAME="consult.example.org", PREFERRED_URL_SCHEME="https")
    try:
        assert notifications.external_url("dispositions.mine", consultation_id=3) == (
            "https://consult.example.org/dispositions/mine/3"
        )
    finally:
        app.config.update(SERVER_NAME=None, PREFERRED_URL_SCHEME="http")


def test_no_notice_for_an_outcome_nobody_can_read(scene: Scene):
    """Organisations without any active contributor simply get nothing (no error)."""
    scene.bob.active = False
    answer(scene, scene.comments_of(scene.ngo), Outcome.NOTED)
    assert ops.publish_dispositions(scene.ana, scene.consultation) == 1
    db.session.commit()
    assert outbox() == []
