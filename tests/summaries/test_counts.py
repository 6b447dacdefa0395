"""The counts behind the figures stay exact whatever writes the comments.

The database keeps ``comment_counts``, ``amendment_counts``, ``theme_counts`` and
``paragraph_counts`` up to date with triggers; after every step of a random sequence of
real operations (and of bulk SQL) they must equal a recount from the comments. Runs on
SQLite, and on PostgreSQL when ``TEST_DATABASE_URL`` is set.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import delete, func, insert, select, text, update

from consult_app.accounts.models import Organisation, OrgCategory, RegionalGroup, Role, User
from consult_app.consultations.models import Consultation
from consult_app.core.audit import AuditEntry
from consult_app.extensions import db
from consult_app.review.models import Theme, WithheldReason, comment_themes
from consult_app.review.moderation import publish_comments, return_to_pending, withhold_comments
from consult_app.review.themes import tag_comments, untag_comments
from consult_app.submissions.commenting import (
    CommentFields,
    add_comment,
    update_comment,
    withdraw_comment,
)
from consult_app.submissions.models import (
    Comment,
    CommentKind,
    ModerationStatus,
    Position,
    Submission,
    SubmissionStatus,
)
from consult_app.submissions.operations import start_submission
from consult_app.submissions.submitting import submit_submission
from consult_app.summaries.aggregation import provision_figures
from consult_app.summaries.counts import (
    amendment_counts,
    comment_counts,
    compare,
    paragraph_counts,
    theme_counts,
)
from consult_app.summaries.participation import participation
from consult_app.texts.models import Paragraph, Provision
from tests.conftest import make_consultation, make_org, make_user
from tests.summaries.helpers import provisions, submit

#: Few wordings, so that several comments propose the same one (first ids move).
WORDINGS = (
    "Everyone has the right to international solidarity.",
    "States shall cooperate in good faith.",
    "States shall cooperate in a spirit of solidarity.",
)


def assert_exact(consultation: Consultation | None = None) -> None:
    db.session.flush()
    assert compare(consultation.id if consultation is not None else None) == []


@dataclass
class Scene:
    consultation: Consultation
    provisions: list[Provision]
    authors: list[User]
    secretariat: User
    themes: list[Theme]
    rng: random.Random
    log: list[str] = field(default_factory=list)

    def comments(self, *where: object) -> list[Comment]:
        return list(
            db.session.scalars(
                select(Comment)
                .where(Comment.consultation_id == self.consultation.id, *where)  # type: ignore[arg-type]
                .order_by(Comment.id)
            )
        )

    def reviewable(self) -> list[Comment]:
        return [c for c in self.comments() if c.submission.status is SubmissionStatus.SUBMITTED]

    def editable(self) -> list[Comment]:
        return self.comments(Comment.withdrawn_at.is_(None))

    def pick(self, items: list[Comment], most: int = 3) -> list[Comment]:
        return self.rng.sample(items, self.rng.randint(1, min(most, len(items))))

    def paragraph(self, provision: Provision) -> Paragraph | None:
        """A paragraph of ``provision`` half of the time (when it has any)."""
        if not provision.paragraphs or self.rng.random() < 0.5:
            return None
        return self.rng.choice(provision.paragraphs)

    def paragraph_id(self) -> int | None:
        paragraph = self.paragraph(self.rng.choice(self.provisions))
        return paragraph.id if paragraph is not None else None

    def fields(self, provision: Provision) -> CommentFields:
        position = self.rng.choice(list(Position))
        wording = self.rng.choice((None, *WORDINGS))
        return CommentFields(
            position=position,
            body=f"Comment {self.rng.randrange(10**6)}",
            kind=self.rng.choice(list(CommentKind)),
            paragraph=self.paragraph(provision),
            proposed_wording=wording,
        )


@pytest.fixture
def scene() -> Scene:
    consultation = make_consultation()
    orgs: list[Organisation] = [
        make_org("Kenya", category=OrgCategory.MEMBER_STATE, group=RegionalGroup.AFRICAN),
        make_org("Friends of Solidarity"),
        make_org("Academy", category=OrgCategory.ACADEMIC),
    ]
    themes = [Theme(consultation_id=consultation.id, name=n) for n in ("Gender", "Water")]
    db.session.add_all(themes)
    db.session.flush()
    return Scene(
        consultation=consultation,
        provisions=provisions(consultation),
        authors=[make_user(organisation=o) for o in orgs],
        secretariat=make_user(role=Role.SECRETARIAT),
        themes=themes,
        rng=random.Random(20261129),
    )


# --- the operations of the random walk: each returns False when it does not apply ----------


def op_post(s: Scene) -> bool:
    author = s.rng.choice(s.authors)
    submission = start_submission(author, s.consultation)
    provision = s.rng.choice(s.provisions)
    add_comment(author, submission, provision, s.fields(provision))
    return True


def op_edit(s: Scene) -> bool:
    candidates = s.editable()
    if not candidates:
        return False
    comment = s.rng.choice(candidates)
    author = next(a for a in s.authors if a.organisation_id == comment.submission.organisation_id)
    update_comment(author, comment, s.fields(comment.provision))
    return True


def op_submit(s: Scene) -> bool:
    drafts = [sub for sub in db.session.scalars(select(Submission)) if sub.comments]
    if not drafts:
        return False
    submission = s.rng.choice(drafts)
    author = next(a for a in s.authors if a.organisation_id == submission.organisation_id)
    submit_submission(author, submission, submission.lock_version)
    return True


def op_publish(s: Scene) -> bool:
    candidates = s.reviewable()
    if not candidates:
        return False
    publish_comments(s.secretariat, s.pick(candidates))
    return True


def op_withhold(s: Scene, reason: WithheldReason | None = None) -> bool:
    candidates = s.reviewable()
    if not candidates:
        return False
    reason = reason or s.rng.choice(list(WithheldReason))
    withhold_comments(s.secretariat, s.pick(candidates), reason)
    return True


def op_pending(s: Scene) -> bool:
    candidates = s.reviewable()
    if not candidates:
        return False
    return_to_pending(s.secretariat, s.pick(candidates))
    return True


def op_withdraw(s: Scene) -> bool:
    candidates = s.editable()
    if not candidates:
        return False
    comment = s.rng.choice(candidates)
    author = next(a for a in s.authors if a.organisation_id == comment.submission.organisation_id)
    withdraw_comment(author, comment)
    return True


def op_delete(s: Scene) -> bool:
    candidates = s.comments()
    if not candidates:
        return False
    db.session.delete(s.rng.choice(candidates))  # its theme rows go with it
    return True


def op_move(s: Scene) -> bool:
    candidates = s.comments()
    if not candidates:
        return False
    comment = s.rng.choice(candidates)
    comment.provision_id = s.rng.choice([p.id for p in s.provisions])
    comment.paragraph_id = s.paragraph_id()
    return True


def op_tag(s: Scene) -> bool:
    candidates = s.reviewable()
    if not candidates:
        return False
    tag_comments(s.secretariat, s.pick(candidates, 4), s.rng.choice(s.themes))
    return True


def op_untag(s: Scene) -> bool:
    candidates = s.reviewable()
    if not candidates:
        return False
    untag_comments(s.secretariat, s.pick(candidates, 4), s.rng.choice(s.themes))
    return True


def op_bulk_insert(s: Scene) -> bool:
    submissions = list(db.session.scalars(select(Submission)))
    if not submissions:
        return False
    rows = []
    for _ in range(s.rng.randint(2, 12)):
        status = s.rng.choice(list(ModerationStatus))
        rows.append({
            "submission_id": s.rng.choice(submissions).id,
            "consultation_id": s.consultation.id,
            "provision_id": s.rng.choice(s.provisions).id,
            "paragraph_id": s.paragraph_id(),
            "position": s.rng.choice(list(Position)).value,
            "kind": "general",
            "body": "Imported",
            "proposed_wording": s.rng.choice((None, *WORDINGS)),
            "moderation_status": status.value,
            "withheld_reason": s.rng.choice(list(WithheldReason)).value
            if status is ModerationStatus.WITHHELD else None,
            "withdrawn_at": datetime(2026, 1, 5, tzinfo=UTC) if s.rng.random() < 0.2 else None,
            "is_public": False,
            "lock_version": 1,
        })
    db.session.execute(insert(Comment.__table__), rows)
    return True


def op_bulk_insert_announced(s: Scene) -> bool:
    """:func:`op_bulk_insert` as the bulk import makes it: announced before and after, so
    that SQLite's counts are kept once for all the rows, not by a trigger a row."""
    from consult_app.submissions.signals import (
        comments_bulk_insert_ends,
        comments_bulk_insert_starts,
    )

    last = db.session.scalar(select(func.coalesce(func.max(Comment.id), 0)))
    comments_bulk_insert_starts.send(None)
    inserted = False
    try:
        inserted = op_bulk_insert(s)
    finally:
        newest = db.session.scalar(select(func.max(Comment.id)))
        comments_bulk_insert_ends.send(None, ids=(last + 1, newest) if inserted else None)
    return inserted


def op_bulk_update(s: Scene) -> bool:
    candidates = s.comments()
    if not candidates:
        return False
    ids = [c.id for c in s.pick(candidates, 6)]
    table = Comment.__table__
    reason = s.rng.choice(list(WithheldReason)).value
    values = s.rng.choice([
        {"moderation_status": "withheld", "withheld_reason": reason},
        {"moderation_status": "published", "withheld_reason": None},
        {"withdrawn_at": None},
        {"position": s.rng.choice(list(Position)).value},
        {"proposed_wording": s.rng.choice(WORDINGS)},
        {"provision_id": s.rng.choice(s.provisions).id},
        {"paragraph_id": s.paragraph_id()},
        {"is_public": True},  # changes no count
    ])
    db.session.execute(update(table).where(table.c.id.in_(ids)).values(**values))
    db.session.expire_all()
    return True


def op_bulk_delete(s: Scene) -> bool:
    candidates = s.comments()
    if not candidates:
        return False
    ids = [c.id for c in s.pick(candidates, 5)]
    db.session.execute(delete(comment_themes).where(comment_themes.c.comment_id.in_(ids)))
    db.session.execute(delete(Comment.__table__).where(Comment.__table__.c.id.in_(ids)))
    db.session.expire_all()
    return True


OPERATIONS: list[tuple[Callable[[Scene], bool], int]] = [
    (op_post, 6), (op_edit, 3), (op_submit, 2), (op_publish, 3), (op_withhold, 3),
    (op_pending, 1), (op_withdraw, 2), (op_delete, 1), (op_move, 2), (op_tag, 3),
    (op_untag, 1), (op_bulk_insert, 1), (op_bulk_insert_announced, 1), (op_bulk_update, 2),
    (op_bulk_delete, 1),
]


def test_counts_equal_a_recount_after_every_operation(scene: Scene) -> None:
    s = scene
    for _ in range(6):
        op_post(s)
    assert_exact(s.consultation)
    op_submit(s)
    assert_exact(s.consultation)
    for reason in WithheldReason:  # every reason at least once
        assert op_withhold(s, reason)
        assert_exact(s.consultation)
    assert op_tag(s)
    assert_exact(s.consultation)
    operations, weights = zip(*OPERATIONS, strict=True)
    done: dict[str, int] = {}
    tables = (comment_counts, amendment_counts, theme_counts, paragraph_counts)
    largest = dict.fromkeys((t.name for t in tables), 0)
    for step in range(150):
        operation = s.rng.choices(operations, weights)[0]
        if operation(s):
            done[operation.__name__] = done.get(operation.__name__, 0) + 1
            db.session.flush()
            assert compare(s.consultation.id) == [], f"step {step}: {operation.__name__}"
            for table in tables:
                rows = db.session.scalar(select(func.count()).select_from(table)) or 0
                largest[table.name] = max(largest[table.name], rows)
        if step % 40 == 39:
            db.session.commit()
    # The walk went through every kind of operation, and the tables held real counts.
    assert set(done) == {op.__name__ for op in operations}
    assert min(largest.values()) > 0, largest


def _counted(public_only: bool) -> int:
    """Comments that count, straight from the comments table (the old way)."""
    condition = Comment.moderation_status == ModerationStatus.PUBLISHED
    if not public_only:
        condition = (Comment.moderation_status != ModerationStatus.WITHHELD) | (
            Comment.withheld_reason == WithheldReason.CONFIDENTIAL.value
        )
    return int(db.session.scalar(
        select(func.count()).select_from(Comment)
        .join(Submission, Submission.id == Comment.submission_id)
        .where(Submission.status == SubmissionStatus.SUBMITTED, Comment.withdrawn_at.is_(None),
               condition)
    ) or 0)


def test_bulk_core_insert_is_counted(scene: Scene) -> None:
    """An offline-style bulk insert (one executemany of Core rows) is counted at once."""
    s = scene
    orgs = [make_org(f"Bulk {n}") for n in range(4)]
    submissions = [submit(s.consultation, org, []) for org in orgs]
    statuses = [("published", None), ("pending", None), ("withheld", "confidential"),
                ("withheld", "spam")]
    rows = [
        {
            "submission_id": submissions[n % 4].id,
            "consultation_id": s.consultation.id,
            "provision_id": s.provisions[n % len(s.provisions)].id,
            "position": list(Position)[n % 6].value,
            "kind": "general",
            "body": f"Row {n}",
            "proposed_wording": WORDINGS[n % 3] if n % 5 == 0 else None,
            "moderation_status": statuses[n % 4][0],
            "withheld_reason": statuses[n % 4][1],
            "withdrawn_at": datetime(2026, 1, 5, tzinfo=UTC) if n % 7 == 0 else None,
            "is_public": False,
            "lock_version": 1,
        }
        for n in range(500)
    ]
    db.session.execute(insert(Comment.__table__), rows)
    assert_exact(s.consultation)
    for public_only in (True, False):
        figures = provision_figures(s.consultation, public_only=public_only, details=False)
        assert sum(f.comments for f in figures) == _counted(public_only)
        assert participation(s.consultation, public_only=public_only).comments == (
            _counted(public_only)
        )
    # 500 rows: 1 in 7 withdrawn, then published / pending / confidential count for the
    # secretariat and spam does not.
    assert _counted(False) == sum(
        1 for n in range(500) if n % 7 and statuses[n % 4][1] != "spam"
    )


def _comment_triggers() -> dict[str, str]:
    """SQLite: the triggers on comments, by name, with their SQL."""
    return dict(db.session.connection().exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'comments'"
    ).all())


def test_a_bulk_insert_announced_is_counted_once_for_all_its_rows(scene: Scene) -> None:
    """SQLite: while a bulk insert of comments runs (between the signals the import sends),
    the counts' INSERT triggers are gone; afterwards they are back as they were, and the
    counts of the submissions it added to are exact. An insert that failed gets its
    triggers back and nothing counted. (PostgreSQL's triggers run once a statement: the
    signals change nothing there.)"""
    from consult_app.submissions.signals import (
        comments_bulk_insert_ends,
        comments_bulk_insert_starts,
    )

    s = scene
    for _ in range(4):
        op_post(s)
    op_submit(s)
    assert op_tag(s)
    sqlite = db.engine.dialect.name == "sqlite"
    before = _comment_triggers() if sqlite else {}
    inserts = {"comment_counts_insert", "amendment_counts_insert", "paragraph_counts_insert"}
    assert not sqlite or inserts < set(before)
    for failed in (False, True):
        last = db.session.scalar(select(func.coalesce(func.max(Comment.id), 0)))
        comments_bulk_insert_starts.send(None)
        if sqlite:
            assert set(_comment_triggers()) == set(before) - inserts
        if not failed:
            assert op_bulk_insert(s)
        newest = db.session.scalar(select(func.max(Comment.id)))
        comments_bulk_insert_ends.send(None, ids=None if failed else (last + 1, newest))
        if sqlite:
            assert _comment_triggers() == before
        assert_exact(s.consultation)
    # The triggers made again count the next comment as before.
    assert op_post(s)
    assert_exact(s.consultation)


def test_first_comment_of_a_wording_follows_removals(scene: Scene) -> None:
    s = scene
    org = make_org("Proposer")
    article = s.provisions[2]
    submission = submit(s.consultation, org, [
        (article, Position.SUPPORT_WITH_AMENDMENTS, {"proposed_wording": WORDINGS[0]}),
        (article, Position.SUPPORT_WITH_AMENDMENTS, {"proposed_wording": WORDINGS[0]}),
        (article, Position.OPPOSE, {"proposed_wording": WORDINGS[0],
                                    "moderation_status": ModerationStatus.PENDING}),
    ])
    first, second, third = sorted(submission.comments, key=lambda c: c.id)

    def firsts() -> tuple[int, int, int, int]:
        row = db.session.execute(
            select(amendment_counts.c.published, amendment_counts.c.counted,
                   amendment_counts.c.published_first_id, amendment_counts.c.counted_first_id)
        ).one()
        return tuple(row)  # type: ignore[return-value]

    db.session.flush()
    assert firsts() == (2, 3, first.id, first.id)
    first.withdrawn_at = datetime(2026, 1, 6, tzinfo=UTC)
    db.session.flush()
    assert firsts() == (1, 2, second.id, second.id)
    db.session.delete(second)
    db.session.flush()
    assert firsts() == (0, 1, None, third.id)
    [(variant,)] = [c.amendments for c in provision_figures(s.consultation, [article.id])]
    assert variant.representative.first_comment_id == third.id
    assert variant.representative.wording == WORDINGS[0]
    assert provision_figures(s.consultation, [article.id], public_only=True)[0].amendments == []
    third.proposed_wording = WORDINGS[1]
    db.session.flush()
    assert firsts() == (0, 1, None, third.id)
    assert_exact(s.consultation)


# --- the recount command -------------------------------------------------------------------


def _recount(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["summaries", "recount", *args])
    return result.exit_code, result.output


def test_recount_check_finds_tampering_and_recount_repairs_it(app: Flask, scene: Scene) -> None:
    s = scene
    for _ in range(15):
        op_post(s)
    op_submit(s)
    op_tag(s)
    db.session.commit()
    assert _recount(app, "--check") == (0, f"consultation {s.consultation.id}: counts match "
                                           "the comments\n")
    db.session.execute(text("UPDATE comment_counts SET counted_support = counted_support + 1"))
    db.session.execute(text("UPDATE amendment_counts SET counted_first_id = 0"))
    db.session.execute(text("DELETE FROM theme_counts"))
    db.session.execute(text("UPDATE paragraph_counts SET published_oppose = 7"))
    db.session.commit()

    code, output = _recount(app, "--check", "--consultation", str(s.consultation.id))
    assert code == 1
    for table in ("comment_counts", "amendment_counts", "theme_counts", "paragraph_counts"):
        assert f": {table}: " in output
    # --check wrote nothing: still different, and no audit entry.
    assert _recount(app, "--check")[0] == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "recount_figures")) == 0

    code, output = _recount(app, "--consultation", str(s.consultation.id))
    assert code == 0 and "recounted" in output
    db.session.expire_all()
    assert compare(s.consultation.id) == []
    assert _recount(app, "--check")[0] == 0
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "recount_figures")).one()
    assert entry.object_type == "Consultation" and entry.object_id == s.consultation.id
    assert set(entry.before or {}) == {"comment_counts", "amendment_counts", "theme_counts",
                                       "paragraph_counts"}


def test_recount_of_an_unknown_consultation_fails(app: Flask) -> None:
    code, output = _recount(app, "--consultation", "999")
    assert code != 0 and "No consultation 999" in output
