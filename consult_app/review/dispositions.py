"""Dispositions of comments: the secretariat's answers, their publication, satisfaction.

Operations (``record_disposition``, ``publish_dispositions``, ``record_satisfaction``)
change state, flush and write audit entries; they never commit. Queries below them build
the secretariat's, the contributor's and the public "disposition of comments" tables.

Concurrency: ``Disposition.lock_version`` is the mapper's version column. An edit form
carries the version it was loaded with (0 when there was no disposition yet); a different
current version, a row changed between the check and the flush (``StaleDataError``) or a
disposition created meanwhile by someone else (unique ``comment_id``) all become a
:class:`DispositionConflict` (409), never a silent overwrite. Publication and satisfaction
touch other columns with set-based UPDATEs that leave ``lock_version`` alone, so they do not
make an open edit form stale.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.orm.exc import StaleDataError

from consult_app.accounts.models import Organisation, User
from consult_app.consultations.models import Consultation
from consult_app.core.audit import log_action
from consult_app.core.errors import Conflict, NotAllowed, NotFound, UserError
from consult_app.core.guards import parse_id
from consult_app.core.models import utcnow
from consult_app.core.templating import format_local_and_utc
from consult_app.extensions import db
from consult_app.review.models import Disposition, Outcome, Satisfaction
from consult_app.review.moderation import log_comment_actions
from consult_app.submissions.commenting import amendment_base
from consult_app.submissions.models import Comment, Submission, SubmissionStatus
from consult_app.texts.models import Provision, TextVersion
from consult_app.texts.redline import redline_html

logger = logging.getLogger(__name__)

MAX_EXPLANATION = 20_000
MAX_INTERNAL_NOTE = 20_000
MAX_CHANGE_REFERENCE = 2_000
MAX_SATISFACTION_NOTE = 2_000
MAX_BULK = 2_000
_CHUNK = 900  # ids per IN (...) list


# --- permissions -----------------------------------------------------------------------


def can_record_dispositions(user: User | None) -> bool:
    """The secretariat answers comments."""
    return user is not None and user.is_authenticated and user.is_secretariat


def can_see_own_disposition(user: User | None, comment: Comment, disposition: Disposition) -> bool:
    """Contributors of the comment's organisation see (and rate) it once it is published."""
    return (
        user is not None
        and user.is_authenticated
        and user.can_act_for(comment.submission.organisation)
        and disposition.published_at is not None
    )


def _ensure_secretariat(actor: User | None) -> None:
    if not can_record_dispositions(actor):
        raise NotAllowed(_("Only the secretariat can answer comments."))


# --- helpers ---------------------------------------------------------------------------


class DispositionConflict(Conflict):
    """Someone else changed (or created) the disposition since the form was opened."""

    def __init__(
        self, message: str, comment_id: int | None = None, disposition_id: int | None = None
    ) -> None:
        super().__init__(message)
        self.comment_id = comment_id
        self.disposition_id = disposition_id


def conflict_message(disposition: Disposition | None, reader: User | None) -> str:
    """The 409 message naming who changed the disposition and when."""
    if disposition is None:
        return _(
            "This disposition was changed by another reviewer since you opened it. Nothing "
            "was saved: your text is shown below; reload the page to compare."
        )
    zone = reader.timezone if reader is not None else None
    return _(
        "This disposition was changed by %(name)s at %(when)s since you opened it. Nothing "
        "was saved: your text is shown below; reload the page to compare.",
        name=disposition.decided_by.name,
        when=format_local_and_utc(disposition.decided_at, zone),
    )


def _clean(value: str | None, limit: int, label: str) -> str | None:
    if value is None:
        return None
    value = value.replace("\r\n", "\n").replace("\x00", "").strip()
    if len(value) > limit:
        raise UserError(
            _("%(field)s is too long (at most %(limit)d characters).", field=label, limit=limit)
        )
    return value or None


def disposition_state(disposition: Disposition) -> dict[str, Any]:
    """What the audit log keeps of a disposition."""
    return {
        "comment_id": disposition.comment_id,
        "outcome": disposition.outcome.value,
        "public_explanation": disposition.public_explanation,
        "internal_note": disposition.internal_note,
        "change_reference": disposition.change_reference,
        "resulting_provision_id": disposition.resulting_provision_id,
        "decided_by_id": disposition.decided_by_id,
        "published_at": disposition.published_at,
    }


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def later_provisions_query(consultation: Consultation) -> Select[Any]:
    """Provisions of later versions of the consulted instrument (where a change can land)."""
    base = consultation.version
    return (
        select(Provision)
        .join(TextVersion, Provision.version_id == TextVersion.id)
        .where(TextVersion.instrument_id == base.instrument_id, TextVersion.id > base.id)
        .options(contains_eager(Provision.version))
        .order_by(TextVersion.id, Provision.position)
    )


def _check_resulting_provision(consultation: Consultation, provision_id: int | None) -> None:
    if provision_id is None:
        return
    provision = db.session.get(Provision, provision_id)
    base = consultation.version
    if (
        provision is None
        or provision.version.instrument_id != base.instrument_id
        # Versions of an instrument are numbered in the order they were imported.
        or provision.version_id <= base.id
    ):
        raise UserError(
            _(
                "The resulting provision must belong to a later version of the text under "
                "consultation."
            )
        )


def _check_answerable(comment_ids: Sequence[int]) -> None:
    """Only submitted, not withdrawn comments are answered (checked in SQL, per chunk)."""
    for chunk in _chunks(list(comment_ids)):
        bad = db.session.execute(
            select(Comment.id, Submission.status, Comment.withdrawn_at)
            .join(Submission, Comment.submission_id == Submission.id)
            .where(
                Comment.id.in_(chunk),
                or_(
                    Submission.status != SubmissionStatus.SUBMITTED,
                    Comment.withdrawn_at.is_not(None),
                ),
            )
            .limit(1)
        ).first()
        if bad is None:
            continue
        if bad.status is not SubmissionStatus.SUBMITTED:
            raise UserError(
                _("Comments of a submission that was not submitted cannot be answered.")
            )
        raise UserError(_("A withdrawn comment cannot be answered (comment %(id)d).", id=bad.id))


def _load_for_update(comment_ids: Sequence[int]) -> dict[int, Disposition]:
    """The existing dispositions of these comments, locked (PostgreSQL) and fresh."""
    found: dict[int, Disposition] = {}
    for chunk in _chunks(sorted(comment_ids)):
        rows = db.session.scalars(
            select(Disposition)
            .where(Disposition.comment_id.in_(chunk))
            .order_by(Disposition.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        for disposition in rows:
            found[disposition.comment_id] = disposition
    return found


def _flush_or_conflict(actor: User, comment_ids: Sequence[int]) -> None:
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError) as error:
        # A concurrent save won between our check and our write; the request rolls back.
        logger.info("disposition conflict for user %s on comments %s", actor.id, comment_ids)
        raise DispositionConflict(
            conflict_message(None, actor), comment_ids[0] if len(comment_ids) == 1 else None
        ) from error


# --- operations ------------------------------------------------------------------------


def record_disposition(
    actor: User,
    comments: Sequence[Comment],
    outcome: Outcome,
    public_explanation: str | None,
    internal_note: str | None = None,
    change_reference: str | None = None,
    resulting_provision_id: int | None = None,
    expected_lock_versions: dict[int, int] | None = None,
    *,
    now: datetime | None = None,
) -> list[Disposition]:
    """Create or update the disposition of each comment (one comment, or a group at once).

    ``expected_lock_versions`` maps a comment id to the ``lock_version`` of its disposition
    when the form was loaded (0: it had none); comments missing from it are not checked.
    """
    _ensure_secretariat(actor)
    unique = list({c.id: c for c in comments}.values())
    if not unique:
        raise UserError(_("Choose at least one comment to answer."))
    if not isinstance(outcome, Outcome):
        try:
            outcome = Outcome(outcome)
        except ValueError:
            raise UserError(_("Choose one of the outcomes offered.")) from None
    explanation = _clean(public_explanation, MAX_EXPLANATION, _("The public explanation"))
    if not explanation:
        raise UserError(_("Write the public explanation of the disposition."))
    note = _clean(internal_note, MAX_INTERNAL_NOTE, _("The internal note"))
    reference = _clean(change_reference, MAX_CHANGE_REFERENCE, _("The change reference"))

    consultation_ids = {c.consultation_id for c in unique}
    if len(consultation_ids) != 1:
        raise UserError(_("The comments answered together must belong to one consultation."))
    ids = [c.id for c in unique]
    _check_answerable(ids)
    consultation = db.session.get(Consultation, consultation_ids.pop())
    assert consultation is not None  # a comment's consultation exists (foreign key)
    _check_resulting_provision(consultation, resulting_provision_id)

    existing = _load_for_update(ids)
    wanted = set(ids)
    for comment_id, expected in (expected_lock_versions or {}).items():
        if comment_id not in wanted:
            continue
        current = existing.get(comment_id)
        if (current.lock_version if current is not None else 0) != expected:
            raise DispositionConflict(
                conflict_message(current, actor),
                comment_id,
                current.id if current is not None else None,
            )

    moment = now or utcnow()
    values = {
        "outcome": outcome,
        "public_explanation": explanation,
        "internal_note": note,
        "change_reference": reference,
        "resulting_provision_id": resulting_provision_id,
    }
    results: list[Disposition] = []
    created: list[Disposition] = []
    changed: list[tuple[Disposition, dict[str, Any]]] = []
    for comment in unique:
        disposition = existing.get(comment.id)
        if disposition is None:
            disposition = Disposition(
                comment_id=comment.id, decided_by_id=actor.id, decided_at=moment, **values
            )
            db.session.add(disposition)
            created.append(disposition)
        elif any(getattr(disposition, key) != value for key, value in values.items()):
            before = disposition_state(disposition)
            for key, value in values.items():
                setattr(disposition, key, value)
            disposition.decided_by_id = actor.id
            disposition.decided_at = moment
            changed.append((disposition, before))
        results.append(disposition)
    _flush_or_conflict(actor, ids)
    for disposition in results:
        db.session.expire(disposition, ["decided_by"])  # the relationship follows the new id

    if len(results) == 1:
        if created:
            log_action(actor, "record_disposition", created[0], after=disposition_state(created[0]))
        elif changed:
            disposition, before = changed[0]
            log_action(
                actor, "update_disposition", disposition, before=before,
                after=disposition_state(disposition),
            )
    else:
        # A group answered at once: one batch of entries, one chain lock.
        log_comment_actions(
            actor,
            "record_disposition",
            (("Disposition", d.id, None, disposition_state(d)) for d in created),
        )
        log_comment_actions(
            actor,
            "update_disposition",
            (("Disposition", d.id, before, disposition_state(d)) for d, before in changed),
        )
    logger.info(
        "dispositions by user %s: %d created, %d changed, %d unchanged",
        actor.id,
        len(created),
        len(changed),
        len(results) - len(created) - len(changed),
    )
    return results


def publish_dispositions(
    actor: User,
    consultation: Consultation,
    comments: Sequence[Comment] | None = None,
    *,
    now: datetime | None = None,
) -> int:
    """Publish the unpublished dispositions of the consultation (or of ``comments``)."""
    _ensure_secretariat(actor)
    from consult_app.review import notifications

    db.session.flush()
    moment = now or utcnow()
    comment_ids: list[int] | None = None
    if comments is not None:
        comment_ids = sorted({c.id for c in comments})
        if any(c.consultation_id != consultation.id for c in comments):
            raise UserError(_("These comments do not all belong to this consultation."))
        if not comment_ids:
            return 0
    in_consultation = select(Comment.id).where(Comment.consultation_id == consultation.id)
    batches: list[Any] = (
        [in_consultation] if comment_ids is None
        else [in_consultation.where(Comment.id.in_(chunk)) for chunk in _chunks(comment_ids)]
    )
    published = 0
    for scope in batches:
        result = db.session.execute(
            update(Disposition)
            .where(Disposition.published_at.is_(None), Disposition.comment_id.in_(scope))
            .values(published_at=moment)
            .execution_options(synchronize_session=False)
        )
        published += int(getattr(result, "rowcount", 0) or 0)
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Disposition):
            db.session.expire(obj, ["published_at"])
    if not published:
        return 0
    # Each row is published by exactly one transaction: the others see it already set.
    rows = db.session.execute(
        select(Submission.organisation_id, func.count(Disposition.id))
        .select_from(Disposition)
        .join(Comment, Disposition.comment_id == Comment.id)
        .join(Submission, Comment.submission_id == Submission.id)
        .where(Comment.consultation_id == consultation.id, Disposition.published_at == moment)
        .group_by(Submission.organisation_id)
    ).all()
    per_organisation: dict[int, int] = {int(org): int(count) for org, count in rows}
    log_action(
        actor,
        "publish_dispositions",
        consultation,
        after={
            "published_at": moment,
            "count": published,
            "comment_ids": comment_ids,
            "organisations": {str(k): v for k, v in sorted(per_organisation.items())},
        },
    )
    logger.info(
        "user %s published %d dispositions of consultation %s",
        actor.id,
        published,
        consultation.id,
    )
    notifications.notify_dispositions_published(consultation, per_organisation)
    return published


def record_satisfaction(
    user: User,
    disposition: Disposition,
    satisfaction: Satisfaction,
    note: str | None = None,
    *,
    now: datetime | None = None,
) -> Disposition:
    """Record whether the comment's organisation is satisfied with a published disposition."""
    comment = db.session.get(Comment, disposition.comment_id)
    if comment is None or not can_see_own_disposition(user, comment, disposition):
        # Another organisation's disposition, or one not yet published: it does not exist.
        raise NotFound(_("This disposition does not exist."))
    if not isinstance(satisfaction, Satisfaction):
        try:
            satisfaction = Satisfaction(satisfaction)
        except ValueError:
            raise UserError(_("Say whether you are satisfied or not.")) from None
    cleaned = _clean(note, MAX_SATISFACTION_NOTE, _("The note"))
    before = {
        "satisfaction": disposition.satisfaction.value if disposition.satisfaction else None,
        "satisfaction_note": disposition.satisfaction_note,
    }
    after = {"satisfaction": satisfaction.value, "satisfaction_note": cleaned}
    if before == after:
        return disposition
    moment = now or utcnow()
    # A set-based UPDATE: the secretariat's open edit form does not become stale.
    db.session.execute(
        update(Disposition)
        .where(Disposition.id == disposition.id)
        .values(satisfaction=satisfaction, satisfaction_note=cleaned, satisfaction_at=moment)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(disposition, ["satisfaction", "satisfaction_note", "satisfaction_at"])
    log_action(user, "record_satisfaction", disposition, before=before, after=after)
    return disposition


# --- loading ---------------------------------------------------------------------------


def parse_ids(values: Iterable[str], limit: int = MAX_BULK) -> list[int]:
    """Comment ids from a form, in the order given; anything that is not one is refused."""
    ids: list[int] = []
    for raw in values:
        value = parse_id((raw or "").strip())
        if value is None:
            raise UserError(_("The selection contains something that is not a comment."))
        if value not in ids:
            ids.append(value)
    if not ids:
        raise UserError(_("Choose at least one comment to answer."))
    if len(ids) > limit:
        raise UserError(
            _("Answer at most %(n)d comments at once; choose fewer.", n=limit)
        )
    return ids


def load_comments_of_one_consultation(ids: Sequence[int]) -> list[Comment]:
    """The submitted comments with these ids, all of one consultation, or a UserError."""
    found: dict[int, Comment] = {}
    for chunk in _chunks(list(ids)):
        for comment in db.session.scalars(
            select(Comment)
            .join(Submission, Comment.submission_id == Submission.id)
            .where(Comment.id.in_(chunk), Submission.status == SubmissionStatus.SUBMITTED)
            .options(
                contains_eager(Comment.submission).joinedload(Submission.organisation),
                joinedload(Comment.provision),
                joinedload(Comment.disposition),
            )
        ).unique():
            found[comment.id] = comment
    missing = [i for i in ids if i not in found]
    if missing:
        raise UserError(
            _("These comments do not exist: %(ids)s. Nothing was saved.",
              ids=", ".join(str(i) for i in missing[:20]))
        )
    if len({c.consultation_id for c in found.values()}) != 1:
        raise UserError(
            _("The comments chosen belong to different consultations. Nothing was saved.")
        )
    return [found[i] for i in ids]


# --- tables ----------------------------------------------------------------------------


def author_label(consultation: Consultation, submission: Submission) -> str:
    """Who a comment is from, as far as the public may be told."""
    if not submission.publishable:
        return _("a stakeholder that asked not to be named")
    category = submission.organisation.category.label
    if consultation.allow_attribution:
        return f"{submission.organisation.display_name} ({category})"
    return category


def public_dispositions_query(
    consultation: Consultation,
    provision_id: int | None = None,
    outcome: Outcome | None = None,
) -> Select[Any]:
    """Public comments with a published disposition, in the order of the text."""
    query = (
        select(Comment)
        .join(Disposition, Disposition.comment_id == Comment.id)
        .join(Submission, Comment.submission_id == Submission.id)
        .join(Organisation, Submission.organisation_id == Organisation.id)
        .join(Provision, Comment.provision_id == Provision.id)
        .where(
            Comment.consultation_id == consultation.id,
            Comment.is_public.is_(True),
            Submission.publishable.is_(True),
            Disposition.published_at.is_not(None),
        )
    )
    if provision_id is not None:
        query = query.where(Comment.provision_id == provision_id)
    if outcome is not None:
        query = query.where(Disposition.outcome == outcome)
    return query.options(
        contains_eager(Comment.disposition),
        contains_eager(Comment.submission).contains_eager(Submission.organisation),
        contains_eager(Comment.provision).selectinload(Provision.paragraphs),
        joinedload(Comment.paragraph),
    ).order_by(Provision.position, Comment.id)


def own_comments_query(consultation: Consultation, organisation: Organisation) -> Select[Any]:
    """The organisation's submitted comments in the consultation, with their dispositions."""
    return (
        select(Comment)
        .join(Submission, Comment.submission_id == Submission.id)
        .join(Provision, Comment.provision_id == Provision.id)
        .where(
            Submission.consultation_id == consultation.id,
            Submission.organisation_id == organisation.id,
            Submission.status == SubmissionStatus.SUBMITTED,
            Comment.withdrawn_at.is_(None),
        )
        .options(
            contains_eager(Comment.provision).selectinload(Provision.paragraphs),
            contains_eager(Comment.submission),
            joinedload(Comment.paragraph),
            joinedload(Comment.disposition),
        )
        .order_by(Provision.position, Comment.id)
    )


def unpublished_count(consultation: Consultation) -> int:
    """Recorded dispositions of the consultation not yet published."""
    return int(
        db.session.scalar(
            select(func.count(Disposition.id))
            .join(Comment, Disposition.comment_id == Comment.id)
            .where(Comment.consultation_id == consultation.id, Disposition.published_at.is_(None))
        )
        or 0
    )


@dataclass(frozen=True)
class ResultingProvision:
    label: str
    url: str


@dataclass(frozen=True)
class TableRow:
    """One line of a "disposition of comments" table, safe to show to the public."""

    comment_id: int
    provision_id: int
    provision_label: str
    author: str
    position: str
    comment: str
    redline: Markup | None
    outcome: str
    outcome_value: str
    explanation: str
    change_reference: str | None
    resulting: ResultingProvision | None
    satisfaction: str | None


def _path_for(endpoint: str, **values: Any) -> str:
    """A site-relative link, inside a request or not (exports, background jobs)."""
    if has_request_context():
        return url_for(endpoint, **values)
    return str(current_app.url_map.bind("localhost").build(endpoint, values))


def resulting_provisions(dispositions: Iterable[Disposition]) -> dict[int, ResultingProvision]:
    """Label and link of each resulting provision, in one query."""
    ids = sorted({d.resulting_provision_id for d in dispositions if d.resulting_provision_id})
    if not ids:
        return {}
    rows = db.session.scalars(
        select(Provision).where(Provision.id.in_(ids)).options(joinedload(Provision.version))
    )
    return {
        p.id: ResultingProvision(
            label=f"{p.version.display_title} — {p.label}",
            url=_path_for("texts.show_version", version_id=p.version_id) + f"#provision-{p.id}",
        )
        for p in rows
    }


def redline_for(comment: Comment, public: bool = False) -> Markup | None:
    """The proposed wording (``public``: as the public reads it, redacted where it was)
    as a redline against the text it amends."""
    wording = comment.public_proposed_wording if public else comment.proposed_wording
    if not wording:
        return None
    base = amendment_base(comment.provision, comment.paragraph, comment.language)
    return redline_html(base, wording)


def table_rows(consultation: Consultation, comments: Sequence[Comment]) -> list[TableRow]:
    """Rows of the public table: never the internal note, never a hidden name."""
    dispositions = [c.disposition for c in comments if c.disposition is not None]
    resulting = resulting_provisions(dispositions)
    rows: list[TableRow] = []
    for comment in comments:
        disposition = comment.disposition
        if disposition is None:
            continue
        rows.append(
            TableRow(
                comment_id=comment.id,
                provision_id=comment.provision_id,
                provision_label=comment.provision.label
                + (f" ({comment.paragraph.display_label})" if comment.paragraph else ""),
                author=author_label(consultation, comment.submission),
                position=comment.position.label,
                comment=comment.public_body,
                redline=redline_for(comment, public=True),
                outcome=disposition.outcome.label,
                outcome_value=disposition.outcome.value,
                explanation=disposition.public_explanation,
                change_reference=disposition.change_reference,
                resulting=resulting.get(disposition.resulting_provision_id or 0),
                satisfaction=disposition.satisfaction.label if disposition.satisfaction else None,
            )
        )
    return rows
