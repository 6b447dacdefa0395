"""Moderation: publication modes, withholding, redaction, confidentiality, the comment page."""

from __future__ import annotations

import itertools
import re

import pytest
from sqlalchemy import select

from consult_app.accounts.models import Role
from consult_app.consultations.models import PublicationMode
from consult_app.core.audit import verify_chain
from consult_app.core.errors import NotAllowed, UserError
from consult_app.extensions import db
from consult_app.review import moderation
from consult_app.review.models import Theme, WithheldReason
from consult_app.submissions import commenting
from consult_app.submissions import operations as ops
from consult_app.submissions.models import Comment, ModerationStatus, Position
from tests.conftest import login, make_consultation, make_user
from tests.review.queue_world import (
    ReviewWorld,
    audit_entries,
    build_world,
    make_comment,
    make_submission,
)


@pytest.fixture
def world() -> ReviewWorld:
    return build_world()


def reload(comment: Comment) -> Comment:
    db.session.expire_all()
    return db.session.get(Comment, comment.id)


def public_page(client, world: ReviewWorld, provision_id: int) -> str:
    url = f"/consultations/{world.consultation.id}/provisions/{provision_id}"
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- publication modes -----------------------------------------------------------------


def _submit_online(consultation, text: str) -> Comment:
    author = make_user(organisation=None)
    article = consultation.version.provisions[2]
    submission = ops.compose_submission(
        author,
        consultation,
        comments=[(article, commenting.CommentFields(position=Position.SUPPORT, body=text))],
    )
    return submission.comments[0]


def test_immediate_mode_publishes_on_submission(client):
    consultation = make_consultation(publication_mode=PublicationMode.IMMEDIATE)
    comment = _submit_online(consultation, "Published at once.")
    comment = reload(comment)
    assert comment.moderation_status is ModerationStatus.PUBLISHED
    assert comment.is_public is True
    html = client.get(
        f"/consultations/{consultation.id}/provisions/{comment.provision_id}"
    ).get_data(as_text=True)
    assert "Published at once." in html


def test_after_review_mode_waits_for_the_secretariat(client):
    consultation = make_consultation(publication_mode=PublicationMode.AFTER_REVIEW)
    comment = _submit_online(consultation, "Waiting for review.")
    comment = reload(comment)
    assert comment.moderation_status is ModerationStatus.PENDING
    assert comment.is_public is False
    url = f"/consultations/{consultation.id}/provisions/{comment.provision_id}"
    assert "Waiting for review." not in client.get(url).get_data(as_text=True)

    secretariat = make_user(role=Role.SECRETARIAT)
    login(client, secretariat)
    response = client.post(f"/review/comments/{comment.id}/publish")
    assert response.status_code == 302
    assert reload(comment).is_public is True
    assert "Waiting for review." in client.get(url).get_data(as_text=True)


def test_not_for_publication_is_never_public(client, world):
    submission = world.submissions["state"]
    submission.publishable = False
    art1 = world.provisions[2]
    comment = make_comment(submission, art1, "Confidential view of Testland.")
    moderation.publish_comments(world.secretariat, [comment])
    comment = reload(comment)
    assert comment.moderation_status is ModerationStatus.PUBLISHED
    assert comment.is_public is False
    db.session.commit()
    html = public_page(client, world, art1.id)
    assert "Confidential view of Testland." not in html
    assert "Republic of Testland" not in html
    # Even through the bulk form.
    login(client, world.secretariat)
    moderation.return_to_pending(world.secretariat, [reload(comment)])
    client.post(
        f"/review/{world.consultation.id}/queue",
        data={"comment_ids": [str(comment.id)], "action": "publish"},
    )
    assert reload(comment).is_public is False
    # The review page says why.
    html = client.get(f"/review/comments/{comment.id}").get_data(as_text=True)
    assert "asked that this submission not be published" in html


def test_consultation_that_publishes_nothing_keeps_comments_private(world):
    world.consultation.publish_submissions = False
    comment = make_comment(world.submissions["state"], world.provisions[2])
    moderation.publish_comments(world.secretariat, [comment])
    assert reload(comment).is_public is False


def test_withdrawn_comment_is_not_public_even_if_published(world):
    from consult_app.core.models import utcnow

    comment = make_comment(world.submissions["state"], world.provisions[2])
    comment.withdrawn_at = utcnow()
    moderation.publish_comments(world.secretariat, [comment])
    assert reload(comment).is_public is False


# --- operations ------------------------------------------------------------------------


def test_withhold_keeps_the_comment_and_records_reason(world):
    comment = make_comment(
        world.submissions["ngo"], world.provisions[2], status=ModerationStatus.PUBLISHED
    )
    assert reload(comment).is_public is True
    changed = moderation.withhold_comments(
        world.secretariat, [reload(comment)], WithheldReason.OFFENSIVE, "Insults."
    )
    assert changed == 1
    comment = reload(comment)
    assert comment is not None  # nothing deleted
    assert comment.moderation_status is ModerationStatus.WITHHELD
    assert comment.withheld_reason == "offensive"
    assert comment.is_public is False
    (entry,) = audit_entries("withhold_comment")
    assert entry.before == {"moderation_status": "published", "withheld_reason": None}
    assert entry.after["note"] == "Insults."
    # Same reason again: nothing to do, no new entry.
    assert moderation.withhold_comments(world.secretariat, [comment], WithheldReason.OFFENSIVE) == 0
    # Another reason is a change.
    assert moderation.withhold_comments(world.secretariat, [comment], WithheldReason.SPAM) == 1
    assert verify_chain() == []


def test_return_to_pending(world):
    comment = make_comment(
        world.submissions["state"], world.provisions[2], status=ModerationStatus.WITHHELD
    )
    assert moderation.return_to_pending(world.secretariat, [comment]) == 1
    comment = reload(comment)
    assert comment.moderation_status is ModerationStatus.PENDING
    assert comment.withheld_reason is None


def test_operations_refuse_non_secretariat_and_drafts(world):
    comment = make_comment(world.submissions["state"], world.provisions[2])
    with pytest.raises(NotAllowed):
        moderation.publish_comments(world.contributor, [comment])
    draft = make_submission(world.consultation, make_user().organisation, submitted=False)
    draft_comment = make_comment(draft, world.provisions[2])
    with pytest.raises(UserError):
        moderation.publish_comments(world.secretariat, [draft_comment])


# Redaction: tests/review/test_redaction.py.


# --- the comment page ------------------------------------------------------------------


def test_comment_page_shows_everything(client, world):
    art1 = world.provisions[2]
    paragraph = art1.paragraphs[0]
    comment = make_comment(
        world.submissions["business"],
        art1,
        "Please say 'all persons'.",
        proposed_wording="All persons have the right to the thing in article 1.",
        rationale="Inclusive <language>.",
    )
    comment.paragraph_id = paragraph.id
    moderation.publish_comments(world.secretariat, [comment])
    login(client, world.secretariat)
    response = client.get(f"/review/comments/{comment.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Please say &#39;all persons&#39;." in html
    assert "<del>Everyone</del><ins>All</ins>" in html and "<ins>persons have</ins>" in html
    assert "Inclusive &lt;language&gt;." in html
    assert world.submissions["business"].receipt_number in html
    assert "Letter" in html  # the channel
    assert "Acme Holdings" in html
    assert "Comment published" in html  # history from the audit log, in words
    assert "Alice Reviewer" in html


def test_comment_page_of_a_draft_is_404(client, world):
    draft = make_submission(world.consultation, make_user().organisation, submitted=False)
    comment = make_comment(draft, world.provisions[2])
    login(client, world.secretariat)
    assert client.get(f"/review/comments/{comment.id}").status_code == 404
    assert client.get("/review/comments/999999").status_code == 404


def test_single_comment_actions(client, world):
    comment = make_comment(world.submissions["state"], world.provisions[2])
    theme = Theme(consultation_id=world.consultation.id, name="Climate", active=True)
    db.session.add(theme)
    db.session.flush()
    login(client, world.secretariat)
    base = f"/review/comments/{comment.id}"

    response = client.post(f"{base}/withhold", data={"withhold-reason": "nonsense"})
    assert response.status_code == 400
    assert reload(comment).moderation_status is ModerationStatus.PENDING
    response = client.post(f"{base}/withhold", data={"withhold-reason": ""})
    assert response.status_code == 400
    assert "Choose a reason." in response.get_data(as_text=True)

    response = client.post(
        f"{base}/withhold", data={"withhold-reason": "duplicate", "withhold-note": "Same as 3"}
    )
    assert response.status_code == 302
    assert reload(comment).withheld_reason == "duplicate"

    assert client.post(f"{base}/pending").status_code == 302
    assert reload(comment).moderation_status is ModerationStatus.PENDING

    assert client.post(f"{base}/themes", data={"tag-theme_id": ""}).status_code == 400
    assert client.post(f"{base}/themes", data={"tag-theme_id": str(theme.id)}).status_code == 302
    assert [t.name for t in reload(comment).themes] == ["Climate"]
    assert client.post(f"{base}/themes/{theme.id}/remove").status_code == 302
    assert reload(comment).themes == []
    assert client.post(f"{base}/themes/999999/remove").status_code == 400

    response = client.post(f"{base}/assign", data={"assign-reviewer_id": str(world.colleague.id)})
    assert response.status_code == 302
    assert reload(comment).assigned_to_id == world.colleague.id
    response = client.post(f"{base}/assign", data={"assign-reviewer_id": "abc"})
    assert response.status_code == 400
    html = client.get(base).get_data(as_text=True)
    assert "Assigned to Bob Reviewer." in html
    history = re.findall(r"<td>(Comment withheld|Comment returned to pending|Theme given to "
                         r"the comment|Theme taken off the comment|Comment assigned to a "
                         r"reviewer)</td>", html)
    assert history == ["Comment withheld", "Comment returned to pending",
                       "Theme given to the comment", "Theme taken off the comment",
                       "Comment assigned to a reviewer"]


def test_comment_page_post_without_csrf_is_refused(csrf_app, world):
    comment = make_comment(world.submissions["state"], world.provisions[2])
    client = csrf_app.test_client()
    login(client, world.secretariat)
    response = client.post(f"/review/comments/{comment.id}/publish")
    assert response.status_code == 400
    assert reload(comment).moderation_status is ModerationStatus.PENDING


def test_audit_batch_keeps_chain_order(world):
    comments = [make_comment(world.submissions["state"], world.provisions[2]) for _ in range(5)]
    moderation.publish_comments(world.secretariat, comments)
    entries = audit_entries("publish_comment")
    assert [e.object_id for e in entries] == sorted(c.id for c in comments)
    for previous, entry in itertools.pairwise(entries):
        assert entry.prev_hash == previous.hash
    assert verify_chain() == []
    assert db.session.scalars(select(Comment).where(Comment.is_public.is_(True))).all()
