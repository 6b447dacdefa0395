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
from consult_app.submissions import commenting
from consult_app.submissions import operations as sub_ops
from consult_app.submissions.models import Comment, ImportJob, ImportStatus, Position
from consult_app.texts.models import Provision
from tests.conftest import login, make_consultation, make_org, make_user
from tests.submissions.conftest import PDF_BYTES

IDENTITIES = "NUBASM"
EVERYONE = IDENTITIES
SIGNED_IN = "UABSM"
SECRETARIAT = "SM"

# (endpoint, method) -> identities let in. Reviewed by hand: a change here is a decision.
# An empty string: nobody with the objects of this world (e.g. no summary drafted yet, a
# failed export, an unpublished disposition; "sign out everywhere" ends at the sign-in page
# whoever asks). A POST world is shared by the identities of one route in the order
# N, U, B, A, S, M: "revisions.delete" is "S" because the admin finds the provision deleted.
EXPECTED: dict[tuple[str, str], str] = {
    ("accounts.change_password", "POST"): "UBASM",
    ("accounts.confirm_registration", "GET"): "NUBASM",
    ("accounts.confirm_registration", "POST"): "NUBASM",
    ("accounts.decide_membership", "POST"): "ASM",
    ("accounts.login", "GET"): "NUBASM",
    ("accounts.login", "POST"): "NUBASM",
    ("accounts.logout", "POST"): "NUBASM",
    ("accounts.organisation", "GET"): "UBASM",
    ("accounts.profile", "GET"): "UBASM",
    ("accounts.profile", "POST"): "UBASM",
    ("accounts.register", "GET"): "NUBASM",
    ("accounts.register", "POST"): "NUBASM",
    ("accounts.registration_sent", "GET"): "NUBASM",
    ("accounts.request_reset", "GET"): "NUBASM",
    ("accounts.request_reset", "POST"): "NUBASM",
    ("accounts.reset_password", "GET"): "NUBASM",
    ("accounts.reset_password", "POST"): "NUBASM",
    ("accounts.sign_out_everywhere", "POST"): "",
    ("accounts_admin.activate", "POST"): "M",
    ("accounts_admin.change_role", "POST"): "M",
    ("accounts_admin.deactivate", "POST"): "M",
    ("accounts_admin.organisations", "GET"): "SM",
    ("accounts_admin.reset_two_factor", "POST"): "M",
    ("accounts_admin.users", "GET"): "M",
    ("api.comparison", "GET"): "",
    ("api.consultation_comments", "GET"): "NUBASM",
    ("api.consultations", "GET"): "NUBASM",
    ("api.dispositions", "GET"): "NUBASM",
    ("api.docs", "GET"): "NUBASM",
    ("api.figures", "GET"): "NUBASM",
    ("api.index", "GET"): "NUBASM",
    ("api.instruments", "GET"): "NUBASM",
    ("api.openapi", "GET"): "NUBASM",
    ("api.provision_comments", "GET"): "NUBASM",
    ("api.published_versions", "GET"): "NUBASM",
    ("api.show_consultation", "GET"): "NUBASM",
    ("api.show_instrument", "GET"): "NUBASM",
    ("api.show_version", "GET"): "NUBASM",
    ("audit.export_csv", "GET"): "SM",
    ("audit.index", "GET"): "SM",
    ("consultations.edit_consultation", "GET"): "SM",
    ("consultations.edit_consultation", "POST"): "SM",
    ("consultations.list_consultations", "GET"): "NUBASM",
    ("consultations.new_consultation", "GET"): "SM",
    ("consultations.new_consultation", "POST"): "SM",
    ("consultations.provision", "GET"): "NUBASM",
    ("consultations.show", "GET"): "NUBASM",
    ("consultations.written_submissions", "GET"): "NUBASM",
    # The world's attachment was attached without consent to publish: served to nobody here.
    ("consultations.download_written_submission", "GET"): "",
    ("consultations.content_languages", "GET"): "SM",
    ("consultations.edit_content_language", "GET"): "SM",
    ("consultations.edit_content_language", "POST"): "SM",
    ("core.favicon", "GET"): "NUBASM",
    ("core.health", "GET"): "NUBASM",
    ("home.index", "GET"): "NUBASM",
    ("dispositions.bulk", "GET"): "SM",
    ("dispositions.bulk", "POST"): "SM",
    ("dispositions.edit", "GET"): "SM",
    ("dispositions.edit", "POST"): "SM",
    ("dispositions.mine", "GET"): "BA",
    ("dispositions.provision_table", "GET"): "NUBASM",
    ("dispositions.public_table", "GET"): "NUBASM",
    ("dispositions.publish", "POST"): "SM",
    ("dispositions.rate", "GET"): "",
    ("dispositions.rate", "POST"): "",
    ("duplicate_groups.answer", "POST"): "SM",
    ("duplicate_groups.confirm", "POST"): "SM",
    ("duplicate_groups.detect", "POST"): "SM",
    ("duplicate_groups.dismiss", "POST"): "SM",
    ("duplicate_groups.groups", "GET"): "SM",
    ("duplicate_groups.show", "GET"): "SM",
    ("duplicate_groups.split", "POST"): "SM",
    ("exports.download", "GET"): "",
    ("exports.index", "GET"): "NUBASM",
    ("exports.job_status", "GET"): "SM",
    ("exports.retry", "POST"): "SM",
    ("exports.save_settings", "POST"): "SM",
    ("exports.start", "POST"): "SM",
    ("offline.import_file", "GET"): "SM",
    ("offline.import_file", "POST"): "SM",
    ("offline.import_job", "GET"): "SM",
    ("offline.import_job_status", "GET"): "SM",
    ("offline.index", "GET"): "SM",
    ("offline.new", "GET"): "SM",
    ("offline.new", "POST"): "SM",
    ("papers.record_save", "POST"): "SM",
    ("papers.record_upload", "GET"): "SM",
    ("papers.record_upload", "POST"): "SM",
    ("papers.save", "POST"): "A",
    ("papers.upload", "GET"): "A",
    ("papers.upload", "POST"): "A",
    ("review.activate_theme", "POST"): "SM",
    ("review.assign", "POST"): "SM",
    ("review.assign_provision", "POST"): "SM",
    ("review.assignments", "GET"): "SM",
    ("review.bulk", "POST"): "SM",
    ("review.comment", "GET"): "SM",
    ("review.consultation_home", "GET"): "SM",
    ("review.create_theme", "POST"): "SM",
    ("review.deactivate_theme", "POST"): "SM",
    ("review.home", "GET"): "SM",
    ("review.pending", "POST"): "SM",
    ("review.publish", "POST"): "SM",
    ("review.queue", "GET"): "SM",
    ("review.redact", "POST"): "SM",
    ("review.rename_theme", "POST"): "SM",
    ("review.tag", "POST"): "SM",
    ("review.theme_list", "GET"): "SM",
    ("review.unredact", "POST"): "SM",
    ("review.untag", "POST"): "SM",
    ("review.withhold", "POST"): "SM",
    ("review.moderate_attachment", "POST"): "SM",
    ("revisions.add", "POST"): "SM",
    ("revisions.align", "GET"): "SM",
    ("revisions.align", "POST"): "SM",
    ("revisions.amendments", "GET"): "SM",
    ("revisions.apply", "POST"): "SM",
    ("revisions.compare", "GET"): "NUBASM",
    ("revisions.compare_docx", "GET"): "NUBASM",
    ("revisions.delete", "POST"): "S",
    ("revisions.draft", "GET"): "SM",
    ("revisions.edit", "GET"): "SM",
    ("revisions.edit", "POST"): "SM",
    ("revisions.merge", "POST"): "SM",
    ("revisions.move", "POST"): "SM",
    ("revisions.organisation_input_page", "GET"): "NUBASM",
    ("revisions.publish", "POST"): "SM",
    ("revisions.reasons", "GET"): "SM",
    ("revisions.record", "GET"): "NUBASM",
    ("revisions.renumber", "POST"): "SM",
    ("revisions.split", "POST"): "SM",
    ("revisions.start", "GET"): "SM",
    ("revisions.start", "POST"): "SM",
    ("submissions.add_comment", "GET"): "A",
    ("submissions.add_comment", "POST"): "A",
    ("submissions.download_attachment", "GET"): "ASM",
    ("submissions.edit_comment", "GET"): "A",
    ("submissions.edit_comment", "POST"): "A",
    ("submissions.my_submissions", "GET"): "UBASM",
    ("submissions.participate", "GET"): "BA",
    ("submissions.participate", "POST"): "BA",
    ("submissions.receipt", "GET"): "ASM",
    ("submissions.revisions", "GET"): "ASM",
    ("submissions.show", "GET"): "ASM",
    ("submissions.submit", "POST"): "A",
    ("submissions.update_details", "POST"): "A",
    ("submissions.upload_attachment", "POST"): "A",
    ("submissions.withdraw_attachment", "POST"): "A",
    ("submissions.withdraw_comment", "POST"): "A",
    ("summaries.dashboard", "GET"): "NUBASM",
    ("summaries.edit /consultations/<int:consultation_id>/summary/edit", "GET"): "",
    ("summaries.edit /consultations/<int:consultation_id>/summary/edit", "POST"): "",
    ("summaries.edit /consultations/<int:consultation_id>/summary/provisions/<int:provision_id>/edit", "GET"): "",  # noqa: E501
    ("summaries.edit /consultations/<int:consultation_id>/summary/provisions/<int:provision_id>/edit", "POST"): "",  # noqa: E501
    ("summaries.figures", "GET"): "NUBASM",
    ("summaries.generate", "POST"): "SM",
    ("summaries.resolve /consultations/<int:consultation_id>/summary/provisions/<int:provision_id>/resolve", "POST"): "",  # noqa: E501
    ("summaries.resolve /consultations/<int:consultation_id>/summary/resolve", "POST"): "",
    ("summaries.settings", "GET"): "SM",
    ("summaries.settings", "POST"): "SM",
    ("summaries.summary", "GET"): "NUBASM",
    ("texts.import_text", "GET"): "SM",
    ("texts.import_text", "POST"): "SM",
    ("texts.list_instruments", "GET"): "NUBASM",
    ("texts.preview_import", "GET"): "",
    ("texts.save_import", "POST"): "",
    ("texts.show_version", "GET"): "NUBASM",
    ("two_factor.disable", "POST"): "UBA",
    ("two_factor.setup", "GET"): "UBASM",
    ("two_factor.setup", "POST"): "UBASM",
    ("two_factor.verify", "GET"): "",
    ("two_factor.verify", "POST"): "",
    ("verification.decide", "POST"): "SM",
    ("verification.index", "GET"): "SM",
    ("verification.memberships", "GET"): "SM",
    ("verification.show", "GET"): "SM",
    # Only a scraper with METRICS_TOKEN or from METRICS_ALLOWED_NETWORKS (none here).
    ("core.metrics", "GET"): "",
    ("core.ready", "GET"): "NUBASM",
    ("summaries.publish /consultations/<int:consultation_id>/summary/provisions/<int:provision_id>/publish", "POST"): "",  # noqa: E501
    ("summaries.publish /consultations/<int:consultation_id>/summary/publish", "POST"): "",
    ("texts.import_language", "GET"): "SM",
    ("texts.import_language", "POST"): "SM",
}


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
        comments=[(provision, commenting.CommentFields(
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
    import_job = ImportJob(
        consultation_id=consultation.id, requested_by_id=secretariat.id,
        status=ImportStatus.FAILED, file_name="letters.csv", error="Stopped for the test.",
        finished_at=utcnow(),
    )
    db.session.add_all([group, job, import_job])
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
        "offline.job_id": import_job.id,
        "theme_id": theme.id,
        "version_id": version.id,
        "instrument_id": version.instrument_id,
        "organisation_id": org_a.id,
        "org_id": org_a.id,
        "user_id": candidate.id,
        "token": make_reset_token(a),
        "language": "fr",
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


def _keys(app: Flask) -> set[tuple[str, str]]:
    keys = set()
    for endpoint, method, rule in _routes(app):
        many = len([r for r in app.url_map.iter_rules() if r.endpoint == endpoint]) > 1
        keys.add((f"{endpoint} {rule.rule}" if many else endpoint, method))
    return keys


def test_every_route_has_an_entry(app: Flask) -> None:
    missing = sorted(_keys(app) - set(EXPECTED))
    assert not missing, f"routes without an entry in EXPECTED: {missing}"
    stale = sorted(set(EXPECTED) - _keys(app))
    assert not stale, f"entries for routes that no longer exist: {stale}"


def test_every_route_lets_in_exactly_the_expected_identities(app: Flask) -> None:
    matrix = observed(app)
    differences = {
        key: {"expected": EXPECTED.get(key), "observed": allowed}
        for key, allowed in sorted(matrix.items())
        if EXPECTED.get(key) != allowed
    }
    assert not differences, differences


def test_another_organisation_is_refused_everywhere(app: Flask) -> None:
    """B (and a person still waiting to join A) is let in nowhere that A's objects are private:
    only where everyone is, or where every signed-in person is."""
    for key, allowed in EXPECTED.items():
        if "B" in allowed:
            assert "N" in allowed or set("UBA") <= set(allowed) or allowed == "BA", key
        if "U" in allowed:
            assert "N" in allowed or "B" in allowed, key
