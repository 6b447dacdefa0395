"""Recording one submission received outside the platform (the operation)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from consult_app.accounts.models import OrgCategory, RegionalGroup, VerificationStatus
from consult_app.consultations.models import PublicationMode
from consult_app.core.audit import AuditEntry, verify_chain
from consult_app.core.errors import Conflict, NotAllowed, UserError
from consult_app.core.models import utcnow
from consult_app.extensions import db
from consult_app.submissions import commenting, submitting
from consult_app.submissions import operations as ops
from consult_app.submissions.models import (
    Channel,
    Comment,
    CommentKind,
    ModerationStatus,
    OnBehalfKind,
    Position,
    Submission,
    SubmissionRevision,
    SubmissionStatus,
)
from consult_app.submissions.offline import record_offline_submission
from consult_app.submissions.offline_values import find_paragraph
from tests.conftest import make_consultation, make_org
from tests.submissions.conftest import count_submissions

RECEIVED = datetime(2023, 1, 20, 14, 0, tzinfo=UTC)
MEETING = "Global consultation, Geneva, January 2023"


def fields(body: str = "We support it.", **kw) -> commenting.CommentFields:
    return commenting.CommentFields(position=kw.pop("position", Position.SUPPORT), body=body, **kw)


def record(world, **kw):
    kw.setdefault("channel", Channel.LETTER)
    kw.setdefault("channel_detail", "Ref. 2023/17")
    kw.setdefault("received_at", RECEIVED)
    kw.setdefault("comments", [(world.articles[0], fields())])
    actor = kw.pop("actor", world.secretariat)
    consultation = kw.pop("consultation", world.consultation)
    organisation = kw.pop("organisation", world.other_org)
    return record_offline_submission(actor, consultation, organisation, **kw)


def audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_a_letter_becomes_a_submitted_submission_with_receipt_revision_and_audit(world):
    article = world.articles[1]
    result = record(
        world,
        general_remarks="General remarks of the letter.",
        comments=[
            (article, fields("Paragraph 2 is too weak.", position=Position.OPPOSE,
                             kind=CommentKind.DRAFTING, paragraph=article.paragraphs[1],
                             proposed_wording="States shall take all measures.",
                             rationale="Stronger.")),
            (world.preamble[0], fields("Fine.")),
        ],
    )
    submission = result.submission
    assert result.created
    assert submission.status is SubmissionStatus.SUBMITTED
    assert submission.receipt_number == submitting.receipt_number_for(submission)
    assert submission.channel is Channel.LETTER
    assert submission.channel_detail == "Ref. 2023/17"
    assert submission.received_at == RECEIVED
    assert submission.submitted_at == RECEIVED
    assert submission.recorded_by_id == world.secretariat.id
    assert submission.general_remarks == "General remarks of the letter."
    comments = db.session.scalars(select(Comment).order_by(Comment.id)).all()
    assert [c.body for c in comments] == ["Paragraph 2 is too weak.", "Fine."]
    assert comments[0].paragraph_id == article.paragraphs[1].id
    assert comments[0].kind is CommentKind.DRAFTING
    assert comments[0].proposed_wording == "States shall take all measures."
    (revision,) = db.session.scalars(select(SubmissionRevision)).all()
    assert revision.number == 1 and revision.submitted_by_id == world.secretariat.id
    assert len(revision.snapshot["comments"]) == 2
    assert revision.snapshot["received"]["channel"] == "letter"
    assert revision.snapshot["received"]["channel_detail"] == "Ref. 2023/17"
    (entry,) = audit("record_offline_submission")
    assert entry.actor_id == world.secretariat.id
    assert entry.object_id == submission.id
    assert entry.before is None
    assert entry.after["channel"] == "letter" and entry.after["status"] == "submitted"
    assert entry.after["receipt_number"] == submission.receipt_number
    assert len(audit("add_comment")) == 2
    assert verify_chain() == []


def test_immediate_publication_publishes_and_is_public_is_recomputed(world):
    result = record(world)
    (comment,) = result.comments
    db.session.refresh(comment)
    assert comment.moderation_status is ModerationStatus.PUBLISHED
    assert comment.is_public


def test_after_review_leaves_comments_pending(world):
    consultation = make_consultation(publication_mode=PublicationMode.AFTER_REVIEW)
    result = record(world, consultation=consultation,
                    comments=[(consultation.version.provisions[0], fields())])
    (comment,) = result.comments
    db.session.refresh(comment)
    assert comment.moderation_status is ModerationStatus.PENDING
    assert not comment.is_public


def test_not_publishable_is_never_public(world):
    result = record(world, publishable=False)
    db.session.refresh(result.comments[0])
    assert not result.comments[0].is_public


def test_an_oral_statement_needs_the_meeting(world):
    with pytest.raises(UserError, match="name the meeting"):
        record(world, channel=Channel.ORAL, channel_detail="  ")
    assert count_submissions() == 0
    result = record(world, channel=Channel.ORAL, channel_detail=MEETING)
    assert result.submission.channel is Channel.ORAL
    assert result.submission.channel_detail == MEETING


def test_online_is_not_an_offline_channel(world):
    with pytest.raises(UserError):
        record(world, channel=Channel.ONLINE)
    assert count_submissions() == 0


def test_allowed_after_the_deadline_and_marked_with_received_at(world):
    closed = make_consultation(opens=timedelta(days=-60), closes=timedelta(days=-30))
    late = utcnow() - timedelta(days=2)
    result = record(world, consultation=closed, received_at=late,
                    comments=[(closed.version.provisions[0], fields())])
    assert result.submission.is_submitted
    assert result.submission.received_at == late


def test_refused_before_opening_in_the_future_and_without_content(world):
    upcoming = make_consultation(opens=timedelta(days=2), closes=timedelta(days=30))
    with pytest.raises(UserError):
        record(world, consultation=upcoming, comments=[(upcoming.version.provisions[0], fields())])
    with pytest.raises(UserError, match="future"):
        record(world, received_at=utcnow() + timedelta(days=1))
    with pytest.raises(UserError, match="Nothing to record"):
        record(world, comments=[])
    with pytest.raises(UserError):
        record(world, received_at=datetime(2023, 1, 20, 12, 0))  # naive
    assert count_submissions() == 0


def test_comment_validation_is_the_online_one(world):
    other = make_consultation()
    with pytest.raises(UserError, match="not part of the text"):
        record(world, comments=[(other.version.provisions[0], fields())])
    with pytest.raises(UserError, match="Write your comment"):
        record(world, comments=[(world.articles[0], fields("   "))])
    assert count_submissions() == 0


def test_rejected_and_ineligible_organisations_are_refused(world):
    rejected = make_org("Rejected Org")
    rejected.verification_status = VerificationStatus.REJECTED
    with pytest.raises(UserError, match="rejected"):
        record(world, organisation=rejected)
    states_only = make_consultation(categories=[OrgCategory.MEMBER_STATE])
    with pytest.raises(UserError, match="not invited"):
        record(world, consultation=states_only,
               comments=[(states_only.version.provisions[0], fields())])
    assert count_submissions() == 0


def test_a_contributor_cannot_record(world):
    with pytest.raises(NotAllowed):
        record(world, actor=world.author)
    assert count_submissions() == 0


def test_on_behalf_and_cosigners(world):
    result = record(world, organisation=world.org, on_behalf_kind=OnBehalfKind.REGIONAL_GROUP,
                    on_behalf_group=RegionalGroup.GRULAC, cosigner_ids=[world.other_org.id])
    submission = result.submission
    assert submission.on_behalf_group is RegionalGroup.GRULAC
    assert [c.organisation_id for c in submission.cosigners] == [world.other_org.id]
    with pytest.raises(UserError, match="Only a State"):
        record(world, organisation=make_org(), on_behalf_kind=OnBehalfKind.REGIONAL_GROUP,
               on_behalf_group=RegionalGroup.WEOG)


def test_an_existing_submission_gets_a_new_revision(world):
    first = record(world, channel=Channel.ORAL, channel_detail=MEETING)
    receipt = first.submission.receipt_number
    second = record(world, comments=[(world.articles[2], fields("In writing now."))],
                    general_remarks="Follow-up letter.")
    assert not second.created
    assert second.submission.id == first.submission.id
    assert second.submission.receipt_number == receipt
    assert second.revision is not None and second.revision.number == 2
    assert count_submissions() == 1
    assert second.submission.channel is Channel.ORAL  # the channel it was first received by
    assert second.revision.snapshot["received"]["channel"] == "letter"
    assert len(second.revision.snapshot["comments"]) == 2
    assert "Follow-up letter." in second.submission.general_remarks
    entries = audit("record_offline_submission")
    assert entries[1].before["revision_count"] == 1
    assert entries[1].after["revision_count"] == 2


def test_recording_the_same_thing_twice_adds_nothing(world):
    record(world)
    again = record(world)
    assert again.revision is None and again.comments == []
    assert db.session.scalar(select(Submission.revision_count)) == 1
    assert len(db.session.scalars(select(Comment)).all()) == 1


def test_an_online_draft_is_not_submitted_on_the_authors_behalf(world):
    ops.start_submission(world.author, world.consultation)
    with pytest.raises(Conflict):
        record(world, organisation=world.org)


def test_after_an_online_submission_offline_comments_are_a_new_revision(world):
    submission = ops.compose_submission(
        world.author, world.consultation, comments=[(world.articles[0], fields("Online."))]
    )
    result = record(world, organisation=world.org, comments=[(world.articles[1], fields("Oral."))],
                    channel=Channel.ORAL, channel_detail=MEETING)
    assert result.submission.id == submission.id
    assert result.revision is not None and result.revision.number == 2
    assert submission.channel is Channel.ONLINE


def test_paragraph_labels(world):
    article = world.articles[0]
    assert find_paragraph(article, "2").id == article.paragraphs[1].id
    assert find_paragraph(article, "2.").id == article.paragraphs[1].id
    with pytest.raises(UserError):
        find_paragraph(article, "7")
