"""The submission operations, called the way the views and the demo loader call them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, text, update

from consult_app.accounts.models import OrgCategory, RegionalGroup, Role
from consult_app.consultations.models import PublicationMode
from consult_app.core.audit import AuditEntry, verify_chain
from consult_app.core.errors import Conflict, NotAllowed, UserError
from consult_app.core.models import utcnow
from consult_app.extensions import db
from consult_app.submissions import attachments as attachment_ops
from consult_app.submissions import commenting, editing, submitting
from consult_app.submissions import operations as ops
from consult_app.submissions.models import (
    Comment,
    CommentKind,
    ModerationStatus,
    OnBehalfKind,
    Position,
    Submission,
    SubmissionRevision,
    SubmissionStatus,
)
from consult_app.texts.models import Provision
from tests.conftest import make_consultation, make_org, make_user
from tests.submissions.conftest import PDF_BYTES, count_submissions


def fields(body: str = "We support this article.", **kwargs) -> commenting.CommentFields:
    return commenting.CommentFields(
        position=kwargs.pop("position", Position.SUPPORT), body=body, **kwargs
    )


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


# --- starting --------------------------------------------------------------------------


def test_start_twice_gives_the_same_submission(world):
    first = ops.start_submission(world.author, world.consultation)
    second = ops.start_submission(world.colleague, world.consultation)
    assert first.id == second.id
    assert count_submissions() == 1
    assert first.status is SubmissionStatus.DRAFT
    assert actions().count("start_submission") == 1


def test_start_race_loads_the_row_created_meanwhile(world, monkeypatch):
    """Two requests both find nothing, both insert: the constraint lets one win."""
    winner = ops.start_submission(world.author, world.consultation)
    db.session.commit()
    real_find = ops.find_submission
    calls = {"n": 0}

    def find_nothing_first(consultation, organisation):
        calls["n"] += 1
        return None if calls["n"] == 1 else real_find(consultation, organisation)

    monkeypatch.setattr(ops, "find_submission", find_nothing_first)
    loser = ops.start_submission(world.colleague, world.consultation)
    assert loser.id == winner.id
    assert calls["n"] == 2
    db.session.commit()  # the session is still usable after the failed INSERT
    assert count_submissions() == 1


@pytest.mark.parametrize(
    "case",
    ["closed", "upcoming", "secretariat", "not_eligible", "rejected_org"],
)
def test_start_refused_with_a_reason(case):
    org = make_org(category=OrgCategory.NGO)
    user = make_user(organisation=org)
    kwargs: dict = {}
    if case == "closed":
        kwargs = {"opens": timedelta(days=-10), "closes": timedelta(days=-1)}
    elif case == "upcoming":
        kwargs = {"opens": timedelta(days=1), "closes": timedelta(days=10)}
    elif case == "not_eligible":
        kwargs = {"categories": [OrgCategory.MEMBER_STATE]}
    consultation = make_consultation(**kwargs)
    if case == "secretariat":
        user = make_user(role=Role.SECRETARIAT)
    if case == "rejected_org":
        from consult_app.accounts.models import VerificationStatus

        org.verification_status = VerificationStatus.REJECTED
    with pytest.raises(NotAllowed) as info:
        ops.start_submission(user, consultation)
    expected = {
        "closed": "deadline has passed",
        "upcoming": "not open yet",
        "secretariat": "Only contributors",
        "not_eligible": "not invited",
        "rejected_org": "not accepted",
    }[case]
    assert expected in info.value.message
    assert count_submissions() == 0


# --- comments --------------------------------------------------------------------------


def test_add_update_withdraw_comment(world):
    submission = ops.start_submission(world.author, world.consultation)
    article = world.articles[0]
    paragraph = article.paragraphs[0]
    comment = commenting.add_comment(
        world.author,
        submission,
        article,
        fields(
            "Add a reference to future generations.",
            position=Position.SUPPORT_WITH_AMENDMENTS,
            kind=CommentKind.DRAFTING,
            paragraph=paragraph,
            quoted_text="  the   thing ",
            proposed_wording="Everyone has the right to the thing, now and for the future.",
            rationale="Intergenerational equity.",
        ),
    )
    assert comment.id is not None
    assert comment.quoted_text == "the thing"
    assert comment.paragraph_id == paragraph.id
    assert comment.moderation_status is ModerationStatus.PENDING
    assert comment.is_public is False
    version = comment.lock_version
    commenting.update_comment(
        world.colleague, comment, fields("Better wording.", position=Position.RESERVATION),
        expected_lock_version=version,
    )
    assert comment.body == "Better wording."
    assert comment.position is Position.RESERVATION
    assert comment.paragraph_id is None
    commenting.withdraw_comment(world.author, comment)
    assert comment.withdrawn_at is not None
    assert db.session.get(Comment, comment.id) is not None  # soft: the row stays
    assert submission.active_comments == []
    assert actions()[-3:] == ["add_comment", "update_comment", "withdraw_comment"]
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "update_comment")
    ).one()
    assert entry.before["body"] == "Add a reference to future generations."
    assert entry.after["body"] == "Better wording."
    assert verify_chain() == []


def test_stale_comment_edit_is_a_conflict(world):
    submission = ops.start_submission(world.author, world.consultation)
    comment = commenting.add_comment(world.author, submission, world.articles[0], fields("First."))
    old = comment.lock_version
    commenting.update_comment(world.author, comment, fields("Second."), expected_lock_version=old)
    with pytest.raises(Conflict):
        commenting.update_comment(
            world.author, comment, fields("Third."), expected_lock_version=old
        )
    assert comment.body == "Second."


def test_unchanged_prefilled_wording_is_not_an_amendment(world):
    submission = ops.start_submission(world.author, world.consultation)
    article = world.articles[1]
    comment = commenting.add_comment(
        world.author, submission, article,
        fields(proposed_wording=article.plain_text().replace(" ", "  ")),
    )
    assert comment.proposed_wording is None
    paragraph = article.paragraphs[1]
    # Prefilled with the whole provision, then a paragraph chosen: still no amendment.
    comment2 = commenting.add_comment(
        world.author, submission, article,
        fields("On paragraph 2.", paragraph=paragraph, proposed_wording=article.plain_text()),
    )
    assert comment2.proposed_wording is None


def test_same_comment_twice_is_kept_once(world):
    submission = ops.start_submission(world.author, world.consultation)
    first = commenting.add_comment(world.author, submission, world.articles[0], fields())
    entries = db.session.scalar(select(func.count()).select_from(AuditEntry))
    second = commenting.add_comment(world.author, submission, world.articles[0], fields())
    assert first.id == second.id
    assert len(submission.active_comments) == 1
    # Nothing was added: no entry says so (PostgreSQL's one statement appends it only with
    # the comment).
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == entries
    assert verify_chain() == []


def test_an_added_comment_is_as_stored_and_its_entry_chains(world):
    """The comment add_comment returns says what its row says, column by column, and its
    audit entry names it and keeps the chain whole (PostgreSQL writes it all in one statement
    once the submission is locked: the same comment looked for, the submission's version
    counted up, the comment inserted and its entry appended)."""
    submission = ops.start_submission(world.author, world.consultation)
    article = world.articles[1]
    db.session.commit()
    locked = editing.load_submission_for_update(submission.id)
    version = locked.lock_version
    given = fields("On paragraph 2.", paragraph=article.paragraphs[1], rationale="Because.")
    article.plain_text(), locked.consultation.version_id, world.author.organisation.name
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        comment = commenting.add_comment(world.author, locked, article, given)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    if db.engine.dialect.name == "postgresql":
        assert len(statements) == 1, statements
    table = Comment.__table__
    stored = db.session.execute(select(table).where(table.c.id == comment.id)).one()._mapping
    assert {c.key: getattr(comment, c.key) for c in table.columns} == dict(stored)
    assert comment in db.session and not db.session.is_modified(comment)
    assert (comment.paragraph_id, comment.rationale, comment.lock_version) == (
        article.paragraphs[1].id, "Because.", 1,
    )
    assert locked.lock_version == version + 1
    assert db.session.scalar(
        select(Submission.__table__.c.lock_version).where(Submission.id == submission.id)
    ) == version + 1
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.object_type, entry.object_id) == (
        "add_comment", "Comment", comment.id,
    )
    assert entry.after == editing.comment_state(comment)
    assert entry.hash == entry.compute_hash()
    db.session.commit()
    assert verify_chain() == []


def test_the_same_comment_is_looked_for_among_the_submission_s_on_that_provision(world):
    """The look-up for the same comment posted again reads the index on (consultation,
    provision, submission): not every comment of the submission, which grows with each post
    (the plan of the statement add_comment sends, asked of the engine; PostgreSQL given the
    table's statistics and told not to scan the whole of a test's small table)."""
    submission = ops.start_submission(world.author, world.consultation)
    others = ops.start_submission(world.outsider, world.consultation)
    for n in range(30):  # the submission's on another provision, others' on this one
        commenting.add_comment(world.author, submission, world.articles[0], fields(f"On 1: {n}."))
        commenting.add_comment(world.outsider, others, world.articles[1], fields(f"On 2: {n}."))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE comments"))
    locked = editing.load_submission_for_update(submission.id)
    sent: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        commenting.add_comment(world.author, locked, world.articles[1], fields("On 2."))
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    statement, parameters = next(
        (s, p) for s, p in sent if "FROM comments" in s and "withdrawn_at IS NULL" in s
    )
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters)
        plan = "\n".join(r[0] for r in rows)
        scan = plan.split("CTE touched")[0]
        assert "Index Cond" in scan and "provision_id" in scan, plan
        assert "submission_id" in scan.split("Index Cond")[1].split("\n")[0], plan
    else:
        plan = " ".join(
            str(r[-1]) for r in connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, parameters
            )
        )
        assert "ix_comments_figures" in plan and "submission_id=?" in plan, plan


def test_same_words_with_another_optional_part_are_another_comment(world):
    """A comment repeats another only when every part matches, an empty part included."""
    submission = ops.start_submission(world.author, world.consultation)
    article = world.articles[0]
    plain = commenting.add_comment(world.author, submission, article, fields("Same words."))
    reasoned = commenting.add_comment(
        world.author, submission, article, fields("Same words.", rationale="Because.")
    )
    on_paragraph = commenting.add_comment(
        world.author, submission, article,
        fields("Same words.", paragraph=article.paragraphs[0]),
    )
    again = commenting.add_comment(
        world.author, submission, article, fields("Same words.", rationale="Because.")
    )
    assert len({plain.id, reasoned.id, on_paragraph.id}) == 3
    assert again.id == reasoned.id
    assert plain.rationale is None and reasoned.rationale == "Because."
    commenting.withdraw_comment(world.author, plain)
    # A withdrawn comment does not count: the same words may be posted again.
    renewed = commenting.add_comment(world.author, submission, article, fields("Same words."))
    assert renewed.id not in {plain.id, reasoned.id, on_paragraph.id}
    assert sorted(c.id for c in submission.active_comments) == sorted(
        [reasoned.id, on_paragraph.id, renewed.id]
    )
    assert actions().count("add_comment") == 4
    assert verify_chain() == []


def test_adding_a_comment_records_the_change_on_the_submission(world):
    submission = ops.start_submission(world.author, world.consultation)
    db.session.commit()
    version = submission.lock_version
    comment = commenting.add_comment(world.author, submission, world.articles[0], fields())
    assert submission.lock_version == version + 1
    assert comment.consultation_id == world.consultation.id
    assert comment.created_by_id == world.author.id
    assert comment.submission is submission
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Submission, submission.id)
    assert stored.lock_version == version + 1
    assert [c.body for c in stored.comments] == ["We support this article."]
    # Once submitted, a new comment marks the submission as changed since.
    submitting.submit_submission(world.author, stored, stored.lock_version)
    assert stored.has_unsubmitted_changes is False
    commenting.add_comment(world.author, stored, world.articles[1], fields("Later."))
    assert stored.has_unsubmitted_changes is True
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).has_unsubmitted_changes is True


def test_a_comment_on_a_stale_submission_is_a_conflict(world):
    """Someone else changed the submission row since it was read: nothing is saved."""
    submission = ops.start_submission(world.author, world.consultation)
    db.session.commit()
    locked = editing.load_submission_for_update(submission.id)
    assert locked is submission
    # What another process would have done meanwhile (the row lock prevents it on
    # PostgreSQL; here the same transaction plays the other process).
    db.session.execute(
        update(Submission.__table__)
        .where(Submission.__table__.c.id == submission.id)
        .values(lock_version=Submission.__table__.c.lock_version + 1)
    )
    with pytest.raises(Conflict):
        commenting.add_comment(world.author, locked, world.articles[0], fields())
    db.session.rollback()
    assert db.session.scalars(select(Comment)).all() == []


def test_a_submission_locked_in_the_transaction_is_not_read_again(world):
    submission_id = ops.start_submission(world.author, world.consultation).id
    db.session.commit()
    reads: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM submissions" in statement:
            reads.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        locked = editing.load_submission_for_update(submission_id)
        commenting.add_comment(world.author, locked, world.articles[0], fields("One."))
        commenting.add_comment(world.author, locked, world.articles[1], fields("Two."))
        assert len(reads) == 1
        db.session.commit()
        # A new transaction: the lock ended with the last one, the row is locked again.
        commenting.add_comment(world.author, locked, world.articles[2], fields("Three."))
        assert len(reads) == 2
        db.session.rollback()
        commenting.add_comment(world.author, locked, world.articles[2], fields("Three."))
        assert len(reads) == 3
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    if db.engine.dialect.name == "postgresql":
        assert all("FOR UPDATE" in statement for statement in reads)
    db.session.commit()
    assert [c.body for c in locked.active_comments] == ["One.", "Two.", "Three."]


def test_colleagues_adding_comments_at_the_same_moment_lose_nothing(app, world):
    """Concurrent posts to one submission: each is saved once, or refused as a conflict
    (SQLite, where the row is not locked); none is lost or saved twice."""
    import threading

    from consult_app.accounts.models import User

    submission = ops.start_submission(world.author, world.consultation)
    db.session.commit()
    ids = (submission.id, world.author.id, world.colleague.id, world.articles[0].id)
    version = submission.lock_version
    barrier = threading.Barrier(4)
    saved: list[int] = []
    conflicts: list[str] = []
    lock = threading.Lock()

    def worker(index: int) -> None:
        with app.app_context():
            try:
                user = db.session.get(User, ids[1 + index % 2])
                provision = db.session.get(Provision, ids[3])
                barrier.wait(timeout=30)
                sub = editing.load_submission_for_update(ids[0])
                comment = commenting.add_comment(user, sub, provision, fields(f"Comment {index}."))
                db.session.commit()
                with lock:
                    saved.append(comment.id)
            except Conflict:
                db.session.rollback()
                with lock:
                    conflicts.append(f"worker {index}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(saved) + len(conflicts) == 4
    if db.engine.dialect.name == "postgresql":
        assert conflicts == []  # the row lock runs them one after the other
    db.session.expire_all()
    rows = db.session.scalars(select(Comment).where(Comment.submission_id == ids[0])).all()
    assert sorted(c.id for c in rows) == sorted(saved)
    assert len({c.body for c in rows}) == len(rows)
    stored = db.session.get(Submission, ids[0])
    assert stored.lock_version == version + len(saved)
    assert actions().count("add_comment") == len(saved)
    assert verify_chain() == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"body": "   "}, "Write your comment"),
        ({"quoted_text": "words that are not there"}, "do not occur"),
        ({"body": "x" * (editing.MAX_BODY + 1)}, "too long"),
    ],
)
def test_invalid_comment_refused_and_nothing_saved(world, kwargs, message):
    submission = ops.start_submission(world.author, world.consultation)
    body = kwargs.pop("body", "A comment.")
    with pytest.raises(UserError) as info:
        commenting.add_comment(world.author, submission, world.articles[0], fields(body, **kwargs))
    assert message in info.value.message
    assert db.session.scalars(select(Comment)).all() == []


def test_paragraph_or_provision_of_another_text_refused(world):
    submission = ops.start_submission(world.author, world.consultation)
    other = make_consultation()
    foreign_article = next(p for p in other.version.provisions if p.paragraphs)
    with pytest.raises(UserError):
        commenting.add_comment(world.author, submission, foreign_article, fields())
    with pytest.raises(UserError):
        commenting.add_comment(
            world.author, submission, world.articles[0],
            fields(paragraph=world.articles[1].paragraphs[0]),
        )
    assert db.session.scalars(select(Comment)).all() == []


def test_other_organisation_and_secretariat_cannot_edit(world):
    submission = ops.start_submission(world.author, world.consultation)
    for user in (world.outsider, world.secretariat):
        with pytest.raises(NotAllowed):
            commenting.add_comment(user, submission, world.articles[0], fields())
    assert db.session.scalars(select(Comment)).all() == []


# --- details ---------------------------------------------------------------------------


def test_details_regional_group_defaults_to_own_group(world):
    submission = ops.start_submission(world.author, world.consultation)
    cosigner = make_org("Co-signing State", category=OrgCategory.MEMBER_STATE,
                        group=RegionalGroup.GRULAC)
    ops.update_submission_details(
        world.author, submission,
        ops.SubmissionDetails(
            general_remarks="General remarks.",
            on_behalf_kind=OnBehalfKind.REGIONAL_GROUP,
            publishable=False,
            cosigner_ids=[cosigner.id],
        ),
        expected_lock_version=submission.lock_version,
    )
    assert submission.on_behalf_group is RegionalGroup.GRULAC
    assert submission.publishable is False
    assert [c.organisation_id for c in submission.cosigners] == [cosigner.id]
    ops.update_submission_details(world.author, submission, ops.SubmissionDetails())
    assert submission.cosigners == []
    assert submission.on_behalf_kind is OnBehalfKind.NONE
    assert submission.on_behalf_group is None


@pytest.mark.parametrize(
    ("details", "message"),
    [
        ({"on_behalf_kind": OnBehalfKind.COALITION}, "name of the group"),
        ({"cosigner_ids": [999_999]}, "does not exist"),
        ({"cosigner_ids": ["own"]}, "own organisation"),
    ],
)
def test_invalid_details_refused(world, details, message):
    submission = ops.start_submission(world.author, world.consultation)
    if details.get("cosigner_ids") == ["own"]:
        details["cosigner_ids"] = [world.org.id]
    with pytest.raises(UserError) as info:
        ops.update_submission_details(world.author, submission, ops.SubmissionDetails(**details))
    assert message in info.value.message
    assert submission.cosigners == []


def test_regional_group_only_for_states(world):
    user = make_user(organisation=world.other_org)
    submission = ops.start_submission(user, world.consultation)
    with pytest.raises(UserError) as info:
        ops.update_submission_details(
            user, submission, ops.SubmissionDetails(on_behalf_kind=OnBehalfKind.REGIONAL_GROUP,
                                                    on_behalf_group=RegionalGroup.WEOG)
        )
    assert "Only a State" in info.value.message
    ops.update_submission_details(
        user, submission,
        ops.SubmissionDetails(on_behalf_kind=OnBehalfKind.COALITION, on_behalf_name="Coalition X"),
    )
    assert submission.on_behalf_label == "on behalf of Coalition X"


def test_stale_details_form_is_a_conflict(world):
    submission = ops.start_submission(world.author, world.consultation)
    old = submission.lock_version
    commenting.add_comment(world.author, submission, world.articles[0], fields())
    with pytest.raises(Conflict):
        ops.update_submission_details(
            world.author, submission, ops.SubmissionDetails(general_remarks="x"),
            expected_lock_version=old,
        )
    assert submission.general_remarks is None


# --- submitting ------------------------------------------------------------------------


def test_submit_gives_receipt_revision_and_publishes(world):
    submission = ops.start_submission(world.author, world.consultation)
    comment = commenting.add_comment(world.author, submission, world.articles[0], fields())
    result = submitting.submit_submission(world.author, submission, submission.lock_version)
    assert result.revision is not None and result.revision.number == 1
    assert submission.status is SubmissionStatus.SUBMITTED
    assert submission.receipt_number == (
        f"SUB-{world.consultation.id:03d}-{submission.id:06d}"
    )
    assert submission.submitted_at is not None
    assert submission.last_submitted_at == submission.submitted_at
    assert submission.revision_count == 1
    assert submission.has_unsubmitted_changes is False
    snapshot = result.revision.snapshot
    assert snapshot["comments"][0]["body"] == "We support this article."
    assert snapshot["organisation"]["name"] == "Republic of Testland"
    db.session.refresh(comment)
    assert comment.moderation_status is ModerationStatus.PUBLISHED
    assert comment.is_public is True
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "submit_submission")
    ).one()
    assert entry.before["status"] == "draft"
    assert entry.after["status"] == "submitted"


def test_double_submit_gives_one_receipt_and_one_revision(world):
    submission = ops.start_submission(world.author, world.consultation)
    commenting.add_comment(world.author, submission, world.articles[0], fields())
    lock = submission.lock_version
    first = submitting.submit_submission(world.author, submission, lock)
    receipt = submission.receipt_number
    second = submitting.submit_submission(world.author, submission, lock)
    assert first.revision is not None
    assert second.revision is None
    assert submission.receipt_number == receipt
    assert db.session.scalars(select(SubmissionRevision)).all() == [first.revision]
    assert submission.revision_count == 1


def test_revise_and_resubmit_keeps_every_revision(world):
    submission = ops.start_submission(world.author, world.consultation)
    comment = commenting.add_comment(world.author, submission, world.articles[0], fields("First."))
    submitting.submit_submission(world.author, submission, submission.lock_version)
    receipt = submission.receipt_number
    first_at = submission.submitted_at
    commenting.update_comment(world.author, comment, fields("Second."))
    assert submission.has_unsubmitted_changes is True
    db.session.refresh(comment)
    # The changed wording is not public until it is submitted again: the public keeps
    # the wording submitted before.
    assert comment.is_public is True
    assert comment.body == "First."
    assert comment.authored_values()["body"] == "Second."
    result = submitting.submit_submission(world.author, submission, submission.lock_version)
    assert result.revision is not None and result.revision.number == 2
    assert submission.receipt_number == receipt
    assert submission.submitted_at == first_at
    assert submission.has_unsubmitted_changes is False
    revisions = db.session.scalars(
        select(SubmissionRevision).order_by(SubmissionRevision.number)
    ).all()
    assert [r.snapshot["comments"][0]["body"] for r in revisions] == ["First.", "Second."]
    db.session.refresh(comment)
    assert comment.is_public is True
    assert comment.body == "Second."
    assert comment.unsubmitted_edit is None


def test_every_edit_marks_unsubmitted_changes(world):
    submission = ops.start_submission(world.author, world.consultation)
    comment = commenting.add_comment(world.author, submission, world.articles[0], fields())
    submitting.submit_submission(world.author, submission, submission.lock_version)
    edits = [
        lambda: commenting.add_comment(world.author, submission, world.articles[1], fields("New.")),
        lambda: commenting.withdraw_comment(world.author, comment),
        lambda: ops.update_submission_details(
            world.author, submission, ops.SubmissionDetails(general_remarks="Remarks.")
        ),
    ]
    for edit in edits:
        edit()
        assert submission.has_unsubmitted_changes is True
        submitting.submit_submission(world.author, submission, submission.lock_version)
        assert submission.has_unsubmitted_changes is False
    assert submission.revision_count == 4


def test_stale_submit_with_changes_is_a_conflict(world):
    submission = ops.start_submission(world.author, world.consultation)
    commenting.add_comment(world.author, submission, world.articles[0], fields())
    stale = submission.lock_version
    commenting.add_comment(world.author, submission, world.articles[1], fields("Another."))
    with pytest.raises(Conflict) as info:
        submitting.submit_submission(world.author, submission, stale)
    assert "changed" in info.value.message
    assert submission.status is SubmissionStatus.DRAFT


def test_after_review_comments_stay_pending(world):
    consultation = make_consultation(publication_mode=PublicationMode.AFTER_REVIEW)
    submission = ops.start_submission(world.author, consultation)
    article = consultation.version.provisions[-1]
    comment = commenting.add_comment(world.author, submission, article, fields())
    submitting.submit_submission(world.author, submission, submission.lock_version)
    db.session.refresh(comment)
    assert comment.moderation_status is ModerationStatus.PENDING
    assert comment.is_public is False
    # Once the secretariat publishes it, the flag follows.
    comment.moderation_status = ModerationStatus.PUBLISHED
    editing.refresh_public_flags(submission)
    db.session.refresh(comment)
    assert comment.is_public is True


@pytest.mark.parametrize("hide", ["not_publishable", "consultation_private", "withdrawn"])
def test_public_flag_requires_everything(world, hide):
    if hide == "consultation_private":
        world.consultation.publish_submissions = False
    submission = ops.start_submission(world.author, world.consultation)
    comment = commenting.add_comment(world.author, submission, world.articles[0], fields())
    submitting.submit_submission(world.author, submission, submission.lock_version)
    if hide == "not_publishable":
        ops.update_submission_details(
            world.author, submission, ops.SubmissionDetails(publishable=False)
        )
    if hide == "withdrawn":
        commenting.withdraw_comment(world.author, comment)
    db.session.refresh(comment)
    assert comment.is_public is False


# --- the deadline ----------------------------------------------------------------------


def test_after_the_deadline_nothing_changes(world):
    submission = ops.start_submission(world.author, world.consultation)
    comment = commenting.add_comment(world.author, submission, world.articles[0], fields("Before."))
    submitting.submit_submission(world.author, submission, submission.lock_version)
    db.session.commit()
    after = world.consultation.closes_at + timedelta(seconds=1)
    state = (submission.lock_version, comment.lock_version, len(actions()))
    attempts = [
        lambda: ops.start_submission(world.author, world.consultation, now=after),
        lambda: commenting.add_comment(
            world.author, submission, world.articles[1], fields(), now=after
        ),
        lambda: commenting.update_comment(world.author, comment, fields("After."), now=after),
        lambda: commenting.withdraw_comment(world.author, comment, now=after),
        lambda: ops.update_submission_details(
            world.author, submission, ops.SubmissionDetails(general_remarks="Late."), now=after
        ),
        lambda: attachment_ops.add_attachment(
            world.author, submission, "a.pdf", PDF_BYTES, now=after
        ),
        lambda: submitting.submit_submission(world.author, submission, submission.lock_version,
                                      now=after),
    ]
    for attempt in attempts:
        with pytest.raises(NotAllowed) as info:
            attempt()
        assert "deadline has passed" in info.value.message
    db.session.rollback()
    db.session.refresh(submission)
    db.session.refresh(comment)
    assert (submission.lock_version, comment.lock_version, len(actions())) == state
    assert comment.body == "Before."
    assert comment.withdrawn_at is None
    assert submission.general_remarks is None


def test_the_receipt_shows_the_time_the_deadline_was_checked_against(world, monkeypatch):
    """At the closing second, one clock reading decides and is recorded: a submission
    checked a millisecond before the deadline is accepted with that time on its receipt,
    even if the clock has passed the deadline by the time the receipt is written."""
    submission = ops.start_submission(world.author, world.consultation)
    commenting.add_comment(world.author, submission, world.articles[0], fields("Just in time."))
    db.session.commit()
    closes = world.consultation.closes_at
    # One clock for every module that reads it: the first reading a millisecond before the
    # deadline, every later one a second after.
    readings = iter([closes - timedelta(milliseconds=1)])

    def clock():
        return next(readings, closes + timedelta(seconds=1))

    import consult_app.consultations.models as consultation_models

    monkeypatch.setattr(submitting, "utcnow", clock)
    monkeypatch.setattr(consultation_models, "utcnow", clock)
    submitting.submit_submission(world.author, submission, submission.lock_version)
    db.session.commit()
    assert submission.is_submitted
    assert submission.submitted_at == closes - timedelta(milliseconds=1)
    assert submission.revisions[0].submitted_at == submission.submitted_at


def test_compose_submission_for_scripts(world):
    first, second = world.articles[:2]
    submission = ops.compose_submission(
        world.author,
        world.consultation,
        comments=[(first, fields("One.")), (second, fields("Two."))],
        details=ops.SubmissionDetails(general_remarks="Overall."),
        attachments=[("note.pdf", PDF_BYTES)],
        now=utcnow(),
    )
    assert submission.is_submitted
    assert submission.revision_count == 1
    snapshot = submission.revisions[0].snapshot
    assert [c["body"] for c in snapshot["comments"]] == ["One.", "Two."]
    assert snapshot["general_remarks"] == "Overall."
    assert snapshot["attachments"][0]["display_name"] == "note.pdf"
    assert db.session.scalar(select(Submission.id)) == submission.id


def test_concurrent_double_submit_records_one_revision(app, world):
    """Two requests submit at the same moment: one revision, one receipt, nothing lost."""
    import threading

    from consult_app.accounts.models import User

    submission = ops.start_submission(world.author, world.consultation)
    commenting.add_comment(world.author, submission, world.articles[0], fields())
    db.session.commit()
    ids = (submission.id, world.author.id, submission.lock_version)
    barrier = threading.Barrier(2)
    results: list[object] = []

    def worker() -> None:
        with app.app_context():
            try:
                sub = db.session.get(Submission, ids[0])
                user = db.session.get(User, ids[1])
                barrier.wait(timeout=30)
                result = submitting.submit_submission(user, sub, ids[2])
                db.session.commit()
                results.append("revision" if result.revision else "unchanged")
            except Conflict:
                db.session.rollback()
                results.append("conflict")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) in (["revision", "unchanged"], ["conflict", "revision"])
    if db.engine.dialect.name == "postgresql":
        # The row lock makes the second request see the first one's result.
        assert sorted(results) == ["revision", "unchanged"]
    db.session.expire_all()
    assert len(db.session.scalars(select(SubmissionRevision)).all()) == 1
    assert db.session.get(Submission, ids[0]).revision_count == 1
