"""Importing offline submissions in bulk from a .csv or .xlsx file: the columns the file
may have, checking every row before anything is saved (:func:`plan_import`), then
recording each organisation's submission (:func:`import_offline_file`). A file with any
problem is rejected whole (:class:`ImportRejected`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from consult_app.accounts.models import Organisation, RegionalGroup, User
from consult_app.consultations.models import Consultation
from consult_app.core.audit import AuditRecord, append_records, audit_record, draft_chain
from consult_app.core.errors import NotAllowed, UserError
from consult_app.core.models import utcnow
from consult_app.core.spreadsheets import FORMULA_STARTS, TableRow, read_table
from consult_app.extensions import db
from consult_app.submissions import offline_bulk
from consult_app.submissions.commenting import CommentFields, validated_comment
from consult_app.submissions.models import Channel, ImportStage, OnBehalfKind
from consult_app.submissions.offline import (
    AuditItem,
    check_offline_channel,
    check_received_at,
    organisation_refusal,
    probe_submission,
    record_offline_submission,
)
from consult_app.submissions.offline_values import (
    ProvisionIndex,
    cell_word,
    find_paragraph,
    parse_channel,
    parse_kind,
    parse_on_behalf,
    parse_position,
    parse_received_at,
    parse_yes_no,
)
from consult_app.texts.models import Provision

logger = logging.getLogger(__name__)

#: ``progress(stage, rows done, rows in all)``: told where an import is (a background job
#: shows it); called once per stage and every ``PROGRESS_EVERY`` rows while checking.
Progress = Callable[[ImportStage, int, int], None]
PROGRESS_EVERY = 500
#: Record the submissions a file creates in bulk (False: every group of rows through
#: record_offline_submission, as before; the tests compare the two).
BULK = True

# --- bulk import -----------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    required: bool
    description: Any


COLUMNS: tuple[ColumnDoc, ...] = (
    ColumnDoc("organisation", True, _l("The exact name of a registered organisation.")),
    ColumnDoc("channel", True, _l("email, letter, note_verbale or oral.")),
    ColumnDoc(
        "channel_detail",
        False,
        _l(
            "The reference of the letter or e-mail; for oral, the meeting, e.g. "
            "“Global consultation, Geneva, January 2023” (required for oral)."
        ),
    ),
    ColumnDoc(
        "received_at",
        True,
        _l(
            "When it was received: 2023-01-20T15:30+01:00 (ISO 8601 with the UTC offset), or "
            "a date 2023-01-20 (midnight in the consultation's time zone)."
        ),
    ),
    ColumnDoc("provision", True, _l("PP3 for a preambular paragraph; Article 4 or 4.")),
    ColumnDoc(
        "paragraph",
        False,
        _l("The paragraph label: 2, or (a), or 1(a). Empty: the whole provision."),
    ),
    ColumnDoc(
        "position",
        True,
        _l(
            "support, support_with_amendments, oppose, reservation, propose_deletion or "
            "no_position."
        ),
    ),
    ColumnDoc("kind", False, _l("general, substantive (the default) or drafting.")),
    ColumnDoc("comment", True, _l("The comment itself.")),
    ColumnDoc(
        "proposed_wording", False, _l("The new wording proposed for the provision or paragraph.")
    ),
    ColumnDoc("rationale", False, _l("Why.")),
    ColumnDoc(
        "publishable",
        False,
        _l("yes (the default) or no: no keeps the submission unpublished and never named."),
    ),
    ColumnDoc(
        "on_behalf",
        False,
        _l(
            "A regional group (african, asia_pacific, eastern_european, grulac, weog) for a "
            "State speaking for its group, or the name of a group or coalition."
        ),
    ),
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
            ngettext(
                "Nothing was imported: %(count)s problem found in the file.",
                "Nothing was imported: %(count)s problems found in the file.",
                len(errors),
                count=format_number(len(errors)),
            )
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
    #: What validated_comment made of each comment (checked once, recorded as it is).
    values: list[dict[str, Any]] = field(default_factory=list)


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
        name = cell_word(raw)
        name = COLUMN_ALIASES.get(name, name)
        if not name:
            continue
        if name not in COLUMN_NAMES:
            errors.append(RowError(row.line, raw, _("Unknown column “%(name)s”.", name=raw)))
        elif name in columns:
            errors.append(
                RowError(row.line, raw, _("The column “%(name)s” appears twice.", name=raw))
            )
        else:
            columns[name] = index
    for column in COLUMNS:
        if column.required and column.name not in columns:
            errors.append(
                RowError(
                    row.line, column.name, _("The column “%(name)s” is missing.", name=column.name)
                )
            )
    return columns, errors


def plan_import(
    consultation: Consultation,
    data: bytes,
    *,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> list[PlannedSubmission]:
    """Check every row of the file; the submissions it describes, or :class:`ImportRejected`."""
    moment = now or utcnow()
    if progress:
        progress(ImportStage.READING, 0, 0)
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
    organisations = (
        {
            o.name.lower(): o
            for o in db.session.scalars(
                select(Organisation).where(
                    or_(
                        Organisation.name.in_(names),
                        func.lower(Organisation.name).in_({n.lower() for n in names}),
                    )
                )
            )
        }
        if names
        else {}
    )
    index = ProvisionIndex(consultation)
    probe = probe_submission(consultation)
    plans: dict[tuple[int, Channel, str], PlannedSubmission] = {}
    total = len(body)
    if progress:
        progress(ImportStage.CHECKING, 0, total)

    for number, row in enumerate(body, 1):
        if progress and number % PROGRESS_EVERY == 0:
            progress(ImportStage.CHECKING, number, total)
        row_errors: list[RowError] = []

        def check(
            column: str,
            parse: Any,
            *args: Any,
            _row: TableRow = row,
            _errors: list[RowError] = row_errors,
        ) -> Any:
            try:
                return parse(cell(_row, column), *args)
            except UserError as error:
                _errors.append(RowError(_row.line, column, error.message))
                return None

        org_name = cell(row, "organisation")
        organisation = organisations.get(org_name.lower()) if org_name else None
        if organisation is None:
            row_errors.append(
                RowError(
                    row.line,
                    "organisation",
                    _("No registered organisation is called “%(name)s”.", name=org_name)
                    if org_name
                    else _("Give the organisation."),
                )
            )
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
            row_errors.append(
                RowError(
                    row.line,
                    "provision",
                    _(
                        "The text under consultation has no provision “%(value)s”.",
                        value=provision_text,
                    )
                    if provision_text
                    else _("Give the provision."),
                )
            )
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
        value: dict[str, Any] | None = None
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
                value = validated_comment(probe, provision, fields)
            except UserError as error:
                row_errors.append(RowError(row.line, "comment", error.message))
        if row_errors:
            errors.extend(row_errors)
            continue
        assert organisation is not None and channel is not None and received_at is not None
        assert provision is not None and fields is not None and on_behalf is not None
        assert value is not None
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
                    errors.append(
                        RowError(
                            row.line,
                            column,
                            _(
                                "Differs from line %(line)d of the same submission "
                                "(same organisation, channel and detail).",
                                line=plan.line,
                            ),
                        )
                    )
        plan.comments.append((provision, fields))
        plan.values.append(value)
    if progress:
        progress(ImportStage.CHECKING, total, total)
    if errors:
        raise ImportRejected(errors)
    return list(plans.values())


def check_offline_channel_text(raw: str, channel: Channel) -> str | None:
    return check_offline_channel(channel, raw)


def _in_plan_order(audit: dict[int, list[AuditRecord]]) -> list[AuditRecord]:
    """The audit records of the submissions, in the order of their plans."""
    return [record for index in sorted(audit) for record in audit[index]]


def import_offline_file(
    actor: User,
    consultation: Consultation,
    data: bytes,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import every submission of a .csv or .xlsx file, or none of them (one savepoint).

    What each group of rows records (a new submission, or a new revision of the
    organisation's submission) is worked out before anything is written and written in
    bulk (:mod:`~consult_app.submissions.offline_bulk`): the same rows, ids and audit
    entries (in the same order) as :func:`record_offline_submission` group by group. The
    groups of an organisation whose submission has edits of its authors waiting (or is
    not submitted) are left to :func:`record_offline_submission`, after the bulk write
    (their comments then take their ids after the others').

    ``progress`` hears of the stages and the rows: checked (only reads: nothing is locked),
    then written. The writes are one transaction, which on SQLite holds the database's
    write lock until the caller commits: the first ``WRITING`` call (0 rows) comes before
    the lock is taken, the later ones (after the bulk write and after each group left)
    while it is held, so a listener writing through another connection on SQLite must
    leave those out (``import_jobs`` does).
    """
    if not consultation.can_manage(actor):
        raise NotAllowed(_("Only the secretariat records submissions received outside."))
    plans = plan_import(consultation, data, now=now, progress=progress)
    moment = now or utcnow()
    if not consultation.has_opened(moment):
        raise ImportRejected(
            [RowError(plans[0].line, None, _("This consultation is not open yet."))]
        )
    # Worked out before anything is written and recorded in bulk, but the groups of rows
    # of submissions with edits of their authors waiting (record_offline_submission).
    try:
        prepared = offline_bulk.prepare(actor, consultation, plans, moment) if BULK else None
    except offline_bulk.PlanError as error:
        raise ImportRejected([RowError(error.line, None, error.message)]) from None
    rows = sum(len(plan.comments) for plan in plans)
    written = 0
    if progress:
        progress(ImportStage.WRITING, 0, rows)
    # Every group in bulk: the audit entries are chained and bound now, after the head
    # read now; once the write lock is held only the head is checked (chained again if
    # another writer appended an entry meanwhile, or if the rows were made again).
    chain = (
        draft_chain(actor, _in_plan_order(prepared.audit))
        if prepared is not None and len(prepared.indexes) == len(plans)
        else None
    )
    offline_bulk.take_write_lock()
    # The audit entries of all the submissions, appended with one INSERT at the end (the
    # chain's lock and head read once, not once a submission), in the order of the plans.
    audit: dict[int, list[AuditRecord]] = {}
    outcomes: dict[int, ImportedSubmission] = {}
    savepoint = db.session.begin_nested()
    try:
        if prepared is not None:
            try:
                written_rows = offline_bulk.write(prepared)
            except offline_bulk.PlanError as error:
                raise ImportRejected([RowError(error.line, None, error.message)]) from None
            if written_rows is not prepared:  # made again: other ids in the entries
                chain = None
            prepared = written_rows
            audit.update(prepared.audit)
            for index, outcome in prepared.outcomes.items():
                outcomes[index] = ImportedSubmission(
                    organisation=plans[index].organisation.name,
                    receipt_number=outcome.receipt_number,
                    created=outcome.created,
                    revision=outcome.revision,
                    comments=outcome.comments,
                )
            written += sum(len(plans[i].comments) for i in prepared.indexes)
            if progress:
                progress(ImportStage.WRITING, written, rows)
        done = set(prepared.indexes) if prepared is not None else set()
        for index, plan in enumerate(plans):
            if index in done:
                continue
            kind, group, name = plan.on_behalf
            items: list[AuditItem] = []
            try:
                result = record_offline_submission(
                    actor,
                    consultation,
                    plan.organisation,
                    channel=plan.channel,
                    channel_detail=plan.channel_detail,
                    received_at=plan.received_at,
                    values=plan.values,
                    publishable=plan.publishable,
                    on_behalf_kind=kind,
                    on_behalf_group=group,
                    on_behalf_name=name,
                    now=moment,
                    audit=items,
                )
            except UserError as error:
                raise ImportRejected([RowError(plan.line, None, error.message)]) from None
            audit[index] = [
                audit_record(actor, action, type(obj).__name__, obj.id, before, after)
                for action, obj, before, after in items
            ]
            outcomes[index] = ImportedSubmission(
                organisation=plan.organisation.name,
                receipt_number=result.submission.receipt_number or "",
                created=result.created,
                revision=result.revision.number if result.revision else None,
                comments=len(result.comments),
            )
            written += len(plan.comments)
            if progress:
                progress(ImportStage.WRITING, written, rows)
        append_records(actor, _in_plan_order(audit), draft=chain)
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    imported = [outcomes[index] for index in range(len(plans))]
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
