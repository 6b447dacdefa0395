"""Every route, every method, under every identity: who is let in, who is refused.

The routes come from the application's URL map; each needs an entry in ``EXPECTED`` naming
the identities allowed in (a new route without one fails ``test_every_route_has_an_entry``).
Objects in URLs belong to organisation A; the identities are:

- ``N`` anonymous visitor, ``U`` a person who asked to join A and awaits approval,
- ``A`` a confirmed contributor of A, ``B`` a contributor of another organisation,
- ``S`` the secretariat, ``M`` an administrator.

"Refused" is 401, 403 or 404, or a redirect to the sign-in page; "let in" is any other
answer below 500 (a 400 for an empty form is "let in": the form was processed). No identity
may ever get a 500. GETs share one world; each POST gets a fresh world, so that a POST one
identity may make (publish, withdraw, decide) does not change what the next one meets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from consult_app.accounts.models import MembershipStatus, Role, User
from consult_app.accounts.operations import make_reset_token
from consult_app.core.models import utcnow
from consult_app.exports.models import ExportFormat, ExportJob, ExportKind, JobStatus
from consult_app.extensions import db
from consult_app.review import dispositions as disp_ops
from consult_app.review.models import DuplicateGroup, GroupKind, GroupStatus, Outcome
from consult_app.review.themes import create_theme
from consult_app.revisions.operations import start_next_version
from consult_app.submissions import operations as sub_ops
from consult_app.submissions.models import Comment, Position
from consult_app.texts.models import Provision
from tests.conftest import login, make_consultation, make_org, make_user
from tests.submissions.conftest import PDF_BYTES

IDENTITIES = "NUBASM"
EVERYONE = IDENTITIES
SIGNED_IN = "UABSM"
SECRETARIAT = "SM"

# (endpoint, method) -> identities let in. Reviewed by hand: a change here is a decision.
EXPECTED: dict[tuple[str, str], str] = {}


@dataclass
class World:
    ids: dict[str, Any]
    users: dict[str, User | None]


def build_world(n: int) -> World:
    consultation = make_consultation()
    version = consultation.version
    org_a = make_org(f"Organisation A {n}")
    org_b = make_org(f"Organisation B {n}")
    a = make_user(organisation=org_a)
    b = make_user(organisation=org_b)
    candidate = make_user(organisation=org_a)
    candidate.membership_status = MembershipStatus.REQUESTED
    secretariat = make_user(role=Role.SECRETARIAT)
    admin = make_user(role=Role.ADMIN)
    db.session.flush()
    provision = version.provisions[-1]
    submission = sub_ops.compose_submission(
        a,
        consultation,
        comments=[(provision, sub_ops.CommentFields(
            position=Position.SUPPORT_WITH_AMENDMENTS,
            body="Organisation A comments.",
            proposed_wording="A better wording of the provision.",
        ))],
        attachments=[("note.pdf", PDF_BYTES)],
    )
    comment = db.session.scalars(
        select(Comment).where(Comment.submission_id == submission.id)
    ).one()
    theme = create_theme(secretariat, consultation, f"Theme {n}")
    disposition = disp_ops.record_disposition(
        secretariat, [comment], Outcome.ACCEPTED, "Accepted with thanks."
    )[0]
    group = DuplicateGroup(
        consultation_id=consultation.id, kind=GroupKind.DUPLICATE, status=GroupStatus.SUGGESTED,
        representative_comment_id=comment.id, size=1,
    )
    job = ExportJob(
        consultation_id=consultation.id, kind=ExportKind.COMPILATION, format=ExportFormat.CSV,
        internal=True, status=JobStatus.FAILED, requested_by_id=secretariat.id,
        error="Stopped for the test.", finished_at=utcnow(),
    )
    db.session.add_all([group, job])
    draft = start_next_version(secretariat, version, f"Next version {n}")
    db.session.flush()
    draft_provision = db.session.scalars(
        select(Provision).where(Provision.version_id == draft.id).order_by(Provision.position)
    ).first()
    db.session.commit()
    ids = {
        "consultation_id": consultation.id,
        "provision_id": provision.id,
        "submission_id": submission.id,
        "comment_id": comment.id,
        "attachment_id": submission.attachments[0].id,
        "disposition_id": disposition.id,
        "group_id": group.id,
        "job_id": job.id,
        "theme_id": theme.id,
        "version_id": version.id,
        "instrument_id": version.instrument_id,
        "organisation_id": org_a.id,
        "org_id": org_a.id,
        "user_id": candidate.id,
        "token": make_reset_token(a),
        # revisions work on the draft
        "revisions.version_id": draft.id,
        "revisions.provision_id": draft_provision.id if draft_provision else 0,
    }
    users = {"N": None, "U": candidate, "A": a, "B": b, "S": secretariat, "M": admin}
    return World(ids, users)


def _routes(app: Flask) -> list[tuple[str, str, Any]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, rule))
    return routes


def _url(rule: Any, world: World) -> str:
    blueprint = rule.endpoint.split(".")[0]
    values = {}
    for name in rule.arguments:
        values[name] = world.ids.get(f"{blueprint}.{name}", world.ids.get(name))
    path = rule.build(values, append_unknown=False)[1]
    return path


def _refused(response: Any) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    if response.status_code in (301, 302, 303):
        return "/account/login" in response.headers.get("Location", "")
    return False


def _let_in(app: Flask, world: World, identity: str, method: str, url: str) -> bool:
    client = app.test_client()
    user = world.users[identity]
    if user is not None:
        login(client, user)
    response = client.open(url, method=method, data={} if method == "POST" else None)
    assert response.status_code < 500, (identity, method, url, response.status_code)
    return not _refused(response)


def observed(app: Flask) -> dict[tuple[str, str], str]:
    shared = build_world(0)
    seen: dict[tuple[str, str], str] = {}
    counter = 1
    for endpoint, method, rule in _routes(app):
        allowed = ""
        # A POST gets a world of its own; the identities that must be refused go first, so
        # that what an allowed one changes (a withdrawal, a decision) cannot hide a refusal.
        world = shared
        if method != "GET":
            world = build_world(counter)
            counter += 1
        for identity in IDENTITIES:
            if _let_in(app, world, identity, method, _url(rule, world)):
                allowed += identity
        key = (f"{endpoint} {rule.rule}" if len(
            [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]) > 1 else endpoint,
            method)
        seen[key] = allowed
    return seen


def test_print_matrix(app: Flask) -> None:
    app.config["PROPAGATE_TEST_ERRORS"] = True
    matrix = observed(app)
    for (endpoint, method), allowed in sorted(matrix.items()):
        print(f'    ("{endpoint}", "{method}"): "{allowed}",')
    pytest.fail("discovery run")
