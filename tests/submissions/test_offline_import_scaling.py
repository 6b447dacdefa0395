"""A file of many submissions is recorded with a number of SQL statements that does not
grow with its submissions, new ones or new revisions of existing ones: they are recorded
in bulk (issue 12: 200 one-row submissions took 39.5 s, and 20,000 on PostgreSQL more
than 15 minutes). Counted, never timed."""

from __future__ import annotations

from sqlalchemy import event, func, select

from consult_app.core.audit import AuditEntry, verify_chain
from consult_app.extensions import db
from consult_app.submissions.models import Comment, Submission, SubmissionRevision
from consult_app.submissions.offline_import import import_offline_file
from tests.conftest import make_org
from tests.submissions.test_offline_import import csv_bytes


def many_submissions_file(names: list[str], references: int = 1, tag: str = "") -> bytes:
    rows = []
    for n, name in enumerate(names * references):
        rows.append(
            [
                name,
                "letter",
                f"Ref. {tag}{n:05d}",
                "2023-01-20",
                f"Article {1 + n % 3}",
                "",
                "oppose",
                "",
                f"Comment {tag}number {n}.",
                "",
                "",
                "yes",
                "",
            ]
        )
    return csv_bytes(rows)


def statements_of(world, data: bytes) -> int:
    count = 0

    def counted(*args: object) -> None:
        nonlocal count
        count += 1

    engine = db.engine
    event.listen(engine, "before_cursor_execute", counted)
    try:
        import_offline_file(world.secretariat, world.consultation, data)
        db.session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    return count


def test_statements_grow_linearly_with_the_submissions_of_a_file(world):
    n = 6
    first = [make_org(f"First {i}").name for i in range(n)]
    second = [make_org(f"Second {i}").name for i in range(2 * n)]
    third = [make_org(f"Third {i}").name for i in range(4 * n)]
    db.session.commit()

    small = statements_of(world, many_submissions_file(first))
    double = statements_of(world, many_submissions_file(second))
    quadruple = statements_of(world, many_submissions_file(third))
    # The same organisations again, once and then with two references each: new revisions
    # of their submissions.
    once = statements_of(world, many_submissions_file(third, tag="once "))
    twice = statements_of(world, many_submissions_file(third, references=2, tag="twice "))

    # Recorded in bulk: the same statements whatever the number of submissions, new ones
    # or new revisions of existing ones.
    assert double == small
    assert quadruple == small
    assert twice == once
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 7 * n
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 19 * n
    assert db.session.scalar(select(func.count()).select_from(SubmissionRevision)) == 19 * n
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "record_offline_submission")
        )
        == 19 * n
    )
    assert verify_chain() == []
