"""What the codes and ids of the capabilities mean in the audit trail's words
(core.audit_labels): the enums whose values a field holds (several where codes differ), and
how the ids of some fields are named. Registered by the app factory."""

from __future__ import annotations

import enum

from sqlalchemy import select

from consult_app.accounts.models import OrgCategory, RegionalGroup, Role, User, VerificationStatus
from consult_app.consultations.models import PublicationMode
from consult_app.core.audit_labels import register_vocabulary
from consult_app.extensions import db
from consult_app.review.models import Outcome, Satisfaction, WithheldReason
from consult_app.submissions.models import (
    Channel,
    CommentKind,
    ModerationStatus,
    OnBehalfKind,
    Position,
    SubmissionStatus,
)
from consult_app.texts.models import Paragraph, Provision, VersionStatus

VALUE_ENUMS: dict[str, list[type[enum.Enum]]] = {
    "moderation_status": [ModerationStatus],
    "position": [Position],
    "kind": [CommentKind],
    "outcome": [Outcome],
    "satisfaction": [Satisfaction],
    "withheld_reason": [WithheldReason],
    "on_behalf_kind": [OnBehalfKind],
    "on_behalf_group": [RegionalGroup],
    "regional_group": [RegionalGroup],
    "category": [OrgCategory],
    "eligible_categories": [OrgCategory],
    "role": [Role],
    "verification_status": [VerificationStatus],
    "publication_mode": [PublicationMode],
    "channel": [Channel],
    "status": [SubmissionStatus, VersionStatus, ModerationStatus],
}

USER_KEYS = {"assigned_to_id", "reviewer_id", "decided_by_id", "verified_by_id"}
PROVISION_KEYS = {"provision_id", "resulting_provision_id"}
PARAGRAPH_KEYS = {"paragraph_id"}


def user_names(ids: set[int]) -> dict[int, str]:
    return {
        user_id: name
        for user_id, name in db.session.execute(select(User.id, User.name).where(User.id.in_(ids)))
    }


def provision_labels(ids: set[int]) -> dict[int, str]:
    return {
        p.id: p.label for p in db.session.scalars(select(Provision).where(Provision.id.in_(ids)))
    }


def paragraph_labels(ids: set[int]) -> dict[int, str]:
    return {
        p.id: p.display_label
        for p in db.session.scalars(select(Paragraph).where(Paragraph.id.in_(ids)))
    }


def register() -> None:
    register_vocabulary(
        VALUE_ENUMS,
        [
            (USER_KEYS, user_names),
            (PROVISION_KEYS, provision_labels),
            (PARAGRAPH_KEYS, paragraph_labels),
        ],
    )
