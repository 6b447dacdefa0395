"""The submission pages, driven the way a delegate without JavaScript uses them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from consult_app.accounts.models import OrgCategory
from consult_app.core.models import utcnow
from consult_app.extensions import db
from consult_app.submissions import attachments as attachment_ops
from consult_app.submissions import commenting, editing, submitting
from consult_app.submissions import operations as ops
from consult_app.submissions.models import (
    Comment,
    ModerationStatus,
    OnBehalfKind,
    Position,
    Submission,
    SubmissionRevision,
)
from tests.browser import Browser
from tests.conftest import login, make_consultation, make_org
from tests.submissions.conftest import PDF_BYTES, count_submissions


def comments() -> list[Comment]:
    return list(db.session.scalars(select(Comment).order_by(Comment.id)))


def revisions() -> list[SubmissionRevision]:
    return list(db.session.scalars(select(SubmissionRevision)))


def lock_of(page_html: str, prefix: str = "submit") -> str:
    match = re.search(rf'name="{prefix}-lock_version"[^>]*value="(\d+)"', page_html)
    if match is None:
        match = re.search(rf'value="(\d+)"[^>]*name="{prefix}-lock_version"', page_html)
    assert match, f"no {prefix} lock_version on the page"
    return match.group(1)


def comment_data(**overrides) -> dict:
    data = {
        "paragraph": "",
        "quoted_text": "",
        "position": "support",
        "kind": "substantive",
        "body": "We support this provision.",
        "proposed_wording": "",
        "rationale": "",
    }
    data.update(overrides)
    return data


# --- the whole journey -----------------------------------------------------------------


def test_comment_on_three_articles_with_an_amendment_submit_and_read_receipt(client, world):
    login(client, world.author)
    consultation = world.consultation
    page = client.get(f"/submissions/participate/{consultation.id}")
    assert page.status_code == 200
    assert "Start our submission" in page.get_data(as_text=True)

    response = client.post(f"/submissions/participate/{consultation.id}")
    assert response.status_code == 302
    submission = db.session.scalars(select(Submission)).one()
    assert response.headers["Location"].endswith(f"/submissions/{submission.id}")

    page = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    articles = world.articles
    for article in articles:
        assert f"/submissions/{submission.id}/provisions/{article.id}/comment" in page

    first = articles[0]
    paragraph = first.paragraphs[0]
    form = client.get(
        f"/submissions/{submission.id}/provisions/{first.id}/comment?paragraph={paragraph.id}"
    ).get_data(as_text=True)
    assert paragraph.text in form  # prefilled proposed wording
    new_wording = "Everyone has the full right to the thing in article 1, without discrimination."
    response = client.post(
        f"/submissions/{submission.id}/provisions/{first.id}/comment",
        data=comment_data(
            paragraph=str(paragraph.id),
            position="support_with_amendments",
            kind="drafting",
            body="Strengthen the paragraph.",
            quoted_text="the thing",
            proposed_wording=new_wording,
            rationale="Consistency with treaty language.",
        ),
    )
    assert response.status_code == 302
    for article, position in zip(articles[1:], ["oppose", "reservation"], strict=True):
        response = client.post(
            f"/submissions/{submission.id}/provisions/{article.id}/comment",
            data=comment_data(position=position, body=f"On {article.number}.",
                              proposed_wording=article.plain_text()),
        )
        assert response.status_code == 302
    saved = comments()
    assert len(saved) == 3
    assert saved[0].proposed_wording == new_wording
    assert saved[1].proposed_wording is None  # prefilled text left unchanged

    page = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "<ins> full</ins>" in page
    assert "Strengthen the paragraph." in page

    response = client.post(
        f"/submissions/{submission.id}/submit", data={"submit-lock_version": lock_of(page)}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/submissions/{submission.id}/receipt")
    db.session.refresh(submission)
    assert submission.receipt_number

    receipt = client.get(f"/submissions/{submission.id}/receipt")
    assert receipt.status_code == 200
    text = receipt.get_data(as_text=True)
    assert submission.receipt_number in text
    assert "Republic of Testland" in text
    assert "UTC" in text
    for article in articles:
        assert f"Article {article.number}" in text
    assert re.search(r"Total</th><td>3</td>", text)

    history = client.get(f"/submissions/{submission.id}/revisions").get_data(as_text=True)
    assert "Revision 1" in history
    assert "Strengthen the paragraph." in history


def test_my_submissions_lists_only_our_organisation(client, world):
    mine = ops.start_submission(world.author, world.consultation)
    other_consultation = make_consultation()
    ops.start_submission(world.outsider, other_consultation)
    commenting.add_comment(world.author, mine, world.articles[0],
                    commenting.CommentFields(position=Position.SUPPORT, body="x"))
    login(client, world.author)
    response = client.get("/submissions/")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert f"/submissions/{mine.id}" in text
    assert text.count('<th scope="row">') == 1


def test_my_submissions_for_secretariat_explains(client, world):
    login(client, world.secretariat)
    response = client.get("/submissions/")
    assert response.status_code == 200
    assert "Only contributors" in response.get_data(as_text=True)


def test_participate_shows_existing_submission(client, world):
    submission = ops.start_submission(world.author, world.consultation)
    login(client, world.colleague)
    page = client.get(f"/submissions/participate/{world.consultation.id}").get_data(as_text=True)
    assert f"/submissions/{submission.id}" in page
    response = client.post(f"/submissions/participate/{world.consultation.id}")
    assert response.headers["Location"].endswith(f"/submissions/{submission.id}")
    assert count_submissions() == 1


def test_participate_refusals(client, world):
    login(client, world.secretariat)
    assert client.get(f"/submissions/participate/{world.consultation.id}").status_code == 403
    assert client.post(f"/submissions/participate/{world.consultation.id}").status_code == 403
    login(client, world.author)
    assert client.get("/submissions/participate/999999").status_code == 404
    assert count_submissions() == 0


# --- comment form validation -----------------------------------------------------------


def test_comment_form_lists_only_this_provisions_paragraphs(client, world):
    submission = ops.start_submission(world.author, world.consultation)
    first, second = world.articles[:2]
    login(client, world.author)
    page = client.get(
        f"/submissions/{submission.id}/provisions/{first.id}/comment"
    ).get_data(as_text=True)
    for paragraph in first.paragraphs:
        assert f'value="{paragraph.id}"' in page
    for paragraph in second.paragraphs:
        assert f'value="{paragraph.id}"' not in page
    # A paragraph of another provision is refused.
    response = client.post(
        f"/submissions/{submission.id}/provisions/{first.id}/comment",
        data=comment_data(paragraph=str(second.paragraphs[0].id)),
    )
    assert response.status_code == 400
    assert comments() == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"body": ""}, "Write your comment."),
        ({"position": "enthusiastic"}, "Please correct the errors below."),
        ({"kind": "<script>"}, "Please correct the errors below."),
        ({"quoted_text": "words that are not in the text"}, "do not occur"),
    ],
)
def test_invalid_comment_shows_a_clear_message(client, world, overrides, message):
    submission = ops.start_submission(world.author, world.consultation)
    article = world.articles[0]
    login(client, world.author)
    response = client.post(
        f"/submissions/{submission.id}/provisions/{article.id}/comment",
        data=comment_data(**overrides),
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert comments() == []


def test_form_messages_follow_the_language_of_each_request(client, world):
    """WTForms' own messages (read once per language and process) in the language asked."""
    submission = ops.start_submission(world.author, world.consultation)
    first, second = world.articles[:2]
    login(client, world.author)
    url = f"/submissions/{submission.id}/provisions/{first.id}/comment"
    wrong = comment_data(paragraph=str(second.paragraphs[0].id))
    for lang, message in (
        ("fr", "N&#39;est pas un choix valide."),
        ("es", "Opción inválida."),
        ("en", "Not a valid choice."),
        ("fr", "N&#39;est pas un choix valide."),
    ):
        response = client.post(f"{url}?lang={lang}", data=wrong)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True), lang
    assert comments() == []


def test_provision_of_another_text_is_404(client, world):
    submission = ops.start_submission(world.author, world.consultation)
    other = make_consultation()
    login(client, world.author)
    provision = other.version.provisions[0]
    url = f"/submissions/{submission.id}/provisions/{provision.id}/comment"
    assert client.get(url).status_code == 404
    assert client.post(url, data=comment_data()).status_code == 404
    assert comments() == []


def test_user_text_is_escaped(client, world):
    submission = ops.start_submission(world.author, world.consultation)
    commenting.add_comment(
        world.author, submission, world.articles[0],
        commenting.CommentFields(position=Position.OPPOSE, body="<script>alert(1)</script>",
                          proposed_wording="<b>bold</b> wording"),
    )
    login(client, world.author)
    page = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>bold</b>" not in page


def test_edit_and_withdraw_comment(client, world):
    submission = ops.start_submission(world.author, world.consultation)
    article = world.articles[0]
    comment = commenting.add_comment(world.author, submission, article,
                              commenting.CommentFields(position=Position.SUPPORT, body="Old text."))
    login(client, world.author)
    url = f"/submissions/{submission.id}/comments/{comment.id}/edit"
    page = client.get(url)
    assert page.status_code == 200
    assert "Old text." in page.get_data(as_text=True)
    lock = comment.lock_version
    response = client.post(url, data=comment_data(body="New text.", lock_version=str(lock)))
    assert response.status_code == 302
    db.session.refresh(comment)
    assert comment.body == "New text."
    # The same stale form again: a conflict, nothing overwritten.
    response = client.post(url, data=comment_data(body="Stale.", lock_version=str(lock)))
    assert response.status_code == 409
    db.session.refresh(comment)
    assert comment.body == "New text."

    response = client.post(f"/submissions/{submission.id}/comments/{comment.id}/withdraw")
    assert response.status_code == 302
    db.session.refresh(comment)
    assert comment.withdrawn_at is not None
    assert client.get(url).status_code == 400


# --- details ---------------------------------------------------------------------------


def test_update_details(client, world):
    submission = ops.start_submission(world.author, world.consultation)
    cosigner = make_org("Co-signer NGO")
    login(client, world.author)
    page = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert 'value="regional_group"' in page  # a State may speak for its group
    response = client.post(
        f"/submissions/{submission.id}/details",
        data={
            "details-general_remarks": "Our general remarks.",
            "details-on_behalf_kind": "regional_group",
            "details-on_behalf_group": "",
            "details-on_behalf_name": "",
            "details-cosigners": [str(cosigner.id)],
            "details-lock_version": lock_of(page, "details"),
        },
    )
    assert response.status_code == 302
    db.session.refresh(submission)
    assert submission.general_remarks == "Our general remarks."
    assert submission.on_behalf_kind is OnBehalfKind.REGIONAL_GROUP
    assert submission.on_behalf_group is world.org.regional_group
    assert submission.publishable is False  # unticked checkbox
    assert [c.organisation_id for c in submission.cosigners] == [cosigner.id]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"details-on_behalf_kind": "coalition"}, "name of the group"),
        ({"details-cosigners": ["not-a-number"]}, "Please correct"),
        ({"details-on_behalf_kind": "everyone"}, "Please correct"),
        ({"details-on_behalf_group": "atlantis"}, "Please correct"),
    ],
)
def test_invalid_details_show_a_clear_message(client, world, data, message):
    submission = ops.start_submission(world.author, world.consultation)
    login(client, world.author)
    form = {
        "details-general_remarks": "Remarks.",
        "details-on_behalf_kind": "none",
        "details-lock_version": str(submission.lock_version),
        **data,
    }
    response = client.post(f"/submissions/{submission.id}/details", data=form)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.refresh(submission)
    assert submission.general_remarks is None


def _submitted_with_remarks(world, remarks: str) -> Submission:
    submission = ops.start_submission(world.author, world.consultation)
    ops.update_submission_details(
        world.author, submission, ops.SubmissionDetails(general_remarks=remarks)
    )
    commenting.add_comment(world.author, submission, world.articles[0],
                    commenting.CommentFields(position=Position.SUPPORT, body="We support it."))
    submitting.submit_submission(world.author, submission, submission.lock_version)
    db.session.commit()
    return submission


def test_submit_stores_the_general_remarks_edited_without_save(client, world):
    submission = _submitted_with_remarks(world, "Our first remarks.")
    login(client, world.author)
    browser = Browser(client).get(f"/submissions/{submission.id}")
    details = browser.form("/details")
    assert details.fields["details-general_remarks"] == ["Our first remarks."]
    details.fields["details-general_remarks"] = ["Our second thoughts, never saved."]
    browser.press("submit-submit")  # the Submit button, not Save
    assert browser.status == 200, browser.html[:3000]
    assert browser.url.endswith(f"/submissions/{submission.id}/receipt")
    assert "Our second thoughts, never saved." in browser.html  # the receipt shows it

    db.session.expire_all()
    submission = db.session.get(Submission, submission.id)
    assert submission.general_remarks == "Our second thoughts, never saved."
    assert submission.has_unsubmitted_changes is False
    last = max(submission.revisions, key=lambda r: r.number)
    assert last.number == 2
    assert last.snapshot["general_remarks"] == "Our second thoughts, never saved."


def test_submit_with_invalid_details_submits_nothing(client, world):
    submission = _submitted_with_remarks(world, "Our first remarks.")
    login(client, world.author)
    browser = Browser(client).get(f"/submissions/{submission.id}")
    browser.press("submit-submit", **{"details-general_remarks": "x" * 50_001,
                                      "details-on_behalf_kind": "coalition"})
    assert browser.status == 400
    assert "Nothing was submitted." in browser.html
    db.session.expire_all()
    submission = db.session.get(Submission, submission.id)
    assert submission.general_remarks == "Our first remarks."
    assert submission.revision_count == 1


def test_submit_without_changes_to_the_details_still_submits_the_first_time(client, world):
    submission = ops.start_submission(world.author, world.consultation)
    commenting.add_comment(world.author, submission, world.articles[0],
                    commenting.CommentFields(position=Position.SUPPORT, body="We support it."))
    db.session.commit()
    login(client, world.author)
    browser = Browser(client).get(f"/submissions/{submission.id}")
    browser.press("submit-submit")
    assert browser.status == 200, browser.html[:3000]
    db.session.expire_all()
    submission = db.session.get(Submission, submission.id)
    assert submission.receipt_number
    assert submission.general_remarks is None


def test_saving_a_comment_lands_on_the_saved_comment(client, world):
    submission = ops.start_submission(world.author, world.consultation)
    db.session.commit()
    login(client, world.author)
    browser = Browser(client).get(f"/submissions/{submission.id}")
    browser.follow("Add a comment on Article 1")
    form = browser.form("/comment")
    response = client.post(
        form.action, data=form.data(position="oppose", body="We object to article 1.")
    )
    assert response.status_code == 302
    [saved] = comments()
    assert response.headers["Location"].endswith(
        f"/submissions/{submission.id}#comment-{saved.id}"
    )
    page = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert f'id="comment-{saved.id}" tabindex="-1"' in page  # the target takes the focus


# --- a submitted comment edited: the public keeps the submitted wording ----------------


def _public_page(app, world) -> str:
    response = app.test_client().get(
        f"/consultations/{world.consultation.id}/provisions/{world.articles[0].id}"
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("mode", ["immediate", "after_review"])
def test_editing_a_submitted_comment_keeps_the_submitted_wording_public(app, client, world,
                                                                        mode):
    from consult_app.consultations.models import PublicationMode

    world.consultation.publication_mode = PublicationMode(mode)
    submission = ops.start_submission(world.author, world.consultation)
    comment = commenting.add_comment(world.author, submission, world.articles[0],
                                     commenting.CommentFields(position=Position.SUPPORT,
                                                              body="First wording."))
    submitting.submit_submission(world.author, submission, submission.lock_version)
    comment.moderation_status = ModerationStatus.PUBLISHED  # reviewed, where review comes first
    editing.refresh_public_flags(submission)
    db.session.commit()
    assert "First wording." in _public_page(app, world)

    login(client, world.author)
    browser = Browser(client).get(f"/submissions/{submission.id}")
    browser.follow("Edit")
    form = browser.form(f"/comments/{comment.id}/edit")
    browser.submit(form, body="Second wording.", position="oppose")
    assert browser.status == 200, browser.html[:3000]
    assert "Second wording." in browser.html  # the authors see their edit
    assert "Until you submit again, the public and the secretariat see" in browser.html

    public = _public_page(app, world)
    assert "First wording." in public and "Second wording." not in public
    assert "1 published comment" in public
    db.session.expire_all()
    stored = db.session.get(Comment, comment.id)
    assert stored.position is Position.SUPPORT  # the figures count what was submitted
    assert stored.is_public is True
    # The edit form shows the edit, not the submitted wording.
    edit_page = Browser(client).get(f"/submissions/{submission.id}/comments/{comment.id}/edit")
    assert "Second wording." in edit_page.form("/edit").fields["body"][0]

    browser.get(f"/submissions/{submission.id}")
    browser.press("submit-submit")
    assert browser.status == 200, browser.html[:3000]
    db.session.expire_all()
    stored = db.session.get(Comment, comment.id)
    assert stored.body == "Second wording." and stored.unsubmitted_edit is None
    assert stored.position is Position.OPPOSE
    public = _public_page(app, world)
    if mode == "immediate":
        assert "Second wording." in public and "First wording." not in public
        assert stored.moderation_status is ModerationStatus.PUBLISHED
    else:  # the new wording is reviewed before it is shown
        assert stored.moderation_status is ModerationStatus.PENDING
        assert "No published comment on this provision yet." in public
    last = max(db.session.get(Submission, submission.id).revisions, key=lambda r: r.number)
    assert last.snapshot["comments"][0]["body"] == "Second wording."


def test_an_edit_put_back_as_submitted_leaves_no_unsubmitted_edit(world):
    submission = ops.start_submission(world.author, world.consultation)
    comment = commenting.add_comment(world.author, submission, world.articles[0],
                              commenting.CommentFields(position=Position.SUPPORT, body="Wording."))
    submitting.submit_submission(world.author, submission, submission.lock_version)
    commenting.update_comment(world.author, comment,
                       commenting.CommentFields(position=Position.SUPPORT, body="Other."))
    assert comment.unsubmitted_edit is not None
    commenting.update_comment(world.author, comment,
                       commenting.CommentFields(position=Position.SUPPORT, body="Wording."))
    assert comment.unsubmitted_edit is None
    result = submitting.submit_submission(world.author, submission, submission.lock_version)
    assert result.revision is None  # nothing new to record


def test_ngo_cannot_choose_regional_group(client, world):
    submission = ops.start_submission(world.outsider, world.consultation)
    login(client, world.outsider)
    page = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert 'value="regional_group"' not in page
    response = client.post(
        f"/submissions/{submission.id}/details",
        data={"details-on_behalf_kind": "regional_group",
              "details-lock_version": str(submission.lock_version)},
    )
    assert response.status_code == 400
    db.session.refresh(submission)
    assert submission.on_behalf_kind is OnBehalfKind.NONE


# --- submitting ------------------------------------------------------------------------


def test_double_submit_yields_one_receipt_and_one_revision(client, world):
    submission = ops.start_submission(world.author, world.consultation)
    commenting.add_comment(world.author, submission, world.articles[0],
                    commenting.CommentFields(position=Position.SUPPORT, body="x"))
    login(client, world.author)
    lock = str(submission.lock_version)
    first = client.post(f"/submissions/{submission.id}/submit",
                        data={"submit-lock_version": lock})
    second = client.post(f"/submissions/{submission.id}/submit",
                         data={"submit-lock_version": lock})
    assert first.status_code == second.status_code == 302
    db.session.refresh(submission)
    assert len(revisions()) == 1
    assert submission.revision_count == 1
    receipt = client.get(f"/submissions/{submission.id}/receipt").get_data(as_text=True)
    assert submission.receipt_number in receipt


def test_stale_submit_is_a_conflict(client, world):
    submission = ops.start_submission(world.author, world.consultation)
    login(client, world.author)
    stale = str(submission.lock_version)
    commenting.add_comment(world.author, submission, world.articles[0],
                    commenting.CommentFields(position=Position.SUPPORT, body="x"))
    db.session.commit()
    response = client.post(f"/submissions/{submission.id}/submit",
                           data={"submit-lock_version": stale})
    assert response.status_code == 409
    assert "changed in another window" in response.get_data(as_text=True)
    assert revisions() == []


def test_submit_without_lock_version_is_refused(client, world):
    submission = ops.start_submission(world.author, world.consultation)
    login(client, world.author)
    response = client.post(f"/submissions/{submission.id}/submit", data={})
    assert response.status_code == 400
    assert revisions() == []


def test_status_shows_unsubmitted_changes(client, world):
    submission = ops.start_submission(world.author, world.consultation)
    submitting.submit_submission(world.author, submission, submission.lock_version)
    ops.update_submission_details(world.author, submission,
                                  ops.SubmissionDetails(general_remarks="Later."))
    login(client, world.author)
    page = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert submission.receipt_number in page
    assert "Submit again" in page
    assert "Submit the changes" in page


def test_receipt_of_a_draft_is_404(client, world):
    submission = ops.start_submission(world.author, world.consultation)
    login(client, world.author)
    assert client.get(f"/submissions/{submission.id}/receipt").status_code == 404


# --- the deadline ----------------------------------------------------------------------


def test_after_the_deadline_every_change_is_refused(client, world):
    submission = ops.start_submission(world.author, world.consultation)
    article = world.articles[0]
    comment = commenting.add_comment(world.author, submission, article,
                              commenting.CommentFields(position=Position.SUPPORT, body="Before."))
    submitting.submit_submission(world.author, submission, submission.lock_version)
    world.consultation.opens_at = utcnow() - timedelta(days=10)
    world.consultation.closes_at = utcnow() - timedelta(minutes=1)
    login(client, world.author)
    before = (submission.lock_version, comment.lock_version, len(revisions()))
    sid = submission.id
    posts = [
        (f"/submissions/participate/{world.consultation.id}", {}),
        (f"/submissions/{sid}/provisions/{article.id}/comment", comment_data()),
        (f"/submissions/{sid}/comments/{comment.id}/edit",
         comment_data(body="After.", lock_version=str(comment.lock_version))),
        (f"/submissions/{sid}/comments/{comment.id}/withdraw", {}),
        (f"/submissions/{sid}/details", {"details-general_remarks": "Late.",
                                         "details-on_behalf_kind": "none",
                                         "details-lock_version": str(submission.lock_version)}),
        (f"/submissions/{sid}/submit", {"submit-lock_version": str(submission.lock_version)}),
    ]
    for url, data in posts:
        response = client.post(url, data=data)
        assert response.status_code == 403, url
        assert "deadline has passed" in response.get_data(as_text=True), url
    page = client.get(f"/submissions/{sid}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "deadline has passed" in text
    assert "Add a comment" not in text
    db.session.refresh(submission)
    db.session.refresh(comment)
    assert (submission.lock_version, comment.lock_version, len(revisions())) == before
    assert comment.body == "Before."
    assert comment.withdrawn_at is None
    assert submission.general_remarks is None
    assert comment.moderation_status is ModerationStatus.PUBLISHED


# --- authorisation ---------------------------------------------------------------------


@pytest.fixture
def target(world):
    """A submission of the author's organisation with a comment and an attachment."""
    submission = ops.start_submission(world.author, world.consultation)
    article = world.articles[0]
    comment = commenting.add_comment(world.author, submission, article,
                                     commenting.CommentFields(position=Position.SUPPORT,
                                                              body="Secret draft."))
    attachment = attachment_ops.add_attachment(world.author, submission, "a.pdf", PDF_BYTES)
    submitting.submit_submission(world.author, submission, submission.lock_version)
    commenting.update_comment(world.author, comment,
                       commenting.CommentFields(position=Position.SUPPORT, body="Secret change."))
    db.session.commit()
    return {"s": submission.id, "p": article.id, "c": comment.id, "a": attachment.id,
            "lock": submission.lock_version, "clock": comment.lock_version}


ROUTES = [
    ("GET", "/submissions/{s}", None),
    ("POST", "/submissions/{s}/details", {"details-general_remarks": "Hacked",
                                           "details-on_behalf_kind": "none",
                                           "details-lock_version": "{lock}"}),
    ("POST", "/submissions/{s}/submit", {"submit-lock_version": "{lock}"}),
    ("GET", "/submissions/{s}/provisions/{p}/comment", None),
    ("POST", "/submissions/{s}/provisions/{p}/comment", {"position": "oppose", "kind": "general",
                                                         "body": "Hacked"}),
    ("GET", "/submissions/{s}/comments/{c}/edit", None),
    ("POST", "/submissions/{s}/comments/{c}/edit", {"position": "oppose", "kind": "general",
                                                    "body": "Hacked", "lock_version": "{clock}"}),
    ("POST", "/submissions/{s}/comments/{c}/withdraw", {}),
    ("POST", "/submissions/{s}/attachments", {}),
    ("GET", "/submissions/{s}/attachments/{a}", None),
    ("POST", "/submissions/{s}/attachments/{a}/withdraw", {}),
    ("GET", "/submissions/{s}/receipt", None),
    ("GET", "/submissions/{s}/revisions", None),
]
READ_ONLY = {url for method, url, _ in ROUTES if method == "GET" and "comment" not in url}


def _call(client, route, ids):
    method, url, data = route
    url = url.format(**ids)
    if data is not None:
        data = {k: v.format(**ids) for k, v in data.items()}
    return client.open(url, method=method, data=data)


def _unchanged(ids) -> None:
    db.session.expire_all()
    comment = db.session.get(Comment, ids["c"])
    submission = db.session.get(Submission, ids["s"])
    assert comment.authored_values()["body"] == "Secret change."  # not submitted yet
    assert comment.withdrawn_at is None
    assert submission.general_remarks is None
    assert submission.lock_version == ids["lock"]
    assert len(comments()) == 1
    assert len(revisions()) == 1


@pytest.mark.parametrize("route", ROUTES, ids=[f"{m} {u}" for m, u, _ in ROUTES])
def test_other_organisation_gets_404_everywhere(client, world, target, route):
    login(client, world.outsider)
    response = _call(client, route, target)
    assert response.status_code == 404
    assert b"Secret" not in response.data
    _unchanged(target)


@pytest.mark.parametrize("route", ROUTES, ids=[f"{m} {u}" for m, u, _ in ROUTES])
def test_anonymous_is_sent_to_sign_in(client, target, route):
    response = _call(client, route, target)
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]
    _unchanged(target)


@pytest.mark.parametrize("route", ROUTES, ids=[f"{m} {u}" for m, u, _ in ROUTES])
def test_secretariat_reads_but_cannot_change(client, world, target, route):
    login(client, world.secretariat)
    response = _call(client, route, target)
    if route[1] in READ_ONLY:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
    _unchanged(target)


def test_secretariat_view_is_read_only(client, world, target):
    login(client, world.secretariat)
    page = client.get(f"/submissions/{target['s']}").get_data(as_text=True)
    assert "Secret change." in page
    assert "Add a comment" not in page
    assert "/submit" not in page
    assert "Only contributors of the organisation" in page


def test_unknown_ids_are_404(client, world, target):
    login(client, world.author)
    for url in ["/submissions/999999", f"/submissions/{target['s']}/comments/999999/edit",
                f"/submissions/{target['s']}/attachments/999999",
                f"/submissions/{target['s']}/provisions/999999/comment"]:
        assert client.get(url).status_code == 404, url


def test_contributor_of_same_organisation_may_edit(client, world, target):
    login(client, world.colleague)
    response = client.post(f"/submissions/{target['s']}/comments/{target['c']}/edit",
                           data=comment_data(body="Colleague's wording.",
                                             lock_version=str(target["clock"])))
    assert response.status_code == 302


# --- CSRF ------------------------------------------------------------------------------


def test_post_without_csrf_token_is_refused(csrf_app, world):
    client = csrf_app.test_client()
    submission = ops.start_submission(world.author, world.consultation)
    commenting.add_comment(world.author, submission, world.articles[0],
                    commenting.CommentFields(position=Position.SUPPORT, body="x"))
    login(client, world.author)
    lock = str(submission.lock_version)
    response = client.post(f"/submissions/{submission.id}/submit",
                           data={"submit-lock_version": lock})
    assert response.status_code == 400
    assert revisions() == []
    url = f"/submissions/{submission.id}/provisions/{world.articles[1].id}/comment"
    response = client.post(url, data=comment_data())
    assert response.status_code == 400
    assert len(comments()) == 1

    # With the token from the page, the same submit works.
    page = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    token = re.search(r'name="submit-csrf_token"[^>]*value="([^"]+)"', page)
    assert token
    response = client.post(
        f"/submissions/{submission.id}/submit",
        data={"submit-lock_version": lock_of(page), "submit-csrf_token": token.group(1)},
    )
    assert response.status_code == 302
    assert len(revisions()) == 1


def test_organisation_of_a_category_not_invited_cannot_participate(client, world):
    consultation = make_consultation(categories=[OrgCategory.MEMBER_STATE])
    login(client, world.outsider)  # an NGO
    response = client.get(f"/submissions/participate/{consultation.id}")
    assert response.status_code == 403
    assert "not invited" in response.get_data(as_text=True)
    assert client.post(f"/submissions/participate/{consultation.id}").status_code == 403
    assert count_submissions() == 0


def test_missing_position_asks_for_one(client, world):
    submission = ops.start_submission(world.author, world.consultation)
    login(client, world.author)
    response = client.post(
        f"/submissions/{submission.id}/provisions/{world.articles[0].id}/comment",
        data=comment_data(position=""),
    )
    assert response.status_code == 400
    assert "Choose a position." in response.get_data(as_text=True)
    assert comments() == []


def test_receipt_shows_times_in_the_users_zone_and_utc(client, world):
    world.author.timezone = "Asia/Tokyo"
    submission = ops.start_submission(world.author, world.consultation)
    ops.update_submission_details(
        world.author, submission,
        ops.SubmissionDetails(on_behalf_kind=OnBehalfKind.REGIONAL_GROUP,
                              cosigner_ids=[world.other_org.id]),
    )
    submitting.submit_submission(world.author, submission, submission.lock_version)
    login(client, world.author)
    text = client.get(f"/submissions/{submission.id}/receipt").get_data(as_text=True)
    assert "(Asia/Tokyo)" in text
    assert "UTC" in text
    assert "On behalf of the Latin American and Caribbean States" in text
    assert "Friends of Testing" in text
    assert "Revision 1" in text


def test_the_same_comment_posted_ten_times_at_once_is_saved_once_and_every_post_succeeds(
    app, client, world, monkeypatch
):
    """Ten identical posts at the same moment (a double click, a retried request): one
    comment, and each request answers as the first one did, showing it."""
    import threading

    from flask.testing import FlaskClient

    from consult_app.core.audit import AuditEntry
    from tests.browser import Browser

    submission = ops.start_submission(world.author, world.consultation)
    db.session.commit()
    article = world.articles[0]
    login(client, world.author)
    url = f"/submissions/{submission.id}/provisions/{article.id}/comment"
    browser = Browser(client).get(url)
    form = browser.form(url)
    data = form.data(position="support", kind="substantive", body="We welcome article 1.")
    cookie = client.get_cookie("session")
    assert cookie is not None

    posts = 10
    if db.engine.dialect.name == "sqlite":
        # SQLite takes no row lock: hold every request just before it writes, so that all
        # of them have checked for the same comment before any has saved it (the race).
        barrier = threading.Barrier(posts)
        touch = commenting.touch_now

        def racing_touch(*args, **kwargs):
            barrier.wait(timeout=60)
            return touch(*args, **kwargs)

        monkeypatch.setattr(commenting, "touch_now", racing_touch)
    answers: list[tuple[int, str, str]] = []
    lock = threading.Lock()

    def post() -> None:
        with app.app_context():  # one per thread: a session of its own, as in a server
            try:
                other: FlaskClient = app.test_client()
                other.set_cookie("session", cookie.value)
                response = other.post(url, data=data)
                page = other.get(response.headers.get("Location", url))
                with lock:
                    answers.append(
                        (response.status_code, response.headers.get("Location", ""),
                         page.get_data(as_text=True))
                    )
            finally:
                db.session.remove()

    threads = [threading.Thread(target=post) for _ in range(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(answers) == posts
    for status, location, page in answers:
        assert status == 302, (status, page[:500])
        # Every answer opens the submission on the one comment saved.
        assert re.search(rf"/submissions/{submission.id}#comment-\d+$", location), location
        assert "We welcome article 1." in page and "Nothing was saved" not in page
    db.session.expire_all()
    assert [c.body for c in comments()] == ["We welcome article 1."]
    added = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "add_comment"))
    assert len(list(added)) == 1
