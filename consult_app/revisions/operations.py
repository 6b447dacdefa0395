"""Making the next version: copy, edit, add, delete, move, split, merge, renumber, align,
apply amendments, publish. Every operation checks, flushes and audits; none commits."""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select, update

from consult_app.accounts.models import User
from consult_app.core.audit import log_action
from consult_app.core.errors import NotAllowed, UserError
from consult_app.extensions import db
from consult_app.review.dispositions import record_disposition
from consult_app.review.models import Disposition, Outcome
from consult_app.revisions.models import (
    ChangeKind,
    TextChange,
    can_revise,
    change_comments,
    is_revisable,
    paragraph_sources,
    provision_sources,
)
from consult_app.submissions.models import Comment, Submission, SubmissionStatus
from consult_app.texts.languages import flag_other_languages
from consult_app.texts.models import (
    Paragraph,
    Provision,
    ProvisionKind,
    ProvisionUpdateFlag,
    TextVersion,
    VersionStatus,
)

logger = logging.getLogger(__name__)

TITLE_MAX = 300
SYMBOL_MAX = 100
NUMBER_MAX = 20
TEXT_MAX = 50_000
REASON_MAX = 5_000
SUFFIXES = ["bis", "ter", "quater", "quinquies", "sexies", "septies", "octies", "novies", "decies"]
_NUMBER_RE = re.compile(r"^(\d{1,4})(?:\s+([a-z]+))?$", re.IGNORECASE)


# --- checks ----------------------------------------------------------------------------


def _ensure_secretariat(actor: User | None) -> None:
    if not can_revise(actor):
        raise NotAllowed(_("Only the secretariat can revise texts."))


def _ensure_revisable(actor: User | None, version: TextVersion) -> None:
    _ensure_secretariat(actor)
    if not is_revisable(version):
        raise UserError(
            _(
                "This version can no longer be changed: it is published, under consultation, "
                "or a later version was made from it."
            )
        )


def _clean_line(value: str | None, limit: int, what: str) -> str | None:
    cleaned = " ".join((value or "").split())
    if len(cleaned) > limit:
        raise UserError(_("%(what)s is longer than %(limit)s characters.", what=what, limit=limit))
    return cleaned or None


def _clean_text(value: str | None, limit: int, what: str) -> str | None:
    cleaned = (value or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if len(cleaned) > limit:
        raise UserError(_("%(what)s is longer than %(limit)s characters.", what=what, limit=limit))
    return cleaned or None


# --- the wording of a provision as text ------------------------------------------------


@dataclass
class Line:
    level: int
    label: str | None
    text: str

    @property
    def labelled(self) -> str:
        if not self.label:
            return self.text
        return f"{self.label}{'' if self.level else '.'} {self.text}"


_PARA_RE = re.compile(r"^(\d{1,3}(?: (?:" + "|".join(SUFFIXES) + r"))?)\.\s+(.*)$")
_SUB_RE = re.compile(r"^\(([a-z]{1,2}|[ivxlc]{1,6})\)\s+(.*)$", re.IGNORECASE)
_ROMAN = re.compile(r"^[ivxlc]+$", re.IGNORECASE)


def parse_wording(text: str) -> tuple[str | None, list[Line]]:
    """Intro and paragraphs of a provision written as text, one paragraph per line:
    "1. ..." numbered, "(a) ..." lettered, "(i) ..." roman; unlabelled lines before the
    first paragraph are the intro, after it they continue the paragraph above."""
    intro: list[str] = []
    lines: list[Line] = []
    last_letter: str | None = None
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            continue
        numbered = _PARA_RE.match(line)
        sub = _SUB_RE.match(line)
        if numbered:
            lines.append(Line(0, numbered.group(1), numbered.group(2).strip()))
            last_letter = None
        elif sub and lines:
            label = sub.group(1).lower()
            roman = bool(_ROMAN.match(label)) and (
                (lines[-1].level == 2) or (label == "i" and last_letter not in (None, "h"))
            )
            if roman:
                lines.append(Line(2, f"({label})", sub.group(2).strip()))
            else:
                lines.append(Line(1, f"({label})", sub.group(2).strip()))
                last_letter = label
        elif lines:
            lines[-1].text = f"{lines[-1].text} {line}"
        else:
            intro.append(line)
    return ("\n".join(intro) or None), lines


def wording_of(provision: Provision) -> str:
    """The provision's intro and paragraphs as editable text (what parse_wording reads)."""
    return provision.plain_text()


def _reparent(paragraphs: Sequence[Paragraph]) -> None:
    stack: list[Paragraph] = []
    for paragraph in paragraphs:
        while stack and stack[-1].level >= paragraph.level:
            stack.pop()
        paragraph.parent = stack[-1] if stack and paragraph.level > 0 else None
        stack.append(paragraph)


def _delete_paragraphs(paragraphs: Iterable[Paragraph]) -> None:
    doomed = list(paragraphs)
    if not doomed:
        return
    ids = [p.id for p in doomed]
    for paragraph in doomed:
        paragraph.parent = None
    db.session.execute(update(Paragraph).where(Paragraph.parent_id.in_(ids)).values(parent_id=None))
    db.session.flush()
    db.session.execute(delete(paragraph_sources).where(paragraph_sources.c.paragraph_id.in_(ids)))
    for paragraph in doomed:
        db.session.delete(paragraph)
    db.session.flush()


def _set_paragraphs(provision: Provision, lines: list[Line]) -> None:
    """Write ``lines`` as the provision's paragraphs, keeping the rows (and their lineage)
    of paragraphs that stay or are edited in place."""
    old = list(provision.paragraphs)
    matcher = difflib.SequenceMatcher(
        a=[p.labelled_text for p in old], b=[ln.labelled for ln in lines], autojunk=False
    )
    kept: list[Paragraph | None] = [None] * len(lines)
    unused: list[Paragraph] = []
    for _tag, i1, i2, j1, j2 in matcher.get_opcodes():
        olds, news = old[i1:i2], list(range(j1, j2))
        for offset, j in enumerate(news):
            if offset < len(olds):
                kept[j] = olds[offset]
        unused.extend(olds[len(news) :])
    for paragraph in old:  # free the positions before writing the new order
        paragraph.position = -paragraph.id
    db.session.flush()
    _delete_paragraphs(unused)
    final: list[Paragraph] = []
    for index, (line, existing) in enumerate(zip(lines, kept, strict=True), start=1):
        if existing is None:
            paragraph = Paragraph(
                provision=provision,
                position=index,
                level=line.level,
                label=line.label,
                text=line.text,
            )
            db.session.add(paragraph)
        else:
            paragraph = existing
            paragraph.position = index
            paragraph.level = line.level
            paragraph.label = line.label
            paragraph.text = line.text
        final.append(paragraph)
    _reparent(final)
    db.session.flush()
    db.session.expire(provision, ["paragraphs"])


# --- lineage helpers -------------------------------------------------------------------


def _sources(provision_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(provision_sources.c.source_id)
            .where(provision_sources.c.provision_id == provision_id)
            .order_by(provision_sources.c.source_id)
        )
    )


def _add_sources(provision_id: int, source_ids: Iterable[int]) -> None:
    present = set(_sources(provision_id))
    rows = [{"provision_id": provision_id, "source_id": s} for s in source_ids if s not in present]
    if rows:
        db.session.execute(insert(provision_sources), rows)


def derivatives(version: TextVersion, source_id: int) -> list[Provision]:
    """The provisions of ``version`` that come from provision ``source_id``."""
    return list(
        db.session.scalars(
            select(Provision)
            .join(provision_sources, provision_sources.c.provision_id == Provision.id)
            .where(Provision.version_id == version.id, provision_sources.c.source_id == source_id)
            .order_by(Provision.position)
        )
    )


def _paragraph_derivative(provision: Provision, source_paragraph_id: int) -> Paragraph | None:
    return db.session.scalars(
        select(Paragraph)
        .join(paragraph_sources, paragraph_sources.c.paragraph_id == Paragraph.id)
        .where(
            Paragraph.provision_id == provision.id,
            paragraph_sources.c.source_id == source_paragraph_id,
        )
    ).first()


def _state(provision: Provision) -> dict[str, Any]:
    return {
        "id": provision.id,
        "kind": provision.kind.value,
        "number": provision.number,
        "title": provision.title,
        "position": provision.position,
        "text": provision.plain_text(),
    }


def _next_sequence(version: TextVersion) -> int:
    return (
        int(
            db.session.scalar(
                select(func.coalesce(func.max(TextChange.sequence), 0)).where(
                    TextChange.version_id == version.id
                )
            )
            or 0
        )
        + 1
    )


def _primary_source(provision: Provision) -> int | None:
    return provision.derived_from_id


def _record_change(
    actor: User,
    version: TextVersion,
    kind: ChangeKind,
    provision: Provision | None,
    summary: str,
    reason: str | None = None,
    comments: Sequence[Comment] = (),
    label: str | None = None,
    source_provision_id: int | None = None,
) -> TextChange:
    change = TextChange(
        version_id=version.id,
        kind=kind,
        provision_id=provision.id if provision is not None else None,
        source_provision_id=source_provision_id
        if source_provision_id is not None
        else (_primary_source(provision) if provision is not None else None),
        label=(label or (provision.label if provision is not None else ""))[:300],
        summary=summary,
        reason=reason,
        actor_id=actor.id,
        sequence=_next_sequence(version),
    )
    db.session.add(change)
    db.session.flush()
    if comments:
        db.session.execute(
            insert(change_comments),
            [
                {"change_id": change.id, "comment_id": c.id}
                for c in {c.id: c for c in comments}.values()
            ],
        )
    return change


def load_comments_for(version: TextVersion, raw_ids: str | None) -> list[Comment]:
    """Comments named by number that may have led to a change of ``version``: submitted
    comments on an earlier version of the same instrument."""
    ids: list[int] = []
    for part in re.split(r"[\s,;]+", raw_ids or ""):
        if not part:
            continue
        part = part.lstrip("#")
        if not part.isdigit() or len(part) > 12:
            raise UserError(_("Write comment numbers separated by commas."))
        if int(part) not in ids:
            ids.append(int(part))
    if not ids:
        return []
    if len(ids) > 500:
        raise UserError(_("Link at most 500 comments to one change."))
    found = {
        c.id: c
        for c in db.session.scalars(
            select(Comment)
            .join(Submission, Comment.submission_id == Submission.id)
            .join(Provision, Comment.provision_id == Provision.id)
            .join(TextVersion, Provision.version_id == TextVersion.id)
            .where(
                Comment.id.in_(ids),
                Submission.status == SubmissionStatus.SUBMITTED,
                TextVersion.instrument_id == version.instrument_id,
                TextVersion.id < version.id,
            )
        )
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise UserError(
            _(
                "No submitted comment on an earlier version of this text has the number "
                "%(ids)s. Nothing was changed.",
                ids=", ".join(str(i) for i in missing[:20]),
            )
        )
    return [found[i] for i in ids]


# --- starting and publishing a version -------------------------------------------------


def start_next_version(
    actor: User, source: TextVersion, title: str, symbol: str | None = None
) -> TextVersion:
    """A draft copy of ``source`` (provisions and paragraphs, each linked to its origin)."""
    _ensure_secretariat(actor)
    clean_title = _clean_line(title, TITLE_MAX, _("The title"))
    if clean_title is None:
        raise UserError(_("Give the version a title."))
    clean_symbol = _clean_line(symbol, SYMBOL_MAX, _("The document symbol"))
    version = TextVersion(
        instrument_id=source.instrument_id,
        title=clean_title,
        symbol=clean_symbol,
        status=VersionStatus.DRAFT,
        chapeau=source.chapeau,
        proclamation=source.proclamation,
        closing=source.closing,
        previous_id=source.id,
    )
    db.session.add(version)
    db.session.flush()
    count = 0
    paragraph_rows: list[tuple[Paragraph, int]] = []
    for old in source.provisions:
        copy = Provision(
            version=version,
            position=old.position,
            kind=old.kind,
            number=old.number,
            title=old.title,
            source_label=old.source_label,
            part_heading=old.part_heading,
            intro=old.intro,
            derived_from_id=old.id,
        )
        db.session.add(copy)
        copies: dict[int, Paragraph] = {}
        for paragraph in old.paragraphs:
            new = Paragraph(
                provision=copy,
                position=paragraph.position,
                level=paragraph.level,
                label=paragraph.label,
                text=paragraph.text,
                parent=copies.get(paragraph.parent_id or 0),
            )
            copies[paragraph.id] = new
            db.session.add(new)
            paragraph_rows.append((new, paragraph.id))
        count += 1
    db.session.flush()
    by_old = {p.derived_from_id: p.id for p in version.provisions}
    if by_old:
        db.session.execute(
            insert(provision_sources),
            [
                {"provision_id": new_id, "source_id": old_id}
                for old_id, new_id in by_old.items()
                if old_id is not None
            ],
        )
    if paragraph_rows:
        db.session.execute(
            insert(paragraph_sources),
            [{"paragraph_id": new.id, "source_id": old_id} for new, old_id in paragraph_rows],
        )
    db.session.flush()
    log_action(
        actor,
        "start_next_version",
        version,
        after={
            "previous_id": source.id,
            "title": version.title,
            "symbol": version.symbol,
            "provisions": count,
        },
    )
    logger.info("user %s started version %s from %s", actor.id, version.id, source.id)
    return version


def publish_version(
    actor: User, version: TextVersion, symbol: str | None, issued_on: date | None
) -> TextVersion:
    """Make a draft public with its symbol and date; the version it replaces is superseded."""
    _ensure_revisable(actor, version)
    clean_symbol = _clean_line(symbol, SYMBOL_MAX, _("The document symbol"))
    if clean_symbol is None:
        raise UserError(_("Give the document symbol of the published version."))
    if issued_on is None:
        raise UserError(_("Give the date of the published version."))
    if not version.provisions:
        raise UserError(_("A version without any provision cannot be published."))
    before = {
        "status": version.status.value,
        "symbol": version.symbol,
        "issued_on": version.issued_on.isoformat() if version.issued_on else None,
    }
    version.status = VersionStatus.PUBLISHED
    version.symbol = clean_symbol
    version.issued_on = issued_on
    previous = db.session.get(TextVersion, version.previous_id) if version.previous_id else None
    if previous is not None and previous.status in (
        VersionStatus.PUBLISHED,
        VersionStatus.UNDER_CONSULTATION,
    ):
        previous.status = VersionStatus.SUPERSEDED
    db.session.flush()
    log_action(
        actor,
        "publish_version",
        version,
        before=before,
        after={
            "status": version.status.value,
            "symbol": clean_symbol,
            "issued_on": issued_on.isoformat(),
            "superseded_id": previous.id
            if previous is not None and previous.status is VersionStatus.SUPERSEDED
            else None,
        },
    )
    return version


# --- editing provisions ----------------------------------------------------------------


def edit_provision(
    actor: User,
    provision: Provision,
    title: str | None,
    wording: str,
    reason: str | None = None,
    comments: Sequence[Comment] = (),
    kind: ChangeKind = ChangeKind.EDITED,
) -> TextChange | None:
    """Change the title and the wording (intro and paragraphs) of a provision."""
    version = provision.version
    _ensure_revisable(actor, version)
    clean_title = _clean_line(title, TITLE_MAX, _("The title"))
    text = _clean_text(wording, TEXT_MAX, _("The wording"))
    if text is None:
        raise UserError(_("Write the wording of the provision (delete it instead to remove it)."))
    clean_reason = _clean_text(reason, REASON_MAX, _("The reason"))
    intro, lines = parse_wording(text)
    before = _state(provision)
    if provision.kind is ProvisionKind.PREAMBLE:
        clean_title = None
    if (
        clean_title == provision.title
        and intro == provision.intro
        and [ln.labelled for ln in lines] == [p.labelled_text for p in provision.paragraphs]
    ):
        return None
    provision.title = clean_title
    provision.intro = intro
    _set_paragraphs(provision, lines)
    # Its language versions now translate an earlier wording.
    flagged = flag_other_languages(provision, version.language)
    after = _state(provision)
    change = _record_change(
        actor,
        version,
        kind,
        provision,
        _("%(label)s edited.", label=provision.label)
        if kind is ChangeKind.EDITED
        else _("Amendment applied to %(label)s.", label=provision.label),
        clean_reason,
        comments,
    )
    log_action(
        actor,
        "edit_provision",
        provision,
        before=before,
        after={
            **after,
            "change_id": change.id,
            "comment_ids": [c.id for c in comments],
            "flagged_for_update": flagged,
        },
    )
    return change


def _ordered(version: TextVersion) -> list[Provision]:
    return sorted(
        db.session.scalars(select(Provision).where(Provision.version_id == version.id)),
        key=lambda p: p.position,
    )


def _write_order(version: TextVersion, ordered: list[Provision]) -> None:
    for provision in ordered:
        provision.position = -provision.id
    db.session.flush()
    for index, provision in enumerate(ordered, start=1):
        provision.position = index
    db.session.flush()
    db.session.expire(version, ["provisions"])


def suggest_number(version: TextVersion, kind: ProvisionKind, after: Provision | None) -> str:
    """ "5 bis" after article 5 (or "5 ter" when "5 bis" exists); "1" for the first one."""
    taken = set(
        db.session.scalars(
            select(Provision.number).where(
                Provision.version_id == version.id, Provision.kind == kind
            )
        )
    )
    if after is None or after.kind is not kind:
        if not taken:
            return "1"
        base = "0"
    else:
        match = _NUMBER_RE.match(after.number)
        base = match.group(1) if match else after.number
    for suffix in SUFFIXES:
        candidate = f"{base} {suffix}"
        if candidate not in taken:
            return candidate
    raise UserError(_("Renumber the text before inserting more provisions here."))


def add_provision(
    actor: User,
    version: TextVersion,
    kind: ProvisionKind,
    after: Provision | None,
    number: str | None,
    title: str | None,
    wording: str,
    reason: str | None = None,
    comments: Sequence[Comment] = (),
) -> Provision:
    """Insert a new article or preambular paragraph after ``after`` (or first)."""
    _ensure_revisable(actor, version)
    if after is not None and after.version_id != version.id:
        raise UserError(_("Choose a provision of this version to insert after."))
    clean_number = _clean_line(number, NUMBER_MAX, _("The number")) or suggest_number(
        version, kind, after
    )
    exists = db.session.scalar(
        select(func.count(Provision.id)).where(
            Provision.version_id == version.id,
            Provision.kind == kind,
            Provision.number == clean_number,
        )
    )
    if exists:
        raise UserError(_("This version already has a provision numbered %(n)s.", n=clean_number))
    text = _clean_text(wording, TEXT_MAX, _("The wording"))
    if text is None:
        raise UserError(_("Write the wording of the new provision."))
    clean_title = _clean_line(title, TITLE_MAX, _("The title"))
    clean_reason = _clean_text(reason, REASON_MAX, _("The reason"))
    intro, lines = parse_wording(text)
    ordered = _ordered(version)
    if after is None:
        # First of its kind: the preamble opens the text, articles follow it.
        index = (
            0
            if kind is ProvisionKind.PREAMBLE
            else sum(1 for p in ordered if p.kind is ProvisionKind.PREAMBLE)
        )
    else:
        index = ordered.index(after) + 1
    provision = Provision(
        version=version,
        position=len(ordered) + 1000,
        kind=kind,
        number=clean_number,
        title=clean_title if kind is ProvisionKind.ARTICLE else None,
        intro=intro,
    )
    db.session.add(provision)
    db.session.flush()
    _set_paragraphs(provision, lines)
    ordered.insert(index, provision)
    _write_order(version, ordered)
    change = _record_change(
        actor,
        version,
        ChangeKind.ADDED,
        provision,
        _("%(label)s inserted.", label=provision.label),
        clean_reason,
        comments,
    )
    log_action(
        actor,
        "add_provision",
        provision,
        after={
            **_state(provision),
            "change_id": change.id,
            "comment_ids": [c.id for c in comments],
        },
    )
    return provision


def delete_provision(
    actor: User,
    provision: Provision,
    reason: str | None = None,
    comments: Sequence[Comment] = (),
) -> TextChange:
    """Take a provision out of the draft (the change keeps what it was and where from)."""
    version = provision.version
    _ensure_revisable(actor, version)
    clean_reason = _clean_text(reason, REASON_MAX, _("The reason"))
    before = _state(provision)
    label = provision.label
    change = _record_change(
        actor,
        version,
        ChangeKind.DELETED,
        None,
        _("%(label)s deleted.", label=label),
        clean_reason,
        comments,
        label=label,
        source_provision_id=provision.derived_from_id,
    )
    _remove(provision)
    _write_order(version, _ordered(version))
    log_action(
        actor,
        "delete_provision",
        change,
        before=before,
        after={"change_id": change.id, "comment_ids": [c.id for c in comments]},
    )
    return change


def _remove(provision: Provision) -> None:
    db.session.execute(
        update(TextChange).where(TextChange.provision_id == provision.id).values(provision_id=None)
    )
    db.session.execute(
        update(Disposition)
        .where(Disposition.resulting_provision_id == provision.id)
        .values(resulting_provision_id=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        delete(provision_sources).where(provision_sources.c.provision_id == provision.id)
    )
    db.session.execute(
        delete(ProvisionUpdateFlag).where(ProvisionUpdateFlag.provision_id == provision.id)
    )
    _delete_paragraphs(provision.paragraphs)
    db.session.delete(provision)
    db.session.flush()


def move_provision(
    actor: User, provision: Provision, after: Provision | None, reason: str | None = None
) -> TextChange:
    """Put a provision after another one of the same version (or first of its kind)."""
    version = provision.version
    _ensure_revisable(actor, version)
    if after is not None and (after.version_id != version.id or after.id == provision.id):
        raise UserError(_("Choose another provision of this version to move it after."))
    clean_reason = _clean_text(reason, REASON_MAX, _("The reason"))
    ordered = _ordered(version)
    before = provision.position
    ordered.remove(provision)
    if after is None:
        index = (
            0
            if provision.kind is ProvisionKind.PREAMBLE
            else sum(1 for p in ordered if p.kind is ProvisionKind.PREAMBLE)
        )
    else:
        index = ordered.index(after) + 1
    ordered.insert(index, provision)
    _write_order(version, ordered)
    where = after.label if after is not None else _("the beginning")
    change = _record_change(
        actor,
        version,
        ChangeKind.MOVED,
        provision,
        _("%(label)s moved after %(where)s.", label=provision.label, where=where),
        clean_reason,
    )
    log_action(
        actor,
        "move_provision",
        provision,
        before={"position": before},
        after={"position": provision.position, "change_id": change.id},
    )
    return change


def split_provision(
    actor: User,
    provision: Provision,
    at_paragraph: Paragraph,
    number: str | None = None,
    reason: str | None = None,
) -> Provision:
    """Cut a provision before ``at_paragraph``: the rest becomes a new provision placed
    right after it, derived from the same source."""
    version = provision.version
    _ensure_revisable(actor, version)
    paragraphs = list(provision.paragraphs)
    if (
        at_paragraph not in paragraphs
        or at_paragraph.level != 0
        or (paragraphs.index(at_paragraph) == 0 and not provision.intro)
    ):
        raise UserError(_("Choose a numbered paragraph after the first one to split at."))
    clean_reason = _clean_text(reason, REASON_MAX, _("The reason"))
    cut = paragraphs.index(at_paragraph)
    keep, moved = paragraphs[:cut], paragraphs[cut:]
    new_number = _clean_line(number, NUMBER_MAX, _("The number")) or suggest_number(
        version, provision.kind, provision
    )
    taken = db.session.scalar(
        select(func.count(Provision.id)).where(
            Provision.version_id == version.id,
            Provision.kind == provision.kind,
            Provision.number == new_number,
        )
    )
    if taken:
        raise UserError(_("This version already has a provision numbered %(n)s.", n=new_number))
    before = _state(provision)
    ordered = _ordered(version)
    second = Provision(
        version=version,
        position=len(ordered) + 1000,
        kind=provision.kind,
        number=new_number,
        title=None,
        derived_from_id=provision.derived_from_id,
    )
    db.session.add(second)
    db.session.flush()
    for paragraph in moved:
        paragraph.position = -paragraph.id
    db.session.flush()
    for index, paragraph in enumerate(moved, start=1):
        paragraph.provision = second
        paragraph.position = index
    for index, paragraph in enumerate(keep, start=1):
        paragraph.position = index
    _reparent(moved)
    db.session.flush()
    db.session.expire(provision, ["paragraphs"])
    db.session.expire(second, ["paragraphs"])
    _add_sources(second.id, _sources(provision.id))
    ordered.insert(ordered.index(provision) + 1, second)
    _write_order(version, ordered)
    change = _record_change(
        actor,
        version,
        ChangeKind.SPLIT,
        second,
        _(
            "%(label)s split: %(new)s made from its paragraphs from %(para)s.",
            label=provision.label,
            new=second.label,
            para=at_paragraph.display_label or at_paragraph.text[:20],
        ),
        clean_reason,
    )
    log_action(
        actor,
        "split_provision",
        provision,
        before=before,
        after={"first": _state(provision), "second": _state(second), "change_id": change.id},
    )
    return second


def merge_provisions(
    actor: User, first: Provision, second: Provision, reason: str | None = None
) -> TextChange:
    """Append ``second`` to ``first``; the merged provision comes from the sources of both."""
    version = first.version
    _ensure_revisable(actor, version)
    if second.version_id != version.id or second.id == first.id or second.kind is not first.kind:
        raise UserError(_("Choose another provision of the same kind in this version."))
    clean_reason = _clean_text(reason, REASON_MAX, _("The reason"))
    before = {"first": _state(first), "second": _state(second)}
    second_label = second.label
    if second.intro and not first.paragraphs:
        first.intro = "\n".join(x for x in (first.intro, second.intro) if x)
    moved = list(second.paragraphs)
    for paragraph in moved:
        paragraph.position = -paragraph.id
    db.session.flush()
    existing = list(first.paragraphs)
    offset = len(existing) + (1 if second.intro and existing else 0)
    if second.intro and existing:
        extra = Paragraph(
            provision=first, position=len(existing) + 1, level=0, label=None, text=second.intro
        )
        db.session.add(extra)
    for index, paragraph in enumerate(moved, start=offset + 1):
        paragraph.provision = first
        paragraph.position = index
    db.session.flush()
    db.session.expire(first, ["paragraphs"])
    _reparent(list(first.paragraphs))
    _add_sources(first.id, _sources(second.id))
    db.session.execute(
        update(TextChange).where(TextChange.provision_id == second.id).values(provision_id=first.id)
    )
    db.session.expire(second, ["paragraphs"])
    _remove(second)
    _write_order(version, _ordered(version))
    change = _record_change(
        actor,
        version,
        ChangeKind.MERGED,
        first,
        _("%(second)s merged into %(first)s.", second=second_label, first=first.label),
        clean_reason,
    )
    log_action(
        actor,
        "merge_provisions",
        first,
        before=before,
        after={**_state(first), "change_id": change.id},
    )
    return change


def renumber(actor: User, version: TextVersion) -> list[TextChange]:
    """Number the preamble and the articles 1, 2, 3 … in order ("5 bis" becomes 6 and
    everything after shifts), and the numbered paragraphs of each provision likewise."""
    _ensure_revisable(actor, version)
    ordered = _ordered(version)
    renamed: list[tuple[Provision, str, str]] = []
    counters = {ProvisionKind.PREAMBLE: 0, ProvisionKind.ARTICLE: 0}
    wanted: dict[int, str] = {}
    for provision in ordered:
        counters[provision.kind] += 1
        wanted[provision.id] = str(counters[provision.kind])
    for provision in ordered:
        if provision.number != wanted[provision.id]:
            renamed.append((provision, provision.number, provision.label))
            provision.number = f"~{provision.id}"
    db.session.flush()
    changes: list[TextChange] = []
    for provision, _old_number, _old_label in renamed:
        provision.number = wanted[provision.id]
    db.session.flush()
    for provision, _old_number, old_label in renamed:
        changes.append(
            _record_change(
                actor,
                version,
                ChangeKind.RENUMBERED,
                provision,
                _("%(old)s renumbered %(new)s.", old=old_label, new=provision.label),
            )
        )
    paragraphs_renumbered = 0
    for provision in ordered:
        number = 0
        for paragraph in provision.paragraphs:
            if paragraph.level == 0 and paragraph.label:
                number += 1
                if paragraph.label != str(number):
                    paragraph.label = str(number)
                    paragraphs_renumbered += 1
    db.session.flush()
    log_action(
        actor,
        "renumber_version",
        version,
        after={
            "provisions": {str(p.id): [old, p.number] for p, old, _label in renamed},
            "paragraphs": paragraphs_renumbered,
        },
    )
    return changes


# --- aligning an imported version ------------------------------------------------------


@dataclass(frozen=True)
class AlignmentSuggestion:
    provision: Provision
    source: Provision | None
    score: float


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(a=a.split(), b=b.split(), autojunk=False).ratio()


def suggest_alignment(
    version: TextVersion, previous: TextVersion, threshold: float = 0.45
) -> list[AlignmentSuggestion]:
    """For each provision of ``version``, the provision of ``previous`` whose wording is
    closest (same kind, best pairs first, each source used once), or none below
    ``threshold``."""
    new = list(version.provisions)
    old = list(previous.provisions)
    texts_new = {p.id: f"{p.title or ''} {p.plain_text()}" for p in new}
    texts_old = {p.id: f"{p.title or ''} {p.plain_text()}" for p in old}
    pairs: list[tuple[float, int, int]] = []
    for n in new:
        for o in old:
            if n.kind is not o.kind:
                continue
            score = _similarity(texts_old[o.id], texts_new[n.id])
            if n.number == o.number:
                score += 0.05  # ties go to the provision with the same number
            if score >= threshold:
                pairs.append((score, n.id, o.id))
    pairs.sort(key=lambda t: (-t[0], t[1], t[2]))
    chosen: dict[int, tuple[int, float]] = {}
    used: set[int] = set()
    for score, n_id, o_id in pairs:
        if n_id in chosen or o_id in used:
            continue
        chosen[n_id] = (o_id, score)
        used.add(o_id)
    by_id = {o.id: o for o in old}
    return [
        AlignmentSuggestion(
            n,
            by_id.get(chosen[n.id][0]) if n.id in chosen else None,
            min(1.0, chosen[n.id][1]) if n.id in chosen else 0.0,
        )
        for n in new
    ]


def confirm_alignment(actor: User, version: TextVersion, mapping: dict[int, list[int]]) -> int:
    """Record which provisions of the previous version each provision comes from
    (provision id -> source ids, several for a merge, none for a new provision)."""
    _ensure_secretariat(actor)
    if version.previous_id is None:
        raise UserError(_("This version has no previous version to align with."))
    if version.status is not VersionStatus.DRAFT:
        raise UserError(_("Only a draft version can be aligned."))
    own = {p.id: p for p in version.provisions}
    old_ids = set(
        db.session.scalars(select(Provision.id).where(Provision.version_id == version.previous_id))
    )
    for provision_id, sources in mapping.items():
        if provision_id not in own or any(s not in old_ids for s in sources):
            raise UserError(
                _(
                    "The alignment names a provision that is not part of these "
                    "versions. Nothing was saved."
                )
            )
    before = {str(pid): _sources(pid) for pid in own}
    changed = 0
    for provision_id, provision in own.items():
        sources = sorted(set(mapping.get(provision_id, [])))
        if sources == sorted(before[str(provision_id)]) and (
            provision.derived_from_id == (sources[0] if sources else None)
        ):
            continue
        db.session.execute(
            delete(provision_sources).where(provision_sources.c.provision_id == provision_id)
        )
        _add_sources(provision_id, sources)
        provision.derived_from_id = sources[0] if sources else None
        changed += 1
        _align_paragraphs(provision, sources)
    db.session.flush()
    after = {str(pid): _sources(pid) for pid in own}
    log_action(
        actor,
        "align_version",
        version,
        before=before,
        after={"sources": after, "previous_id": version.previous_id, "changed": changed},
    )
    return changed


def _align_paragraphs(provision: Provision, sources: list[int]) -> None:
    """Link each paragraph to the most similar paragraph of its sources (same label first)."""
    db.session.execute(
        delete(paragraph_sources).where(
            paragraph_sources.c.paragraph_id.in_([p.id for p in provision.paragraphs])
        )
    )
    if not sources:
        return
    olds = list(db.session.scalars(select(Paragraph).where(Paragraph.provision_id.in_(sources))))
    rows = []
    used: set[int] = set()
    for paragraph in provision.paragraphs:
        best, best_score = None, 0.4
        for old in olds:
            if old.id in used or old.level != paragraph.level:
                continue
            score = _similarity(old.text, paragraph.text) + (
                0.1 if old.label == paragraph.label else 0
            )
            if score > best_score:
                best, best_score = old, score
        if best is not None:
            used.add(best.id)
            rows.append({"paragraph_id": paragraph.id, "source_id": best.id})
    if rows:
        db.session.execute(insert(paragraph_sources), rows)


# --- amendments ------------------------------------------------------------------------


@dataclass
class Amendment:
    """A comment's proposed wording and where it lands in the draft."""

    comment: Comment
    target: Provision | None
    paragraph: Paragraph | None
    applied: bool

    @property
    def key(self) -> tuple[int, int | None] | None:
        if self.target is None:
            return None
        return (self.target.id, self.paragraph.id if self.paragraph is not None else None)

    @property
    def current_text(self) -> str:
        if self.paragraph is not None:
            return self.paragraph.text
        return self.target.plain_text() if self.target is not None else ""

    @property
    def accepted(self) -> bool:
        disposition = self.comment.disposition
        return disposition is not None and disposition.outcome in (
            Outcome.ACCEPTED,
            Outcome.ACCEPTED_IN_PART,
        )


def amendments_for(
    version: TextVersion, comment_ids: Sequence[int] | None = None
) -> list[Amendment]:
    """Proposed wordings of submitted comments on the version this draft was made from."""
    if version.previous_id is None:
        return []
    query = (
        select(Comment)
        .join(Submission, Comment.submission_id == Submission.id)
        .join(Provision, Comment.provision_id == Provision.id)
        .where(
            Provision.version_id == version.previous_id,
            Submission.status == SubmissionStatus.SUBMITTED,
            Comment.withdrawn_at.is_(None),
            Comment.proposed_wording.is_not(None),
        )
        .order_by(Provision.position, Comment.id)
    )
    if comment_ids is not None:
        query = query.where(Comment.id.in_(list(comment_ids)))
    comments = list(db.session.scalars(query))
    if not comments:
        return []
    targets: dict[int, Provision] = {}
    for provision_id, source_id in db.session.execute(
        select(Provision.id, provision_sources.c.source_id)
        .join(provision_sources, provision_sources.c.provision_id == Provision.id)
        .where(Provision.version_id == version.id)
        .order_by(Provision.position)
    ):
        targets.setdefault(source_id, db.session.get(Provision, provision_id))  # type: ignore[arg-type]
    para_map: dict[int, Paragraph] = {}
    for paragraph, source_id in db.session.execute(
        select(Paragraph, paragraph_sources.c.source_id)
        .join(paragraph_sources, paragraph_sources.c.paragraph_id == Paragraph.id)
        .join(Provision, Paragraph.provision_id == Provision.id)
        .where(Provision.version_id == version.id)
    ):
        para_map[source_id] = paragraph
    applied = set(
        db.session.scalars(
            select(change_comments.c.comment_id)
            .join(TextChange, TextChange.id == change_comments.c.change_id)
            .where(TextChange.version_id == version.id, TextChange.kind == ChangeKind.AMENDMENT)
        )
    )
    result = []
    for comment in comments:
        target = targets.get(comment.provision_id)
        paragraph = None
        if target is not None and comment.paragraph_id is not None:
            paragraph = para_map.get(comment.paragraph_id)
            if paragraph is not None and paragraph.provision_id != target.id:
                target = paragraph.provision
        result.append(Amendment(comment, target, paragraph, comment.id in applied))
    return result


def group_amendments(amendments: Sequence[Amendment]) -> list[list[Amendment]]:
    """Amendments grouped by what they change: two on the same paragraph, or one on a
    whole provision and another on one of its paragraphs, are in one group (a conflict)."""
    groups: list[list[Amendment]] = []
    for amendment in amendments:
        key = amendment.key
        home = None
        for group in groups:
            other = group[0].key
            if key is None or other is None:
                continue
            if key[0] == other[0] and (key[1] is None or other[1] is None or key[1] == other[1]):
                home = group
                break
        if home is None:
            groups.append([amendment])
        else:
            home.append(amendment)
    return groups


def apply_amendments(
    actor: User,
    version: TextVersion,
    group: Sequence[Amendment],
    wording: str | None = None,
    reason: str | None = None,
) -> TextChange | None:
    """Write one proposed wording (or, for a conflict, the wording the secretariat chose
    or combined) into the draft, link the change to the comments and record it in their
    dispositions."""
    _ensure_revisable(actor, version)
    if not group:
        raise UserError(_("Choose at least one amendment to apply."))
    targets = {a.key for a in group}
    if None in targets:
        raise UserError(
            _(
                "The provision this amendment is about is no longer in the new "
                "version; apply it by hand."
            )
        )
    if all(a.applied for a in group):
        raise UserError(_("These amendments were already applied to this version."))
    first = group[0]
    assert first.target is not None
    whole = any(a.paragraph is None for a in group)
    if len(group) > 1 and wording is None:
        raise UserError(_("These amendments change the same text: choose the wording."))
    text = _clean_text(
        wording if wording is not None else first.comment.proposed_wording,
        TEXT_MAX,
        _("The wording"),
    )
    if text is None:
        raise UserError(_("Write the wording to apply."))
    target = first.target
    comments = [a.comment for a in group]
    if whole:
        change = edit_provision(
            actor, target, target.title, text, reason, comments, kind=ChangeKind.AMENDMENT
        )
    else:
        paragraph = first.paragraph
        assert paragraph is not None
        lines = [Line(p.level, p.label, p.text) for p in target.paragraphs]
        index = list(target.paragraphs).index(paragraph)
        lines[index] = Line(paragraph.level, paragraph.label, " ".join(text.split()))
        change = edit_provision(
            actor,
            target,
            target.title,
            "\n".join(filter(None, [target.intro or ""] + [ln.labelled for ln in lines])),
            reason,
            comments,
            kind=ChangeKind.AMENDMENT,
        )
    if change is None:  # the wording was already there: still a traced decision
        change = _record_change(
            actor,
            version,
            ChangeKind.AMENDMENT,
            target,
            _("Amendment to %(label)s: the wording was already in the text.", label=target.label),
            _clean_text(reason, REASON_MAX, _("The reason")),
            comments,
        )
    where = (
        _("%(label)s, paragraph %(n)s", label=target.label, n=first.paragraph.label)
        if not whole and first.paragraph is not None and first.paragraph.label
        else target.label
    )
    for amendment in group:
        comment = amendment.comment
        used = " ".join((comment.proposed_wording or "").split()) == " ".join(text.split())
        disposition = comment.disposition
        if disposition is not None and disposition.outcome in (
            Outcome.ACCEPTED,
            Outcome.ACCEPTED_IN_PART,
        ):
            outcome = disposition.outcome
        else:
            outcome = Outcome.ACCEPTED if used else Outcome.ACCEPTED_IN_PART
        explanation = (
            disposition.public_explanation
            if disposition is not None and disposition.outcome is outcome
            else None
        ) or (
            _(
                "The proposed wording was incorporated in %(where)s of %(version)s.",
                where=where,
                version=version.display_title,
            )
            if used
            else _(
                "The proposed wording was taken into account, combined with other proposals, "
                "in %(where)s of %(version)s.",
                where=where,
                version=version.display_title,
            )
        )
        record_disposition(
            actor,
            [comment],
            outcome,
            explanation,
            internal_note=disposition.internal_note if disposition is not None else None,
            change_reference=_(
                "%(where)s of %(version)s (change %(n)s)",
                where=where,
                version=version.display_title,
                n=change.sequence,
            ),
            resulting_provision_id=target.id,
        )
    db.session.expire(target, ["paragraphs"])
    logger.info("user %s applied %d amendments to provision %s", actor.id, len(group), target.id)
    return change
