"""The secretariat's pages for submissions received outside the platform."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from consult_app.core.audit import AuditEntry
from consult_app.core.storage import get_storage
from consult_app.extensions import db
from consult_app.submissions import commenting
from consult_app.submissions import operations as ops
from consult_app.submissions.models import (
    Channel,
    Comment,
    ImportJob,
    ImportStage,
    ImportStatus,
    Position,
    Submission,
)
from tests.accounts.helpers import csrf_token_from
from tests.conftest import login, make_consultation
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


def follow_job(client, response):
    """The upload answers 303 to its job's page (jobs run inline in tests: it has ended)."""
    assert response.status_code == 303, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert "/imports/" in location
    return client.get(location)


def latest_job() -> ImportJob:
    db.session.expire_all()
    return db.session.scalars(select(ImportJob).order_by(ImportJob.id.desc())).first()


def test_import_a_csv(client, world):
    login(client, world.secretariat)
    response = upload(client, world, csv_bytes(good_rows(world)), "anything.txt")
    page = follow_job(client, response)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    receipts = sorted(s.receipt_number for s in db.session.scalars(select(Submission)))
    assert len(receipts) == 2
    assert "Imported 2 submissions" in html and "3 comments" in html
    for receipt in receipts:
        assert receipt in html
    assert "Refresh" not in page.headers  # finished: the page stops refreshing
    assert '<progress id="import-progress" max="100" value="100"' in html
    job = latest_job()
    assert job.status is ImportStatus.SUCCEEDED and job.stage is ImportStage.DONE
    assert (job.rows_done, job.rows_total) == (3, 3)
    assert job.result["comments"] == 3 and job.result["created"] == 2
    assert job.file_name == "anything.txt" and not job.dry_run
    assert job.file_key and not get_storage().exists(job.file_key)  # not kept once done
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "request_import")
    ).one()
    assert entry.object_id == job.id and entry.actor_id == world.secretariat.id
    # The import page lists it.
    listing = client.get(import_url(world)).get_data(as_text=True)
    assert "Recent imports" in listing and "anything.txt" in listing


def test_import_a_bad_file_reports_lines_and_imports_nothing(client, world):
    rows = good_rows(world)
    rows[2][HEADER.index("organisation")] = "Nobody Ltd"
    login(client, world.secretariat)
    page = follow_job(client, upload(client, world, csv_bytes(rows)))
    html = page.get_data(as_text=True)
    assert "Nothing was imported" in html
    assert "1 problem was found in the file" in html
    assert '<th scope="row">4</th><td>organisation</td>' in html
    assert count_submissions() == 0
    job = latest_job()
    assert job.status is ImportStatus.FAILED and job.error_count == 1
    assert job.errors == [{"line": 4, "column": "organisation",
                           "message": "No registered organisation is called “Nobody Ltd”."}]


def test_import_page_caps_the_problems_it_lists(client, world):
    rows = [[f"Nobody {n}", *good_rows(world)[0][1:]] for n in range(250)]
    login(client, world.secretariat)
    html = follow_job(client, upload(client, world, csv_bytes(rows))).get_data(as_text=True)
    assert "250 problems were found in the file" in html
    assert "The first 200 are listed here." in html
    assert html.count('<td>organisation</td>') == 200
    assert count_submissions() == 0


def test_import_dry_run(client, world):
    login(client, world.secretariat)
    page = follow_job(client, upload(client, world, csv_bytes(good_rows(world)), dry_run="y"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "would record 2 submissions" in html and "Check only" in html
    assert count_submissions() == 0
    job = latest_job()
    assert job.status is ImportStatus.SUCCEEDED and job.dry_run
    assert job.result["submissions"] == 2


def test_import_refuses_a_file_that_is_not_a_table(client, world):
    login(client, world.secretariat)
    page = follow_job(client, upload(client, world, b"%PDF-1.4\x00\x00", "letters.csv"))
    html = page.get_data(as_text=True)
    assert "Nothing was imported" in html and "neither a CSV file" in html
    assert latest_job().status is ImportStatus.FAILED
    response = client.post(import_url(world), data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert count_submissions() == 0


def test_import_refuses_a_file_that_is_too_large(app, client, world):
    login(client, world.secretariat)
    saved = app.config["MAX_SUBMISSIONS_IMPORT_BYTES"]
    app.config["MAX_SUBMISSIONS_IMPORT_BYTES"] = 100
    try:
        response = upload(client, world, csv_bytes(good_rows(world)))
    finally:
        app.config["MAX_SUBMISSIONS_IMPORT_BYTES"] = saved
    assert response.status_code == 400
    assert "too large" in response.get_data(as_text=True)
    assert count_submissions() == 0
    assert latest_job() is None


def test_a_queued_job_page_refreshes_and_shows_progress(app, client, world):
    """While a job runs its page refreshes itself every 2 s (unless asked to stop) and shows
    where the job is."""
    login(client, world.secretariat)
    job = ImportJob(
        consultation_id=world.consultation.id, requested_by_id=world.secretariat.id,
        status=ImportStatus.RUNNING, stage=ImportStage.CHECKING, file_name="big.csv",
        file_size=2048, rows_total=20000, rows_done=12000,
    )
    db.session.add(job)
    db.session.commit()
    url = f"/secretariat/submissions/{world.consultation.id}/imports/{job.id}"
    response = client.get(url)
    assert response.headers["Refresh"] == "2"
    html = response.get_data(as_text=True)
    assert "Stop refreshing" in html
    assert '<progress id="import-progress" max="100" value="32"' in html  # 5 + 45 * 0.6
    assert "12,000 of 20,000 rows" in html and "Checking the rows" in html
    status = client.get(url + "/status").get_json()
    assert status["status"] == "running" and status["stage"] == "checking"
    assert (status["rows_done"], status["rows_total"], status["percent"]) == (12000, 20000, 32)
    assert status["active"] is True
    stopped = client.get(url + "?auto=0")
    assert "Refresh" not in stopped.headers
    assert "no longer refreshes itself" in stopped.get_data(as_text=True)


def test_another_consultations_job_is_404(client, world):
    login(client, world.secretariat)
    follow_job(client, upload(client, world, csv_bytes(good_rows(world))))
    job = latest_job()
    other = make_consultation()
    db.session.commit()
    for suffix in ("", "/status"):
        url = f"/secretariat/submissions/{other.id}/imports/{job.id}{suffix}"
        assert client.get(url).status_code == 404
        assert client.get(f"/secretariat/submissions/{world.consultation.id}/imports/999999"
                          f"{suffix}").status_code == 404


# --- permissions and CSRF --------------------------------------------------------------


def routes(world) -> list[tuple[str, str]]:
    base = f"/secretariat/submissions/{world.consultation.id}"
    job = ImportJob(
        consultation_id=world.consultation.id, requested_by_id=world.secretariat.id,
        file_name="letters.csv",
    )
    db.session.add(job)
    db.session.flush()
    return [("GET", base + "/"), ("GET", base + "/new"), ("POST", base + "/new"),
            ("GET", base + "/import"), ("POST", base + "/import"),
            ("GET", f"{base}/imports/{job.id}"), ("GET", f"{base}/imports/{job.id}/status")]


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
    assert count_submissions() == 0 and latest_job() is None
    token = csrf_token_from(client.get(new_url(world)))
    response = client.post(new_url(world), data=form_data(world, csrf_token=token))
    assert response.status_code == 302
    assert count_submissions() == 1


def test_a_file_larger_than_other_forms_take_is_accepted_up_to_its_own_limit(
    app, client, world
):
    """A file of 20,000 rows is larger than the bodies other forms take (MAX_CONTENT_LENGTH,
    12 MB: a 14.6 MB file was refused): the import page alone takes up to
    MAX_SUBMISSIONS_IMPORT_BYTES. Shown here with both limits made small."""
    rows = good_rows(world)
    rows[0][HEADER.index("comment")] = "We welcome the preamble. " * 400  # 10,000 bytes
    data = csv_bytes(rows)
    assert len(data) > 10_000
    login(client, world.secretariat)
    saved = app.config["MAX_CONTENT_LENGTH"], app.config["MAX_SUBMISSIONS_IMPORT_BYTES"]
    app.config["MAX_CONTENT_LENGTH"] = 5_000
    try:
        app.config["MAX_SUBMISSIONS_IMPORT_BYTES"] = 20_000
        page = follow_job(client, upload(client, world, data))
        assert "Imported 2 submissions" in page.get_data(as_text=True)
        assert count_submissions() == 2
        # Another form keeps the application's limit.
        refused = client.post(new_url(world), data={**form_data(world), "x": "y" * 6_000})
        assert refused.status_code == 413
        # Above its own limit (and what a form adds around the file), the import refuses.
        app.config["MAX_SUBMISSIONS_IMPORT_BYTES"] = 2_000
        response = upload(client, world, data + b"x" * 70_000)
        assert response.status_code == 413
        assert count_submissions() == 2
    finally:
        app.config["MAX_CONTENT_LENGTH"], app.config["MAX_SUBMISSIONS_IMPORT_BYTES"] = saved


@pytest.mark.parametrize(
    ("locale", "counts", "dry_run", "expected"),
    [
        (
            "en",
            {"submissions": 1, "created": 1, "added": 0, "comments": 1},
            False,
            "Imported 1 submission (1 new, 0 added to existing submissions) with 1 comment.",
        ),
        (
            "en",
            {"submissions": 2, "created": 1, "added": 1, "comments": 20000},
            True,
            "Importing it would record 2 submissions (1 new, 1 added to an existing "
            "submission) with 20,000 comments. Nothing was imported yet.",
        ),
        (
            "fr",
            {"submissions": 1, "created": 0, "added": 1, "comments": 1000},
            False,
            "Importation terminée : 1 contribution (0 nouvelle, 1 ajoutée à une contribution "
            "existante) avec 1\u202f000 observations.",
        ),
        (
            "ru",
            {"submissions": 3, "created": 2, "added": 1, "comments": 21},
            False,
            "Импортировано: 3 представления (2 новых, 1 добавлено к существующему "
            "представлению) и 21 замечание.",
        ),
    ],
)
def test_an_import_is_summed_up_with_the_plural_of_each_count(
    app, locale, counts, dry_run, expected
):
    """The import page says each count with its own plural, in the reader's language and with
    its way of writing numbers: no "submission(s)"."""
    from flask_babel import force_locale

    from consult_app.submissions.offline_views import _import_summary

    with app.test_request_context("/"), force_locale(locale):
        assert _import_summary(counts, dry_run=dry_run) == expected
