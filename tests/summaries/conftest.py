"""A hand-made consultation with known figures (see the comments for each count)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from consult_app.accounts.models import Organisation, OrgCategory, Role, User
from consult_app.accounts.models import RegionalGroup as G
from consult_app.consultations.models import Consultation
from consult_app.core.models import utcnow
from consult_app.extensions import db
from consult_app.review.models import DuplicateGroup, GroupKind, GroupStatus, Theme
from consult_app.submissions.models import Comment, ModerationStatus
from consult_app.submissions.models import Position as P
from consult_app.texts.models import Provision
from tests.conftest import make_consultation, make_org, make_user
from tests.summaries.helpers import provisions, state, submit

SECRET = "Secret Solidarity Fund"


@dataclass
class World:
    consultation: Consultation
    article: Provision
    other: Provision
    secretariat: User
    contributor: User
    secret: Organisation


@pytest.fixture
def world() -> World:
    consultation = make_consultation()
    ps = provisions(consultation)
    article, other = ps[2], ps[3]
    day2 = datetime(2026, 1, 11, 23, 30, tzinfo=UTC)
    gender = Theme(consultation_id=consultation.id, name="Gender equality", public=True)
    db.session.add(gender)

    # States on the article: African 3 (one on behalf of the group), WEOG 2, GRULAC 1.
    kenya = state("Kenya", G.AFRICAN)
    submit(consultation, kenya, [(article, P.SUPPORT)], on_behalf_group=G.AFRICAN)
    submit(consultation, state("Ghana", G.AFRICAN), [(article, P.SUPPORT)])
    # Senegal: support on one paragraph, amendments on another -> stance "with amendments".
    submit(consultation, state("Senegal", G.AFRICAN), [
        (article, P.SUPPORT),
        (article, P.SUPPORT_WITH_AMENDMENTS,
         {"proposed_wording": "Everyone has the right to international solidarity."}),
    ], submitted_at=day2)
    submit(consultation, state("Norway", G.WEOG), [
        (article, P.OPPOSE),
        (other, P.SUPPORT),
    ])
    submit(consultation, state("Canada", G.WEOG), [
        (article, P.RESERVATION),
        # Withdrawn: never counted.
        (article, P.OPPOSE, {"withdrawn_at": utcnow()}),
    ])
    submit(consultation, state("Chile", G.GRULAC), [
        (article, P.SUPPORT_WITH_AMENDMENTS,
         {"proposed_wording": "Everyone has the right to international solidarity!"}),
    ], submitted_at=day2)

    # Other stakeholders.
    ngo = make_org("Friends of Solidarity")
    submit(consultation, ngo, [
        (article, P.SUPPORT_WITH_AMENDMENTS,
         {"proposed_wording": "States shall cooperate in a spirit of solidarity."}),
    ], cosigners=[make_org("Coalition Member One"), make_org("Coalition Member Two")])
    nhri = make_org("National Commission", category=OrgCategory.NHRI, verified=False)
    submit(consultation, nhri, [(article, P.OPPOSE)])
    secret = make_org(SECRET)
    submit(consultation, secret, [(article, P.RESERVATION)], publishable=False)
    # Pending: counted by the secretariat, not publicly.
    submit(consultation, make_org("Late Institute", category=OrgCategory.ACADEMIC),
           [(article, P.PROPOSE_DELETION)], moderation=ModerationStatus.PENDING)
    # Spam: never counted.
    submit(consultation, make_org("Spammer"), [
        (article, P.OPPOSE, {"moderation_status": ModerationStatus.WITHHELD,
                             "withheld_reason": "spam"}),
    ])
    # A confirmed campaign: 3 individuals, one text.
    campaign = DuplicateGroup(consultation_id=consultation.id, kind=GroupKind.CAMPAIGN,
                              status=GroupStatus.CONFIRMED, size=3)
    secretariat = make_user(role=Role.SECRETARIAT)
    campaign.reviewed_by_id = secretariat.id
    db.session.add(campaign)
    db.session.flush()
    for n in range(3):
        person = make_org(f"Person {n}", category=OrgCategory.INDIVIDUAL)
        submit(consultation, person, [(article, P.SUPPORT,
                                       {"body": "We support solidarity.",
                                        "duplicate_group_id": campaign.id})])
    db.session.flush()
    tagged = db.session.query(Comment).filter(
        Comment.provision_id == article.id, Comment.position == P.OPPOSE,
        Comment.withdrawn_at.is_(None), Comment.moderation_status == ModerationStatus.PUBLISHED,
    ).all()
    for comment in tagged:  # Norway and the NHRI
        comment.themes.append(gender)
    db.session.flush()
    return World(consultation, article, other, secretariat,
                 make_user(organisation=ngo), secret)
