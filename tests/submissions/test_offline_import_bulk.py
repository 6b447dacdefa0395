"""The submissions a file creates are recorded in bulk (issue 12): the same rows, receipt
numbers, revisions, public flags, counts and audit entries (in the same order) as when
every group of rows goes through record_offline_submission, with a few statements, and
each comment of the file checked once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, inspect, select

from consult_app.consultations.models import PublicationMode
from consult_app.core.audit import AuditEntry, verify_chain
from consult_app.extensions import db
from consult_app.submissions import commenting, offline_import
from consult_app.submissions.models import (
    Comment,
    ImportStage,
    Submission,
    SubmissionRevision,
)
from consult_app.submissions.offline_import import import_offline_file
from consult_app.submissions.submitting import receipt_number_for
from consult_app.summaries.counts import compare
from tests.conftest import make_org
from tests.submissions.test_offline_import import MEETING, csv_bytes

NOW = datetime.now(UTC).replace(microsecond=0)  # one moment for both imports compared


def rows_for(names: list[str], tag: str) -> list[list[str]]:
    """Groups of rows covering what a revision in a file can do: new submissions, further
    groups (a revision), a comment already recorded (left out), a group that changes
    nothing (no revision), one that only asks not to publish, one that names a
    coalition, an amendment of a paragraph, an oral statement."""
    a, b, c = names

    def row(org, channel, detail, provision, paragraph, position, body, **more) -> list[str]:
        return [
            org,
            channel,
            detail,
            more.get("received", "2023-01-20"),
            provision,
            paragraph,
            position,
            more.get("kind", ""),
            body,
            more.get("wording", ""),
            more.get("rationale", ""),
            more.get("publishable", "yes"),
            more.get("on_behalf", ""),
        ]

    return [
        row(a, "letter", "Ref. 1", "Article 1", "", "support", f"{tag} first."),
        row(a, "letter", "Ref. 1", "Article 2", "1", "support_with_amendments",
            f"{tag} amend.", wording="Everyone and all peoples have the right.",
            rationale="Clarity."),
        row(b, "oral", MEETING, "PP1", "", "oppose", f"{tag} oral.", publishable="no"),
        row(a, "letter", "Ref. 2", "Article 1", "", "support", f"{tag} first."),
        row(a, "letter", "Ref. 2", "Article 3", "", "reservation", f"{tag} third."),
        row(c, "email", "Mail 7", "Article 2", "", "oppose", f"{tag} mail.", kind="drafting"),
        row(b, "letter", "Ref. 3", "Article 1", "", "support", f"{tag} later.",
            on_behalf="Coalition for Testing"),
        row(a, "letter", "Ref. 4", "Article 3", "", "reservation", f"{tag} third."),
        row(c, "email", "Mail 8", "Article 2", "", "oppose", f"{tag} mail.", kind="drafting",
            publishable="no"),
        row(a, "note_verbale", "NV 1", "Article 1", "", "no_position", f"{tag} last.",
            received="2023-02-01T10:00+01:00"),
    ]


def normalised(consultation_id: int, names: list[str], tag: str) -> dict[str, Any]:
    """What the import recorded for the organisations ``names``, ids replaced by ranks."""
    db.session.expire_all()
    submissions = db.session.scalars(
        select(Submission)
        .join(Submission.organisation)
        .where(Submission.consultation_id == consultation_id)
        .order_by(Submission.id)
    ).all()
    submissions = [s for s in submissions if s.organisation.name in names]
    sub_rank = {s.id: n for n, s in enumerate(submissions)}
    comments = db.session.scalars(
        select(Comment).where(Comment.submission_id.in_(sub_rank)).order_by(Comment.id)
    ).all()
    com_rank = {c.id: n for n, c in enumerate(comments)}
    receipts = {s.receipt_number: f"receipt {sub_rank[s.id]}" for s in submissions}
    for submission in submissions:
        assert submission.receipt_number == receipt_number_for(submission)

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, str):
            return receipts.get(value, value.replace(tag, "TAG"))
        return value

    def columns(obj: Any, skip: set[str]) -> dict[str, Any]:
        mapper = inspect(type(obj))
        return {
            c.key: getattr(obj, c.key)
            for c in mapper.column_attrs
            if c.key not in {"id", "created_at", "updated_at", *skip}
        }

    def snapshot(value: dict[str, Any]) -> dict[str, Any]:
        return {
            **plain(value),
            "organisation": names.index(value["organisation"]["name"]),
            "comments": [
                {**plain(c), "id": com_rank[c["id"]]} for c in value["comments"]
            ],
        }

    revisions = db.session.scalars(
        select(SubmissionRevision)
        .where(SubmissionRevision.submission_id.in_(sub_rank))
        .order_by(SubmissionRevision.id)
    ).all()
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    audit = []
    for entry in entries:
        if entry.object_type == "Submission" and entry.object_id in sub_rank:
            rank = sub_rank[entry.object_id]
        elif entry.object_type == "Comment" and entry.object_id in com_rank:
            rank = com_rank[entry.object_id]
        else:
            continue
        audit.append(
            (entry.action, entry.object_type, rank, plain(entry.before), plain(entry.after))
        )
    return {
        "submissions": [
            {
                **plain(columns(s, {"organisation_id", "receipt_number"})),
                "organisation": names.index(s.organisation.name),
                "receipt": receipts[s.receipt_number],
            }
            for s in submissions
        ],
        "comments": [
            {**plain(columns(c, {"submission_id"})), "submission": sub_rank[c.submission_id]}
            for c in comments
        ],
        "revisions": [
            {
                **columns(r, {"submission_id", "snapshot"}),
                "submission": sub_rank[r.submission_id],
                "snapshot": snapshot(r.snapshot),
            }
            for r in revisions
        ],
        "audit": audit,
    }


def import_file(world, names: list[str], tag: str, *, bulk: bool, monkeypatch) -> list:
    monkeypatch.setattr(offline_import, "BULK", bulk)
    result = import_offline_file(
        world.secretariat, world.consultation, csv_bytes(rows_for(names, tag)), now=NOW
    )
    db.session.commit()
    return [
        (s.organisation.replace(tag, "TAG"), s.created, s.revision, s.comments)
        for s in result.submissions
    ]


def record_before(world, names: list[str]) -> None:
    """A submission of each organisation before the file (a letter co-signed by one)."""
    from consult_app.accounts.models import Organisation
    from consult_app.submissions.commenting import CommentFields
    from consult_app.submissions.models import Channel, Position
    from consult_app.submissions.offline import record_offline_submission

    for n, name in enumerate(names):
        organisation = db.session.scalars(
            select(Organisation).where(Organisation.name == name)
        ).one()
        record_offline_submission(
            world.secretariat,
            world.consultation,
            organisation,
            channel=Channel.LETTER,
            channel_detail=f"Earlier {n}",
            received_at=datetime(2023, 1, 10, tzinfo=UTC),
            comments=[(world.articles[0], CommentFields(Position.SUPPORT, f"Earlier {n}."))],
            publishable=n != 1,
            cosigner_ids=[world.other_org.id] if n == 0 else [],
            now=NOW,
        )
    db.session.commit()


@pytest.mark.parametrize("before_the_file", [False, True], ids=["new", "existing"])
@pytest.mark.parametrize("mode", list(PublicationMode))
def test_a_file_recorded_in_bulk_gives_what_recording_group_by_group_gives(
    world, monkeypatch, mode, before_the_file
):
    world.consultation.publication_mode = mode
    one_by_one = [make_org(f"One by one {n}").name for n in range(3)]
    in_bulk = [make_org(f"In bulk {n}").name for n in range(3)]
    db.session.commit()
    if before_the_file:  # every group of the file is then a revision of a submission
        record_before(world, one_by_one)
        record_before(world, in_bulk)

    before = import_file(world, one_by_one, "One by one", bulk=False, monkeypatch=monkeypatch)
    after = import_file(world, in_bulk, "In bulk", bulk=True, monkeypatch=monkeypatch)

    # Same outcomes, group by group: created, revision (None: nothing new), comments.
    assert after == before
    if not before_the_file:
        assert [(created, revision, count) for _o, created, revision, count in after] == [
            (True, 1, 2), (True, 1, 1), (False, 2, 1), (True, 1, 1), (False, 2, 1),
            (False, None, 0), (False, 2, 0), (False, 3, 1),
        ]
    else:
        assert [(created, revision, count) for _o, created, revision, count in after] == [
            (False, 2, 2), (False, 2, 1), (False, 3, 1), (False, 2, 1), (False, 3, 1),
            (False, None, 0), (False, 3, 0), (False, 4, 1),
        ]
    expected = normalised(world.consultation.id, one_by_one, "One by one")
    found = normalised(world.consultation.id, in_bulk, "In bulk")
    assert found["submissions"] == expected["submissions"]
    assert found["comments"] == expected["comments"]
    assert found["revisions"] == expected["revisions"]
    assert found["audit"] == expected["audit"]
    assert verify_chain() == []
    assert compare(world.consultation.id) == []  # the counts kept by the triggers


def test_explicit_rows_of_a_bulk_recorded_file(world):
    names = [make_org(f"Explicit {n}").name for n in range(3)]
    db.session.commit()
    result = import_offline_file(
        world.secretariat, world.consultation, csv_bytes(rows_for(names, "X")), now=NOW
    )
    db.session.commit()
    submissions = {
        s.organisation.name: s for s in db.session.scalars(select(Submission))
    }
    a, b, c = (submissions[name] for name in names)
    # Receipt numbers by the ids, taken in the order of the organisations' first rows.
    assert [a.id, b.id, c.id] == sorted([a.id, b.id, c.id])
    assert [s.receipt_number for s in result.submissions] == [
        a.receipt_number, b.receipt_number, a.receipt_number, c.receipt_number,
        b.receipt_number, a.receipt_number, c.receipt_number, a.receipt_number,
    ]
    # a: created (2 comments), +1 (the repeated comment left out), nothing new, +1.
    assert (a.revision_count, a.lock_version, a.publishable) == (3, 4, True)
    assert a.received_at == datetime(2023, 1, 19, 23, 0, tzinfo=UTC)
    assert a.submitted_at == a.received_at and a.last_submitted_at == NOW
    assert (b.revision_count, b.lock_version, b.on_behalf_name, b.publishable) == (
        2, 4, "Coalition for Testing", False
    )
    # c: asked not to be published by its second group (a revision without comments).
    assert (c.revision_count, c.lock_version, c.publishable) == (2, 4, False)
    comments = db.session.scalars(select(Comment).order_by(Comment.id)).all()
    assert [(cm.submission_id, cm.body) for cm in comments] == [
        (a.id, "X first."), (a.id, "X amend."), (b.id, "X oral."), (a.id, "X third."),
        (c.id, "X mail."), (b.id, "X later."), (a.id, "X last."),
    ]
    assert [cm.is_public for cm in comments] == [True, True, False, True, False, False, True]
    snapshot = a.revisions[-1].snapshot
    assert [cm["body"] for cm in snapshot["comments"]] == [
        "X first.", "X amend.", "X third.", "X last."
    ]
    assert snapshot["comments"][1]["paragraph_label"] == "1."
    assert snapshot["received"]["channel"] == "note_verbale"
    assert [r.number for r in a.revisions] == [1, 2, 3]
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.object_id) for e in entries] == [
        ("add_comment", comments[0].id), ("add_comment", comments[1].id),
        ("record_offline_submission", a.id),
        ("add_comment", comments[2].id), ("record_offline_submission", b.id),
        ("add_comment", comments[3].id), ("record_offline_submission", a.id),
        ("add_comment", comments[4].id), ("record_offline_submission", c.id),
        ("add_comment", comments[5].id), ("record_offline_submission", b.id),
        ("record_offline_submission", c.id),
        ("add_comment", comments[6].id), ("record_offline_submission", a.id),
    ]
    assert entries[2].before is None and entries[2].after["revision"] == 1
    assert entries[6].before["revision_count"] == 1
    assert entries[6].after["receipt_number"] == a.receipt_number
    assert verify_chain() == []


def test_a_file_mixing_new_and_existing_submissions(world):
    # world.org has a submission already; Newcomer gets one from the file.
    newcomer = make_org("Newcomer").name
    db.session.commit()
    first = [[world.org.name, "letter", "Ref. A", "2023-01-20", "Article 1", "", "support",
              "", "Before.", "", "", "yes", ""]]
    import_offline_file(world.secretariat, world.consultation, csv_bytes(first), now=NOW)
    db.session.commit()
    rows = [
        [newcomer, "letter", "N1", "2023-01-20", "Article 1", "", "oppose", "", "New one.",
         "", "", "yes", ""],
        [world.org.name, "letter", "Ref. B", "2023-01-20", "Article 2", "", "oppose", "",
         "Existing two.", "", "", "yes", ""],
        [newcomer, "letter", "N2", "2023-01-20", "Article 3", "", "oppose", "", "New two.",
         "", "", "yes", ""],
    ]
    result = import_offline_file(world.secretariat, world.consultation, csv_bytes(rows), now=NOW)
    db.session.commit()
    assert [(s.organisation, s.created, s.revision, s.comments) for s in result.submissions] == [
        (newcomer, True, 1, 1), (world.org.name, False, 2, 1), (newcomer, False, 2, 1),
    ]
    entries = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "record_offline_submission")
        .order_by(AuditEntry.id)
    ).all()
    # In the order of the file's groups, after the first file's entry.
    assert [e.after["receipt_number"] for e in entries[1:]] == [
        s.receipt_number for s in result.submissions
    ]
    assert verify_chain() == []
    assert compare(world.consultation.id) == []


def test_each_comment_of_a_file_is_checked_once(world, monkeypatch):
    calls = 0
    original = commenting.validated_comment

    def counted(*args: Any, **kwargs: Any) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        return original(*args, **kwargs)

    from consult_app.submissions import offline

    monkeypatch.setattr(offline_import, "validated_comment", counted)
    monkeypatch.setattr(offline, "validated_comment", counted)
    # One organisation with a submission already (recorded group by group), new ones.
    first = [[world.org.name, "letter", "Ref. A", "2023-01-20", "Article 1", "", "support",
              "", "Before.", "", "", "yes", ""]]
    import_offline_file(world.secretariat, world.consultation, csv_bytes(first))
    calls = 0
    names = [world.org.name, *(make_org(f"Once {n}").name for n in range(3))]
    again = [world.org.name, "letter", "Ref. B", "2023-01-20", "Article 2", "", "oppose", "",
             "Again.", "", "", "yes", ""]
    rows = [*rows_for(names[1:], "Once"), again]
    import_offline_file(world.secretariat, world.consultation, csv_bytes(rows))
    assert calls == len(rows)


def test_a_file_of_new_submissions_writes_with_a_few_statements(world):
    """What runs once the file is checked (on SQLite, what holds the write lock) does not
    grow with the file's submissions."""

    def writing_statements(count: int, tag: str) -> int:
        names = [make_org(f"{tag} {n}").name for n in range(count)]
        db.session.commit()
        rows = [
            [name, "letter", f"Ref. {tag} {n}", "2023-01-20", f"Article {1 + n % 3}", "",
             "oppose", "", f"Comment {n}.", "", "", "yes", ""]
            for n, name in enumerate(names * 2)
        ]
        statements = 0
        writing = False

        def progress(stage: ImportStage, done: int, total: int) -> None:
            nonlocal writing
            writing = writing or stage is ImportStage.WRITING

        def counted(*args: object) -> None:
            nonlocal statements
            statements += writing

        event.listen(db.engine, "before_cursor_execute", counted)
        try:
            import_offline_file(
                world.secretariat, world.consultation, csv_bytes(rows), progress=progress
            )
            db.session.commit()
        finally:
            event.remove(db.engine, "before_cursor_execute", counted)
        return statements

    small = writing_statements(3, "Small")
    large = writing_statements(30, "Large")
    assert large == small
    # SQLite: 13 more, for the counts kept once for all the comments (the three INSERT
    # triggers read, dropped and made again; three tables recounted, a DELETE and an
    # INSERT each) rather than by a trigger a row.
    assert large <= (25 if db.engine.dialect.name == "sqlite" else 12)


def test_ids_taken_by_another_writer_before_the_write(world, monkeypatch, caplog):
    """Between the preparation and the write, another writer records a submission: the
    rows prepared for the ids it took are made again (SQLite), or never used them (ids
    reserved from the sequences on PostgreSQL)."""
    from consult_app.submissions import offline_bulk
    from consult_app.submissions.commenting import CommentFields
    from consult_app.submissions.models import Position
    from consult_app.submissions.offline import record_offline_submission

    names = [make_org(f"Meanwhile {n}").name for n in range(3)]
    db.session.commit()
    original = offline_bulk.take_write_lock

    def another_writer_first() -> None:
        record_offline_submission(
            world.secretariat,
            world.consultation,
            world.other_org,
            channel=offline_import.Channel.LETTER,
            channel_detail="Meanwhile",
            received_at=datetime(2023, 1, 20, tzinfo=UTC),
            now=NOW,
            comments=[(world.articles[0], CommentFields(Position.SUPPORT, "Meanwhile."))],
        )
        original()

    monkeypatch.setattr(offline_bulk, "take_write_lock", another_writer_first)
    with caplog.at_level("INFO", logger=offline_bulk.__name__):
        result = import_offline_file(
            world.secretariat, world.consultation, csv_bytes(rows_for(names, "M")), now=NOW
        )
    made_again = "made again" in caplog.text
    assert made_again == (db.engine.dialect.name != "postgresql")
    db.session.commit()
    db.session.expire_all()
    assert len(result.submissions) == 8
    submissions = db.session.scalars(select(Submission)).all()
    assert len(submissions) == 4
    for submission in submissions:
        assert submission.receipt_number == receipt_number_for(submission)
        ids = [c.id for c in submission.comments]
        assert submission.revisions[-1].snapshot["comments"] == [
            {**entry, "id": ids[n]}
            for n, entry in enumerate(submission.revisions[-1].snapshot["comments"])
        ]
        assert {e["body"] for e in submission.revisions[-1].snapshot["comments"]} == {
            c.body for c in submission.comments
        }
    bodies = {c.id: c.body for c in db.session.scalars(select(Comment))}
    added = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "add_comment").order_by(AuditEntry.id)
    ).all()
    assert [bodies[e.object_id] for e in added] == [e.after["body"] for e in added]
    assert len(added) == len(bodies) == 8
    assert verify_chain() == []
    assert compare(world.consultation.id) == []


def test_a_submission_changed_before_the_write_rejects_the_file(world, monkeypatch):
    """A submission read for the file and changed before the write (SQLite reads before
    taking the write lock) fails its version check: nothing of the file is kept."""
    from sqlalchemy import update

    from consult_app.submissions import offline_bulk

    names = [make_org(f"Changed {n}").name for n in range(3)]
    db.session.commit()
    record_before(world, names)
    original = offline_bulk.take_write_lock

    def changed_meanwhile() -> None:
        table = Submission.__table__
        db.session.execute(update(table).values(lock_version=table.c.lock_version + 1))
        original()

    monkeypatch.setattr(offline_bulk, "take_write_lock", changed_meanwhile)
    with pytest.raises(offline_import.ImportRejected) as caught:
        import_offline_file(
            world.secretariat, world.consultation, csv_bytes(rows_for(names, "C")), now=NOW
        )
    assert "changed at the same moment" in caught.value.errors[0].message
    db.session.rollback()
    assert len(db.session.scalars(select(SubmissionRevision)).all()) == 3  # the earlier ones


@pytest.mark.parametrize("before_the_file", [False, True], ids=["new", "existing"])
def test_under_the_write_lock_only_the_writes(world, monkeypatch, before_the_file):
    """Once the write lock is taken (SQLite; the same code runs on PostgreSQL), the rows and
    the audit entries are not bound again: they were bound before, and the import runs its
    checks and one statement a table."""
    from consult_app.core import audit
    from consult_app.submissions import offline_bulk

    names = [make_org(f"Locked {n}").name for n in range(3)]
    db.session.commit()
    if before_the_file:
        record_before(world, names)
    locked = False
    bound_under_lock = 0
    statements: list[tuple[str, bool]] = []
    original_lock = offline_bulk.take_write_lock

    def take_write_lock() -> None:
        nonlocal locked
        original_lock()
        locked = True

    def counting(original: Any) -> Any:
        def bind_rows(*args: Any, **kwargs: Any) -> Any:
            nonlocal bound_under_lock
            bound_under_lock += locked
            return original(*args, **kwargs)

        return bind_rows

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:
        if locked:
            statements.append((" ".join(statement.split()[:3]), executemany))

    monkeypatch.setattr(offline_bulk, "take_write_lock", take_write_lock)
    monkeypatch.setattr(offline_bulk, "bind_rows", counting(offline_bulk.bind_rows))
    monkeypatch.setattr(audit, "bind_rows", counting(audit.bind_rows))
    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        import_offline_file(
            world.secretariat, world.consultation, csv_bytes(rows_for(names, "L")), now=NOW
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert bound_under_lock == 0
    inserts = [(s, many) for s, many in statements if s.startswith("INSERT")]
    if db.engine.dialect.name == "sqlite":  # PostgreSQL's COPY goes around the events
        assert (
            inserts
            == [
                ("INSERT INTO submissions", True),
                ("INSERT INTO comments", True),
                # The counts of the comments inserted, once for all of them (the row
                # triggers are suspended meanwhile).
                ("INSERT INTO comment_counts", False),
                ("INSERT INTO amendment_counts", False),
                ("INSERT INTO paragraph_counts", False),
                ("INSERT INTO submission_revisions", True),
                ("INSERT INTO audit_entries", True),
            ][before_the_file:]
        )
    updates = [s for s, _many in statements if s.startswith("UPDATE")]
    assert updates == (
        ["UPDATE submissions SET", "UPDATE comments SET", "UPDATE comments SET"]
        if before_the_file
        else []
    )
    db.session.commit()
    assert verify_chain() == []
    assert compare(world.consultation.id) == []


def test_audit_entries_appended_between_the_preparation_and_the_write(world, monkeypatch, caplog):
    """The file's audit entries are chained before the write lock, after the head read
    then: another writer's entry appended meanwhile makes them chained again, after it."""
    from consult_app.core.audit import log_action
    from consult_app.submissions import offline_bulk

    names = [make_org(f"Chained {n}").name for n in range(3)]
    db.session.commit()
    original = offline_bulk.take_write_lock
    meanwhile: list[AuditEntry] = []

    def another_writer_first() -> None:
        meanwhile.append(log_action(world.secretariat, "meanwhile", world.consultation))
        original()

    monkeypatch.setattr(offline_bulk, "take_write_lock", another_writer_first)
    with caplog.at_level("INFO", logger="consult_app.core.audit"):
        import_offline_file(
            world.secretariat, world.consultation, csv_bytes(rows_for(names, "H")), now=NOW
        )
    assert "chained again" in caplog.text
    db.session.commit()
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    position = [e.id for e in entries].index(meanwhile[0].id)
    assert entries[position + 1].prev_hash == meanwhile[0].hash
    assert entries[position + 1].action == "add_comment"
    assert len(entries) - position - 1 == 14  # the file's entries, after it
    assert verify_chain() == []


def test_audit_entries_chained_before_the_write_when_nothing_came_between(world, caplog):
    names = [make_org(f"Straight {n}").name for n in range(3)]
    db.session.commit()
    with caplog.at_level("INFO", logger="consult_app.core.audit"):
        import_offline_file(
            world.secretariat, world.consultation, csv_bytes(rows_for(names, "S")), now=NOW
        )
    assert "chained again" not in caplog.text
    db.session.commit()
    assert verify_chain() == []
