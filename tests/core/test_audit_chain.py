"""The audit log is append-only and tamper-evident; operations write complete entries."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update

from consult_app.accounts import operations as account_ops
from consult_app.accounts.models import Role
from consult_app.core.audit import AuditEntry, AuditLogAppendOnly, log_action, verify_chain
from consult_app.extensions import db
from consult_app.submissions import operations as submission_ops
from consult_app.submissions.models import Position, Submission
from tests.conftest import make_consultation, make_org, make_user


def chain(n: int = 4) -> list[AuditEntry]:
    actor = make_user(role=Role.SECRETARIAT)
    org = make_org()
    entries = [
        log_action(actor, "touch", org, before={"n": i}, after={"n": i + 1}) for i in range(n)
    ]
    db.session.commit()  # also expires what the session holds, as a new process would
    return entries


def run_verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def test_intact_chain_passes(app):
    chain()
    result = run_verify(app)
    assert result.exit_code == 0, result.output
    assert "intact" in result.output


def test_tampered_after_is_detected_and_named(app):
    entries = chain()
    target = entries[2]
    db.session.execute(
        text('UPDATE audit_entries SET "after" = :value WHERE id = :id'),
        {"value": '{"n": 999}', "id": target.id},
    )
    db.session.commit()
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"entry {target.id}: content does not match its hash" in result.stderr
    assert verify_chain() == [f"entry {target.id}: content does not match its hash"]


def test_deleted_entry_in_the_middle_is_detected(app):
    entries = chain()
    removed, following = entries[1], entries[2]
    db.session.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": removed.id})
    db.session.commit()
    result = run_verify(app)
    assert result.exit_code == 1
    assert f"entry {following.id}: previous hash does not match" in result.stderr


def test_the_orm_refuses_to_update_an_entry():
    entry = chain(2)[0]
    entry.after = {"n": 42}
    with pytest.raises(AuditLogAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEntry, entry.id).after == {"n": 1}


def test_the_orm_refuses_to_delete_an_entry():
    entry = chain(2)[0]
    db.session.delete(entry)
    with pytest.raises(AuditLogAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEntry, entry.id) is not None


@pytest.mark.parametrize(
    "statement",
    [update(AuditEntry).values(action="changed"), delete(AuditEntry)],
    ids=["bulk-update", "bulk-delete"],
)
def test_the_orm_refuses_bulk_changes(statement):
    chain(2)
    with pytest.raises(AuditLogAppendOnly):
        db.session.execute(statement)
    db.session.rollback()
    assert len(db.session.scalars(select(AuditEntry)).all()) == 2
    assert verify_chain() == []


def test_submitting_a_submission_writes_a_complete_entry():
    consultation = make_consultation()
    author = make_user()
    provision = consultation.version.provisions[0]
    submission = submission_ops.compose_submission(
        author,
        consultation,
        comments=[(provision, submission_ops.CommentFields(position=Position.SUPPORT,
                                                           body="We agree."))],
    )
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "submit_submission")
    ).one()
    assert entry.actor_id == author.id
    assert entry.at is not None and entry.at.tzinfo is not None
    assert entry.object_type == "Submission" and entry.object_id == submission.id
    assert entry.before["status"] == "draft"
    assert entry.after["status"] == "submitted"
    assert entry.after["receipt_number"] == db.session.get(Submission, submission.id).receipt_number
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"start_submission", "add_comment", "submit_submission"} <= actions
    assert verify_chain() == []


def test_changing_a_role_writes_a_complete_entry():
    admin = make_user(role=Role.ADMIN)
    user = make_user()
    account_ops.change_role(admin, user, Role.SECRETARIAT)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "change_role")).one()
    assert entry.actor_id == admin.id
    assert entry.at is not None
    assert (entry.object_type, entry.object_id) == ("User", user.id)
    assert entry.before == {"role": "contributor"}
    assert entry.after == {"role": "secretariat"}
