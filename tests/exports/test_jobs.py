"""Export jobs: lifecycle, pages, downloads, permissions, CSRF, the RQ path and the CLI."""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from consult_app.accounts.models import Role
from consult_app.core.audit import AuditEntry
from consult_app.exports import jobs
from consult_app.exports.models import ExportFormat, ExportJob, ExportKind, JobStatus
from consult_app.extensions import db
from tests.conftest import login, make_user
from tests.exports.conftest import MARKERS, ExportWorld


def job_count() -> int:
    return int(db.session.execute(select(func.count()).select_from(ExportJob)).scalar_one())


def latest_job() -> ExportJob:
    db.session.expire_all()
    job = db.session.scalars(select(ExportJob).order_by(ExportJob.id.desc())).first()
    assert job is not None
    return job


def start(client: FlaskClient, world: ExportWorld, export: str, internal: bool = False):
    data = {"export": export}
    if internal:
        data["internal"] = "y"
    return client.post(f"/exports/{world.consultation.id}", data=data)


def test_secretariat_builds_an_export_and_downloads_it(
    client: FlaskClient, world: ExportWorld
) -> None:
    login(client, world.secretariat)
    response = start(client, world, "compilation-xlsx")
    assert response.status_code == 302
    job = latest_job()
    assert response.headers["Location"].endswith(f"/exports/jobs/{job.id}")
    assert job.status is JobStatus.DONE
    assert job.progress == 100
    assert job.started_at is not None and job.finished_at is not None
    assert job.requested_by_id == world.secretariat.id
    assert db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "request_export")
    ).first() is not None
    page = client.get(f"/exports/jobs/{job.id}")
    assert page.status_code == 200
    assert "Refresh" not in page.headers
    assert b'http-equiv="refresh"' not in page.data
    assert b"Download" in page.data
    download = client.get(f"/exports/jobs/{job.id}/download")
    assert download.status_code == 200
    assert download.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in download.headers["Content-Disposition"]
    assert ".xlsx" in download.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(download.data), read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 4
    download.close()


def test_anyone_downloads_the_latest_public_file(client: FlaskClient, world: ExportWorld) -> None:
    login(client, world.secretariat)
    start(client, world, "compilation-csv")
    first = latest_job()
    start(client, world, "compilation-csv")
    second = latest_job()
    client.post("/accounts/logout")
    with client.session_transaction() as session:
        session.clear()
    page = client.get(f"/exports/{world.consultation.id}")
    assert page.status_code == 200
    assert f"/exports/jobs/{second.id}/download".encode() in page.data
    assert b"Build the export" not in page.data
    response = client.get(f"/exports/jobs/{second.id}/download")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.data.decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(text)))[0] == "Provision"
    for marker in MARKERS:
        assert marker not in text
    response.close()
    # An older public file is not offered to the public any more.
    assert client.get(f"/exports/jobs/{first.id}/download").status_code == 404


def test_internal_files_are_for_the_secretariat_only(
    client: FlaskClient, world: ExportWorld
) -> None:
    login(client, world.secretariat)
    start(client, world, "report-html", internal=True)
    job = latest_job()
    assert job.internal and job.status is JobStatus.DONE
    response = client.get(f"/exports/jobs/{job.id}/download")
    assert response.status_code == 200
    assert b"ZQXCONFTEXT" in response.data
    response.close()
    login(client, world.contributor)
    assert client.get(f"/exports/jobs/{job.id}/download").status_code == 404
    assert client.get(f"/exports/jobs/{job.id}").status_code == 404
    page = client.get(f"/exports/{world.consultation.id}")
    assert f"/exports/jobs/{job.id}/download".encode() not in page.data
    with client.session_transaction() as session:
        session.clear()
    anonymous = client.get(f"/exports/jobs/{job.id}/download")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_contributor_cannot_start_a_job(client: FlaskClient, world: ExportWorld) -> None:
    login(client, world.contributor)
    assert start(client, world, "compilation-xlsx").status_code == 403
    assert job_count() == 0


def test_anonymous_cannot_start_a_job(client: FlaskClient, world: ExportWorld) -> None:
    response = start(client, world, "compilation-xlsx")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert job_count() == 0


def test_invalid_choice_is_refused(client: FlaskClient, world: ExportWorld) -> None:
    login(client, world.secretariat)
    for bad in ("report-xlsx", "nonsense", ""):
        response = start(client, world, bad)
        assert response.status_code == 400
        assert b"Please correct the errors below." in response.data
    assert job_count() == 0


def test_unknown_ids_are_404(client: FlaskClient, world: ExportWorld) -> None:
    login(client, world.secretariat)
    assert client.get("/exports/999999").status_code == 404
    assert client.post("/exports/999999", data={"export": "compilation-csv"}).status_code == 404
    assert client.get("/exports/jobs/999999").status_code == 404
    assert client.get("/exports/jobs/999999/download").status_code == 404


def test_post_without_csrf_token_is_refused(
    csrf_app: Flask, world: ExportWorld
) -> None:
    client = csrf_app.test_client()
    login(client, world.secretariat)
    response = start(client, world, "compilation-csv")
    assert response.status_code == 400
    assert job_count() == 0


def test_failed_job_records_its_error(
    client: FlaskClient, world: ExportWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(jobs, "build_export", broken)
    login(client, world.secretariat)
    start(client, world, "report-docx")
    job = latest_job()
    assert job.status is JobStatus.FAILED
    assert job.error is not None and "disk on fire" in job.error
    assert job.finished_at is not None
    page = client.get(f"/exports/jobs/{job.id}")
    assert b"disk on fire" in page.data
    assert client.get(f"/exports/jobs/{job.id}/download").status_code == 404
    assert not list(jobs.exports_dir().glob(f"job-{job.id}-*.docx*"))


def test_running_job_page_refreshes(client: FlaskClient, world: ExportWorld) -> None:
    job = ExportJob(consultation=world.consultation, kind=ExportKind.REPORT,
                    format=ExportFormat.PDF, status=JobStatus.RUNNING, progress=40)
    db.session.add(job)
    db.session.commit()
    login(client, world.secretariat)
    page = client.get(f"/exports/jobs/{job.id}")
    assert page.headers["Refresh"] == "3"
    assert b'<meta http-equiv="refresh" content="3">' in page.data
    assert b'value="40"' in page.data
    index = client.get(f"/exports/{world.consultation.id}")
    assert index.headers["Refresh"] == "3"


def test_progress_is_recorded_as_the_job_runs(world: ExportWorld) -> None:
    seen: list[int] = []
    job = ExportJob(consultation=world.consultation, kind=ExportKind.COMPILATION,
                    format=ExportFormat.CSV, status=JobStatus.QUEUED, progress=0)
    db.session.add(job)
    db.session.commit()
    writer = jobs._ProgressWriter(job.id)
    original = jobs._set

    def spy(job_id: int, **values: object) -> None:
        original(job_id, **values)
        if "progress" in values:
            seen.append(int(values["progress"]))  # type: ignore[call-overload]

    jobs._set = spy  # type: ignore[assignment]
    try:
        writer(1, 4)
        writer(2, 4)
        writer(2, 4)
    finally:
        jobs._set = original  # type: ignore[assignment]
    assert seen == [25, 50]
    db.session.expire_all()
    assert db.session.get(ExportJob, job.id).progress == 50  # type: ignore[union-attr]


def test_job_runs_only_once(world: ExportWorld) -> None:
    job = ExportJob(consultation=world.consultation, kind=ExportKind.COMPILATION,
                    format=ExportFormat.CSV, status=JobStatus.QUEUED, progress=0)
    db.session.add(job)
    db.session.commit()
    done = jobs.run_job(job.id)
    assert done is not None and done.status is JobStatus.DONE
    path = done.file_path
    again = jobs.run_job(job.id)
    assert again is not None and again.file_path == path


def test_rolled_back_request_starts_nothing(app: Flask, world: ExportWorld) -> None:
    with app.test_request_context():
        user = db.session.get(type(world.secretariat), world.secretariat.id)
        assert user is not None
        jobs.request_export(user, world.consultation, ExportKind.COMPILATION, ExportFormat.CSV)
        db.session.rollback()
    assert job_count() == 0


def _redis_or_skip() -> str:
    url = "redis://127.0.0.1:6379/0"
    try:
        from redis import Redis

        Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as error:
        pytest.skip(f"no Redis on 127.0.0.1:6379 ({error})")
    return url


def test_rq_queue_and_worker(app: Flask, client: FlaskClient, world: ExportWorld) -> None:
    url = _redis_or_skip()
    from redis import Redis
    from rq import Queue, SimpleWorker

    queue_name = f"exports-test-{uuid.uuid4().hex[:8]}"
    app.config.update(REDIS_URL=url, EXPORTS_QUEUE=queue_name)
    connection = Redis.from_url(url)
    queue = Queue(queue_name, connection=connection)
    try:
        login(client, world.secretariat)
        start(client, world, "dispositions-xlsx")
        job = latest_job()
        assert job.status is JobStatus.QUEUED  # waiting in Redis, not run by the request
        assert queue.count == 1
        jobs.set_worker_app(app)
        SimpleWorker([queue], connection=connection).work(burst=True)
        job = latest_job()
        assert job.status is JobStatus.DONE, job.error
        assert job.progress == 100
        response = client.get(f"/exports/jobs/{job.id}/download")
        assert response.status_code == 200
        response.close()
    finally:
        app.config.update(REDIS_URL=None, EXPORTS_QUEUE="exports")
        queue.empty()
        queue.delete(delete_jobs=True)


def test_cli_build_writes_every_format(app: Flask, world: ExportWorld, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    for name in ("docx", "pdf", "html", "xlsx", "csv", "dispositions-xlsx", "dispositions-csv"):
        output = tmp_path / f"out-{name}"
        result = runner.invoke(args=["exports", "build", "--consultation",
                                     str(world.consultation.id), "--format", name,
                                     "--output", str(output)])
        assert result.exit_code == 0, result.output
        assert output.stat().st_size > 0
    internal = tmp_path / "internal.csv"
    result = runner.invoke(args=["exports", "build", "--consultation",
                                 str(world.consultation.id), "--format", "csv",
                                 "--output", str(internal), "--internal"])
    assert result.exit_code == 0
    assert "ZQXCONFTEXT" in internal.read_text(encoding="utf-8-sig")
    missing = runner.invoke(args=["exports", "build", "--consultation", "999999",
                                  "--format", "csv", "--output", str(tmp_path / "x.csv")])
    assert missing.exit_code != 0 and "no consultation" in missing.output
    bad = runner.invoke(args=["exports", "build", "--consultation", "1", "--format", "odt",
                              "--output", str(tmp_path / "x.odt")])
    assert bad.exit_code != 0


def test_worker_command_needs_redis(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["exports", "worker", "--burst"])
    assert result.exit_code != 0 and "REDIS_URL" in result.output


def test_secretariat_sees_the_form_and_the_jobs(client: FlaskClient, world: ExportWorld) -> None:
    admin = make_user(role=Role.ADMIN)
    login(client, admin)
    start(client, world, "report-pdf")
    page = client.get(f"/exports/{world.consultation.id}")
    assert page.status_code == 200
    assert b"Build the export" in page.data and b"Recent jobs" in page.data
    assert b"Consensus report" in page.data
