"""A consultation with public, confidential, withheld and decided comments to export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from consult_app.accounts.models import Organisation, OrgCategory, RegionalGroup, Role, User
from consult_app.consultations.models import Consultation
from consult_app.extensions import db
from consult_app.review.models import (
    Disposition,
    DuplicateGroup,
    GroupKind,
    GroupStatus,
    Outcome,
    Theme,
)
from consult_app.submissions.models import (
    Comment,
    Cosigner,
    ModerationStatus,
    OnBehalfKind,
    Position,
)
from consult_app.texts.models import Provision
from tests.conftest import make_consultation, make_org, make_user
from tests.consultations.factories import make_comment, make_submission

# Markers that must never appear in a public export.
CONFIDENTIAL_NAME = "Secretive Republic ZQXCONFORG"
CONFIDENTIAL_TEXT = "ZQXCONFTEXT confidential statement"
WITHHELD_TEXT = "ZQXWITHHELD offensive remark"
INTERNAL_NOTE = "ZQXINTERNALNOTE do not publish"
UNPUBLISHED_EXPLANATION = "ZQXDRAFTEXPL not yet published"
ORIGINAL_TEXT = "ZQXORIGINAL phone number 555"
CONFIDENTIAL_WORDING = "Everyone has the ZQXCONFWORDING right to the thing in article 1."
# Redacted parts of public comments: the originals are never public.
REDACTED_WORDING = "Everyone has the inalienable right to the thing in article 1 ZQXREDWORDING."
REDACTED_RATIONALE = "Asked by ZQXREDRATIONALE."
MARKERS = [
    "ZQXREDWORDING",
    "ZQXREDRATIONALE",
    "ZQXCONFORG",
    "ZQXCONFTEXT",
    "ZQXWITHHELD",
    "ZQXINTERNALNOTE",
    "ZQXDRAFTEXPL",
    "ZQXORIGINAL",
    "ZQXCONFWORDING",
]
INJECTION = "=cmd|' /C calc'!A0"


@dataclass
class ExportWorld:
    consultation: Consultation
    state: Organisation
    ngo: Organisation
    confidential: Organisation
    secretariat: User
    contributor: User
    articles: list[Provision]
    public_comments: list[Comment]


def build_world(allow_attribution: bool = True) -> ExportWorld:
    consultation = make_consultation(allow_attribution=allow_attribution)
    articles = list(
        db.session.scalars(
            select(Provision)
            .where(Provision.version_id == consultation.version_id)
            .order_by(Provision.position)
        )
    )
    article1, article2 = articles[2], articles[3]
    secretariat = make_user(role=Role.SECRETARIAT)
    state = make_org("Republic of Exportland", OrgCategory.MEMBER_STATE, RegionalGroup.AFRICAN)
    ngo = make_org("Friends of Exports", OrgCategory.NGO, verified=False)
    cosigner = make_org("Cosigning Coalition Member", OrgCategory.NGO)
    confidential = make_org(CONFIDENTIAL_NAME, OrgCategory.MEMBER_STATE, RegionalGroup.WEOG)
    contributor = make_user(organisation=ngo)

    state_sub = make_submission(
        consultation, state, on_behalf_kind=OnBehalfKind.REGIONAL_GROUP,
        on_behalf_group=RegionalGroup.AFRICAN,
    )
    ngo_sub = make_submission(
        consultation, ngo, on_behalf_kind=OnBehalfKind.COALITION, on_behalf_name="Coalition X"
    )
    db.session.add(Cosigner(submission=ngo_sub, organisation=cosigner))
    secret_sub = make_submission(consultation, confidential, publishable=False)

    paragraph = article1.paragraphs[0]
    c1 = make_comment(
        state_sub, article1, body="We support article 1 strongly.",
        position=Position.SUPPORT_WITH_AMENDMENTS, paragraph=paragraph,
        proposed_wording=REDACTED_WORDING,
        redacted_proposed_wording="Everyone has the inalienable right to the thing in article 1.",
        rationale="Stronger wording.",
        redaction_reason="A name in the wording",
    )
    c2 = make_comment(ngo_sub, article1, body=INJECTION, position=Position.RESERVATION)
    c3 = make_comment(
        ngo_sub, article2, body=ORIGINAL_TEXT, position=Position.OPPOSE,
        proposed_wording="States may take measures to that end.",
    )
    c3.redacted_body = "Redacted public text of the comment."
    c3.rationale, c3.redacted_rationale = REDACTED_RATIONALE, ""  # the public reads none
    # A confidential submission: counted, never shown or named.
    make_comment(
        secret_sub, article1, body=CONFIDENTIAL_TEXT, public=False,
        moderation_status=ModerationStatus.PUBLISHED, position=Position.RESERVATION,
        proposed_wording=CONFIDENTIAL_WORDING,
    )
    # A withheld comment of a public organisation.
    make_comment(
        state_sub, article2, body=WITHHELD_TEXT, public=False,
        moderation_status=ModerationStatus.WITHHELD, withheld_reason="offensive",
    )
    theme = Theme(consultation_id=consultation.id, name="Right to development")
    db.session.add(theme)
    c1.themes.append(theme)
    group = DuplicateGroup(
        consultation_id=consultation.id, kind=GroupKind.CAMPAIGN, status=GroupStatus.CONFIRMED,
        size=1, reviewed_by_id=secretariat.id, reviewed_at=datetime.now(UTC),
    )
    db.session.add(group)
    db.session.flush()
    c2.duplicate_group_id = group.id
    now = datetime.now(UTC)
    db.session.add_all(
        [
            Disposition(
                comment_id=c1.id, outcome=Outcome.ACCEPTED,
                public_explanation="The wording was strengthened.",
                internal_note=INTERNAL_NOTE, decided_by_id=secretariat.id, decided_at=now,
                published_at=now, change_reference="Article 1, paragraph 1",
            ),
            Disposition(
                comment_id=c3.id, outcome=Outcome.NOT_ACCEPTED,
                public_explanation=UNPUBLISHED_EXPLANATION, decided_by_id=secretariat.id,
                decided_at=now,
            ),
        ]
    )
    db.session.commit()
    return ExportWorld(
        consultation=consultation,
        state=state,
        ngo=ngo,
        confidential=confidential,
        secretariat=secretariat,
        contributor=contributor,
        articles=articles,
        public_comments=[c1, c2, c3],
    )


@pytest.fixture
def world() -> ExportWorld:
    return build_world()


@pytest.fixture
def anonymous_world() -> ExportWorld:
    return build_world(allow_attribution=False)
