"""The review queue: filters read from the URL, the query, its count and one page.

Every filter on the submission or the organisation is a semi-join on the (small) set of a
consultation's submissions, ``comments.submission_id IN (SELECT ...)``, so that counting
and paging stay on the comments table and its composite indexes; only the sorts by
provision and by organisation join another table, and only for the page query.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select, and_, func, or_, select, union
from sqlalchemy.orm import joinedload, selectinload

from consult_app.accounts.models import (
    Organisation,
    OrgCategory,
    RegionalGroup,
    User,
    VerificationStatus,
)
from consult_app.consultations.models import Consultation
from consult_app.core.errors import UserError
from consult_app.core.guards import parse_id
from consult_app.extensions import db
from consult_app.review.models import Disposition, Theme, comment_themes
from consult_app.submissions.models import (
    Channel,
    Comment,
    ModerationStatus,
    Position,
    Submission,
    SubmissionStatus,
)
from consult_app.texts.models import TEXT_LANGUAGES, Provision

logger = logging.getLogger(__name__)

PER_PAGE = 50
MAX_PAGE = 1_000_000
MAX_QUERY = 200

UNASSIGNED = "unassigned"
MINE = "mine"
VERIFIED = "verified"
UNVERIFIED = "unverified"
TO_ANSWER = "none"
ANSWERED = "recorded"
SORTS = ("newest", "oldest", "provision", "organisation")
UNKNOWN_LANGUAGE = "unknown"


@dataclass
class QueueFilters:
    """What the reviewer asked to see, validated."""

    provision: Provision | None = None
    category: OrgCategory | None = None
    group: RegionalGroup | None = None
    position: Position | None = None
    status: ModerationStatus | None = None
    theme: Theme | None = None
    reviewer: str | None = None  # UNASSIGNED, MINE or None
    reviewer_user: User | None = None
    verification: str | None = None  # VERIFIED, UNVERIFIED or None
    disposition: str | None = None  # TO_ANSWER, ANSWERED or None
    channel: Channel | None = None
    language: str | None = None  # one of the six, or UNKNOWN_LANGUAGE (not recorded)
    q: str | None = None
    sort: str = "newest"
    page: int = 1
    raw: dict[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        """True when any filter (not the sort or the page) narrows the queue."""
        return any(
            value is not None
            for value in (
                self.provision,
                self.category,
                self.group,
                self.position,
                self.status,
                self.theme,
                self.reviewer,
                self.reviewer_user,
                self.verification,
                self.disposition,
                self.channel,
                self.language,
                self.q,
            )
        )


def _enum(enum_cls: Any, value: str, what: str) -> Any:
    try:
        return enum_cls(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum_cls)
        raise UserError(
            _("“%(value)s” is not a valid %(what)s. Use one of: %(allowed)s.",
              value=value[:50], what=what, allowed=allowed)
        ) from None


def _id(value: str, what: str) -> int:
    number = parse_id(value)
    if number is None:
        raise UserError(_("“%(value)s” is not a valid %(what)s.", value=value[:50], what=what))
    return number


def parse_filters(args: Mapping[str, str], consultation: Consultation) -> QueueFilters:
    """Read and check the queue's GET parameters; a bad value raises UserError (400)."""
    raw = {key: (args.get(key) or "").strip() for key in QUERY_KEYS}
    filters = QueueFilters(raw={k: v for k, v in raw.items() if v})
    if raw["provision"]:
        provision_id = _id(raw["provision"], _("provision"))
        provision = db.session.get(Provision, provision_id)
        if provision is None or provision.version_id != consultation.version_id:
            raise UserError(_("This provision is not part of the text under consultation."))
        filters.provision = provision
    if raw["category"]:
        filters.category = _enum(OrgCategory, raw["category"], _("organisation category"))
    if raw["group"]:
        filters.group = _enum(RegionalGroup, raw["group"], _("regional group"))
    if raw["position"]:
        filters.position = _enum(Position, raw["position"], _("position"))
    if raw["status"]:
        filters.status = _enum(ModerationStatus, raw["status"], _("moderation status"))
    if raw["channel"]:
        filters.channel = _enum(Channel, raw["channel"], _("channel"))
    if raw["language"]:
        if raw["language"] not in (*TEXT_LANGUAGES, UNKNOWN_LANGUAGE):
            raise UserError(
                _("“%(value)s” is not a valid language. Use one of: %(allowed)s.",
                  value=raw["language"][:50],
                  allowed=", ".join((*TEXT_LANGUAGES, UNKNOWN_LANGUAGE)))
            )
        filters.language = raw["language"]
    if raw["theme"]:
        theme = db.session.get(Theme, _id(raw["theme"], _("theme")))
        if theme is None or theme.consultation_id != consultation.id:
            raise UserError(_("This theme does not belong to this consultation."))
        filters.theme = theme
    if raw["reviewer"]:
        if raw["reviewer"] in (UNASSIGNED, MINE):
            filters.reviewer = raw["reviewer"]
        else:
            reviewer = db.session.get(User, _id(raw["reviewer"], _("reviewer")))
            if reviewer is None or not reviewer.is_secretariat:
                raise UserError(_("This reviewer does not exist."))
            filters.reviewer_user = reviewer
    if raw["verification"]:
        if raw["verification"] not in (VERIFIED, UNVERIFIED):
            raise UserError(
                _("“%(value)s” is not a valid verification status. Use verified or unverified.",
                  value=raw["verification"][:50])
            )
        filters.verification = raw["verification"]
    if raw["disposition"]:
        if raw["disposition"] not in (TO_ANSWER, ANSWERED):
            raise UserError(
                _("“%(value)s” is not a valid disposition filter. Use %(none)s or %(recorded)s.",
                  value=raw["disposition"][:50], none=TO_ANSWER, recorded=ANSWERED)
            )
        filters.disposition = raw["disposition"]
    if raw["q"]:
        if len(raw["q"]) > MAX_QUERY:
            raise UserError(
                _("The search text is too long: at most %(n)d characters.", n=MAX_QUERY)
            )
        filters.q = raw["q"]
    if raw["sort"]:
        if raw["sort"] not in SORTS:
            raise UserError(
                _("“%(value)s” is not a valid sort order. Use one of: %(allowed)s.",
                  value=raw["sort"][:50], allowed=", ".join(SORTS))
            )
        filters.sort = raw["sort"]
    if raw["page"]:
        page = _id(raw["page"], _("page number"))
        if page < 1 or page > MAX_PAGE:
            raise UserError(_("“%(value)s” is not a valid page number.", value=raw["page"]))
        filters.page = page
    return filters


QUERY_KEYS = (
    "provision",
    "category",
    "group",
    "position",
    "status",
    "theme",
    "reviewer",
    "verification",
    "disposition",
    "channel",
    "language",
    "q",
    "sort",
    "page",
)


def _submission_filter(consultation: Consultation, filters: QueueFilters) -> Select[Any] | None:
    """Ids of the submissions whose organisation or channel passes the filters (or None)."""
    conditions: list[ColumnElement[bool]] = []
    if filters.channel is not None:
        conditions.append(Submission.channel == filters.channel)
    if filters.category is not None:
        conditions.append(Organisation.category == filters.category)
    if filters.group is not None:
        conditions.append(Organisation.regional_group == filters.group)
    if filters.verification == VERIFIED:
        conditions.append(Organisation.verification_status == VerificationStatus.VERIFIED)
    elif filters.verification == UNVERIFIED:
        conditions.append(Organisation.verification_status != VerificationStatus.VERIFIED)
    if not conditions:
        return None
    return (
        select(Submission.id)
        .join(Organisation, Submission.organisation_id == Organisation.id)
        .where(
            Submission.consultation_id == consultation.id,
            Submission.status == SubmissionStatus.SUBMITTED,
            *conditions,
        )
    )


def draft_submission_ids(consultation: Consultation) -> list[int]:
    """The consultation's submissions not yet submitted (a few, read from a small table)."""
    return list(
        db.session.scalars(
            select(Submission.id).where(
                Submission.consultation_id == consultation.id,
                Submission.status != SubmissionStatus.SUBMITTED,
            )
        )
    )


def _contains(column: Any, text: str) -> ColumnElement[bool]:
    """Case-insensitive substring test, with % and _ taken literally."""
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite's LIKE already ignores ASCII case, and its lower() knows no other case,
        # so ``lower(x) LIKE lower(y)`` would only add a function call per row.
        return column.contains(text, autoescape=True)
    # PostgreSQL: ILIKE on the bare column, which the trigram indexes of the comments
    # (ix_comments_*_trgm) can answer; ``lower(x) LIKE ...`` could not use them.
    escaped = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return column.ilike(f"%{escaped}%", escape="/")


def _answered() -> ColumnElement[bool]:
    """The comment has a disposition (an anti-/semi-join on the unique comment_id)."""
    return select(Disposition.id).where(Disposition.comment_id == Comment.id).exists()


def to_answer() -> ColumnElement[bool]:
    """A comment still to answer: no disposition yet, neither withdrawn nor withheld.

    Withdrawn comments cannot be answered, and withheld ones (spam, offensive, ...) are not
    published, so neither waits for a disposition. The queue's filter and the counts of the
    secretariat's home both use this condition, so that a count equals the list it links to.
    """
    return and_(
        ~_answered(),
        Comment.withdrawn_at.is_(None),
        Comment.moderation_status != ModerationStatus.WITHHELD,
    )


def queue_conditions(
    consultation: Consultation, filters: QueueFilters, user: User
) -> list[ColumnElement[bool]]:
    """The WHERE clause of the queue: the consultation's submitted comments, filtered.

    Drafts are excluded by listing them (there are few, and usually none once a
    consultation closes), so that the common queries read only the comments' indexes.
    """
    conditions: list[ColumnElement[bool]] = [Comment.consultation_id == consultation.id]
    drafts = draft_submission_ids(consultation)
    if drafts:
        conditions.append(Comment.submission_id.not_in(drafts))
    submissions = _submission_filter(consultation, filters)
    if submissions is not None:
        conditions.append(Comment.submission_id.in_(submissions))
    if filters.provision is not None:
        conditions.append(Comment.provision_id == filters.provision.id)
    if filters.position is not None:
        conditions.append(Comment.position == filters.position)
    if filters.status is not None:
        conditions.append(Comment.moderation_status == filters.status)
    if filters.language == UNKNOWN_LANGUAGE:
        conditions.append(Comment.language.is_(None))
    elif filters.language is not None:
        conditions.append(Comment.language == filters.language)
    if filters.theme is not None:
        conditions.append(
            Comment.id.in_(
                select(comment_themes.c.comment_id).where(
                    comment_themes.c.theme_id == filters.theme.id
                )
            )
        )
    if filters.disposition == TO_ANSWER:
        conditions.append(to_answer())
    elif filters.disposition == ANSWERED:
        conditions.append(_answered())
    if filters.reviewer == UNASSIGNED:
        conditions.append(Comment.assigned_to_id.is_(None))
    elif filters.reviewer == MINE:
        conditions.append(Comment.assigned_to_id == user.id)
    elif filters.reviewer_user is not None:
        conditions.append(Comment.assigned_to_id == filters.reviewer_user.id)
    if filters.q:
        text = filters.q
        named = (
            select(Submission.id)
            .join(Organisation, Submission.organisation_id == Organisation.id)
            .where(
                Submission.consultation_id == consultation.id,
                or_(_contains(Organisation.name, text), _contains(Organisation.acronym, text)),
            )
        )
        searched = [
            _contains(Comment.body, text),
            _contains(Comment.proposed_wording, text),
            _contains(Comment.rationale, text),
            Comment.submission_id.in_(named),
        ]
        if db.session.get_bind().dialect.name == "postgresql":
            # One indexed lookup per column (trigram indexes, the submission index), then
            # their union: an OR with a sub-select would read the comments in id order.
            conditions.append(
                Comment.id.in_(
                    union(*(
                        select(Comment.id).where(
                            Comment.consultation_id == consultation.id, condition
                        )
                        for condition in searched
                    ))
                )
            )
        else:
            conditions.append(or_(*searched))
    return conditions


def _ordered_ids(conditions: list[ColumnElement[bool]], sort: str) -> Select[Any]:
    query = select(Comment.id).where(*conditions)
    if sort == "oldest":
        return query.order_by(Comment.id)
    if sort == "provision":
        return query.join(Provision, Comment.provision_id == Provision.id).order_by(
            Provision.position, Comment.id
        )
    if sort == "organisation":
        return (
            query.join(Submission, Comment.submission_id == Submission.id)
            .join(Organisation, Submission.organisation_id == Organisation.id)
            .order_by(Organisation.name, Comment.id)
        )
    return query.order_by(Comment.id.desc())


def _load_comments(ids: list[int]) -> list[Comment]:
    """The comments with these ids, in this order, with what a queue row shows."""
    if not ids:
        return []
    loaded = db.session.scalars(
        select(Comment)
        .where(Comment.id.in_(ids))
        .options(
            joinedload(Comment.submission).joinedload(Submission.organisation),
            joinedload(Comment.provision),
            joinedload(Comment.disposition),
            selectinload(Comment.themes),
        )
    ).unique()
    by_id = {c.id: c for c in loaded}
    return [by_id[i] for i in ids if i in by_id]


class QueuePagination(Pagination):
    """One page of the queue: ids in SQL order, then the rows; the count as given."""

    def _query_items(self) -> list[Any]:
        ids_query: Select[Any] = self._query_args["ids"]
        ids = list(
            db.session.scalars(ids_query.limit(self.per_page).offset(self._query_offset))
        )
        return _load_comments(ids)

    def _query_count(self) -> int:
        return int(db.session.scalar(self._query_args["count_query"]) or 0)


def queue_page(consultation: Consultation, filters: QueueFilters, user: User) -> QueuePagination:
    """One page of the filtered queue and the number of comments that match."""
    conditions = queue_conditions(consultation, filters, user)
    count = select(func.count()).select_from(Comment).where(*conditions)
    return QueuePagination(
        page=filters.page,
        per_page=PER_PAGE,
        max_per_page=None,
        error_out=True,
        ids=_ordered_ids(conditions, filters.sort),
        count_query=count,
    )


def queue_comments(consultation: Consultation, ids: list[int]) -> list[Comment]:
    """The comments among ``ids`` that are in the consultation's queue (for bulk actions)."""
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Comment)
            .join(Submission, Comment.submission_id == Submission.id)
            .where(
                Comment.id.in_(ids),
                Comment.consultation_id == consultation.id,
                Submission.status == SubmissionStatus.SUBMITTED,
            )
            .options(selectinload(Comment.themes))
            .order_by(Comment.id)
        )
    )


def snippet(text: str, lines: int = 3, length: int = 280) -> str:
    """The first lines of a comment, shortened for a table cell."""
    kept = [line for line in text.strip().splitlines() if line.strip()][:lines]
    short = "\n".join(kept)
    if len(short) > length:
        return short[:length].rstrip() + "…"
    if len(short) < len(text.strip()):
        return short + " …"
    return short
