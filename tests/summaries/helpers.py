"""Hand-made consultations for the summaries tests (rows built directly, no workflow)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count
from typing import Any

from sqlalchemy import select

from consult_app.accounts.models import Organisation, OrgCategory, RegionalGroup
from consult_app.consultations.models import Consultation
from consult_app.extensions import db
from consult_app.submissions.models import (
    Comment,
    Cosigner,
    ModerationStatus,
    OnBehalfKind,
    Position,
    Submission,
    SubmissionStatus,
)
from consult_app.texts.models import Provision
from tests.conftest import make_org

_receipts = count(1)


def provisions(consultation: Consultation) -> list[Provision]:
    return list(
        db.session.scalars(
            select(Provision)
            .where(Provision.version_id == consultation.version_id)
            .order_by(Provision.position)
        )
    )


def submit(
    consultation: Consultation,
    org: Organisation,
    comments: list[tuple[Provision, Position]] | list[tuple[Provision, Position, dict[str, Any]]],
    *,
    publishable: bool = True,
    cosigners: list[Organisation] = (),  # type: ignore[assignment]
    on_behalf_group: RegionalGroup | None = None,
    on_behalf_name: str | None = None,
    submitted_at: datetime | None = None,
    moderation: ModerationStatus = ModerationStatus.PUBLISHED,
) -> Submission:
    """A submitted submission of ``org`` with the given comments (published by default)."""
    kind = OnBehalfKind.NONE
    if on_behalf_group is not None:
        kind = OnBehalfKind.REGIONAL_GROUP
    elif on_behalf_name is not None:
        kind = OnBehalfKind.COALITION
    submission = Submission(
        consultation=consultation,
        organisation=org,
        status=SubmissionStatus.SUBMITTED,
        receipt_number=f"T-{next(_receipts):06d}",
        submitted_at=submitted_at or datetime(2026, 1, 10, 9, 0, tzinfo=UTC),
        revision_count=1,
        publishable=publishable,
        on_behalf_kind=kind,
        on_behalf_group=on_behalf_group,
        on_behalf_name=on_behalf_name,
    )
    db.session.add(submission)
    for co in cosigners:
        db.session.add(Cosigner(submission=submission, organisation=co))
    for item in comments:
        provision, position = item[0], item[1]
        extra: dict[str, Any] = dict(item[2]) if len(item) > 2 else {}  # type: ignore[misc]
        status = extra.pop("moderation_status", moderation)
        db.session.add(
            Comment(
                submission=submission,
                consultation_id=consultation.id,
                provision_id=provision.id,
                position=position,
                body=extra.pop("body", f"Comment on {provision.label}"),
                moderation_status=status,
                is_public=bool(
                    publishable and status is ModerationStatus.PUBLISHED
                    and consultation.publish_submissions
                ),
                **extra,
            )
        )
    db.session.flush()
    return submission


def state(name: str, group: RegionalGroup, verified: bool = True) -> Organisation:
    return make_org(name, category=OrgCategory.MEMBER_STATE, group=group, verified=verified)


@dataclass
class Stances:
    """How many States of each group take each stance on one provision."""

    by_group: dict[RegionalGroup, dict[Position, int]] = field(default_factory=dict)


_names = count(1)


def states_with(
    consultation: Consultation,
    provision: Provision,
    spec: dict[RegionalGroup, dict[Position, int]],
) -> list[Organisation]:
    """Create States of each group with the given stances on ``provision``."""
    created = []
    for group, positions in spec.items():
        for position, n in positions.items():
            for _ in range(n):
                org = state(f"State {next(_names)}", group)
                submit(consultation, org, [(provision, position)])
                created.append(org)
    return created
