"""Drafting, editing and regenerating the narrative summaries of a consultation.

Drafts are generated from **published** data only (``public_only=True``), because the
summary is a public text. Regenerating never discards the secretariat's edits: when a
draft with edits changes, the previous draft is kept and the secretariat chooses, by an
explicit request, to keep its edits or to take the new draft.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from consult_app.accounts.models import User
from consult_app.consultations.models import Consultation
from consult_app.core.audit import log_action
from consult_app.core.errors import Conflict, NotAllowed, UserError
from consult_app.core.models import utcnow
from consult_app.extensions import db
from consult_app.summaries.aggregation import provision_figures
from consult_app.summaries.consensus import classify
from consult_app.summaries.models import (
    CONSULTATION_SCOPE,
    Attribution,
    ConsensusSettings,
    SummaryDraft,
    SummaryTranslation,
)
from consult_app.summaries.narrative import draft_consultation_summary, draft_provision_summary
from consult_app.summaries.participation import participation
from consult_app.summaries.settings import (
    THRESHOLDS,
    ConsensusRule,
    check_rule,
    consensus_settings,
    rule_of,
)
from consult_app.texts.models import Provision
from consult_app.texts.redline import is_unchanged

logger = logging.getLogger(__name__)

MAX_SUMMARY = 50_000


class SummaryChoice(enum.Enum):
    KEEP_EDITS = "keep"
    TAKE_NEW_DRAFT = "take"


def _scope(provision: Provision | None) -> int:
    return provision.id if provision is not None else CONSULTATION_SCOPE


def summary_draft(consultation: Consultation, provision: Provision | None = None
                  ) -> SummaryDraft | None:
    """The stored summary of ``provision`` (or of the whole consultation), if any."""
    return db.session.execute(
        select(SummaryDraft).where(
            SummaryDraft.consultation_id == consultation.id,
            SummaryDraft.scope_key == _scope(provision),
        )
    ).scalar_one_or_none()


def generated_texts(
    consultation: Consultation, provision_ids: list[int] | None = None, *, whole: bool = True
) -> dict[int, str]:
    """Freshly drafted texts by scope key (provision id, or 0 for the consultation)."""
    figures_list = provision_figures(consultation, provision_ids, public_only=True)
    texts = {
        f.provision_id: draft_provision_summary(consultation, f, classify(f))
        for f in figures_list
    }
    if whole:
        if provision_ids is not None:  # the whole summary needs every provision
            figures_list = provision_figures(consultation, public_only=True, details=False)
        texts[CONSULTATION_SCOPE] = draft_consultation_summary(
            consultation, participation(consultation, public_only=True), figures_list
        )
    return texts


def current_summary(consultation: Consultation, provision: Provision | None = None) -> str:
    """The secretariat's summary: the edited text if any, else the generated draft (drafted
    now, without storing it, when none was generated yet). Not what the public reads: see
    :func:`published_summaries`."""
    draft = summary_draft(consultation, provision)
    if draft is not None:
        return draft.current_text
    if provision is None:
        return generated_texts(consultation, [], whole=True)[CONSULTATION_SCOPE]
    return generated_texts(consultation, [provision.id], whole=False).get(provision.id, "")


def _state(draft: SummaryDraft) -> dict[str, object]:
    return {
        "provision_id": draft.provision_id,
        "generated_text": draft.generated_text,
        "edited_text": draft.edited_text,
        "awaiting_choice": draft.awaiting_choice,
    }


def _flush() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict(
            _("This summary was changed by someone else meanwhile. Nothing was saved.")
        ) from None


@dataclass
class RegenerationReport:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    awaiting_choice: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)


def generate_summaries(actor: User | None, consultation: Consultation) -> RegenerationReport:
    """Draft (or redraft) every summary of the consultation, keeping edits awaiting a choice."""
    texts = generated_texts(consultation)
    existing = {
        d.scope_key: d
        for d in db.session.execute(
            select(SummaryDraft).where(SummaryDraft.consultation_id == consultation.id)
        ).scalars()
    }
    now = utcnow()
    report = RegenerationReport()
    for scope, text in texts.items():
        draft = existing.get(scope)
        if draft is None:
            draft = SummaryDraft(
                consultation_id=consultation.id,
                provision_id=scope or None,
                scope_key=scope,
                generated_text=text,
                generated_at=now,
            )
            db.session.add(draft)
            _flush()
            log_action(actor, "generate_summary", draft, after=_state(draft))
            report.created.append(scope)
            continue
        if is_unchanged(draft.generated_text, text):
            report.unchanged.append(scope)
            continue
        before = _state(draft)
        if draft.edited_text is not None:
            # Keep the draft the edits were made on (the first one, if several
            # regenerations come before a choice) so the redline shows every change.
            if not draft.awaiting_choice:
                draft.previous_generated_text = draft.generated_text
            draft.awaiting_choice = True
            report.awaiting_choice.append(scope)
        else:
            report.updated.append(scope)
        draft.generated_text = text
        draft.generated_at = now
        _flush()
        log_action(actor, "regenerate_summary", draft, before=before, after=_state(draft))
    logger.info(
        "summaries of consultation %s regenerated by %s: %s",
        consultation.id, actor.id if actor else None, report,
    )
    return report


def _check_version(draft: SummaryDraft, expected_lock_version: int | None) -> None:
    if expected_lock_version != draft.lock_version:
        raise Conflict(
            _(
                "This summary was changed by someone else since you opened it, so your text "
                "was not saved. Compare it with the current version below and try again."
            )
        )


def edit_summary(
    actor: User, draft: SummaryDraft, text: str, expected_lock_version: int | None
) -> SummaryDraft:
    """Save the secretariat's text of a summary (a stale form is a 409)."""
    _check_version(draft, expected_lock_version)
    cleaned = (text or "").replace("\r\n", "\n").strip()
    if not cleaned:
        raise UserError(_("Write the summary."))
    if len(cleaned) > MAX_SUMMARY:
        raise UserError(_("The summary is too long (at most %(n)d characters).", n=MAX_SUMMARY))
    before = _state(draft)
    if is_unchanged(draft.generated_text, cleaned) and not draft.awaiting_choice:
        draft.edited_text = None  # the same as the draft: nothing edited
        draft.edited_at = None
        draft.edited_by_id = None
    else:
        draft.edited_text = cleaned
        draft.edited_at = utcnow()
        draft.edited_by_id = actor.id
    _flush()
    log_action(actor, "edit_summary", draft, before=before, after=_state(draft))
    return draft


def resolve_regeneration(
    actor: User, draft: SummaryDraft, choice: SummaryChoice, expected_lock_version: int | None
) -> SummaryDraft:
    """Keep the edits, or take the new draft, after a regeneration changed the draft."""
    _check_version(draft, expected_lock_version)
    if not draft.awaiting_choice:
        raise UserError(_("There is no new draft to choose from."))
    before = _state(draft)
    if choice is SummaryChoice.TAKE_NEW_DRAFT:
        draft.edited_text = None
        draft.edited_at = None
        draft.edited_by_id = None
    draft.awaiting_choice = False
    draft.previous_generated_text = None
    _flush()
    log_action(
        actor, "resolve_summary", draft, before=before,
        after={**_state(draft), "choice": choice.value},
    )
    return draft


# --- consensus settings -------------------------------------------------------------------


def _settings_state(rule: ConsensusRule) -> dict[str, object]:
    state: dict[str, object] = {name: getattr(rule, name) for name in THRESHOLDS}
    state["attribution"] = (Attribution.NAMED if rule.named else Attribution.UNATTRIBUTED).value
    return state


def update_consensus_settings(
    actor: User,
    consultation: Consultation,
    rule: ConsensusRule,
    expected_lock_version: int | None = None,
) -> ConsensusSettings:
    """Set the thresholds and the attribution of ``consultation``'s consensus indicator and
    summaries (docs/consensus.md); audited, flushed, not committed."""
    if not consultation.can_manage(actor):
        raise NotAllowed(_("Only the secretariat can change the consensus settings."))
    problems = check_rule(rule)
    if problems:
        raise UserError(" ".join(problems))
    settings = consensus_settings(consultation)
    current = settings.lock_version if settings is not None else 0
    if expected_lock_version is not None and expected_lock_version != current:
        raise Conflict(
            _("Someone else changed these settings meanwhile. Nothing was saved: reload the "
              "page and try again.")
        )
    before = _settings_state(rule_of(settings))
    after = _settings_state(rule)
    if settings is None:
        settings = ConsensusSettings(consultation_id=consultation.id)
        db.session.add(settings)
    elif before == after:
        return settings
    for name in THRESHOLDS:
        setattr(settings, name, getattr(rule, name))
    settings.attribution = Attribution.NAMED if rule.named else Attribution.UNATTRIBUTED
    settings.updated_by_id = actor.id
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict(
            _("Someone else changed these settings meanwhile. Nothing was saved: reload the "
              "page and try again.")
        ) from None
    changed = sorted(k for k in after if after[k] != before[k])
    log_action(actor, "update_consensus_settings", consultation,
               before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    logger.info("user %s changed the consensus settings of consultation %s: %s",
                actor.id, consultation.id, changed)
    return settings

def publish_summary(
    actor: User, draft: SummaryDraft, expected_lock_version: int | None
) -> SummaryDraft:
    """Publish the summary as it now reads; the public reads that text until the next
    publication, whatever is drafted or edited meanwhile (a stale form is a 409)."""
    _check_version(draft, expected_lock_version)
    if draft.awaiting_choice:
        raise UserError(
            _("A new draft is waiting for your choice: keep your edits or take the new draft, "
              "then publish.")
        )
    text = draft.current_text
    if draft.published_text == text:
        return draft  # already published as it reads
    before = {"published_text": draft.published_text, "published_at": draft.published_at}
    draft.published_text = text
    draft.published_at = utcnow()
    draft.published_by_id = actor.id
    _flush()
    log_action(
        actor, "publish_summary", draft, before=before,
        after={"published_text": text, "published_at": draft.published_at},
    )
    return draft


def published_summaries(consultation: Consultation, language: str | None = None) -> dict[int, str]:
    """The published text of each summary, by scope key (unpublished ones left out); with
    ``language``, its translation into that language where the secretariat gave one for the
    text as published (a translation of an earlier wording is not used)."""
    rows = db.session.execute(
        select(SummaryDraft.scope_key, SummaryDraft.published_text, SummaryTranslation.text)
        .outerjoin(
            SummaryTranslation,
            (SummaryTranslation.summary_id == SummaryDraft.id)
            & (SummaryTranslation.language == (language or ""))
            & (SummaryTranslation.source_text == SummaryDraft.published_text),
        )
        .where(
            SummaryDraft.consultation_id == consultation.id,
            SummaryDraft.published_text.is_not(None),
        )
    )
    return {scope: translated or text for scope, text, translated in rows if text is not None}

