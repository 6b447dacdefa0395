"""Dispositions: recording, conflicts, bulk answers, publication, satisfaction, public tables."""

from __future__ import annotations

import pytest
from flask import render_template_string
from flask_login import login_user
from flask_sqlalchemy.record_queries import get_recorded_queries
from sqlalchemy import select

from consult_app.accounts.sessions import start_session
from consult_app.core.audit import AuditEntry, verify_chain
from consult_app.core.errors import Conflict, NotAllowed, NotFound, UserError
from consult_app.extensions import db
from consult_app.review import dispositions as ops
from consult_app.review.models import Disposition, Outcome, Satisfaction
from consult_app.submissions import commenting
from consult_app.submissions import operations as sub_ops
from consult_app.submissions.models import Comment, Position
from consult_app.texts.models import Provision, ProvisionKind, TextVersion, VersionStatus
from tests.browser import Browser
from tests.conftest import login, make_consultation, make_org, make_user
from tests.review.dispositions_support import (
    Scene,
    answer,
    build_scene,
    dispositions,
    hidden_value,
)


@pytest.fixture(name="scene")
def scene_fixture() -> Scene:
    return build_scene()

def audit(action: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def form_data(**overrides: object) -> dict:
    data = {
        "disposition-outcome": "accepted_in_part",
        "disposition-public_explanation": "Partly taken into account.",
        "disposition-internal_note": "Discussed on Monday.",
        "disposition-change_reference": "Article 1 reworded.",
        "disposition-resulting_provision": "",
        "disposition-lock_version": "0",
    }
    data.update({f"disposition-{k}": v for k, v in overrides.items()})
    return data


def later_version(scene: Scene) -> Provision:
    """A revised version of the consulted instrument, with one article."""
    base = scene.consultation.version
    version = TextVersion(instrument_id=base.instrument_id, title="Revised draft",
                          status=VersionStatus.DRAFT, previous_id=base.id)
    provision = Provision(version=version, position=1, kind=ProvisionKind.ARTICLE, number="1",
                          intro="Everyone has the right to the whole thing.")
    db.session.add_all([version, provision])
    db.session.flush()
    return provision


# --- the operation ---------------------------------------------------------------------


def test_record_then_update_with_audit_before_and_after(scene: Scene) -> None:
    comment = scene.comments_of(scene.state)[0]
    [created] = answer(scene, [comment], Outcome.NOT_ACCEPTED, "Not retained.")
    assert created.lock_version == 1
    assert created.decided_by_id == scene.ana.id
    assert created.published_at is None
    [entry] = audit("record_disposition")
    assert entry.object_type == "Disposition" and entry.object_id == created.id
    assert entry.before is None
    assert entry.after["outcome"] == "not_accepted"
    assert entry.after["public_explanation"] == "Not retained."

    [updated] = answer(scene, [comment], Outcome.ACCEPTED, "Retained after all.",
                       actor=scene.ben, expected_lock_versions={comment.id: 1})
    assert updated.id == created.id
    assert updated.lock_version == 2
    assert updated.decided_by_id == scene.ben.id
    [change] = audit("update_disposition")
    assert change.actor_id == scene.ben.id
    assert change.before["outcome"] == "not_accepted"
    assert change.before["public_explanation"] == "Not retained."
    assert change.after["outcome"] == "accepted"
    assert change.after["public_explanation"] == "Retained after all."
    assert verify_chain() == []

    # Saving the same answer again changes nothing and logs nothing.
    answer(scene, [comment], Outcome.ACCEPTED, "Retained after all.", actor=scene.ben)
    assert dispositions()[0].lock_version == 2
    assert len(audit("update_disposition")) == 1


def test_resulting_provision_must_be_in_a_later_version_of_the_same_instrument(
    scene: Scene,
) -> None:
    comment = scene.comments_of(scene.state)[0]
    later = later_version(scene)
    [disposition] = answer(scene, [comment], resulting_provision_id=later.id,
                           change_reference="Article 1 of the revised draft")
    assert disposition.resulting_provision_id == later.id
    rows = ops.resulting_provisions([disposition])
    assert "Revised draft" in rows[later.id].label


@pytest.mark.parametrize(
    "case",
    ["empty", "blank", "too_long", "note_too_long", "same_version", "other_instrument",
     "missing_provision", "bad_outcome", "no_comments"],
)
def test_validation_errors_change_nothing(scene: Scene, case: str) -> None:
    comment = scene.comments_of(scene.state)[0]
    kwargs: dict = {}
    text = "An explanation."
    outcome: object = Outcome.NOTED
    comments = [comment]
    if case == "empty":
        text = ""
    elif case == "blank":
        text = "   \n  "
    elif case == "too_long":
        text = "x" * (ops.MAX_EXPLANATION + 1)
    elif case == "note_too_long":
        kwargs["internal_note"] = "x" * (ops.MAX_INTERNAL_NOTE + 1)
    elif case == "same_version":
        kwargs["resulting_provision_id"] = comment.provision_id
    elif case == "other_instrument":
        other = make_consultation()
        kwargs["resulting_provision_id"] = other.version.provisions[0].id
    elif case == "missing_provision":
        kwargs["resulting_provision_id"] = 987654
    elif case == "bad_outcome":
        outcome = "maybe"
    elif case == "no_comments":
        comments = []
    with pytest.raises(UserError) as raised:
        ops.record_disposition(scene.ana, comments, outcome, text, **kwargs)  # type: ignore[arg-type]
    assert raised.value.status_code == 400
    assert raised.value.message
    db.session.rollback()
    assert dispositions() == []
    assert audit("record_disposition") == []


def test_withdrawn_and_draft_comments_cannot_be_answered(scene: Scene) -> None:
    # A draft of another organisation: never the secretariat's to answer.
    drafting = make_user(organisation=make_org("Late Organisation"))
    submission = sub_ops.start_submission(drafting, scene.consultation)
    draft = commenting.add_comment(drafting, submission, scene.articles[0],
                                commenting.CommentFields(position=Position.SUPPORT, body="Draft."))
    with pytest.raises(UserError):
        answer(scene, [draft])
    db.session.rollback()
    comment = scene.comments_of(scene.ngo)[0]
    commenting.withdraw_comment(scene.bob, comment)
    with pytest.raises(UserError):
        answer(scene, [comment])
    db.session.rollback()
    assert dispositions() == []


def test_only_the_secretariat_records(scene: Scene) -> None:
    with pytest.raises(NotAllowed):
        answer(scene, scene.comments_of(scene.state), actor=scene.alice)


def test_comments_of_two_consultations_are_not_answered_together(scene: Scene) -> None:
    second = make_consultation()
    org = make_org("Second Organisation")
    author = make_user(organisation=org)
    provision = second.version.provisions[2]
    submission = sub_ops.compose_submission(author, second, comments=[
        (provision, commenting.CommentFields(position=Position.SUPPORT, body="Elsewhere."))])
    with pytest.raises(UserError):
        answer(scene, [scene.comments_of(scene.state)[0], submission.comments[0]])
    db.session.rollback()
    assert dispositions() == []


def test_stale_expected_version_is_a_conflict_naming_who_and_when(scene: Scene) -> None:
    comment = scene.comments_of(scene.state)[0]
    answer(scene, [comment], text="First answer by Ana.")
    db.session.commit()
    with pytest.raises(Conflict) as raised:
        answer(scene, [comment], text="Ben's answer.", actor=scene.ben,
               expected_lock_versions={comment.id: 0})
    assert raised.value.status_code == 409
    assert "Ana Reviewer" in raised.value.message
    assert "UTC" in raised.value.message
    db.session.rollback()
    assert dispositions()[0].public_explanation == "First answer by Ana."


# --- the form of one comment, and two reviewers ----------------------------------------


def test_disposition_form_saves_and_redirects(client, scene: Scene) -> None:
    comment = scene.comments_of(scene.state)[0]
    later = later_version(scene)
    login(client, scene.ana)
    page = client.get(f"/dispositions/comments/{comment.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Testland supports article 1" in html
    assert f'action="/dispositions/comments/{comment.id}"' in html
    assert "Revised draft" in html  # the resulting provision can be chosen
    assert hidden_value(html, "disposition-lock_version") == "0"

    response = client.post(f"/dispositions/comments/{comment.id}",
                           data=form_data(resulting_provision=str(later.id),
                                          next="/review/somewhere"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/review/somewhere")
    [saved] = dispositions()
    assert saved.outcome is Outcome.ACCEPTED_IN_PART
    assert saved.internal_note == "Discussed on Monday."
    assert saved.resulting_provision_id == later.id

    # An outside "next" is ignored (no open redirect).
    response = client.post(f"/dispositions/comments/{comment.id}",
                           data=form_data(lock_version="1", public_explanation="Changed.",
                                          next="https://evil.example/"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/dispositions/comments/{comment.id}")


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"public_explanation": ""}, "Write the public explanation"),
        ({"outcome": ""}, "Choose an outcome"),
        ({"outcome": "maybe"}, "Not a valid choice"),
        ({"resulting_provision": "999999"}, "Not a valid choice"),
        ({"public_explanation": "x" * (ops.MAX_EXPLANATION + 1)}, "characters"),
        ({"lock_version": "abc"}, "Please correct the errors"),
    ],
)
def test_disposition_form_validation_errors_change_nothing(
    client, scene: Scene, overrides: dict, message: str
) -> None:
    comment = scene.comments_of(scene.state)[0]
    login(client, scene.ana)
    response = client.post(f"/dispositions/comments/{comment.id}", data=form_data(**overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert dispositions() == []


def test_two_reviewers_never_overwrite_each_other_silently(app, scene: Scene) -> None:
    comment = scene.comments_of(scene.state)[0]
    reviewer_a, reviewer_b = app.test_client(), app.test_client()
    login(reviewer_a, scene.ana)
    login(reviewer_b, scene.ben)
    url = f"/dispositions/comments/{comment.id}"
    lock_a = hidden_value(reviewer_a.get(url).get_data(as_text=True), "disposition-lock_version")
    lock_b = hidden_value(reviewer_b.get(url).get_data(as_text=True), "disposition-lock_version")
    assert lock_a == lock_b == "0"

    saved = reviewer_a.post(url, data=form_data(public_explanation="Ana's answer stands.",
                                                lock_version=lock_a))
    assert saved.status_code == 302

    stale = reviewer_b.post(url, data=form_data(public_explanation="Ben's carefully typed text.",
                                                outcome="not_accepted", lock_version=lock_b))
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "changed by Ana Reviewer" in html
    assert "your text is shown below" in html
    assert "Ben&#39;s carefully typed text." in html  # nothing typed is lost
    assert "Ana&#39;s answer stands." in html  # the current version, to compare
    [kept] = dispositions()
    assert kept.public_explanation == "Ana's answer stands."
    assert kept.decided_by_id == scene.ana.id
    assert kept.lock_version == 1

    # Having seen Ana's version, Ben may deliberately replace it.
    assert hidden_value(html, "disposition-lock_version") == "1"
    again = reviewer_b.post(url, data=form_data(public_explanation="Ben's carefully typed text.",
                                                lock_version="1"))
    assert again.status_code == 302
    [replaced] = dispositions()
    assert replaced.public_explanation == "Ben's carefully typed text."
    assert replaced.lock_version == 2


def test_editing_an_existing_disposition_with_a_stale_version_is_409(client, scene: Scene) -> None:
    comment = scene.comments_of(scene.state)[0]
    answer(scene, [comment], text="Version one.")
    answer(scene, [comment], text="Version two.", actor=scene.ben)
    login(client, scene.ana)
    response = client.post(f"/dispositions/comments/{comment.id}",
                           data=form_data(public_explanation="Based on version one.",
                                          lock_version="1"))
    assert response.status_code == 409
    assert "Ben Reviewer" in response.get_data(as_text=True)
    assert dispositions()[0].public_explanation == "Version two."


def test_panel_renders_inside_another_page_with_only_the_comment(app, scene: Scene) -> None:
    comment = scene.comments_of(scene.state)[0]
    answer(scene, [comment], Outcome.NOTED, "Noted with thanks.")
    db.session.commit()
    with app.test_request_context("/review/comments/1"):
        start_session(scene.ana)
        login_user(scene.ana)
        html = render_template_string(
            '{% include "review/_disposition_panel.html" %}', comment=comment
        )
    assert f'action="/dispositions/comments/{comment.id}"' in html
    assert "Noted with thanks." in html
    assert 'name="disposition-lock_version"' in html
    assert 'value="/review/comments/1"' in html  # back to the page it was in
    with app.test_request_context("/review/comments/1"):
        start_session(scene.alice)
        login_user(scene.alice)
        assert "<form" not in render_template_string(
            '{% include "review/_disposition_panel.html" %}', comment=comment
        )


def test_draft_or_missing_comment_is_404(client, scene: Scene) -> None:
    drafting = make_user(organisation=make_org("Drafting Organisation"))
    submission = sub_ops.start_submission(drafting, scene.consultation)
    draft = commenting.add_comment(drafting, submission, scene.articles[0],
                                commenting.CommentFields(position=Position.SUPPORT, body="Draft."))
    login(client, scene.ana)
    assert client.get(f"/dispositions/comments/{draft.id}").status_code == 404
    assert client.get("/dispositions/comments/999999").status_code == 404


# --- bulk ------------------------------------------------------------------------------


def bulk_data(ids: list[int], **overrides: object) -> dict:
    data: dict = {
        "comment_ids": [str(i) for i in ids],
        "outcome": "out_of_scope",
        "public_explanation": "Outside the mandate of this declaration.",
        "internal_note": "Campaign.",
        "change_reference": "",
        "resulting_provision": "",
    }
    data.update(overrides)
    return data


def test_bulk_answer_the_same_way(client, scene: Scene) -> None:
    ids = [c.id for c in scene.comments_of(scene.state) + scene.comments_of(scene.ngo)]
    login(client, scene.ana)
    # From the queue's selection: the form, listing the comments, nothing saved yet.
    shown = client.post("/dispositions/bulk", data={"comment_ids": [str(i) for i in ids],
                                                   "next": "/review/queue/1"})
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert "Answer these 3 comments the same way" in html
    assert all(f'name="comment_ids" value="{i}"' in html for i in ids)
    assert dispositions() == []
    assert client.get("/dispositions/bulk?" + "&".join(f"comment_ids={i}" for i in ids)
                      ).status_code == 200

    response = client.post("/dispositions/bulk",
                           data=bulk_data(ids, next="/review/queue/1",
                                          **{f"lock-{i}": "0" for i in ids}))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/review/queue/1")
    saved = dispositions()
    assert sorted(d.comment_id for d in saved) == sorted(ids)
    assert {d.outcome for d in saved} == {Outcome.OUT_OF_SCOPE}
    entries = audit("record_disposition")
    assert sorted(e.object_id for e in entries) == sorted(d.id for d in saved)
    assert all(e.after["outcome"] == "out_of_scope" for e in entries)
    assert verify_chain() == []


def test_bulk_refuses_to_replace_answers_unless_asked(client, scene: Scene) -> None:
    comments = scene.comments_of(scene.state)
    answer(scene, comments[:1], Outcome.ACCEPTED, "Kept.")
    ids = [c.id for c in comments]
    login(client, scene.ana)
    response = client.post("/dispositions/bulk", data=bulk_data(ids))
    assert response.status_code == 400
    assert "already has a disposition" in response.get_data(as_text=True)
    assert [d.public_explanation for d in dispositions()] == ["Kept."]

    response = client.post("/dispositions/bulk", data=bulk_data(ids, replace_existing="y"))
    assert response.status_code == 302
    assert {d.outcome for d in dispositions()} == {Outcome.OUT_OF_SCOPE}
    [change] = audit("update_disposition")
    assert change.before["public_explanation"] == "Kept."


def test_bulk_stale_lock_is_a_conflict(client, scene: Scene) -> None:
    comments = scene.comments_of(scene.state)
    ids = [c.id for c in comments]
    login(client, scene.ana)
    answer(scene, comments[:1], Outcome.ACCEPTED, "Meanwhile by Ben.", actor=scene.ben)
    db.session.commit()
    response = client.post("/dispositions/bulk",
                           data=bulk_data(ids, replace_existing="y",
                                          **{f"lock-{i}": "0" for i in ids}))
    assert response.status_code == 409
    assert "Ben Reviewer" in response.get_data(as_text=True)
    assert [d.public_explanation for d in dispositions()] == ["Meanwhile by Ben."]


@pytest.mark.parametrize("bad", ["999999", "abc", "-1", ""])
def test_bulk_with_an_invalid_id_saves_nothing(client, scene: Scene, bad: str) -> None:
    ids = [str(c.id) for c in scene.comments_of(scene.state)]
    login(client, scene.ana)
    response = client.post("/dispositions/bulk", data=bulk_data([], comment_ids=[*ids, bad]))
    assert response.status_code == 400
    assert dispositions() == []


def test_bulk_across_consultations_saves_nothing(client, scene: Scene) -> None:
    second = make_consultation()
    author = make_user(organisation=make_org("Elsewhere Organisation"))
    submission = sub_ops.compose_submission(author, second, comments=[
        (second.version.provisions[2],
         commenting.CommentFields(position=Position.SUPPORT, body="Elsewhere."))])
    ids = [scene.comments_of(scene.state)[0].id, submission.comments[0].id]
    login(client, scene.ana)
    response = client.post("/dispositions/bulk", data=bulk_data(ids))
    assert response.status_code == 400
    assert "different consultations" in response.get_data(as_text=True)
    assert dispositions() == []


def test_bulk_validation_error_keeps_the_selection(client, scene: Scene) -> None:
    ids = [c.id for c in scene.comments_of(scene.state)]
    login(client, scene.ana)
    response = client.post("/dispositions/bulk", data=bulk_data(ids, public_explanation=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Write the public explanation" in html
    assert all(f'name="comment_ids" value="{i}"' in html for i in ids)
    assert dispositions() == []


# --- publication -----------------------------------------------------------------------


def test_publish_sets_published_at_once(client, scene: Scene) -> None:
    answer(scene, scene.comments_of(scene.state) + scene.comments_of(scene.ngo))
    login(client, scene.ana)
    page = client.get(f"/dispositions/{scene.consultation.id}").get_data(as_text=True)
    assert "3 recorded dispositions are not published yet." in page
    response = client.post(f"/dispositions/{scene.consultation.id}/publish")
    assert response.status_code == 302
    published = dispositions()
    assert all(d.published_at is not None for d in published)
    assert len({d.published_at for d in published}) == 1
    [entry] = audit("publish_dispositions")
    assert entry.object_type == "Consultation" and entry.after["count"] == 3
    # Nothing left to publish: nothing changes, no entry.
    first_time = published[0].published_at
    assert client.post(f"/dispositions/{scene.consultation.id}/publish").status_code == 302
    assert dispositions()[0].published_at == first_time
    assert len(audit("publish_dispositions")) == 1


def test_publish_some_comments_only(scene: Scene) -> None:
    state_comments = scene.comments_of(scene.state)
    answer(scene, state_comments + scene.comments_of(scene.ngo))
    count = ops.publish_dispositions(scene.ana, scene.consultation, state_comments)
    assert count == 2
    assert sorted(d.comment_id for d in dispositions() if d.published_at) == sorted(
        c.id for c in state_comments
    )


def test_publication_does_not_make_an_open_form_stale(scene: Scene) -> None:
    comment = scene.comments_of(scene.state)[0]
    [disposition] = answer(scene, [comment])
    ops.publish_dispositions(scene.ana, scene.consultation)
    db.session.expire_all()
    assert db.session.get(Disposition, disposition.id).lock_version == 1
    answer(scene, [comment], text="Corrected.", expected_lock_versions={comment.id: 1})


# --- the contributor's side ------------------------------------------------------------


def test_contributor_sees_only_own_published_dispositions_and_rates(client, scene: Scene) -> None:
    own = scene.comments_of(scene.state)
    answer(scene, own[:1], Outcome.ACCEPTED, "Your change is retained.", note="SECRET-NOTE")
    answer(scene, scene.comments_of(scene.ngo), Outcome.NOT_ACCEPTED, "The NGO is answered.")
    ops.publish_dispositions(scene.ana, scene.consultation)
    answer(scene, own[1:], Outcome.NOTED, "Not yet public.")
    login(client, scene.alan)  # a colleague of the author sees them too
    page = client.get(f"/dispositions/mine/{scene.consultation.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Your change is retained." in html
    assert "Testland opposes article 2." in html
    assert "Not answered yet." in html  # the unpublished one is not shown
    assert "Not yet public." not in html
    assert "SECRET-NOTE" not in html
    assert "The NGO is answered." not in html
    assert "The NGO opposes" not in html

    mine = dispositions()[0]
    response = client.post(f"/dispositions/{mine.id}/satisfaction",
                           data={f"d{mine.id}-satisfaction": "not_satisfied",
                                 f"d{mine.id}-note": "We hoped for more."})
    assert response.status_code == 302
    rated = dispositions()[0]
    assert rated.satisfaction is Satisfaction.NOT_SATISFIED
    assert rated.satisfaction_note == "We hoped for more."
    assert rated.satisfaction_at is not None
    assert rated.lock_version == 1  # the secretariat's open form stays valid
    [entry] = audit("record_satisfaction")
    assert entry.actor_id == scene.alan.id
    assert entry.before == {"satisfaction": None, "satisfaction_note": None}
    assert entry.after == {
        "satisfaction": "not_satisfied", "satisfaction_note": "We hoped for more."
    }


def test_satisfaction_of_another_organisation_or_unpublished_is_404(client, scene: Scene) -> None:
    [ngo_disposition] = answer(scene, scene.comments_of(scene.ngo))
    ops.publish_dispositions(scene.ana, scene.consultation)
    [unpublished] = answer(scene, scene.comments_of(scene.state)[:1])
    login(client, scene.alice)
    for disposition in (ngo_disposition, unpublished):
        url = f"/dispositions/{disposition.id}/satisfaction"
        assert client.get(url).status_code == 404
        data = {f"d{disposition.id}-satisfaction": "satisfied"}
        assert client.post(url, data=data).status_code == 404
    assert client.get("/dispositions/999999/satisfaction").status_code == 404
    assert all(d.satisfaction is None for d in dispositions())
    with pytest.raises(NotFound):
        ops.record_satisfaction(scene.alice, ngo_disposition, Satisfaction.SATISFIED)


def test_satisfaction_validation_errors_change_nothing(client, scene: Scene) -> None:
    [disposition] = answer(scene, scene.comments_of(scene.state)[:1])
    ops.publish_dispositions(scene.ana, scene.consultation)
    login(client, scene.alice)
    url = f"/dispositions/{disposition.id}/satisfaction"
    prefix = f"d{disposition.id}"
    for data in ({f"{prefix}-satisfaction": "delighted"},
                 {f"{prefix}-note": "No choice made."},
                 {f"{prefix}-satisfaction": "satisfied", f"{prefix}-note": "x" * 2001}):
        response = client.post(url, data=data)
        assert response.status_code == 400
        assert 'role="alert"' in response.get_data(as_text=True)
    assert dispositions()[0].satisfaction is None


def test_mine_is_for_contributors(client, scene: Scene) -> None:
    login(client, scene.ana)
    assert client.get(f"/dispositions/mine/{scene.consultation.id}").status_code == 403
    login(client, scene.alice)
    assert client.get("/dispositions/mine/999999").status_code == 404


def test_submission_page_links_to_the_answers(client, scene: Scene) -> None:
    submission = scene.comments_of(scene.state)[0].submission
    login(client, scene.alice)
    html = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert f"/dispositions/mine/{scene.consultation.id}" in html


# --- public tables ---------------------------------------------------------------------


def publish_all(scene: Scene) -> None:
    state = scene.comments_of(scene.state)
    answer(scene, state[:1], Outcome.ACCEPTED_IN_PART, "Partly retained.", note="INTERNAL-ONLY",
           change_reference="Article 1, paragraph 1 reworded")
    answer(scene, state[1:], Outcome.NOT_ACCEPTED, "Article 2 stays.", note="INTERNAL-ONLY")
    answer(scene, scene.comments_of(scene.ngo), Outcome.NOTED, "The NGO view is noted.",
           note="INTERNAL-ONLY")
    answer(scene, scene.comments_of(scene.quiet), Outcome.NOTED, "The discreet view is noted.",
           note="INTERNAL-ONLY")
    ops.publish_dispositions(scene.ana, scene.consultation)
    db.session.commit()


def test_public_table_shows_answers_without_internal_notes_or_hidden_names(client,
                                                                            scene: Scene) -> None:
    publish_all(scene)
    page = client.get(f"/dispositions/{scene.consultation.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Partly retained." in html and "The NGO view is noted." in html
    assert "Republic of Testland" in html and "Friends of Testing" in html
    assert "Article 1, paragraph 1 reworded" in html
    assert "<ins>whole </ins>" in html  # the proposed wording as a redline
    assert "INTERNAL-ONLY" not in html
    # The submission that asked not to be published: neither its comment nor its name.
    assert "Quiet Foundation" not in html
    assert "The discreet view is noted." not in html
    assert "A discreet view" not in html
    assert "4 answered comments" not in html and "3 answered comments" in html
    # No publish controls for the public.
    assert "/publish" not in html


def test_author_label_never_names_a_hidden_submission(scene: Scene) -> None:
    quiet = scene.comments_of(scene.quiet)[0].submission
    assert ops.author_label(scene.consultation, quiet) == "a stakeholder that asked not to be named"


def test_public_table_without_attribution_names_no_one(client) -> None:
    scene = build_scene(allow_attribution=False)
    publish_all(scene)
    html = client.get(f"/dispositions/{scene.consultation.id}").get_data(as_text=True)
    assert "Partly retained." in html
    assert "Republic of Testland" not in html and "Friends of Testing" not in html
    assert "Member State" in html and "Civil society organisation / NGO" in html
    assert "Quiet Foundation" not in html


def test_unpublished_or_withheld_comments_stay_out_of_the_public_table(client,
                                                                        scene: Scene) -> None:
    answer(scene, scene.comments_of(scene.state)[:1], text="Not yet published.")
    db.session.commit()
    html = client.get(f"/dispositions/{scene.consultation.id}").get_data(as_text=True)
    assert "Not yet published." not in html
    assert "No published disposition yet." in html
    ops.publish_dispositions(scene.ana, scene.consultation)
    comment = scene.comments_of(scene.state)[0]
    comment.is_public = False  # withheld by moderation meanwhile
    db.session.commit()
    html = client.get(f"/dispositions/{scene.consultation.id}").get_data(as_text=True)
    assert "Not yet published." not in html


def test_redacted_body_is_shown_instead_of_the_original(client, scene: Scene) -> None:
    comment = scene.comments_of(scene.ngo)[0]
    comment.redacted_body = "The NGO opposes [redacted]."
    publish_all(scene)
    html = client.get(f"/dispositions/{scene.consultation.id}").get_data(as_text=True)
    assert "The NGO opposes [redacted]." in html
    assert "The NGO opposes article 1 entirely." not in html


def test_per_provision_table_and_filters(client, scene: Scene) -> None:
    publish_all(scene)
    first, second = scene.articles[:2]
    cid = scene.consultation.id
    html = client.get(f"/dispositions/{cid}/provisions/{first.id}").get_data(as_text=True)
    assert "Partly retained." in html and "The NGO view is noted." in html
    assert "Article 2 stays." not in html
    html = client.get(f"/dispositions/{cid}?provision={second.id}").get_data(as_text=True)
    assert "Article 2 stays." in html and "Partly retained." not in html
    html = client.get(f"/dispositions/{cid}?outcome=noted").get_data(as_text=True)
    assert "The NGO view is noted." in html and "Partly retained." not in html
    assert client.get(f"/dispositions/{cid}?outcome=maybe").status_code == 400
    assert client.get(f"/dispositions/{cid}?provision=abc").status_code == 400
    assert client.get(f"/dispositions/{cid}?provision=999999").status_code == 404
    assert client.get(f"/dispositions/{cid}/provisions/999999").status_code == 404
    other = make_consultation()
    db.session.commit()
    assert client.get(
        f"/dispositions/{other.id}/provisions/{first.id}").status_code == 404
    assert client.get("/dispositions/999999").status_code == 404
    assert client.get(f"/dispositions/{cid}?page=9").status_code == 404


def test_consultation_page_links_to_the_table(client, scene: Scene) -> None:
    html = client.get(f"/consultations/{scene.consultation.id}").get_data(as_text=True)
    assert f"/dispositions/{scene.consultation.id}" in html


def _queries_for(client, url: str) -> int:
    db.session.commit()
    db.session.expire_all()  # every request reads what it shows, as in production
    start = len(get_recorded_queries())
    assert client.get(url).status_code == 200
    return len(get_recorded_queries()) - start


def test_public_table_query_count_does_not_grow_with_rows(client, app, scene: Scene) -> None:
    publish_all(scene)
    url = f"/dispositions/{scene.consultation.id}"
    few = _queries_for(client, url)
    # Many more answered comments, from more organisations, with amendments.
    for n in range(8):
        org = make_org(f"Additional Organisation {n}")
        author = make_user(organisation=org)
        submission = sub_ops.compose_submission(author, scene.consultation, comments=[
            (scene.articles[n % 3], commenting.CommentFields(
                position=Position.SUPPORT_WITH_AMENDMENTS, body=f"Comment {n}.",
                proposed_wording=f"New wording number {n}."))])
        answer(scene, submission.comments, Outcome.NOTED, f"Answer {n}.")
    ops.publish_dispositions(scene.ana, scene.consultation)
    db.session.commit()
    many = _queries_for(client, url)
    assert many == few
    login(client, scene.ana)
    assert _queries_for(client, url) == _queries_for(client, url)


# --- permissions and CSRF --------------------------------------------------------------


def secretariat_requests(scene: Scene) -> list[tuple[str, str, dict]]:
    comment = scene.comments_of(scene.state)[0]
    return [
        ("get", f"/dispositions/comments/{comment.id}", {}),
        ("post", f"/dispositions/comments/{comment.id}", form_data()),
        ("get", f"/dispositions/bulk?comment_ids={comment.id}", {}),
        ("post", "/dispositions/bulk", bulk_data([comment.id])),
        ("post", f"/dispositions/{scene.consultation.id}/publish", {}),
    ]


def test_contributors_reach_no_secretariat_route(client, scene: Scene) -> None:
    answer(scene, scene.comments_of(scene.ngo))
    login(client, scene.alice)
    for method, url, data in secretariat_requests(scene):
        response = getattr(client, method)(url, data=data)
        assert response.status_code == 403, url
    assert all(d.published_at is None for d in dispositions())
    assert len(dispositions()) == 1


def test_anonymous_is_sent_to_sign_in(client, scene: Scene) -> None:
    for method, url, data in secretariat_requests(scene):
        response = getattr(client, method)(url, data=data)
        assert response.status_code == 302, url
        assert "login" in response.headers["Location"]
    response = client.get(f"/dispositions/mine/{scene.consultation.id}")
    assert response.status_code == 302
    assert dispositions() == []


def test_posts_without_csrf_token_are_refused(csrf_app, scene: Scene) -> None:
    client = csrf_app.test_client()
    comment = scene.comments_of(scene.state)[0]
    [published] = answer(scene, scene.comments_of(scene.ngo))
    ops.publish_dispositions(scene.ana, scene.consultation)
    answer(scene, scene.comments_of(scene.state)[1:])
    login(client, scene.ana)
    assert client.post(f"/dispositions/comments/{comment.id}",
                       data=form_data()).status_code == 400
    assert client.post("/dispositions/bulk", data=bulk_data([comment.id])).status_code == 400
    assert client.post("/dispositions/bulk",
                       data={"comment_ids": [str(comment.id)]}).status_code == 400
    assert client.post(f"/dispositions/{scene.consultation.id}/publish").status_code == 400
    login(client, scene.bob)
    assert client.post(f"/dispositions/{published.id}/satisfaction",
                       data={f"d{published.id}-satisfaction": "satisfied"}).status_code == 400
    saved = dispositions()
    assert all(d.comment_id != comment.id for d in saved)
    assert sum(1 for d in saved if d.published_at) == 1
    assert all(d.satisfaction is None for d in saved)

    # With the token from the page, the same form goes through.
    login(client, scene.ana)
    page = client.get(f"/dispositions/comments/{comment.id}").get_data(as_text=True)
    token = hidden_value(page, "disposition-csrf_token")
    response = client.post(f"/dispositions/comments/{comment.id}",
                           data=form_data(csrf_token=token))
    assert response.status_code == 302


def test_only_comments_in_one_consultation_when_loading_ids(scene: Scene) -> None:
    ids = [c.id for c in scene.comments_of(scene.state)]
    loaded = ops.load_comments_of_one_consultation(ids)
    assert [c.id for c in loaded] == ids
    with pytest.raises(UserError):
        ops.parse_ids(["1", "x"])
    with pytest.raises(UserError):
        ops.parse_ids([str(i) for i in range(1, ops.MAX_BULK + 2)])
    assert ops.parse_ids(["3", "3", "4"]) == [3, 4]


def test_public_dispositions_query_ignores_unsubmitted(scene: Scene) -> None:
    publish_all(scene)
    comments = db.session.scalars(ops.public_dispositions_query(scene.consultation)).unique().all()
    assert all(isinstance(c, Comment) and c.is_public for c in comments)
    assert len(comments) == 3


def test_queue_offers_to_answer_the_selection_the_same_way(app, client):
    from tests.conftest import login
    from tests.review.dispositions_support import build_scene

    scene = build_scene()
    login(client, scene.ana)
    page = client.get(f"/review/{scene.consultation.id}/queue")
    assert page.status_code == 200
    assert b'formaction="/dispositions/bulk"' in page.data


# --- the forms as the pages render them (one Save is enough) ---------------------------


@pytest.mark.parametrize("where", ["review", "dispositions"])
def test_one_save_records_the_disposition_through_the_rendered_form(
    client, scene: Scene, where: str
) -> None:
    # No later version: the page shows no "Resulting provision" field at all.
    comment = scene.comments_of(scene.state)[0]
    login(client, scene.ana)
    browser = Browser(client)
    url = (f"/review/comments/{comment.id}" if where == "review"
           else f"/dispositions/comments/{comment.id}")
    browser.get(url)
    assert browser.status == 200
    form = browser.form(f"/dispositions/comments/{comment.id}")
    browser.submit(form, **{"disposition-outcome": "noted",
                            "disposition-public_explanation": "Noted with thanks."})
    assert browser.status == 200, browser.html
    assert "Not a valid choice" not in browser.html
    [saved] = dispositions()
    assert saved.outcome is Outcome.NOTED
    assert saved.public_explanation == "Noted with thanks."
    assert saved.resulting_provision_id is None


def test_one_save_with_a_later_version_shown_and_left_untouched(client, scene: Scene) -> None:
    comment = scene.comments_of(scene.state)[0]
    later_version(scene)
    login(client, scene.ana)
    browser = Browser(client).get(f"/dispositions/comments/{comment.id}")
    form = browser.form(f"/dispositions/comments/{comment.id}")
    assert "disposition-resulting_provision" in form.fields  # rendered this time
    browser.submit(form, **{"disposition-outcome": "accepted",
                            "disposition-public_explanation": "Taken on board."})
    assert browser.status == 200, browser.html
    [saved] = dispositions()
    assert saved.outcome is Outcome.ACCEPTED
    assert saved.resulting_provision_id is None


def test_bulk_one_save_from_the_queue_through_the_rendered_forms(client, scene: Scene) -> None:
    ids = sorted(c.id for c in scene.comments_of(scene.state) + scene.comments_of(scene.ngo))
    login(client, scene.ana)
    browser = Browser(client).get(f"/review/{scene.consultation.id}/queue")
    queue_form = browser.form(f"/review/{scene.consultation.id}/queue")
    # The button "Answer the selected comments the same way" posts the queue's form to
    # the bulk dispositions page (formaction).
    queue_form.action = "/dispositions/bulk"
    browser.submit(queue_form, comment_ids=[str(i) for i in ids])
    assert browser.status == 200
    assert "Answer these 3 comments the same way" in browser.html
    form = browser.form("/dispositions/bulk")
    browser.submit(form, outcome="out_of_scope",
                   public_explanation="Outside the mandate of this declaration.")
    assert browser.status == 200, browser.html
    assert "Not a valid choice" not in browser.html
    saved = dispositions()
    assert sorted(d.comment_id for d in saved) == ids
    assert {d.outcome for d in saved} == {Outcome.OUT_OF_SCOPE}
