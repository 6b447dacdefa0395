"""A consultation with something on every page, built through the operations, for the
journeys that look at many pages (widths, charts, buttons)."""

from __future__ import annotations

from dataclasses import dataclass

from consult_app.accounts.models import Organisation, OrgCategory, RegionalGroup, Role, User
from consult_app.consultations.models import Consultation
from consult_app.extensions import db
from consult_app.review import dispositions as disposition_ops
from consult_app.review.models import Outcome
from consult_app.submissions import commenting, submitting
from consult_app.submissions import operations as submission_ops
from consult_app.submissions.models import Comment, Position, Submission
from consult_app.texts.models import Provision
from tests.conftest import make_consultation, make_org, make_user

LONG_WORDING = (
    "1. Everyone, individually and in association with others, has the right to international "
    "solidarity, without discrimination of any kind, and to participate in, contribute to and "
    "enjoy its benefits in a manner consistent with all human rights and fundamental freedoms.\n"
    "2. States shall take measures, individually and through international assistance and "
    "cooperation, to the maximum of their available resources, to that end."
)


@dataclass
class World:
    consultation: Consultation
    articles: list[Provision]
    secretariat: User
    contributor: User  # the author of the draft
    ngo_author: User  # the author of the submitted submission
    draft: Submission
    submitted: Submission
    comment: Comment  # a submitted comment, answered and published

    @property
    def id(self) -> int:
        return self.consultation.id


def _submit(
    consultation: Consultation,
    organisation: Organisation,
    comments: list[tuple[Provision, Position, str | None]],
) -> tuple[User, Submission]:
    author = make_user(organisation=organisation)
    submission = submission_ops.start_submission(author, consultation)
    for provision, position, wording in comments:
        commenting.add_comment(
            author,
            submission,
            provision,
            commenting.CommentFields(
                position=position,
                body=f"{organisation.name} on {provision.label}: we have views on this text "
                "that we explain here at some length, as delegations do.",
                proposed_wording=wording,
            ),
        )
    submitting.submit_submission(author, submission, submission.lock_version)
    return author, submission


def busy_world() -> World:
    """States of every regional group, an NGO, a UN entity; answered comments; a draft."""
    consultation = make_consultation()
    provisions = list(consultation.version.provisions)
    articles = [p for p in provisions if p.kind.value == "article"]
    secretariat = make_user(role=Role.SECRETARIAT, email="officer@example.org")
    submissions = []
    for n, group in enumerate(RegionalGroup):
        state = make_org(f"Republic number {n + 1}", OrgCategory.MEMBER_STATE, group)
        positions = [Position.SUPPORT, Position.OPPOSE, Position.SUPPORT_WITH_AMENDMENTS]
        submissions.append(
            _submit(
                consultation,
                state,
                [
                    (articles[0], positions[n % 3], LONG_WORDING if n == 0 else None),
                    (provisions[0], Position.RESERVATION, None),
                ],
            )
        )
    ngo = make_org("Friends of International Solidarity and Cooperation", OrgCategory.NGO)
    ngo_author, submitted = _submit(
        consultation, ngo, [(articles[1], Position.PROPOSE_DELETION, None)]
    )
    _submit(
        consultation,
        make_org("United Nations entity for cooperation", OrgCategory.UN_ENTITY),
        [(articles[2], Position.NO_POSITION, None)],
    )
    draft_org = make_org("Academic network on solidarity", OrgCategory.ACADEMIC)
    draft_author = make_user(organisation=draft_org, email="academic@example.org")
    draft = submission_ops.start_submission(draft_author, consultation)

    first = submissions[0][1].comments[0]
    for comment, outcome in (
        (first, Outcome.ACCEPTED_IN_PART),
        (submitted.comments[0], Outcome.NOT_ACCEPTED),
    ):
        disposition_ops.record_disposition(
            secretariat,
            [comment],
            outcome,
            "The revised text keeps the structure of the article and takes up the substance "
            "of the proposal in its second paragraph.",
        )
    disposition_ops.publish_dispositions(secretariat, consultation)
    db.session.commit()
    return World(
        consultation, articles, secretariat, draft_author, ngo_author, draft, submitted, first
    )
