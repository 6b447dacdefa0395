"""Audit entries in words: translated labels of actions, objects and fields, and values
shown as a person reads them (None as "—", codes as their labels, ids as names).

The audit trail stores codes (``return_comment_to_pending``, ``moderation_status``,
``paragraph_id``); the pages that show it (the audit trail, a comment's history) read
them through here, never raw. The CSV export keeps the codes: it is for machines.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from consult_app.core.audit import AuditEntry

NO_VALUE = "—"

ACTION_LABELS: dict[str, Any] = {
    "add_provision": _l("Provision added to a draft version"),
    "align_version": _l("Version aligned with the previous one"),
    "approve_membership": _l("Request to act for an organisation approved"),
    "choose_language": _l("Interface language chosen"),
    "decline_membership": _l("Request to act for an organisation declined"),
    "delete_provision": _l("Provision deleted from a draft version"),
    "disable_two_factor": _l("Two-step sign-in turned off"),
    "edit_provision": _l("Provision edited in a draft version"),
    "enable_two_factor": _l("Two-step sign-in turned on"),
    "import_translation": _l("Language version imported"),
    "translate_consultation": _l("Consultation content given in another language"),
    "merge_provisions": _l("Provisions merged"),
    "move_provision": _l("Provision moved"),
    "publish_version": _l("Version published"),
    "regenerate_recovery_codes": _l("New recovery codes made"),
    "renumber_version": _l("Version renumbered"),
    "request_membership": _l("Asked to act for an organisation"),
    "reset_two_factor": _l("Two-step sign-in reset"),
    "revoke_sessions": _l("Signed out on other devices"),
    "save_report_settings": _l("Report settings saved"),
    "split_provision": _l("Provision split"),
    "start_next_version": _l("Next version started"),
    "update_consensus_settings": _l("Consensus settings changed"),
    "use_recovery_code": _l("Recovery code used"),
    "activate_theme": _l("Theme put back in use"),
    "activate_user": _l("Account reactivated"),
    "add_attachment": _l("Attachment added"),
    "add_comment": _l("Comment added"),
    "answer_duplicate_group": _l("Group of similar comments answered together"),
    "assign_comment": _l("Comment assigned to a reviewer"),
    "assign_provision": _l("Provision assigned to a reviewer"),
    "change_password": _l("Password changed"),
    "change_role": _l("Role changed"),
    "confirm_duplicate_group": _l("Group of similar comments confirmed"),
    "create_organisation": _l("Organisation created"),
    "create_theme": _l("Theme created"),
    "create_user": _l("Account created"),
    "deactivate_theme": _l("Theme deactivated"),
    "deactivate_user": _l("Account deactivated"),
    "detect_duplicates": _l("Similar comments detected"),
    "dismiss_duplicate_group": _l("Group of similar comments dismissed"),
    "edit_summary": _l("Summary edited"),
    "expire_export_job": _l("Export expired"),
    "requeue_export_job": _l("Export started again after its process stopped"),
    "expire_import_job": _l("Import of a file stopped after its process stopped repeatedly"),
    "requeue_import_job": _l("Import of a file started again after its process stopped"),
    "generate_summary": _l("Summary drafted"),
    "import_consultation": _l("Consultation imported from an archive"),
    "import_text": _l("Text imported"),
    "open_consultation": _l("Consultation opened"),
    "publish_attachment": _l("Written submission published"),
    "publish_comment": _l("Comment published"),
    "publish_dispositions": _l("Dispositions published"),
    "publish_summary": _l("Summary published"),
    "record_disposition": _l("Disposition recorded"),
    "record_offline_submission": _l("Submission received outside the platform recorded"),
    "record_satisfaction": _l("Satisfaction with the answer recorded"),
    "recount_figures": _l("Figures counted again"),
    "redact_comment": _l("Comment redacted"),
    "regenerate_summary": _l("Summary drafted again"),
    "register_user": _l("Account registered"),
    "reject_organisation": _l("Organisation rejected"),
    "remove_redaction": _l("Redaction removed"),
    "rename_theme": _l("Theme renamed"),
    "request_export": _l("Export requested"),
    "request_import": _l("Import of a file of submissions requested"),
    "reset_password": _l("Password reset"),
    "resolve_summary": _l("Choice made after a new draft of the summary"),
    "return_attachment_to_pending": _l("Written submission returned to pending"),
    "return_comment_to_pending": _l("Comment returned to pending"),
    "set_theme_public": _l("Theme made public or internal"),
    "set_version_status": _l("Status of the text version changed"),
    "split_duplicate_group": _l("Group of similar comments split"),
    "start_submission": _l("Submission started"),
    "submit_submission": _l("Submission submitted"),
    "tag_comment": _l("Theme given to the comment"),
    "unassign_provision": _l("Provision no longer assigned"),
    "untag_comment": _l("Theme taken off the comment"),
    "update_comment": _l("Comment changed"),
    "update_consultation": _l("Consultation changed"),
    "update_disposition": _l("Disposition changed"),
    "update_profile": _l("Profile changed"),
    "update_submission": _l("Submission details changed"),
    "verify_organisation": _l("Organisation verified"),
    "withdraw_attachment": _l("Attachment withdrawn"),
    "withdraw_comment": _l("Comment withdrawn"),
    "withhold_attachment": _l("Written submission withheld"),
    "withhold_comment": _l("Comment withheld"),
}

OBJECT_LABELS: dict[str, Any] = {
    "Attachment": _l("Attachment"),
    "Comment": _l("Comment"),
    "Consultation": _l("Consultation"),
    "Disposition": _l("Disposition"),
    "DuplicateGroup": _l("Group of similar comments"),
    "ExportJob": _l("Export"),
    "ImportJob": _l("Import of a file of submissions"),
    "Instrument": _l("Instrument"),
    "Organisation": _l("Organisation"),
    "ProvisionAssignment": _l("Provision assignment"),
    "Submission": _l("Submission"),
    "SummaryDraft": _l("Summary"),
    "TextVersion": _l("Text version"),
    "Theme": _l("Theme"),
    "User": _l("Account"),
}

FIELD_LABELS: dict[str, Any] = {
    "acronym": _l("Acronym"),
    "active": _l("In use"),
    "allow_attribution": _l("Comments attributed by name"),
    "assigned_to_id": _l("Reviewer"),
    "attachments": _l("Attachments"),
    "body": _l("Comment"),
    "category": _l("Category"),
    "change_reference": _l("Change made in the next version"),
    "choice": _l("Choice"),
    "closes_at": _l("Closes"),
    "comment_id": _l("Comment"),
    "comment_ids": _l("Comments"),
    "comments": _l("Comments"),
    "content_type": _l("Type of file"),
    "cosigners": _l("Co-signing organisations"),
    "country": _l("Country"),
    "decided_by_id": _l("Decided by"),
    "description": _l("Description"),
    "display_name": _l("Name shown"),
    "ecosoc_status": _l("ECOSOC consultative status"),
    "edited_text": _l("Edited text"),
    "eligible_categories": _l("Categories invited"),
    "email": _l("E-mail address"),
    "filename": _l("File name"),
    "general_remarks": _l("General remarks"),
    "generated_text": _l("Generated draft"),
    "has_unsubmitted_changes": _l("Changes not yet submitted"),
    "internal_note": _l("Internal note"),
    "job_title": _l("Job title"),
    "kind": _l("Kind"),
    "locale": _l("Language"),
    "moderation_status": _l("Status"),
    "name": _l("Name"),
    "note": _l("Note"),
    "on_behalf_group": _l("On behalf of the regional group"),
    "on_behalf_kind": _l("Made"),
    "on_behalf_name": _l("On behalf of"),
    "opens_at": _l("Opens"),
    "organisation": _l("Organisation"),
    "organisation_id": _l("Organisation"),
    "outcome": _l("Outcome"),
    "paragraph_id": _l("Paragraph"),
    "position": _l("Position"),
    "proposed_wording": _l("Proposed wording"),
    "provision_id": _l("Provision"),
    "public": _l("Public"),
    "public_explanation": _l("Public explanation"),
    "publication_mode": _l("Publication"),
    "publish_submissions": _l("Submissions published"),
    "publish_consent": _l("The authors agree to its publication"),
    "publishable": _l("May be published"),
    "published_at": _l("Published"),
    "published_text": _l("Published text"),
    "quoted_text": _l("Quoted words"),
    "rationale": _l("Rationale"),
    "instructions": _l("Instructions for taking part"),
    "language": _l("Language"),
    "flagged_for_update": _l("Language versions flagged as needing an update"),
    "receipt_number": _l("Receipt number"),
    "redacted_body": _l("Redacted text"),
    "redaction_reason": _l("Reason for the redaction"),
    "regional_group": _l("Regional group"),
    "resulting_provision_id": _l("Resulting provision"),
    "revision": _l("Revision"),
    "revision_count": _l("Revisions"),
    "reviewer_id": _l("Reviewer"),
    "role": _l("Role"),
    "satisfaction": _l("Satisfaction"),
    "satisfaction_note": _l("Note on the answer"),
    "size": _l("Size"),
    "dry_run": _l("Checked only (nothing imported)"),
    "file_name": _l("File name"),
    "status": _l("Status"),
    "themes": _l("Themes"),
    "timezone": _l("Time zone"),
    "title": _l("Title"),
    "verification_note": _l("Verification note"),
    "verification_status": _l("Verification"),
    "verified_at": _l("Verified"),
    "verified_by_id": _l("Verified by"),
    "version_id": _l("Text version"),
    "website": _l("Website"),
    "withdrawn_at": _l("Withdrawn"),
    "withheld_reason": _l("Reason withheld"),
}

_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _humanised(code: str) -> str:
    """A code nobody labelled yet, at least as words (``some_code`` -> "Some code")."""
    words = code.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def action_label(code: str) -> str:
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else _humanised(code)


def object_label(code: str) -> str:
    label = OBJECT_LABELS.get(code)
    return str(label) if label is not None else _humanised(code)


def field_label(code: str) -> str:
    label = FIELD_LABELS.get(code)
    return str(label) if label is not None else _humanised(code)


# What the capabilities' codes and ids mean: the enums whose values a field holds (several
# where codes differ) and how to name the ids some fields hold, registered at app start by
# the audit package (consult_app/audit/vocabulary.py): core imports no capability.
NameLoader = Callable[[set[int]], dict[int, str]]
_VALUE_ENUMS: dict[str, list[type[enum.Enum]]] = {}
_NAME_LOADERS: list[tuple[frozenset[str], NameLoader]] = []


def register_vocabulary(
    value_enums: Mapping[str, list[type[enum.Enum]]],
    name_loaders: Iterable[tuple[Iterable[str], NameLoader]],
) -> None:
    """Set the enums of each field and, for the fields that hold ids (by key), the function
    that names a set of ids in one query."""
    _VALUE_ENUMS.clear()
    _VALUE_ENUMS.update(value_enums)
    _NAME_LOADERS[:] = [(frozenset(keys), load) for keys, load in name_loaders]


def _enums() -> dict[str, list[type[enum.Enum]]]:
    """The enums whose values a field holds, by field name (several where codes differ)."""
    return _VALUE_ENUMS


@dataclass(frozen=True)
class Change:
    """One field of an audit entry, in words."""

    label: str
    before: str | None  # None: the entry has no value before (or after)
    after: str | None


class _Names:
    """Names of the accounts, provisions and paragraphs the entries point to, loaded in
    one query per kind for a whole page of entries."""

    def __init__(self, entries: Iterable[AuditEntry]) -> None:
        wanted: list[set[int]] = [set() for _loader in _NAME_LOADERS]
        for entry in entries:
            for values in (entry.before or {}, entry.after or {}):
                for key, value in values.items():
                    if not isinstance(value, int) or isinstance(value, bool):
                        continue
                    for ids, (keys, _load) in zip(wanted, _NAME_LOADERS, strict=True):
                        if key in keys:
                            ids.add(value)
                            break
        self._names: list[dict[int, str]] = [
            load(ids) if ids else {}
            for ids, (_keys, load) in zip(wanted, _NAME_LOADERS, strict=True)
        ]

    def of(self, key: str, value: int) -> str | None:
        for names, (keys, _load) in zip(self._names, _NAME_LOADERS, strict=True):
            if key in keys:
                return names.get(value)
        return None


def _enum_label(key: str, value: str, enums: Mapping[str, list[type[enum.Enum]]]) -> str | None:
    for enum_cls in enums.get(key, []):
        try:
            member = enum_cls(value)
        except ValueError:
            continue
        label = getattr(member, "label", None)
        return str(label) if label is not None else None
    return None


def shown_value(
    key: str,
    value: Any,
    names: _Names | None = None,
    enums: Mapping[str, list[type[enum.Enum]]] | None = None,
) -> str:
    """``value`` of field ``key`` as a person reads it."""
    from consult_app.core.templating import format_local_and_utc

    enums = _enums() if enums is None else enums
    if value is None or value == "" or value == []:
        return NO_VALUE
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int) and names is not None:
        named = names.of(key, value)
        if named is not None:
            return named
    if isinstance(value, str):
        label = _enum_label(key, value, enums)
        if label is not None:
            return label
        if _ISO_DATETIME.match(value):
            try:
                return format_local_and_utc(datetime.fromisoformat(value))
            except ValueError:
                return value
        return value
    if isinstance(value, list):
        return "; ".join(shown_value(key, item, names, enums) for item in value)
    if isinstance(value, dict):
        return "; ".join(
            f"{field_label(k)}: {shown_value(k, v, names, enums)}" for k, v in value.items()
        )
    return str(value)


def entry_changes(entries: list[AuditEntry]) -> dict[int, list[Change]]:
    """For each entry, the fields whose value differs between before and after, in words
    (fields with no value on either side are left out)."""
    names = _Names(entries)
    enums = _enums()
    result: dict[int, list[Change]] = {}
    for entry in entries:
        before = entry.before or {}
        after = entry.after or {}
        rows = []
        for key in sorted(set(before) | set(after)):
            old, new = before.get(key), after.get(key)
            if key in before and key in after and old == new:
                continue
            if key not in before and new is None:
                continue
            rows.append(
                Change(
                    field_label(key),
                    shown_value(key, old, names, enums) if key in before else None,
                    shown_value(key, new, names, enums) if key in after else None,
                )
            )
        result[entry.id] = rows
    return result
