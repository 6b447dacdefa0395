"""Commenting: checking what an author writes in a comment, and adding, changing and
withdrawing comments (changes to a submitted submission are kept apart until it is
submitted again). Operations flush and write an audit entry; they never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, TextClause, bindparam, select, text
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from consult_app.accounts.models import User
from consult_app.consultations.models import PublicationMode
from consult_app.core.audit import (
    APPEND_CALL_PARAMS,
    EntryToAppend,
    entry_appended,
    entry_to_append,
    log_action,
)
from consult_app.core.errors import Conflict, UserError
from consult_app.core.models import utcnow
from consult_app.extensions import db
from consult_app.submissions.editing import (
    MAX_BODY,
    MAX_QUOTE,
    changed_meanwhile,
    clean_text,
    comment_state,
    ensure_can_edit,
    flush,
    lock_submission,
    refresh_public_flags,
    touch,
    touch_now,
    touched_values,
)
from consult_app.submissions.models import (
    Comment,
    CommentKind,
    ModerationStatus,
    Position,
    Submission,
    decode_authored,
    encode_authored,
)
from consult_app.texts.detect import guess_language
from consult_app.texts.languages import wording_in
from consult_app.texts.models import TEXT_LANGUAGES, Paragraph, Provision
from consult_app.texts.redline import is_unchanged


def _squash(text: str) -> str:
    return " ".join(text.split())


def amendment_base(
    provision: Provision, paragraph: Paragraph | None, language: str | None = None
) -> str:
    """The current wording a proposed amendment is compared with: in the comment's
    ``language`` where the provision has that language version, else the original."""
    if language:
        return wording_in(provision, paragraph, language)
    return paragraph.text if paragraph is not None else provision.plain_text()


# --- comments --------------------------------------------------------------------------


@dataclass(frozen=True)
class CommentFields:
    """What an author writes in a comment (validated by :func:`validated_comment`)."""

    position: Position
    body: str
    kind: CommentKind = CommentKind.SUBSTANTIVE
    paragraph: Paragraph | None = None
    quoted_text: str | None = None
    proposed_wording: str | None = None
    rationale: str | None = None
    # One of the six languages; None: guessed from the text (offline and bulk imports).
    language: str | None = None


def validated_comment(
    submission: Submission, provision: Provision, fields: CommentFields
) -> dict[str, Any]:
    if provision.version_id != submission.consultation.version_id:
        raise UserError(_("This provision is not part of the text under consultation."))
    paragraph = fields.paragraph
    if paragraph is not None and paragraph.provision_id != provision.id:
        raise UserError(_("The paragraph chosen is not part of this provision."))
    body = clean_text(fields.body, MAX_BODY)
    if not body:
        raise UserError(_("Write your comment."))
    language = fields.language
    if language is not None and language not in TEXT_LANGUAGES:
        raise UserError(
            _("The language must be one of %(languages)s.", languages=", ".join(TEXT_LANGUAGES))
        )
    if language is None:
        language = guess_language(" ".join(filter(None, (body, fields.proposed_wording))))
    quoted = clean_text(fields.quoted_text, MAX_QUOTE)
    if quoted:
        quoted = _squash(quoted)
        sources = {
            amendment_base(provision, paragraph),
            amendment_base(provision, paragraph, language),
        }
        if not any(quoted.casefold() in _squash(source).casefold() for source in sources):
            raise UserError(
                _("The quoted words do not occur in the paragraph or provision you comment on.")
                if paragraph is not None
                else _("The quoted words do not occur in the text of this provision.")
            )
    proposed = clean_text(fields.proposed_wording, MAX_BODY)
    if proposed and any(
        is_unchanged(amendment_base(provision, base, code), proposed)
        for base in (paragraph, None)
        for code in {None, language}
    ):
        proposed = None  # the prefilled current wording, left as it was: no amendment
    return {
        "provision_id": provision.id,
        "paragraph_id": paragraph.id if paragraph is not None else None,
        "quoted_text": quoted,
        "position": fields.position,
        "kind": fields.kind,
        "body": body,
        "proposed_wording": proposed,
        "rationale": clean_text(fields.rationale, MAX_BODY),
        "language": language,
    }


def add_comment(
    user: User,
    submission: Submission,
    provision: Provision,
    fields: CommentFields,
    *,
    now: datetime | None = None,
) -> Comment:
    """Add a comment on ``provision`` to ``submission``."""
    lock_submission(submission)
    now = now or utcnow()
    ensure_can_edit(user, submission, now)
    values = validated_comment(submission, provision, fields)
    if db.session.get_bind().dialect.name == "postgresql":
        return _add_in_one_statement(user, submission, values, now)
    # A resubmitted form must not leave the same comment twice (asked of the database).
    existing = _same_comment(submission, values)
    if existing is not None:
        return existing
    try:
        touch_now(submission, now or utcnow())
    except Conflict:
        # Where the row lock does not hold (SQLite), the same form posted twice at once
        # reaches this point twice: the request that lost the race finds the comment the
        # other one saved and answers as it would have (the post is idempotent).
        existing = _same_comment(submission, values)
        if existing is None:
            raise
        return existing
    # Ids rather than relationships: the flush then only inserts the comment. (Through the
    # unit of work: a rolled back transaction then forgets the new comment; one inserted
    # with a bare INSERT would stay in the session as a row that no longer exists.)
    comment = _new_comment(user, submission, values)
    db.session.add(comment)
    flush()
    log_action(user, "add_comment", comment, after=comment_state(comment))
    return comment


def _same_comment(submission: Submission, values: dict[str, Any]) -> Comment | None:
    """The submission's comment (not withdrawn) that says exactly ``values``, if any."""
    existing_id = db.session.execute(
        _SAME_COMMENT,
        {"submission_id": submission.id, "consultation_id": submission.consultation_id, **values},
    ).scalar()
    return db.session.get(Comment, existing_id) if existing_id is not None else None


#: The columns of a comment compared to find the same comment posted again.
_SAME_KEYS = (
    "provision_id",
    "paragraph_id",
    "quoted_text",
    "position",
    "kind",
    "body",
    "proposed_wording",
    "rationale",
    "language",
)


#: Where the same comment is looked for (its provision is one of ``_SAME_KEYS``): the
#: consultation named too, the submission's comments on that provision are read from the index
#: on (consultation, provision, submission, id) (``ix_comments_figures``, declared by the
#: summaries); by the submission's own index, PostgreSQL read all of its comments (1.7 ms
#: at 767 comments, against 0.2 ms), a cost growing with every comment posted.
_SAME_PLACE = "consultation_id = :c_consultation_id AND submission_id = :c_submission_id"


def _same_comment_statement() -> Select[tuple[int]]:
    """The first comment of a submission, not withdrawn, that says exactly the same thing
    (NULL matches NULL); built once, its values bound per call. Its consultation is named
    too, for the index (see ``_SAME_PLACE``)."""
    c = Comment.__table__.c
    same = [
        c[key].is_not_distinct_from(bindparam(key, type_=c[key].type))
        if c[key].nullable
        else c[key] == bindparam(key, type_=c[key].type)
        for key in _SAME_KEYS
    ]
    return (
        select(c.id)
        .where(
            c.consultation_id == bindparam("consultation_id"),
            c.submission_id == bindparam("submission_id"),
            c.withdrawn_at.is_(None),
            *same,
        )
        .limit(1)
    )


_SAME_COMMENT = _same_comment_statement()


def _new_comment(user: User, submission: Submission, values: dict[str, Any]) -> Comment:
    """The comment :func:`add_comment` adds, every column given (none left to the database
    but the id and the times), not yet in the session (both engines' paths start here)."""
    columns: dict[str, Any] = {column.key: None for column in Comment.__table__.columns}
    columns.update(
        submission_id=submission.id,
        consultation_id=submission.consultation_id,
        created_by_id=user.id,
        moderation_status=ModerationStatus.PENDING,
        is_public=False,
        lock_version=1,
        **values,
    )
    for key in ("id", "created_at", "updated_at"):
        del columns[key]
    return Comment(**columns)


def _add_in_one_statement(
    user: User, submission: Submission, values: dict[str, Any], now: datetime
) -> Comment:
    """PostgreSQL: :func:`add_comment`'s writing steps in one statement (one round trip where
    they took four): find the same comment posted before, else count up the submission's
    version (:func:`touch_now`), insert the comment and append its audit entry (the
    comment's id given to ``audit_append`` there). The submission is locked: its version
    cannot have changed, but is checked all the same.

    ``audit_append`` takes the chain's lock, held until the commit; the insert's triggers
    (the counts, the foreign keys) run at the end of the statement, under that lock. (A
    first version of this, in session 6, was slower than two statements: the chain's head
    was then read by a scan of the whole chain, under the lock.)"""
    comment = _new_comment(user, submission, values)
    touched = touched_values(submission, now)
    entry = entry_to_append(user, "add_comment", "Comment", after=comment_state(comment))
    row = db.session.execute(
        _one_statement(frozenset(touched)),
        {
            **{f"c_{column.key}": getattr(comment, column.key) for column in _inserted_columns()},
            "version": submission.lock_version,
            **{f"new_{name}": value for name, value in touched.items()},
            **entry.params,
        },
    ).one()
    if row.same_id is not None:  # the same form posted again: answered as the first time
        existing = db.session.get(Comment, row.same_id)
        assert existing is not None
        return existing
    if row.id is None:
        raise changed_meanwhile()
    for name, value in touched.items():
        set_committed_value(submission, name, value)
    comment.id = row.id
    comment.created_at = row.created_at
    comment.updated_at = row.updated_at
    # The row exists: the comment joins the session as if loaded, not as a new object.
    make_transient_to_detached(comment)
    db.session.add(comment)
    entry_appended(
        entry, row.id, row.entry_at, row.entry_prev_hash, row.entry_hash, row.entry_id
    )
    return comment


def _inserted_columns() -> list[Any]:
    """The columns of a comment :func:`_add_in_one_statement` gives (not the id and times)."""
    return [c for c in Comment.__table__.columns if c.key not in ("id", "created_at", "updated_at")]


@cache
def _one_statement(touched: frozenset[str]) -> TextClause:
    """:func:`_add_in_one_statement`'s SQL for a submission whose ``touched`` columns
    change; built once. Parameters: the comment's columns as ``c_<column>``, the
    submission's version and new values (``version``, ``new_<column>``)."""
    table = Comment.__table__
    columns = _inserted_columns()
    same = " AND ".join(
        f"{key} IS NOT DISTINCT FROM :c_{key}" if table.c[key].nullable else f"{key} = :c_{key}"
        for key in _SAME_KEYS
    )
    sets = ", ".join(f"{name} = :new_{name}" for name in sorted(touched))
    names = ", ".join(c.name for c in columns)
    # Typed, so that NULLs of the SELECT list are of their column's type.
    selected = ", ".join(
        f"CAST(:c_{c.key} AS {c.type.compile(dialect=db.engine.dialect)})" for c in columns
    )
    sql = f"""
        WITH same AS (
            SELECT id FROM comments
            WHERE {_SAME_PLACE} AND withdrawn_at IS NULL AND {same}
            LIMIT 1
        ), touched AS (
            UPDATE submissions SET {sets}
            WHERE id = :c_submission_id AND lock_version = :version
                AND NOT EXISTS (SELECT FROM same)
            RETURNING id
        ), added AS (
            INSERT INTO comments ({names})
            SELECT {selected} FROM touched
            RETURNING id, created_at, updated_at
        ), logged AS (
            SELECT entry.* FROM added, LATERAL {_ENTRY_CALL} AS entry
        )
        SELECT (SELECT id FROM same) AS same_id, added.*, logged.*
        FROM (SELECT) AS one LEFT JOIN added ON true LEFT JOIN logged ON true
    """  # noqa: S608 (the names are the models' columns, every value a parameter)
    touched_table = Submission.__table__
    return text(sql).bindparams(
        *(bindparam(f"c_{c.key}", type_=c.type) for c in columns),
        *(bindparam(f"new_{name}", type_=touched_table.c[name].type) for name in touched),
        *APPEND_CALL_PARAMS,
    )


#: The audit entry's call in :func:`_one_statement` (run only when the comment was added).
_ENTRY_CALL = EntryToAppend.call_sql("added.id")


def update_comment(
    user: User,
    comment: Comment,
    fields: CommentFields,
    *,
    expected_lock_version: int | None = None,
    now: datetime | None = None,
) -> Comment:
    """Change what a comment says (a stale form is a conflict)."""
    submission = comment.submission
    lock_submission(submission)
    db.session.refresh(comment)
    now = now or utcnow()
    ensure_can_edit(user, submission, now)
    if comment.is_withdrawn:
        raise UserError(_("This comment was withdrawn and can no longer be changed."))
    if expected_lock_version is not None and expected_lock_version != comment.lock_version:
        raise Conflict(
            _(
                "This comment was changed in another window or by a colleague since you "
                "opened it. Nothing was saved: reload it, check it and try again."
            )
        )
    values = validated_comment(submission, comment.provision, fields)
    values.pop("provision_id")  # a comment stays on its provision
    authored = comment.authored_values()
    if all(authored[key] == value for key, value in values.items()):
        return comment
    before = {**comment_state(comment), **authored}
    if submission.is_submitted:
        # Kept apart until the submission is submitted again: the public, the secretariat
        # and the figures go on seeing the wording last submitted.
        submitted = {key: getattr(comment, key) for key in values}
        comment.unsubmitted_edit = None if submitted == values else encode_authored(values)
    else:
        for key, value in values.items():
            setattr(comment, key, value)
    touch(submission, now or utcnow())
    flush()
    log_action(
        user,
        "update_comment",
        comment,
        before=before,
        after={**comment_state(comment), **comment.authored_values()},
    )
    return comment


def apply_unsubmitted_edits(submission: Submission) -> list[Comment]:
    """Put the authors' unsubmitted edits in place, as the submission is submitted again.

    A published comment whose wording changed goes back to review where the secretariat
    reviews first (the submission then publishes it again where it does not).
    """
    changed: list[Comment] = []
    review_first = submission.consultation.publication_mode is not PublicationMode.IMMEDIATE
    for comment in submission.active_comments:
        if not comment.unsubmitted_edit:
            continue
        values = decode_authored(comment.unsubmitted_edit)
        comment.unsubmitted_edit = None
        if all(getattr(comment, key) == value for key, value in values.items()):
            continue
        for key, value in values.items():
            setattr(comment, key, value)
        if review_first and comment.moderation_status is ModerationStatus.PUBLISHED:
            comment.moderation_status = ModerationStatus.PENDING
        changed.append(comment)
    return changed


def withdraw_comment(user: User, comment: Comment, *, now: datetime | None = None) -> Comment:
    """Withdraw a comment; it stays in the record but no longer counts or shows."""
    submission = comment.submission
    lock_submission(submission)
    now = now or utcnow()
    ensure_can_edit(user, submission, now)
    if comment.is_withdrawn:
        return comment
    moment = now or utcnow()
    before = comment_state(comment)
    comment.withdrawn_at = moment
    touch(submission, moment)
    flush()
    refresh_public_flags(submission)
    log_action(user, "withdraw_comment", comment, before=before, after=comment_state(comment))
    return comment
