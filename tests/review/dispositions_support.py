"""A consultation with three organisations' submitted comments, for the disposition tests."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from consult_app.accounts.models import Organisation, OrgCategory, RegionalGroup, Role, User
from consult_app.consultations.models import Consultation
from consult_app.core.mail import outbox
from consult_app.extensions import db
from consult_app.review import dispositions as ops
from consult_app.review.models import Disposition, Outcome
from consult_app.submissions import commenting
from consult_app.submissions import operations as sub_ops
from consult_app.submissions.models import Comment, Position, Submission
from consult_app.texts.models import Provision, ProvisionKind
from tests.conftest import make_consultation, make_org, make_user


@dataclass
class Scene:
    consultation: Consultation
    state: Organisation  # a Member State, named publicly
    ngo: Organisation
    quiet: Organisation  # asked that its submission not be published
    alice: User  # contributors of the State
    alan: User
    bob: User  # contributor of the NGO
    quinn: User  # contributor of the quiet organisation
    ana: User  # secretariat
    ben: User  # secretariat

    def comments_of(self, organisation: Organisation) -> list[Comment]:
        return list(
            db.session.scalars(
                select(Comment)
                .join(Submission)
                .where(
                    Submission.organisation_id == organisation.id,
                    Submission.consultation_id == self.consultation.id,
                )
                .order_by(Comment.id)
            )
        )

    @property
    def articles(self) -> list[Provision]:
        return list(
            db.session.scalars(
                select(Provision)
                .where(
                    Provision.version_id == self.consultation.version_id,
                    Provision.kind == ProvisionKind.ARTICLE,
                )
                .order_by(Provision.position)
            )
        )


def _submit(user: User, consultation: Consultation, bodies: list[tuple[Provision, str, str | None]],
            publishable: bool = True) -> Submission:
    comments = [
        (
            provision,
            commenting.CommentFields(
                position=Position.SUPPORT_WITH_AMENDMENTS if wording else Position.OPPOSE,
                body=body,
                proposed_wording=wording,
            ),
        )
        for provision, body, wording in bodies
    ]
    return sub_ops.compose_submission(
        user,
        consultation,
        comments=comments,
        details=sub_ops.SubmissionDetails(publishable=publishable),
    )


def build_scene(**consultation_options: object) -> Scene:
    consultation = make_consultation(**consultation_options)
    state = make_org("Republic of Testland", category=OrgCategory.MEMBER_STATE,
                     group=RegionalGroup.GRULAC)
    ngo = make_org("Friends of Testing")
    quiet = make_org("Quiet Foundation for Discretion")
    alice = make_user(organisation=state, email="alice@testland.example")
    alan = make_user(organisation=state, email="alan@testland.example")
    bob = make_user(organisation=ngo, email="bob@friends.example")
    quinn = make_user(organisation=quiet, email="quinn@quiet.example")
    ana = make_user(role=Role.SECRETARIAT, email="ana@secretariat.example")
    ana.name = "Ana Reviewer"
    ben = make_user(role=Role.SECRETARIAT, email="ben@secretariat.example")
    ben.name = "Ben Reviewer"
    scene = Scene(consultation, state, ngo, quiet, alice, alan, bob, quinn, ana, ben)
    first, second = scene.articles[:2]
    _submit(alice, consultation, [
        (first, "Testland supports article 1 with a change.",
         "Everyone has the right to the whole thing in article 1."),
        (second, "Testland opposes article 2.", None),
    ])
    _submit(bob, consultation, [(first, "The NGO opposes article 1 entirely.", None)])
    _submit(quinn, consultation, [(first, "A discreet view on article 1.", None)],
            publishable=False)
    db.session.commit()
    outbox().clear()  # the receipts of the set-up
    return scene


def answer(scene: Scene, comments: list[Comment], outcome: Outcome = Outcome.ACCEPTED,
           text: str = "The secretariat agrees.", note: str | None = "Internal: fine",
           actor: User | None = None, **kwargs: object) -> list[Disposition]:
    return ops.record_disposition(actor or scene.ana, comments, outcome, text,
                                  internal_note=note, **kwargs)  # type: ignore[arg-type]


def dispositions() -> list[Disposition]:
    db.session.expire_all()
    return list(db.session.scalars(select(Disposition).order_by(Disposition.id)))


def hidden_value(html: str, name: str) -> str:
    for pattern in (rf'name="{re.escape(name)}"[^>]*value="([^"]*)"',
                    rf'value="([^"]*)"[^>]*name="{re.escape(name)}"'):
        match = re.search(pattern, html)
        if match:
            return match.group(1)
    raise AssertionError(f"no field {name} on the page")
