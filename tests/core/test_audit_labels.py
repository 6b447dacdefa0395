"""Audit entries read as sentences: no raw codes (snake_case, None) on the pages."""

from __future__ import annotations

import re
from html import unescape

from consult_app.accounts.models import Role
from consult_app.consultations.models import PublicationMode
from consult_app.core.audit_labels import ACTION_LABELS, shown_value
from consult_app.extensions import db
from consult_app.review import assignment, moderation
from consult_app.submissions import commenting, submitting
from consult_app.submissions import operations as sub_ops
from consult_app.submissions.models import Comment, Position
from tests.browser import Browser
from tests.conftest import login, make_consultation, make_user

SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")


def _text(html: str) -> str:
    """What a person reads: the text of the page, not its markup."""
    without_scripts = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", without_scripts))


def _section(html: str, start: str, end: str) -> str:
    begin = html.index(start)
    return html[begin : html.index(end, begin)]


def _moderated_comment() -> tuple[Comment, object]:
    consultation = make_consultation(publication_mode=PublicationMode.AFTER_REVIEW)
    author = make_user()
    submission = sub_ops.start_submission(author, consultation)
    article = consultation.version.provisions[2]
    comment = commenting.add_comment(
        author,
        submission,
        article,
        commenting.CommentFields(position=Position.OPPOSE, body="We object."),
    )
    submitting.submit_submission(author, submission, submission.lock_version)
    reviewer = make_user(role=Role.SECRETARIAT)
    reviewer.name = "Rita Reviewer"
    moderation.publish_comments(reviewer, [comment])
    moderation.return_to_pending(reviewer, [comment])
    assignment.assign_comments(reviewer, [comment], reviewer)
    db.session.commit()
    return comment, reviewer


def test_comment_history_shows_sentences_not_codes(client):
    comment, reviewer = _moderated_comment()
    login(client, reviewer)
    html = client.get(f"/review/comments/{comment.id}").get_data(as_text=True)
    history = _text(_section(html, '<table class="history">', "</table>"))
    assert SNAKE.findall(history) == []
    assert "None" not in history
    assert "Comment returned to pending" in history
    assert "Status: Published" in history or "Status: published" in history.lower()
    assert "Reviewer: Rita Reviewer" in history  # an id shown as the person's name


def test_audit_trail_filters_and_rows_are_sentences(client):
    _comment, reviewer = _moderated_comment()
    login(client, reviewer)
    browser = Browser(client).get("/audit/")
    assert browser.status == 200
    form = browser.form("/audit/")
    assert "return_comment_to_pending" in form.selects["action"]  # the value stays the code
    options = _text(_section(browser.html, 'name="action"', "</select>").split(">", 1)[1])
    assert "Comment returned to pending" in options
    assert SNAKE.findall(options) == []
    table = _text(_section(browser.html, "<table>", "</table>"))
    assert SNAKE.findall(table) == []
    # Filtering by an action still works with the labelled option.
    browser.submit(form, action="return_comment_to_pending")
    assert browser.status == 200
    assert "1 entry" in browser.html


def test_every_action_the_code_logs_has_a_label():
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2] / "consult_app"
    source = "\n".join(p.read_text() for p in root.rglob("*.py"))
    # The action is the first string after these calls (or what ``action =`` is set to).
    calls = re.finditer(
        r"(?:log_action\(|log_comment_actions\(|_set_status\(|action = )(.{0,160})",
        source,
        flags=re.S,
    )
    logged = {
        found.group(1)
        for call in calls
        if (found := re.search(r"\"([a-z]+_[a-z_]+)\"", call.group(1))) is not None
    }
    assert {"add_comment", "return_comment_to_pending", "verify_organisation"} <= logged
    missing = sorted(a for a in logged if a not in ACTION_LABELS)
    assert missing == []


def test_values_are_shown_humanly(app):
    with app.test_request_context():
        assert shown_value("paragraph_id", None) == "—"
        assert shown_value("publishable", True) == "Yes"
        assert shown_value("moderation_status", "withheld") == "Withheld"
        assert shown_value("position", "support_with_amendments") != "support_with_amendments"


def test_a_value_that_is_not_an_option_is_said_in_words(client):
    comment, reviewer = _moderated_comment()
    login(client, reviewer)
    response = client.post(
        f"/review/comments/{comment.id}/assign", data={"assign-reviewer_id": "somebody"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "could not coerce" not in html
    assert "This value is not one of the options." in html
