"""Submissions received outside the platform: letters, e-mails, notes verbales, statements.

The secretariat records them on behalf of an organisation, one at a time or in bulk from a
.csv or .xlsx file. They go through the same checks as online submissions (the rules of
:mod:`consult_app.submissions.editing` and :mod:`consult_app.submissions.commenting`), get
a receipt number and a kept revision, and leave audit entries. Operations flush and never
commit.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from consult_app.accounts.models import (
    Organisation,
    RegionalGroup,
    User,
    VerificationStatus,
)
from consult_app.consultations.models import Consultation, PublicationMode
from consult_app.core.audit import insert_rows, log_actions
from consult_app.core.errors import Conflict, NotAllowed, UserError
from consult_app.core.models import utcnow
from consult_app.core.spreadsheets import FORMULA_STARTS, TableRow, read_table
from consult_app.extensions import db
from consult_app.submissions.commenting import (
    CommentFields,
    apply_unsubmitted_edits,
    validated_comment,
)
from consult_app.submissions.editing import (
    clean_text,
    comment_state,
    lock_submission,
    refresh_public_flags,
    submission_state,
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
    SubmissionRevision,
    SubmissionStatus,
)
from consult_app.submissions.operations import SubmissionDetails, find_submission, validated_details
from consult_app.submissions.submitting import build_snapshot, receipt_number_for
from consult_app.texts.models import Paragraph, Provision, ProvisionKind

logger = logging.getLogger(__name__)

OFFLINE_CHANNELS = (Channel.EMAIL, Channel.LETTER, Channel.NOTE_VERBALE, Channel.ORAL)
MAX_DETAIL = 300
# A clock a few minutes ahead of the server's is not "the future".
CLOCK_SKEW = timedelta(minutes=5)


# --- recording one submission ----------------------------------------------------------


@dataclass(frozen=True)
class RecordResult:
    submission: Submission
    revision: SubmissionRevision | None  # None: everything was already recorded
    created: bool  # False: added to the organisation's existing submission
    comments: list[Comment]


def check_offline_channel(channel: Channel, channel_detail: str | None) -> str | None:
    """The cleaned reference or meeting name; an oral statement must name its meeting."""
    if channel not in OFFLINE_CHANNELS:
        raise UserError(
            _("Choose how the submission was received: e-mail, letter, note verbale or oral "
              "statement.")
        )
    detail = clean_text(channel_detail, MAX_DETAIL)
    if detail:
        detail = " ".join(detail.split())
    if channel is Channel.ORAL and not detail:
        raise UserError(
            _("For an oral statement, name the meeting where it was made (for example "
              "“Global consultation, Geneva, January 2023”).")
        )
    return detail


def check_received_at(received_at: datetime, now: datetime) -> datetime:
    if received_at.tzinfo is None:
        raise UserError(_("The date of receipt needs a time zone."))
    if received_at > now + CLOCK_SKEW:
        raise UserError(_("The date of receipt is in the future."))
    return received_at


def organisation_refusal(consultation: Consultation, organisation: Organisation) -> str | None:
    """Why a submission of ``organisation`` cannot be recorded, or None."""
    if organisation.verification_status is VerificationStatus.REJECTED:
        return _("The registration of %(name)s was rejected, so it cannot take part.",
                 name=organisation.name)
    if not consultation.is_eligible(organisation):
        return _(
            "Organisations of the category “%(category)s” are not invited to this consultation.",
            category=organisation.category.label,
        )
    return None


def _probe(consultation: Consultation) -> Submission:
    # validated_comment() reads only the consultation of the submission; a transient
    # object (never added to the session) lets comments be checked before anything exists.
    return Submission(consultation=consultation, consultation_id=consultation.id)


def _merge_remarks(current: str | None, new: str | None) -> str | None:
    if not new:
        return current
    if not current:
        return new
    if new in current:
        return current
    return f"{current}\n\n{new}"


def _insert_comments(submission: Submission, rows: list[dict[str, Any]]) -> list[Comment]:
    """Insert the comments of ``submission`` in one statement; the new Comment objects."""
    if not rows:
        return []
    # The submission is new or locked (lock_submission): its comments with an id above
    # those it had are the ones inserted here. No RETURNING (SQLite would then insert one
    # row per statement); multi-row statements, not executemany: PostgreSQL
    # (psycopg) would run one INSERT, and fire the counts triggers, per row.
    known = max((c.id for c in submission.comments), default=0)
    for row in rows:
        row["submission_id"] = submission.id
    insert_rows(Comment.__table__, rows)
    added = db.session.scalars(
        select(Comment)
        .where(Comment.submission_id == submission.id, Comment.id > known)
        .order_by(Comment.id)
    ).all()
    assert len(added) == len(rows)
    # The submission's comments (the revision's snapshot reads them) now include them.
    db.session.expire(submission, ["comments"])
    return list(added)


def record_offline_submission(
    actor: User,
    consultation: Consultation,
    organisation: Organisation,
    *,
    channel: Channel,
    channel_detail: str | None,
    received_at: datetime,
    general_remarks: str | None = None,
    comments: Sequence[tuple[Provision, CommentFields]] = (),
    publishable: bool = True,
    on_behalf_kind: OnBehalfKind = OnBehalfKind.NONE,
    on_behalf_group: RegionalGroup | None = None,
    on_behalf_name: str | None = None,
    cosigner_ids: Sequence[int] = (),
    now: datetime | None = None,
) -> RecordResult:
    """Record a submission received by e-mail, letter, note verbale or orally, submitted."""
    if not consultation.can_manage(actor):
        raise NotAllowed(_("Only the secretariat records submissions received outside."))
    moment = now or utcnow()
    detail = check_offline_channel(channel, channel_detail)
    check_received_at(received_at, moment)
    if not consultation.has_opened(moment):
        raise UserError(_("This consultation is not open yet."))
    reason = organisation_refusal(consultation, organisation)
    if reason:
        raise UserError(reason)
    valid = validated_details(
        organisation,
        SubmissionDetails(
            general_remarks=general_remarks,
            on_behalf_kind=on_behalf_kind,
            on_behalf_group=on_behalf_group,
            on_behalf_name=on_behalf_name,
            publishable=publishable,
            cosigner_ids=cosigner_ids,
        ),
    )
    probe = _probe(consultation)
    values = [validated_comment(probe, provision, fields) for provision, fields in comments]
    if not values and not valid.general_remarks:
        raise UserError(_("Nothing to record: add at least one comment or general remarks."))

    submission = find_submission(consultation, organisation)
    created = submission is None
    before: dict[str, Any] | None = None
    if submission is None:
        submission = Submission(
            consultation=consultation,
            organisation=organisation,
            created_by_id=actor.id,
            recorded_by_id=actor.id,
            status=SubmissionStatus.DRAFT,
            channel=channel,
            channel_detail=detail,
            received_at=received_at,
            general_remarks=valid.general_remarks,
            on_behalf_kind=on_behalf_kind,
            on_behalf_group=valid.on_behalf_group,
            on_behalf_name=valid.on_behalf_name,
            publishable=bool(publishable),
        )
        try:
            with db.session.begin_nested():
                db.session.add(submission)
                db.session.flush()
        except IntegrityError:
            raise Conflict(
                _("A submission of %(name)s was recorded at the same moment. Reload the page.",
                  name=organisation.name)
            ) from None
    else:
        lock_submission(submission)
        if submission.channel is Channel.ONLINE and (
            not submission.is_submitted or submission.has_unsubmitted_changes
        ):
            raise Conflict(
                _(
                    "%(name)s has changes on the platform that it has not submitted. Recording "
                    "now would submit them on its behalf: ask it to submit first.",
                    name=organisation.name,
                )
            )
        before = submission_state(submission)
        submission.general_remarks = _merge_remarks(
            submission.general_remarks, valid.general_remarks
        )
        # Never publish what anyone asked to keep unpublished.
        submission.publishable = submission.publishable and bool(publishable)
        if submission.on_behalf_kind is OnBehalfKind.NONE and on_behalf_kind is not (
            OnBehalfKind.NONE
        ):
            submission.on_behalf_kind = on_behalf_kind
            submission.on_behalf_group = valid.on_behalf_group
            submission.on_behalf_name = valid.on_behalf_name

    current_cosigners = {c.organisation_id for c in submission.cosigners}
    for org_id, cosigner in valid.cosigners.items():
        if org_id not in current_cosigners:
            submission.cosigners.append(Cosigner(organisation=cosigner))

    # What each comment says, to leave out those already recorded (the same form or file
    # sent twice): a set, so that a file of 20,000 rows costs 20,000 look-ups, not 20,000².
    fields = list(values[0]) if values else []
    recorded = {
        tuple(getattr(c, k) for k in fields) for c in submission.active_comments
    }
    # The new comments as rows, inserted below with one multi-row INSERT (not 20,000 ORM
    # objects flushed one by one); published at once in the IMMEDIATE publication mode.
    moderation = (
        ModerationStatus.PUBLISHED
        if consultation.publication_mode is PublicationMode.IMMEDIATE
        else ModerationStatus.PENDING
    )
    new_rows: list[dict[str, Any]] = []
    for item in values:
        key = tuple(item[k] for k in fields)
        if key in recorded:
            continue
        recorded.add(key)
        new_rows.append({
            "consultation_id": consultation.id,
            "created_by_id": actor.id,
            "moderation_status": moderation,
            "is_public": False,
            **item,
        })

    if before is not None and not new_rows and submission_state(submission) == before:
        return RecordResult(submission, None, False, [])
    # The revision recorded here includes what the authors edited since they submitted.
    apply_unsubmitted_edits(submission)

    if not submission.is_submitted:
        submission.status = SubmissionStatus.SUBMITTED
        submission.submitted_at = received_at
        submission.receipt_number = receipt_number_for(submission)
    submission.revision_count += 1
    submission.last_submitted_at = moment
    submission.has_unsubmitted_changes = False
    try:
        db.session.flush()
        added = _insert_comments(submission, new_rows)
        received = {
            "channel": channel.value,
            "channel_detail": detail,
            "received_at": received_at.isoformat(),
            "recorded_by_id": actor.id,
        }
        revision = SubmissionRevision(
            submission=submission,
            number=submission.revision_count,
            submitted_at=moment,
            submitted_by_id=actor.id,
            snapshot={**build_snapshot(submission), "received": received},
        )
        db.session.add(revision)
        db.session.flush()
    except IntegrityError:
        raise Conflict(
            _("This submission was being changed at the same moment elsewhere. Reload the page.")
        ) from None
    refresh_public_flags(submission)
    # One INSERT for the entries of every comment and of the submission (a file of 20,000
    # rows would otherwise append them one statement at a time).
    log_actions(
        actor,
        [
            *(("add_comment", comment, None, comment_state(comment)) for comment in added),
            (
                "record_offline_submission",
                submission,
                before,
                {
                    **submission_state(submission),
                    **received,
                    "revision": revision.number,
                    "comments_added": len(added),
                },
            ),
        ],
    )
    logger.info(
        "offline submission %s (%s) recorded by user %s: revision %s, %d comments",
        submission.id,
        channel.value,
        actor.id,
        revision.number,
        len(added),
    )
    return RecordResult(submission, revision, created, added)


# --- reading provisions, paragraphs and values -----------------------------------------

_PREAMBLE = re.compile(r"(?:pp|preamble|preambular(?:\s+paragraph)?)\s*\.?\s*(\w+)", re.I)
_ARTICLE = re.compile(r"(?:art(?:icle)?\s*\.?)?\s*(\w+)", re.I)


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


class ProvisionIndex:
    """The provisions of a consultation's text, found by label ("PP3", "Article 4", "4")."""

    def __init__(self, consultation: Consultation) -> None:
        provisions = db.session.scalars(
            select(Provision)
            .where(Provision.version_id == consultation.version_id)
            .options(selectinload(Provision.paragraphs))
            .order_by(Provision.position)
        ).all()
        self.provisions = list(provisions)
        self.by_key = {(p.kind, p.number.casefold()): p for p in provisions}

    def find(self, raw: str) -> Provision | None:
        text = raw.strip()
        match = _PREAMBLE.fullmatch(text)
        if match:
            return self.by_key.get((ProvisionKind.PREAMBLE, match.group(1).casefold()))
        match = _ARTICLE.fullmatch(text)
        if match:
            return self.by_key.get((ProvisionKind.ARTICLE, match.group(1).casefold()))
        return None


def find_paragraph(provision: Provision, raw: str) -> Paragraph:
    """The paragraph of ``provision`` labelled ``raw`` ("2", "2.", "(a)", "1(a)")."""
    wanted = _key(raw)
    by_id = {p.id: p for p in provision.paragraphs}
    full: dict[str, list[Paragraph]] = {}
    own: dict[str, list[Paragraph]] = {}
    for paragraph in provision.paragraphs:
        labels = []
        node: Paragraph | None = paragraph
        while node is not None:
            labels.append(_key(node.label or ""))
            node = by_id.get(node.parent_id) if node.parent_id else None
        full.setdefault("".join(reversed(labels)), []).append(paragraph)
        own.setdefault(_key(paragraph.label or ""), []).append(paragraph)
    found = full.get(wanted) or own.get(wanted) or []
    if not wanted or not found:
        raise UserError(
            _("%(provision)s has no paragraph “%(label)s”.", provision=provision.label, label=raw)
        )
    if len(found) > 1:
        raise UserError(
            _("Several paragraphs of %(provision)s are labelled “%(label)s”: give the full "
              "label, for example 1(a).", provision=provision.label, label=raw)
        )
    return found[0]


def _word(raw: str) -> str:
    return re.sub(r"[\s\-/]+", "_", raw.strip().casefold()).strip("_")


CHANNEL_WORDS = {
    "email": Channel.EMAIL,
    "e_mail": Channel.EMAIL,
    "mail": Channel.EMAIL,
    "letter": Channel.LETTER,
    "note_verbale": Channel.NOTE_VERBALE,
    "noteverbale": Channel.NOTE_VERBALE,
    "oral": Channel.ORAL,
    "oral_statement": Channel.ORAL,
    "statement": Channel.ORAL,
}
YES = {"yes", "y", "true", "1", "oui", "si", "sí"}
NO = {"no", "n", "false", "0", "non"}
GROUP_WORDS = {
    **{g.value: g for g in RegionalGroup},
    "africa": RegionalGroup.AFRICAN,
    "african_group": RegionalGroup.AFRICAN,
    "african_states": RegionalGroup.AFRICAN,
    "asia_pacific_states": RegionalGroup.ASIA_PACIFIC,
    "asia_pacific_group": RegionalGroup.ASIA_PACIFIC,
    "eastern_european_states": RegionalGroup.EASTERN_EUROPEAN,
    "eastern_european_group": RegionalGroup.EASTERN_EUROPEAN,
    "latin_american_and_caribbean_states": RegionalGroup.GRULAC,
    "western_european_and_other_states": RegionalGroup.WEOG,
}


def parse_channel(raw: str) -> Channel:
    word = _word(raw)
    if word == Channel.ONLINE.value:
        raise UserError(_("Online submissions are made on the platform, not imported."))
    channel = CHANNEL_WORDS.get(word)
    if channel is None:
        raise UserError(_("Unknown channel “%(value)s”: write email, letter, note_verbale or "
                          "oral.", value=raw))
    return channel


def parse_position(raw: str) -> Position:
    try:
        return Position(_word(raw))
    except ValueError:
        raise UserError(
            _("Unknown position “%(value)s”: write one of %(choices)s.", value=raw,
              choices=", ".join(p.value for p in Position))
        ) from None


def parse_kind(raw: str) -> CommentKind:
    word = _word(raw)
    if not word:
        return CommentKind.SUBSTANTIVE
    if word.startswith(("drafting", "editorial")):
        return CommentKind.DRAFTING
    try:
        return CommentKind(word)
    except ValueError:
        raise UserError(
            _("Unknown kind “%(value)s”: write general, substantive or drafting.", value=raw)
        ) from None


def parse_yes_no(raw: str) -> bool:
    word = _word(raw)
    if not word or word in YES:
        return True
    if word in NO:
        return False
    raise UserError(_("Write yes or no, not “%(value)s”.", value=raw))


def parse_received_at(raw: str, zone_name: str) -> datetime:
    """An ISO 8601 date-time with its offset, or a date (midnight in ``zone_name``)."""
    text = raw.strip()
    if not text:
        raise UserError(_("Give the date of receipt."))
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise UserError(_("“%(value)s” is not a date.", value=raw)) from None
        return datetime.combine(day, time(0, 0), tzinfo=zone)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(
            _("“%(value)s” is not a date: write 2023-01-20 or 2023-01-20T15:30+01:00.",
              value=raw)
        ) from None
    if value.tzinfo is None:
        raise UserError(
            _("“%(value)s” has no UTC offset: write it like 2023-01-20T15:30+01:00.", value=raw)
        )
    return value


def parse_on_behalf(
    raw: str, organisation: Organisation
) -> tuple[OnBehalfKind, RegionalGroup | None, str | None]:
    text = " ".join(raw.split())
    if not text:
        return OnBehalfKind.NONE, None, None
    group = GROUP_WORDS.get(_word(text)) or next(
        (g for g in RegionalGroup if g.label.casefold() == text.casefold()), None
    )
    if group is not None:
        if not organisation.category.is_state:
            raise UserError(_("Only a State can make a submission on behalf of a regional group."))
        return OnBehalfKind.REGIONAL_GROUP, group, None
    if len(text) > 300:
        raise UserError(_("The name of the group is too long (at most 300 characters)."))
    return OnBehalfKind.COALITION, None, text


# --- bulk import -----------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    required: bool
    description: Any


COLUMNS: tuple[ColumnDoc, ...] = (
    ColumnDoc("organisation", True, _l("The exact name of a registered organisation.")),
    ColumnDoc("channel", True, _l("email, letter, note_verbale or oral.")),
    ColumnDoc("channel_detail", False, _l(
        "The reference of the letter or e-mail; for oral, the meeting, e.g. "
        "“Global consultation, Geneva, January 2023” (required for oral).")),
    ColumnDoc("received_at", True, _l(
        "When it was received: 2023-01-20T15:30+01:00 (ISO 8601 with the UTC offset), or "
        "a date 2023-01-20 (midnight in the consultation's time zone).")),
    ColumnDoc("provision", True, _l("PP3 for a preambular paragraph; Article 4 or 4.")),
    ColumnDoc("paragraph", False, _l("The paragraph label: 2, or (a), or 1(a). Empty: the "
                                     "whole provision.")),
    ColumnDoc("position", True, _l(
        "support, support_with_amendments, oppose, reservation, propose_deletion or "
        "no_position.")),
    ColumnDoc("kind", False, _l("general, substantive (the default) or drafting.")),
    ColumnDoc("comment", True, _l("The comment itself.")),
    ColumnDoc("proposed_wording", False, _l("The new wording proposed for the provision or "
                                            "paragraph.")),
    ColumnDoc("rationale", False, _l("Why.")),
    ColumnDoc("publishable", False, _l("yes (the default) or no: no keeps the submission "
                                       "unpublished and never named.")),
    ColumnDoc("on_behalf", False, _l(
        "A regional group (african, asia_pacific, eastern_european, grulac, weog) for a "
        "State speaking for its group, or the name of a group or coalition.")),
)
COLUMN_NAMES = {c.name for c in COLUMNS}
COLUMN_ALIASES = {
    "organization": "organisation",
    "paragraph_label": "paragraph",
    "body": "comment",
    "received": "received_at",
    "detail": "channel_detail",
    "reference": "channel_detail",
}


@dataclass(frozen=True)
class RowError:
    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.column:
            return f"line {self.line}, column {self.column}: {self.message}"
        return f"line {self.line}: {self.message}"


class ImportRejected(UserError):
    """The file has problems; nothing of it was imported."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(
            _("Nothing was imported: %(n)d problem(s) found in the file.", n=len(errors))
        )
        self.errors = errors


@dataclass
class PlannedSubmission:
    line: int
    organisation: Organisation
    channel: Channel
    channel_detail: str | None
    received_at: datetime
    publishable: bool
    on_behalf: tuple[OnBehalfKind, RegionalGroup | None, str | None]
    comments: list[tuple[Provision, CommentFields]] = field(default_factory=list)


@dataclass(frozen=True)
class ImportedSubmission:
    organisation: str
    receipt_number: str
    created: bool
    revision: int | None
    comments: int


@dataclass(frozen=True)
class ImportResult:
    submissions: list[ImportedSubmission]
    dry_run: bool

    @property
    def comment_count(self) -> int:
        return sum(s.comments for s in self.submissions)

    @property
    def created_count(self) -> int:
        return sum(1 for s in self.submissions if s.created)

    @property
    def added_count(self) -> int:
        return sum(1 for s in self.submissions if not s.created)


def _unguard(value: str) -> str:
    # Undo the apostrophe that spreadsheet exports put before formula-like text.
    if value.startswith("'") and value[1:2] and value[1:2] in FORMULA_STARTS:
        return value[1:]
    return value


def _header(row: TableRow) -> tuple[dict[str, int], list[RowError]]:
    columns: dict[str, int] = {}
    errors: list[RowError] = []
    for index, raw in enumerate(row.cells):
        name = _word(raw)
        name = COLUMN_ALIASES.get(name, name)
        if not name:
            continue
        if name not in COLUMN_NAMES:
            errors.append(RowError(row.line, raw, _("Unknown column “%(name)s”.", name=raw)))
        elif name in columns:
            errors.append(RowError(row.line, raw, _("The column “%(name)s” appears twice.",
                                                    name=raw)))
        else:
            columns[name] = index
    for column in COLUMNS:
        if column.required and column.name not in columns:
            errors.append(RowError(row.line, column.name, _("The column “%(name)s” is missing.",
                                                            name=column.name)))
    return columns, errors


def plan_import(
    consultation: Consultation, data: bytes, *, now: datetime | None = None
) -> list[PlannedSubmission]:
    """Check every row of the file; the submissions it describes, or :class:`ImportRejected`."""
    moment = now or utcnow()
    rows = read_table(data)
    if not rows:
        raise UserError(_("The file is empty."))
    columns, errors = _header(rows[0])
    if errors:
        raise ImportRejected(errors)
    body = rows[1:]
    if not body:
        raise ImportRejected([RowError(rows[0].line, None, _("The file has no row to import."))])

    def cell(row: TableRow, name: str) -> str:
        index = columns.get(name)
        if index is None or index >= len(row.cells):
            return ""
        return _unguard(row.cells[index].strip())

    names = {cell(row, "organisation") for row in body} - {""}
    # Exact names, or the same name in another case (SQLite folds only ASCII letters).
    organisations = {
        o.name.lower(): o
        for o in db.session.scalars(
            select(Organisation).where(
                or_(
                    Organisation.name.in_(names),
                    func.lower(Organisation.name).in_({n.lower() for n in names}),
                )
            )
        )
    } if names else {}
    index = ProvisionIndex(consultation)
    probe = _probe(consultation)
    plans: dict[tuple[int, Channel, str], PlannedSubmission] = {}

    for row in body:
        row_errors: list[RowError] = []

        def check(column: str, parse: Any, *args: Any, _row: TableRow = row,
                  _errors: list[RowError] = row_errors) -> Any:
            try:
                return parse(cell(_row, column), *args)
            except UserError as error:
                _errors.append(RowError(_row.line, column, error.message))
                return None

        org_name = cell(row, "organisation")
        organisation = organisations.get(org_name.lower()) if org_name else None
        if organisation is None:
            row_errors.append(RowError(row.line, "organisation", _(
                "No registered organisation is called “%(name)s”.", name=org_name)
                if org_name else _("Give the organisation.")))
        else:
            reason = organisation_refusal(consultation, organisation)
            if reason:
                row_errors.append(RowError(row.line, "organisation", reason))
        channel = check("channel", parse_channel)
        detail = None
        if channel is not None:
            detail = check("channel_detail", check_offline_channel_text, channel)
        received_at = check("received_at", parse_received_at, consultation.timezone)
        if received_at is not None:
            try:
                check_received_at(received_at, moment)
            except UserError as error:
                row_errors.append(RowError(row.line, "received_at", error.message))
                received_at = None
        provision_text = cell(row, "provision")
        provision = index.find(provision_text) if provision_text else None
        if provision is None:
            row_errors.append(RowError(row.line, "provision", _(
                "The text under consultation has no provision “%(value)s”.",
                value=provision_text) if provision_text else _("Give the provision.")))
        paragraph = None
        if provision is not None and cell(row, "paragraph"):
            paragraph = check("paragraph", lambda raw, p=provision: find_paragraph(p, raw))
        position = check("position", parse_position)
        kind = check("kind", parse_kind)
        publishable = check("publishable", parse_yes_no)
        on_behalf = None
        if organisation is not None:
            on_behalf = check("on_behalf", parse_on_behalf, organisation)
        fields = None
        if provision is not None and position is not None and kind is not None:
            fields = CommentFields(
                position=position,
                kind=kind,
                body=cell(row, "comment"),
                paragraph=paragraph,
                proposed_wording=cell(row, "proposed_wording") or None,
                rationale=cell(row, "rationale") or None,
            )
            try:
                validated_comment(probe, provision, fields)
            except UserError as error:
                row_errors.append(RowError(row.line, "comment", error.message))
        if row_errors:
            errors.extend(row_errors)
            continue
        assert organisation is not None and channel is not None and received_at is not None
        assert provision is not None and fields is not None and on_behalf is not None
        key = (organisation.id, channel, (detail or "").casefold())
        plan = plans.get(key)
        if plan is None:
            plan = plans[key] = PlannedSubmission(
                line=row.line,
                organisation=organisation,
                channel=channel,
                channel_detail=detail,
                received_at=received_at,
                publishable=bool(publishable),
                on_behalf=on_behalf,
            )
        else:
            for column, mine, theirs in (
                ("received_at", received_at, plan.received_at),
                ("publishable", publishable, plan.publishable),
                ("on_behalf", on_behalf, plan.on_behalf),
            ):
                if mine != theirs:
                    errors.append(RowError(row.line, column, _(
                        "Differs from line %(line)d of the same submission (same organisation, "
                        "channel and detail).", line=plan.line)))
        plan.comments.append((provision, fields))
    if errors:
        raise ImportRejected(errors)
    return list(plans.values())


def check_offline_channel_text(raw: str, channel: Channel) -> str | None:
    return check_offline_channel(channel, raw)


def import_offline_file(
    actor: User,
    consultation: Consultation,
    data: bytes,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
) -> ImportResult:
    """Import every submission of a .csv or .xlsx file, or none of them (one savepoint)."""
    if not consultation.can_manage(actor):
        raise NotAllowed(_("Only the secretariat records submissions received outside."))
    plans = plan_import(consultation, data, now=now)
    imported: list[ImportedSubmission] = []
    savepoint = db.session.begin_nested()
    try:
        for plan in plans:
            kind, group, name = plan.on_behalf
            try:
                result = record_offline_submission(
                    actor,
                    consultation,
                    plan.organisation,
                    channel=plan.channel,
                    channel_detail=plan.channel_detail,
                    received_at=plan.received_at,
                    comments=plan.comments,
                    publishable=plan.publishable,
                    on_behalf_kind=kind,
                    on_behalf_group=group,
                    on_behalf_name=name,
                    now=now,
                )
            except UserError as error:
                raise ImportRejected([RowError(plan.line, None, error.message)]) from None
            imported.append(
                ImportedSubmission(
                    organisation=plan.organisation.name,
                    receipt_number=result.submission.receipt_number or "",
                    created=result.created,
                    revision=result.revision.number if result.revision else None,
                    comments=len(result.comments),
                )
            )
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    if dry_run:
        savepoint.rollback()
    else:
        savepoint.commit()  # releases the savepoint; the caller commits the transaction
        logger.info(
            "user %s imported %d offline submissions into consultation %s",
            actor.id,
            len(imported),
            consultation.id,
        )
    return ImportResult(imported, dry_run)
