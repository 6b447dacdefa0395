"""Rows of the compilation and of the disposition table, streamed from the database.

Each batch of comments costs a constant number of queries: the main query is read with
``yield_per`` (a server-side cursor on PostgreSQL), and each partition adds one query
for the themes and one for the co-signers of the comments in it.

Confidentiality: a *public* audience sees only comments with ``is_public`` (submitted,
publishable, published, not withdrawn), only published dispositions, never an internal
note, and no organisation name when the consultation does not allow attribution. The
*internal* audience (secretariat) sees every submitted comment, marked by status.
"""

from __future__ import annotations

import enum
import logging
from collections import defaultdict
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, String, and_, func, select, type_coerce
from sqlalchemy.orm import aliased

from consult_app.accounts.models import (
    Organisation,
    OrgCategory,
    RegionalGroup,
    VerificationStatus,
)
from consult_app.consultations.models import Consultation
from consult_app.extensions import db
from consult_app.review.models import (
    Disposition,
    DuplicateGroup,
    GroupKind,
    GroupStatus,
    Outcome,
    Theme,
    comment_themes,
)
from consult_app.submissions.models import (
    Channel,
    Comment,
    CommentKind,
    Cosigner,
    ModerationStatus,
    OnBehalfKind,
    Position,
    Submission,
    SubmissionStatus,
)
from consult_app.texts.languages import reading_language
from consult_app.texts.models import (
    TEXT_LANGUAGES,
    Paragraph,
    Provision,
    ProvisionKind,
    ProvisionTranslation,
    language_name,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000

Progress = Callable[[int, int], None]
"""Called with (rows done, rows in all) after each batch."""


@dataclass(frozen=True)
class Audience:
    """Who an export is for: the public (attribution as the consultation allows) or staff."""

    internal: bool
    attribution: bool

    @classmethod
    def for_consultation(cls, consultation: Consultation, internal: bool) -> Audience:
        return cls(internal=internal, attribution=internal or consultation.allow_attribution)


@dataclass(frozen=True)
class Column:
    key: str
    header: Any  # a lazy string; str() at write time, in the active locale
    width: int = 14
    wrap: bool = False


class Labels:
    """Translated labels memoised for one export (gettext per cell would dominate the time).

    Enum columns are read as their stored values (no Enum object built per cell), so the
    labels are looked up by value in one dictionary per enum, built in the active locale.
    """

    def __init__(self, titles: dict[tuple[str, str], str] | None = None) -> None:
        self._cache: dict[Any, str] = {}
        self._tables: dict[type[enum.Enum], dict[Any, str]] = {}
        #: Provision titles in the export's language, by (kind value, number); None: the
        #: export is in the original's language.
        self.titles = titles

    def __call__(self, member: Any) -> str:
        try:
            return self._cache[member]
        except KeyError:
            value = self._cache[member] = str(member.label)
            return value

    def table(self, enum_cls: type[enum.Enum]) -> dict[Any, str]:
        """{stored value: label} for every member of ``enum_cls``."""
        try:
            return self._tables[enum_cls]
        except KeyError:
            table = self._tables[enum_cls] = {
                member.value: str(member.label)  # type: ignore[attr-defined]
                for member in enum_cls
            }
            return table

    def provision(self, kind: Any, number: str, title: str | None = None) -> str:
        """The label of a provision; ``kind`` is a ProvisionKind or its stored value."""
        key = ("provision", kind, number, title)
        try:
            return self._cache[key]
        except KeyError:
            if title and self.titles is not None:
                kind_value = kind.value if isinstance(kind, ProvisionKind) else kind
                title = self.titles.get((kind_value, number), title)
            value = self._cache[key] = provision_label(ProvisionKind(kind), number, title)
            return value

    def text(self, message: str) -> str:
        key = ("text", message)
        try:
            return self._cache[key]
        except KeyError:
            value = self._cache[key] = _(message)
            return value


def translated_titles(consultation: Consultation) -> dict[tuple[str, str], str] | None:
    """The titles of the consulted provisions in the export's language (the active locale)
    where the text has a version in it, else the original's marked "(original text)"; None
    when the export is in the original's language (one query)."""
    version = consultation.version
    language = reading_language(version, str(get_locale() or ""))
    if language is None:
        return None
    mark = " " + _("(original text)")
    rows = db.session.execute(
        select(Provision.kind, Provision.number, Provision.title, ProvisionTranslation.title)
        .outerjoin(
            ProvisionTranslation,
            and_(
                ProvisionTranslation.provision_id == Provision.id,
                ProvisionTranslation.language == language,
            ),
        )
        .where(Provision.version_id == version.id, Provision.title.is_not(None))
    )
    return {
        (kind.value, number): translated or f"{title}{mark}"
        for kind, number, title, translated in rows
    }


def provision_label(kind: ProvisionKind, number: str, title: str | None = None) -> str:
    label = f"PP{number}" if kind is ProvisionKind.PREAMBLE else _("Article %(n)s", n=number)
    return f"{label}. {title}" if title else label


# --- compilation ------------------------------------------------------------------------

_COMPILATION_COLUMNS = [
    Column("provision", _l("Provision"), 18),
    Column("paragraph", _l("Paragraph"), 10),
    Column("organisation", _l("Organisation"), 30, True),
    Column("category", _l("Category"), 22),
    Column("regional_group", _l("Regional group"), 22),
    Column("on_behalf", _l("On behalf of"), 24, True),
    Column("cosigners", _l("Co-signers"), 28, True),
    Column("channel", _l("Channel"), 12),
    Column("position", _l("Position"), 18),
    Column("kind", _l("Kind"), 14),
    Column("comment", _l("Comment"), 60, True),
    Column("proposed_wording", _l("Proposed wording"), 50, True),
    Column("rationale", _l("Rationale"), 40, True),
    Column("language", _l("Language of the comment"), 14),
    Column("themes", _l("Themes"), 24, True),
    Column("unverified", _l("Unverified organisation"), 12),
    Column("group", _l("Campaign or duplicate group"), 18),
    Column("outcome", _l("Disposition"), 16),
    Column("explanation", _l("Explanation"), 50, True),
]

_INTERNAL_COLUMNS = [
    Column("comment_id", _l("Comment number"), 10),
    Column("receipt", _l("Receipt number"), 18),
    Column("status", _l("Moderation status"), 22),
    Column("not_for_publication", _l("Not for publication"), 12),
    Column("withdrawn", _l("Withdrawn"), 10),
    Column("redacted", _l("Redacted for the public"), 12),
    Column("disposition_published", _l("Disposition published"), 12),
    Column("internal_note", _l("Internal note"), 40, True),
]


def compilation_columns(audience: Audience) -> list[Column]:
    return _COMPILATION_COLUMNS + (_INTERNAL_COLUMNS if audience.internal else [])


_DISPOSITION_COLUMNS = [
    Column("number", _l("No."), 8),
    Column("provision", _l("Provision"), 18),
    Column("paragraph", _l("Paragraph"), 10),
    Column("organisation", _l("Organisation"), 30, True),
    Column("category", _l("Category"), 22),
    Column("position", _l("Position"), 18),
    Column("comment", _l("Comment"), 60, True),
    Column("proposed_wording", _l("Proposed wording"), 50, True),
    Column("outcome", _l("Disposition"), 16),
    Column("explanation", _l("Explanation"), 50, True),
    Column("change_reference", _l("Change made"), 30, True),
    Column("resulting_provision", _l("Resulting provision"), 18),
]

_DISPOSITION_INTERNAL_COLUMNS = [
    Column("comment_id", _l("Comment number"), 10),
    Column("status", _l("Moderation status"), 22),
    Column("disposition_published", _l("Disposition published"), 12),
    Column("internal_note", _l("Internal note"), 40, True),
    Column("decided_at", _l("Decided at (UTC)"), 20),
]


def disposition_columns(audience: Audience) -> list[Column]:
    return _DISPOSITION_COLUMNS + (_DISPOSITION_INTERNAL_COLUMNS if audience.internal else [])


# --- the query ---------------------------------------------------------------------------

ResultProvision = aliased(Provision)


def _visible_comments(consultation: Consultation, audience: Audience) -> list[Any]:
    """WHERE clauses: which comments of the consultation this audience may see."""
    clauses: list[Any] = [
        Comment.consultation_id == consultation.id,
        Submission.status == SubmissionStatus.SUBMITTED,
    ]
    if not audience.internal:
        # is_public already requires a publishable, submitted submission, a published and
        # not withdrawn comment, and a consultation that publishes submissions; the extra
        # conditions keep a stale flag from ever leaking a confidential submission.
        clauses += [
            Comment.is_public.is_(True),
            Submission.publishable.is_(True),
            Comment.moderation_status == ModerationStatus.PUBLISHED,
            Comment.withdrawn_at.is_(None),
        ]
        if not consultation.publish_submissions:
            clauses.append(Comment.id.is_(None))
    return clauses


def _raw(column: Any, name: str) -> Any:
    """An enum column read as its stored value (the rows map values to labels directly)."""
    return type_coerce(column, String).label(name)


def _rows_statement(
    consultation: Consultation, audience: Audience, *, with_disposition_only: bool
) -> Select[Any]:
    # The public reads the redacted text of each redacted part; the secretariat, the
    # originals (and whether anything was redacted).
    if audience.internal:
        texts: list[Any] = [
            Comment.body,
            Comment.proposed_wording,
            Comment.rationale,
            Comment.is_redacted.label("redacted"),
        ]
    else:
        texts = [
            Comment.public_body.label("body"),
            Comment.public_proposed_wording.label("proposed_wording"),
            Comment.public_rationale.label("rationale"),
        ]
    columns: list[Any] = [
        Comment.id,
        Comment.submission_id,
        _raw(Comment.position, "position"),
        _raw(Comment.kind, "kind"),
        Comment.language,
        *texts,
        _raw(Comment.moderation_status, "moderation_status"),
        Comment.withheld_reason,
        Comment.withdrawn_at,
        _raw(Provision.kind, "provision_kind"),
        Provision.number.label("provision_number"),
        Provision.title.label("provision_title"),
        Paragraph.label.label("paragraph_label"),
        Organisation.name.label("org_name"),
        _raw(Organisation.category, "org_category"),
        _raw(Organisation.regional_group, "org_group"),
        _raw(Organisation.verification_status, "org_verification"),
        _raw(Submission.channel, "channel"),
        _raw(Submission.on_behalf_kind, "on_behalf_kind"),
        _raw(Submission.on_behalf_group, "on_behalf_group"),
        Submission.on_behalf_name,
        Submission.publishable,
        Submission.receipt_number,
        DuplicateGroup.id.label("group_id"),
        _raw(DuplicateGroup.kind, "group_kind"),
        _raw(DuplicateGroup.status, "group_status"),
        _raw(Disposition.outcome, "outcome"),
        Disposition.public_explanation,
        Disposition.published_at,
        Disposition.change_reference,
        Disposition.decided_at,
        _raw(ResultProvision.kind, "result_kind"),
        ResultProvision.number.label("result_number"),
    ]
    if audience.internal:
        columns.append(Disposition.internal_note)
    stmt = (
        select(*columns)
        .join(Submission, Submission.id == Comment.submission_id)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .join(Provision, Provision.id == Comment.provision_id)
        .outerjoin(Paragraph, Paragraph.id == Comment.paragraph_id)
        .outerjoin(DuplicateGroup, DuplicateGroup.id == Comment.duplicate_group_id)
        .outerjoin(Disposition, Disposition.comment_id == Comment.id)
        .outerjoin(ResultProvision, ResultProvision.id == Disposition.resulting_provision_id)
        .where(*_visible_comments(consultation, audience))
    )
    if with_disposition_only:
        stmt = stmt.where(Disposition.id.is_not(None))
        if not audience.internal:
            stmt = stmt.where(Disposition.published_at.is_not(None))
    order: list[Any] = [Provision.position, Paragraph.position.nulls_first()]
    # Without attribution, rows are not ordered by a name the reader must not learn.
    order += [Organisation.name] if audience.attribution else [Organisation.category]
    order.append(Comment.id)
    return stmt.order_by(*order)


def _count(consultation: Consultation, audience: Audience, *, with_disposition_only: bool) -> int:
    stmt = _rows_statement(consultation, audience, with_disposition_only=with_disposition_only)
    return int(
        db.session.execute(
            select(func.count()).select_from(stmt.order_by(None).subquery())
        ).scalar_one()
    )


def count_compilation(consultation: Consultation, audience: Audience) -> int:
    return _count(consultation, audience, with_disposition_only=False)


def count_dispositions(consultation: Consultation, audience: Audience) -> int:
    return _count(consultation, audience, with_disposition_only=True)


def _themes_for(comment_ids: Sequence[int]) -> dict[int, list[str]]:
    result: dict[int, list[str]] = defaultdict(list)
    if not comment_ids:
        return result
    rows = db.session.execute(
        select(comment_themes.c.comment_id, Theme.name)
        .join(Theme, Theme.id == comment_themes.c.theme_id)
        .where(comment_themes.c.comment_id.in_(comment_ids))
        .order_by(comment_themes.c.comment_id, Theme.name)
    )
    for comment_id, name in rows:
        result[comment_id].append(name)
    return result


def _cosigners_for(submission_ids: Sequence[int]) -> dict[int, list[tuple[str, OrgCategory]]]:
    result: dict[int, list[tuple[str, OrgCategory]]] = defaultdict(list)
    if not submission_ids:
        return result
    rows = db.session.execute(
        select(Cosigner.submission_id, Organisation.name, Organisation.category)
        .join(Organisation, Organisation.id == Cosigner.organisation_id)
        .where(Cosigner.submission_id.in_(submission_ids))
        .order_by(Cosigner.submission_id, Organisation.name)
    )
    for submission_id, name, category in rows:
        result[submission_id].append((name, category))
    return result


def _stream(
    consultation: Consultation,
    audience: Audience,
    *,
    with_disposition_only: bool,
    batch_size: int,
    progress: Progress | None,
) -> Iterator[tuple[Any, dict[int, list[str]], dict[int, list[tuple[str, OrgCategory]]]]]:
    # The total is counted only for a progress report (it costs a second scan).
    total = (
        _count(consultation, audience, with_disposition_only=with_disposition_only)
        if progress is not None else 0
    )
    stmt = _rows_statement(consultation, audience, with_disposition_only=with_disposition_only)
    result = db.session.execute(stmt.execution_options(yield_per=batch_size))
    done = 0
    try:
        for batch in result.partitions():
            themes = _themes_for([row.id for row in batch])
            cosigners = _cosigners_for(sorted({row.submission_id for row in batch}))
            for row in batch:
                yield row, themes, cosigners
            done += len(batch)
            if progress is not None:
                progress(done, total)
    finally:
        result.close()  # a reader that stops early releases the server-side cursor
    if progress is not None and done == 0:
        progress(0, 0)


# --- presenting one row -----------------------------------------------------------------
#
# A row is presented by a closure built once per export: the labels of every enum are
# looked up in a dictionary by stored value, and the translated words are fetched once,
# so a row costs no gettext call, no Enum construction and few function calls.

Themes = dict[int, list[str]]
Cosigners = dict[int, list[tuple[str, OrgCategory]]]

_REGIONAL_GROUP = OnBehalfKind.REGIONAL_GROUP.value
_COALITION = OnBehalfKind.COALITION.value
_VERIFIED = VerificationStatus.VERIFIED.value
_WITHHELD = ModerationStatus.WITHHELD.value
_DISMISSED = GroupStatus.DISMISSED.value
_CONFIRMED = GroupStatus.CONFIRMED.value
_SUGGESTED = GroupStatus.SUGGESTED.value
_CAMPAIGN = GroupKind.CAMPAIGN.value


class _Common:
    """What the compilation and the disposition table present alike, for one audience."""

    def __init__(self, audience: Audience, labels: Labels) -> None:
        self.audience = audience
        self.labels = labels
        self.category = labels.table(OrgCategory)
        self.status_label = labels.table(ModerationStatus)
        self.yes = labels.text("yes")

    def organisation(self, row: Any) -> str:
        if self.audience.attribution:
            return str(row.org_name)
        return self.category[row.org_category]

    def status(self, row: Any) -> str:
        status = self.status_label[row.moderation_status]
        if row.moderation_status == _WITHHELD and row.withheld_reason:
            status += f" ({row.withheld_reason})"
        return status


def _compilation_presenter(
    audience: Audience, labels: Labels
) -> Callable[[Any, Themes, Cosigners], list[Any]]:
    common = _Common(audience, labels)
    internal, attribution = audience.internal, audience.attribution
    category = common.category
    regional_group = labels.table(RegionalGroup)
    channel = labels.table(Channel)
    position = labels.table(Position)
    comment_kind = labels.table(CommentKind)
    outcome = labels.table(Outcome)
    languages = {code: language_name(code) for code in TEXT_LANGUAGES}
    provision = labels.provision
    organisation, status = common.organisation, common.status
    yes = common.yes
    a_coalition = labels.text("a group or coalition")
    campaign, duplicates = labels.text("Campaign"), labels.text("Duplicates")
    suggested = " (" + labels.text("suggested") + ")"

    def on_behalf(row: Any) -> str:
        kind = row.on_behalf_kind
        if kind == _REGIONAL_GROUP and row.on_behalf_group:
            return regional_group[row.on_behalf_group]
        if kind == _COALITION:
            return str(row.on_behalf_name) if attribution else a_coalition
        return ""

    def cosigner_text(items: list[tuple[str, OrgCategory]]) -> str:
        if attribution:
            return "; ".join(name for name, _category in items)
        return "; ".join(labels(item_category) for _name, item_category in items)

    def group(row: Any) -> str:
        group_status = row.group_status
        if row.group_id is None or group_status == _DISMISSED:
            return ""
        if not internal and group_status != _CONFIRMED:
            return ""
        text = f"{campaign if row.group_kind == _CAMPAIGN else duplicates} {row.group_id}"
        if internal and group_status == _SUGGESTED:
            text += suggested
        return text

    def present(row: Any, themes: Themes, cosigners: Cosigners) -> list[Any]:
        decided = row.outcome is not None
        disposition = decided and (internal or row.published_at is not None)
        org_group = row.org_group
        signers = cosigners.get(row.submission_id)
        comment_themes = themes.get(row.id)
        values: list[Any] = [
            provision(row.provision_kind, row.provision_number, row.provision_title),
            row.paragraph_label or "",
            organisation(row),
            category[row.org_category],
            regional_group[org_group] if org_group else "",
            on_behalf(row) if row.on_behalf_kind else "",
            cosigner_text(signers) if signers else "",
            channel[row.channel],
            position[row.position],
            comment_kind[row.kind],
            row.body,
            row.proposed_wording or "",
            row.rationale or "",
            languages.get(row.language, row.language or ""),
            "; ".join(comment_themes) if comment_themes else "",
            yes if row.org_verification != _VERIFIED else "",
            group(row) if row.group_id is not None else "",
            outcome[row.outcome] if disposition else "",
            (row.public_explanation or "") if disposition else "",
        ]
        if internal:
            values += [
                row.id,
                row.receipt_number or "",
                status(row),
                yes if not row.publishable else "",
                yes if row.withdrawn_at is not None else "",
                yes if row.redacted else "",
                (yes if row.published_at is not None else "") if decided else "",
                row.internal_note or "",
            ]
        return values

    return present


def compilation_rows(
    consultation: Consultation,
    audience: Audience,
    *,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> Iterator[list[Any]]:
    """The compilation by provision, one list of cell values per comment, in order."""
    present = _compilation_presenter(audience, Labels(translated_titles(consultation)))
    for row, themes, cosigners in _stream(
        consultation,
        audience,
        with_disposition_only=False,
        batch_size=batch_size,
        progress=progress,
    ):
        yield present(row, themes, cosigners)


def disposition_rows(
    consultation: Consultation,
    audience: Audience,
    *,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> Generator[list[Any], None, None]:
    """The disposition of comments table, one list of cell values per decided comment."""
    stream = _stream(
        consultation,
        audience,
        with_disposition_only=True,
        batch_size=batch_size,
        progress=progress,
    )
    labels = Labels(translated_titles(consultation))
    common = _Common(audience, labels)
    position = labels.table(Position)
    outcome = labels.table(Outcome)
    provision = labels.provision
    for number, (row, _themes, _cosigners) in enumerate(stream, start=1):
        result = (
            provision(row.result_kind, row.result_number) if row.result_kind is not None else ""
        )
        values: list[Any] = [
            number,
            provision(row.provision_kind, row.provision_number, row.provision_title),
            row.paragraph_label or "",
            common.organisation(row),
            common.category[row.org_category],
            position[row.position],
            row.body,
            row.proposed_wording or "",
            outcome[row.outcome],
            row.public_explanation or "",
            row.change_reference or "",
            result,
        ]
        if audience.internal:
            values += [
                row.id,
                common.status(row),
                common.yes if row.published_at is not None else "",
                row.internal_note or "",
                row.decided_at.strftime("%Y-%m-%d %H:%M") if row.decided_at else "",
            ]
        yield values
