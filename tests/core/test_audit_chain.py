"""The audit log is append-only and tamper-evident; operations write complete entries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select, text, update

from consult_app.accounts import operations as account_ops
from consult_app.accounts.models import Role
from consult_app.core.audit import (
    AuditEntry,
    AuditLogAppendOnly,
    _payload,
    _payload_parts,
    log_action,
    verify_chain,
)
from consult_app.extensions import db
from consult_app.submissions import commenting
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
        comments=[
            (provision, commenting.CommentFields(position=Position.SUPPORT, body="We agree."))
        ],
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


def test_entries_with_quotes_backslashes_and_other_scripts_verify(app):
    actor = make_user(role=Role.SECRETARIAT)
    org = make_org()
    awkward = {
        "body": 'He said "no" \\ then \u00e9l\u00e8ve, \u4e2d\u6587, \u0639\u0631\u0628\u064a\n\t',
        "nested": {"list": [1, None, True, 'x"}'], "empty": ""},
    }
    entry = log_action(actor, "update_comment", org, before=awkward, after={"n": 1})
    assert entry.id is not None
    assert entry.hash == entry.compute_hash()
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(AuditEntry, entry.id)
    assert stored.before == awkward
    assert stored.hash == stored.compute_hash()
    assert verify_chain() == []
    assert run_verify(app).exit_code == 0


@pytest.mark.parametrize(
    ("before", "after", "actor_id", "object_id"),
    [
        (None, None, None, None),
        ({"role": "contributor"}, {"role": "secretariat"}, 7, 12),
        ({"body": 'He said "no" \\ "at": x', "n": [1, None, True]}, {"\u4e2d": "\u0639"}, 1, 2),
    ],
)
def test_payload_parts_are_the_payload_around_the_time_and_the_previous_hash(
    before, after, actor_id, object_id
):
    """What the database's ``audit_append`` joins (the parts, the time and the previous
    hash) is the text the entry's hash covers."""
    fields = {
        "actor_id": actor_id,
        "action": "update_comment",
        "object_type": "Comment",
        "object_id": object_id,
        "before": before,
        "after": after,
    }
    at = datetime(2026, 12, 5, 6, 30, 1, tzinfo=UTC)
    previous = "ab" * 32
    head, middle = _payload_parts(**fields)
    joined = f'{head}"{at.isoformat()}"{middle}"{previous}"}}'
    assert joined == _payload(**fields, at=at, prev_hash=previous)


def test_the_entry_returned_is_the_stored_one(app):
    actor = make_user(role=Role.SECRETARIAT)
    org = make_org()
    first = log_action(actor, "touch", org, after={"n": 1})
    second = log_action(None, "touch", org, before={"n": 1}, after={"n": 2})
    assert second.prev_hash == first.hash
    assert db.session.get(AuditEntry, second.id) is second
    values = (second.id, second.at, second.actor_id, second.after, second.prev_hash, second.hash)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(AuditEntry, values[0])
    assert (
        stored.id,
        stored.at,
        stored.actor_id,
        stored.after,
        stored.prev_hash,
        stored.hash,
    ) == values


def test_the_chain_head_is_read_through_its_key_however_small_the_chain(app):
    """PostgreSQL: ``audit_append`` reads the last entry through the primary key even while
    the table is small: its plan is kept for the connection's life, and a scan planned on the
    first day would read and sort every entry on each append, ever slower as the chain grows.
    (The transaction's own statistics count the scans of audit_entries.)"""
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("audit_append is PostgreSQL's")
    org = make_org()
    log_action(None, "touch", org, after={"n": 0})
    # The planner told the table holds one entry, as on a new database's first day (the
    # function's plans are made again on the next call).
    db.session.execute(text("ANALYZE audit_entries"))
    scans = text(
        "SELECT coalesce(seq_scan, 0), coalesce(idx_scan, 0) FROM pg_stat_xact_user_tables "
        "WHERE relname = 'audit_entries'"
    )
    before = db.session.execute(scans).one()
    for n in range(3):
        log_action(None, "touch", org, after={"n": n + 1})
    after = db.session.execute(scans).one()
    assert after[0] == before[0]  # no entry read by a sequential scan
    assert after[1] >= before[1] + 3  # the head found by the index, once an append
    assert verify_chain() == []


def test_concurrent_writers_keep_one_chain(app):
    """Writers in parallel transactions (requests of several workers) append to one chain:
    each entry follows the one committed before it, none forks it."""
    import threading

    org = make_org()
    db.session.commit()
    org_id = org.id
    barrier = threading.Barrier(4)
    failures: list[BaseException] = []

    def writer(index: int) -> None:
        with app.app_context():
            try:
                from consult_app.accounts.models import Organisation

                target = db.session.get(Organisation, org_id)
                barrier.wait(timeout=30)
                for n in range(8):
                    # Nothing else is written first: the chain's lock alone serialises.
                    log_action(None, "touch", target, after={"writer": index, "n": n})
                    db.session.commit()
            except BaseException as error:  # reported below
                failures.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert len(entries) == 32
    assert len({e.prev_hash for e in entries}) == 32
    assert verify_chain() == []
    # Each entry's time is read once the chain is locked: times follow the chain's order.
    assert [e.at for e in entries] == sorted(e.at for e in entries)


def test_links_stand_for_elided_entries_and_appends_follow_the_head(app):
    """A chain whose middle and end are links (id, previous hash, hash only) verifies; an
    entry appended with ``append_at_head`` follows the last link; ``log_action`` then
    follows that entry; a link that breaks continuity is named."""
    from consult_app.core.audit import AuditLink, append_at_head

    entries = chain(5)
    ids = [e.id for e in entries]
    last_id, last_hash, middle = ids[-1], entries[-1].hash, ids[2]
    kept = {ids[0], ids[3]}
    links = [
        {"id": e.id, "prev_hash": e.prev_hash, "hash": e.hash} for e in entries if e.id not in kept
    ]
    # Entries of the chain in full and as links, as an import of a consultation leaves them.
    for link in links:
        db.session.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": link["id"]})
    db.session.execute(AuditLink.__table__.insert(), links)
    db.session.commit()
    assert verify_chain() == []

    imported = append_at_head(None, "import_consultation", make_org(name="Imported"))
    assert imported.id == last_id + 1
    assert imported.prev_hash == last_hash
    following = log_action(None, "touch", make_org(name="After"))
    db.session.commit()
    assert following.prev_hash == imported.hash
    assert verify_chain() == []
    assert run_verify(app).exit_code == 0

    db.session.execute(
        text("UPDATE audit_links SET prev_hash = :h WHERE id = :id"),
        {"h": "f" * 64, "id": middle},
    )
    db.session.commit()
    assert verify_chain() == [f"entry {middle}: previous hash does not match"]


def test_links_are_append_only(app):
    from consult_app.core.audit import AuditLink

    db.session.add(AuditLink(id=1, prev_hash="0" * 64, hash="a" * 64))
    db.session.commit()
    with pytest.raises(AuditLogAppendOnly):
        db.session.execute(delete(AuditLink))
    db.session.rollback()


def test_rows_bound_before_a_lock_are_stored_as_an_insert_stores_them(app):
    """insert_rows (bind_rows, then insert_bound: the driver's executemany or COPY) stores
    what SQLAlchemy's INSERT of the same rows stores: enums, booleans, times, the model's
    column defaults for the columns not given, JSON given as text."""
    import json
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from consult_app.core.audit import bind_rows, insert_bound
    from consult_app.submissions.models import (
        Channel,
        OnBehalfKind,
        SubmissionRevision,
        SubmissionStatus,
    )

    consultation = make_consultation()
    actor = make_user(role=Role.SECRETARIAT)
    first, second = make_org(), make_org()
    db.session.commit()
    at = datetime(2023, 1, 20, 9, 30, tzinfo=UTC)

    def row(organisation_id: int, submission_id: int) -> dict:
        return {
            "id": submission_id,
            "consultation_id": consultation.id,
            "organisation_id": organisation_id,
            "created_by_id": actor.id,
            "status": SubmissionStatus.SUBMITTED,
            "channel": Channel.LETTER,
            "received_at": at,
            "on_behalf_kind": OnBehalfKind.NONE,
            "on_behalf_name": None,
            "publishable": False,
            "submitted_at": at,
            "receipt_number": f"R-{submission_id}",
            "revision_count": 1,
            "recorded_by_id": actor.id,
        }

    snapshot = {"comments": [{"body": "é", "id": 1}], "none": None}
    connection = db.session.connection()
    connection.execute(insert(Submission.__table__), [row(first.id, 9001)])
    connection.execute(
        insert(SubmissionRevision.__table__),
        [{"submission_id": 9001, "number": 1, "submitted_at": at, "snapshot": snapshot}],
    )
    bound = bind_rows(Submission.__table__, [row(second.id, 9002)])
    insert_bound(bound)
    insert_bound(
        bind_rows(
            SubmissionRevision.__table__,
            [
                {
                    "submission_id": 9002,
                    "number": 1,
                    "submitted_at": at,
                    "snapshot": json.dumps(snapshot),
                }
            ],
            json_text=("snapshot",),
        )
    )
    assert "lock_version" in bound.names  # a default of the model, not given

    def stored(table, key: str, value: int, skip: set[str]) -> dict:
        found = connection.execute(select(table).where(table.c[key] == value)).one()
        return {k: v for k, v in found._mapping.items() if k not in skip}

    skip = {"id", "organisation_id", "receipt_number", "created_at", "updated_at"}
    assert stored(Submission.__table__, "id", 9002, skip) == stored(
        Submission.__table__, "id", 9001, skip
    )
    skip = {"id", "submission_id", "created_at", "updated_at"}
    table = SubmissionRevision.__table__
    assert stored(table, "submission_id", 9002, skip) == stored(table, "submission_id", 9001, skip)
    # The raw text too: what another reader (or a dump) sees.
    columns = "status, channel, on_behalf_kind, publishable, received_at, lock_version"
    raw = [
        connection.execute(
            text(f"SELECT {columns} FROM submissions WHERE id = :id"), {"id": number}
        ).one()
        for number in (9001, 9002)
    ]
    assert raw[0] == raw[1]
