"""A consultation with comments of every kind, and helpers to read the API as JSON."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from consult_app.accounts.models import Organisation, OrgCategory, RegionalGroup, Role, User
from consult_app.consultations.models import Consultation
from consult_app.extensions import db, limiter
from consult_app.review.models import Disposition, Outcome, WithheldReason
from consult_app.submissions.editing import refresh_public_flags
from consult_app.submissions.models import (
    Comment,
    CommentKind,
    Cosigner,
    ModerationStatus,
    OnBehalfKind,
    Position,
    Submission,
    SubmissionStatus,
)
from consult_app.texts.models import Provision
from tests.conftest import make_consultation, make_org, make_user
from tests.consultations.factories import make_submission

# Planted in everything that must never leave the platform through the API.
MARKER = "zqxmarker"


def get_json(client: FlaskClient, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.data[:300])
    assert response.mimetype == "application/json"
    return response.get_json()


def add_comment(
    submission: Submission,
    provision: Provision,
    body: str,
    status: ModerationStatus = ModerationStatus.PUBLISHED,
    **kwargs: Any,
) -> Comment:
    """A comment with a moderation status; is_public is computed by refresh_public_flags."""
    comment = Comment(
        submission=submission,
        provision=provision,
        position=kwargs.pop("position", Position.SUPPORT),
        kind=kwargs.pop("kind", CommentKind.SUBSTANTIVE),
        body=body,
        moderation_status=status,
        **kwargs,
    )
    db.session.add(comment)
    db.session.flush()
    return comment


def add_disposition(
    comment: Comment, decider: User, published: bool = True, **kwargs: Any
) -> Disposition:
    now = datetime.now(UTC)
    disposition = Disposition(
        comment_id=comment.id,
        outcome=kwargs.pop("outcome", Outcome.ACCEPTED),
        public_explanation=kwargs.pop("public_explanation", "The wording was changed."),
        decided_by_id=decider.id,
        decided_at=now,
        published_at=now if published else None,
        **kwargs,
    )
    db.session.add(disposition)
    db.session.flush()
    return disposition


@dataclass
class World:
    consultation: Consultation
    article: Provision
    other_article: Provision
    state: Organisation
    ngo: Organisation
    cosigner: Organisation
    secret_org: Organisation
    visible: list[Comment] = field(default_factory=list)
    hidden: list[Comment] = field(default_factory=list)


def build_world(allow_attribution: bool = True) -> World:
    """Public comments, and next to them everything the API must never show."""
    consultation = make_consultation(allow_attribution=allow_attribution)
    articles = [p for p in consultation.version.provisions if p.kind.value == "article"]
    article, other_article = articles[0], articles[1]
    secretariat = make_user(role=Role.SECRETARIAT, email=f"{MARKER}-staff@example.org")
    secretariat.name = f"Staff {MARKER}"
    state = make_org("Republic of Testland", OrgCategory.MEMBER_STATE, RegionalGroup.GRULAC)
    state.acronym = "RTL"
    state.verification_note = f"note {MARKER}"
    make_user(organisation=state, email=f"delegate-{MARKER}@example.org")
    ngo = make_org("Friends of Solidarity", OrgCategory.NGO)
    cosigner = make_org("University of Testing", OrgCategory.ACADEMIC)
    secret_org = make_org(
        f"Confidential {MARKER} Mission", OrgCategory.MEMBER_STATE, RegionalGroup.AFRICAN
    )
    draft_org = make_org(f"Drafting {MARKER} Office", OrgCategory.NGO)

    world = World(consultation, article, other_article, state, ngo, cosigner, secret_org)

    # A State, published, one comment with a published disposition and one redacted.
    state_sub = make_submission(consultation, state, general_remarks=f"remarks {MARKER}")
    paragraph = article.paragraphs[0]
    first = add_comment(
        state_sub,
        article,
        "We support article 1.",
        paragraph=paragraph,
        quoted_text="Everyone has the right",
        proposed_wording="Everyone has the right to the thing.",
        rationale="Clarity.",
        position=Position.SUPPORT_WITH_AMENDMENTS,
    )
    add_disposition(
        first,
        secretariat,
        internal_note=f"internal {MARKER}",
        change_reference="Article 1, paragraph 1 of the revised draft.",
    )
    redacted = add_comment(
        state_sub,
        other_article,
        f"Our minister {MARKER} thinks so.",
        redacted_body="Our minister [redacted] thinks so.",
        proposed_wording=f"Everyone, said minister {MARKER}, has the right to the thing.",
        redacted_proposed_wording="Everyone has the right to the thing.",
        rationale=f"Minister {MARKER} said so.",
        redacted_rationale="",
        redaction_reason=f"personal data {MARKER}",
        position=Position.OPPOSE,
    )
    # A disposition decided but not published yet.
    add_disposition(
        redacted,
        secretariat,
        published=False,
        public_explanation=f"draft answer {MARKER}",
        internal_note=f"internal {MARKER}",
    )
    world.visible += [first, redacted]
    world.hidden += [
        add_comment(state_sub, article, f"pending {MARKER}", ModerationStatus.PENDING),
        add_comment(
            state_sub,
            article,
            f"withheld {MARKER}",
            ModerationStatus.WITHHELD,
            withheld_reason=WithheldReason.OFFENSIVE.value,
        ),
        add_comment(state_sub, article, f"withdrawn {MARKER}", withdrawn_at=datetime.now(UTC)),
    ]
    # An NGO on behalf of a coalition, with a co-signer.
    ngo_sub = make_submission(
        consultation,
        ngo,
        on_behalf_kind=OnBehalfKind.COALITION,
        on_behalf_name="Solidarity Coalition",
        channel_detail=f"channel {MARKER}",
    )
    db.session.add(Cosigner(submission=ngo_sub, organisation=cosigner))
    world.visible.append(
        add_comment(
            ngo_sub,
            article,
            "We propose deletion.",
            position=Position.PROPOSE_DELETION,
            kind=CommentKind.DRAFTING,
        )
    )
    # A State that asked not to be published: counted elsewhere, never shown here.
    secret_sub = make_submission(consultation, secret_org, publishable=False)
    db.session.add(Cosigner(submission=secret_sub, organisation=make_org(f"Cosigner {MARKER}")))
    hidden = add_comment(secret_sub, article, f"confidential {MARKER}")
    add_disposition(hidden, secretariat, public_explanation=f"answer {MARKER}")
    world.hidden.append(hidden)
    # A draft, never submitted.
    draft = Submission(
        consultation=consultation, organisation=draft_org, status=SubmissionStatus.DRAFT
    )
    db.session.add(draft)
    db.session.flush()
    world.hidden.append(add_comment(draft, article, f"draft {MARKER}"))

    for submission in (state_sub, ngo_sub, secret_sub, draft):
        refresh_public_flags(submission)
    db.session.commit()
    return world


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def rate_limited(app: Flask) -> Iterator[Flask]:
    """API rate limit on and small, counters empty; restored afterwards."""
    saved = {key: app.config[key] for key in ("RATELIMIT_ENABLED", "API_RATE_LIMIT")}
    app.config.update(RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute")
    limiter.reset()
    try:
        yield app
    finally:
        app.config.update(saved)
        limiter.reset()
