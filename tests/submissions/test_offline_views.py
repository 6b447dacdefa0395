"""The secretariat's pages for submissions received outside the platform."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from consult_app.extensions import db
from consult_app.submissions import commenting
from consult_app.submissions import operations as ops
from consult_app.submissions.models import Channel, Comment, Position, Submission
from tests.accounts.helpers import csrf_token_from
from tests.conftest import login
from tests.submissions.conftest import count_submissions
from tests.submissions.test_offline_import import HEADER, csv_bytes, good_rows

MEETING = "Global consultation, Geneva, January 2023"


def form_data(world, **overrides) -> dict:
    article = world.articles[0]
    data = {
        "organisation": str(world.other_org.id),
        "channel": "oral",
        "channel_detail": MEETING,
        "received_date": "2023-01-20",
        "received_time": "15:30",
        "timezone": "Europe/Zurich",
        "general_remarks": "Statement delivered at the meeting.",
        "publishable": "y",
        "on_behalf_kind": "none",
        "on_behalf_group": "",
        "on_behalf_name": "",
        "comments-0-provision": str(article.id),
        "comments-0-paragraph": "2",
        "comments-0-position": "oppose",
        "comments-0-kind": "substantive",
        "comments-0-body": "Paragraph 2 is too weak.",
        "comments-0-proposed_wording": "",
        "comments-0-rationale": "",
        "comments-1-provision": "",
        "comments-1-position": "",
        "comments-1-kind": "substantive",
        "comments-1-body": "",
    }
    data.update(overrides)
    return data


def new_url(world) -> str:
    return f"/secretariat/submissions/{world.consultation.id}/new"


def import_url(world) -> str:
    return f"/secretariat/submissions/{world.consultation.id}/import"


# --- one submission in the browser ----------------------------------------------------


def test_form_shows_a_fixed_number_of_rows_and_more_on_request(client, world):
    login(client, world.secretariat)
    html = client.get(new_url(world)).get_data(as_text=True)
    assert 'name="comments-4-body"' in html and 'name="comments-5-body"' not in html
    assert "rows=10" in html
    html = client.get(new_url(world) + "?rows=10").get_data(as_text=True)
    assert 'name="comments-9-body"' in html and 'name="comments-10-body"' not in html
    html = client.get(new_url(world) + "?rows=lots").get_data(as_text=True)
    assert 'name="comments-4-body"' in html and 'name="comments-5-body"' not in html


def test_form_says_when_the_comments_go_to_an_existing_submission(client, world):
    ops.compose_submission(
        world.author, world.consultation,
        comments=[
            (world.articles[0], commenting.CommentFields(position=Position.SUPPORT, body="x"))
        ],
    )
    login(client, world.secretariat)
    html = client.get(new_url(world)).get_data(as_text=True)
    assert "has a submission" in html and "added as a new revision" in html


def test_record_an_oral_statement(client, world):
    login(client, world.secretariat)
    response = client.post(new_url(world), data=form_data(world))
    assert response.status_code == 302
    submission = db.session.scalars(select(Submission)).one()
    assert response.headers["Location"].endswith(f"/submissions/{submission.id}/receipt")
    assert submission.channel is Channel.ORAL and submission.channel_detail == MEETING
    assert submission.recorded_by_id == world.secretariat.id
    assert submission.received_at.isoformat() == "2023-01-20T14:30:00+00:00"
    (comment,) = db.session.scalars(select(Comment)).all()
    assert comment.paragraph_id == world.articles[0].paragraphs[1].id
    assert comment.position is Position.OPPOSE
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert submission.receipt_number in receipt
    assert "Oral statement" in receipt and MEETING in receipt
    listing = client.get(f"/secretariat/submissions/{world.consultation.id}/")
    html = listing.get_data(as_text=True)
    assert listing.status_code == 200
    assert "Oral statement" in html and MEETING in html and submission.receipt_number in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"channel_detail": ""}, "name the meeting"),
        ({"organisation": ""}, "Choose an organisation"),
        ({"organisation": "999999"}, "Choose an organisation"),
        ({"channel": "online"}, "Choose how the submission was received"),
        ({"received_date": "yesterday"}, "Not a valid date"),
        ({"timezone": "Mars/Olympus"}, "Unknown time zone"),
        ({"comments-0-provision": ""}, "Choose a provision"),
        ({"comments-0-provision": "999999"}, "Choose a provision"),
        ({"comments-0-position": ""}, "Choose a position"),
        ({"comments-0-body": ""}, "Write the comment"),
        ({"comments-0-paragraph": "9"}, "has no paragraph"),
        ({"comments-0-body": "", "comments-0-provision": "", "comments-0-position": "",
          "comments-0-paragraph": "", "general_remarks": ""}, "Nothing to record"),
    ],
)
def test_validation_errors_are_shown_and_nothing_is_recorded(client, world, overrides, message):
    login(client, world.secretariat)
    response = client.post(new_url(world), data=form_data(world, **overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count_submissions() == 0


# --- import ----------------------------------------------------------------------------


def upload(client, world, data: bytes, name: str = "file.csv", **extra):
    return client.post(
        import_url(world),
        data={"file": (io.BytesIO(data), name), **extra},
        content_type="multipart/form-data",
    )


def test_import_page_documents_the_columns(client, world):
    login(client, world.secretariat)
    html = client.get(import_url(world)).get_data(as_text=True)
    for column in HEADER:
        assert f"<code>{column}</code>" in html


def test_import_a_csv(client, world):
    login(client, world.secretariat)
    response = upload(client, world, csv_bytes(good_rows(world)), "anything.txt")
    assert response.status_code == 302
    receipts = sorted(s.receipt_number for s in db.session.scalars(select(Submission)))
    assert len(receipts) == 2
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported 2 submission(s)" in page and "3 comment(s)" in page
    for receipt in receipts:
        assert receipt in page


def test_import_a_bad_file_reports_lines_and_imports_nothing(client, world):
    rows = good_rows(world)
    rows[2][HEADER.index("organisation")] = "Nobody Ltd"
    login(client, world.secretariat)
    response = upload(client, world, csv_bytes(rows))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Nothing was imported" in html
    assert '<th scope="row">4</th><td>organisation</td>' in html
    assert count_submissions() == 0


def test_import_dry_run(client, world):
    login(client, world.secretariat)
    response = upload(client, world, csv_bytes(good_rows(world)), dry_run="y")
    assert response.status_code == 200
    assert "would record 2 submission(s)" in response.get_data(as_text=True)
    assert count_submissions() == 0


def test_import_refuses_a_file_that_is_not_a_table(client, world):
    login(client, world.secretariat)
    response = upload(client, world, b"%PDF-1.4\x00\x00", "letters.csv")
    assert response.status_code == 400
    assert "neither a CSV file" in response.get_data(as_text=True)
    response = client.post(import_url(world), data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert count_submissions() == 0


def test_import_refuses_a_file_that_is_too_large(app, client, world):
    login(client, world.secretariat)
    saved = app.config["MAX_IMPORT_BYTES"]
    app.config["MAX_IMPORT_BYTES"] = 100
    try:
        response = upload(client, world, csv_bytes(good_rows(world)))
    finally:
        app.config["MAX_IMPORT_BYTES"] = saved
    assert response.status_code == 400
    assert "too large" in response.get_data(as_text=True)
    assert count_submissions() == 0


# --- permissions and CSRF --------------------------------------------------------------


def routes(world) -> list[tuple[str, str]]:
    base = f"/secretariat/submissions/{world.consultation.id}"
    return [("GET", base + "/"), ("GET", base + "/new"), ("POST", base + "/new"),
            ("GET", base + "/import"), ("POST", base + "/import")]


def test_contributor_gets_403_on_every_route(client, world):
    login(client, world.author)
    for method, url in routes(world):
        if method == "GET":
            response = client.get(url)
        elif url.endswith("/import"):
            response = upload(client, world, csv_bytes(good_rows(world)))
        else:
            response = client.post(url, data=form_data(world))
        assert response.status_code == 403, (method, url)
    assert count_submissions() == 0


def test_anonymous_is_sent_to_sign_in(client, world):
    db.session.commit()
    for method, url in routes(world):
        response = client.open(url, method=method)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_consultation_is_404(client, world):
    login(client, world.secretariat)
    for path in ("/", "/new", "/import"):
        assert client.get(f"/secretariat/submissions/999999{path}").status_code == 404


def test_posts_without_csrf_token_are_refused(csrf_app, world):
    client = csrf_app.test_client()
    login(client, world.secretariat)
    assert client.post(new_url(world), data=form_data(world)).status_code == 400
    assert upload(client, world, csv_bytes(good_rows(world))).status_code == 400
    assert count_submissions() == 0
    token = csrf_token_from(client.get(new_url(world)))
    response = client.post(new_url(world), data=form_data(world, csrf_token=token))
    assert response.status_code == 302
    assert count_submissions() == 1
