"""Export jobs whose process died: heartbeat, stale detection, starting again, the CLI."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from consult_app.core.audit import AuditEntry
from consult_app.core.models import utcnow
from consult_app.exports import jobs
from consult_app.exports.models import ExportFormat, ExportJob, ExportKind, JobStatus
from consult_app.extensions import db
from tests.conftest import login
from tests.exports.conftest import ExportWorld


def make_job(world: ExportWorld, status: JobStatus, silent_for: timedelta) -> ExportJob:
    """A job last touched ``silent_for`` ago (written with Core: the ORM would touch it)."""
    job = ExportJob(
        consultation=world.consultation,
        kind=ExportKind.COMPILATION,
        format=ExportFormat.CSV,
        status=status,
        progress=30,
        requested_by_id=world.secretariat.id,
    )
    db.session.add(job)
    db.session.commit()
    db.session.execute(
        update(ExportJob.__table__)
        .where(ExportJob.id == job.id)
        .values(updated_at=utcnow() - silent_for)
    )
    db.session.commit()
    db.session.expire_all()
    return job


def job_count() -> int:
    return int(db.session.execute(select(func.count()).select_from(ExportJob)).scalar_one())


def audit_actions(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_a_silent_running_job_is_reported_as_stopped(
    client: FlaskClient, world: ExportWorld
) -> None:
    job = make_job(world, JobStatus.RUNNING, timedelta(minutes=10))
    login(client, world.secretariat)
    page = client.get(f"/exports/jobs/{job.id}")
    assert page.status_code == 200
    assert "Refresh" not in page.headers
    assert b'http-equiv="refresh"' not in page.data
    assert b"Stopped without finishing" in page.data
    assert b"Start this export again" in page.data
    index = client.get(f"/exports/{world.consultation.id}")
    assert "Refresh" not in index.headers
    assert b"Stopped without finishing" in index.data
    db.session.expire_all()
    assert db.session.get(ExportJob, job.id).status is JobStatus.RUNNING  # a GET writes nothing


def test_a_running_job_with_recent_signs_of_life_is_not_stale(
    client: FlaskClient, world: ExportWorld
) -> None:
    job = make_job(world, JobStatus.RUNNING, timedelta(seconds=20))
    assert not jobs.is_stale(job)
    login(client, world.secretariat)
    page = client.get(f"/exports/jobs/{job.id}")
    assert page.headers["Refresh"] == "3"
    assert b"Start this export again" not in page.data
    response = client.post(f"/exports/jobs/{job.id}/retry")
    assert response.status_code == 400
    assert b"still being built" in response.data
    assert job_count() == 1
    db.session.expire_all()
    assert db.session.get(ExportJob, job.id).status is JobStatus.RUNNING


def test_starting_a_stale_job_again_records_it_as_failed(
    client: FlaskClient, world: ExportWorld
) -> None:
    job = make_job(world, JobStatus.RUNNING, timedelta(minutes=10))
    login(client, world.secretariat)
    response = client.post(f"/exports/jobs/{job.id}/retry")
    assert response.status_code == 302
    db.session.expire_all()
    old = db.session.get(ExportJob, job.id)
    assert old is not None and old.status is JobStatus.FAILED
    assert old.error is not None and "stopped before it finished" in old.error
    assert old.finished_at is not None
    new = db.session.scalars(select(ExportJob).order_by(ExportJob.id.desc())).first()
    assert new is not None and new.id != job.id
    assert response.headers["Location"].endswith(f"/exports/jobs/{new.id}")
    assert (new.kind, new.format, new.internal) == (job.kind, job.format, job.internal)
    assert new.status is JobStatus.DONE  # EXPORTS_SYNC in tests
    expired = audit_actions("expire_export_job")
    assert [(e.object_id, e.actor_id) for e in expired] == [(job.id, world.secretariat.id)]
    assert len(audit_actions("request_export")) == 1


def test_a_failed_job_can_be_started_again(client: FlaskClient, world: ExportWorld) -> None:
    job = make_job(world, JobStatus.RUNNING, timedelta(0))
    db.session.execute(
        update(ExportJob.__table__)
        .where(ExportJob.id == job.id)
        .values(status=JobStatus.FAILED.value, error="boom", finished_at=utcnow())
    )
    db.session.commit()
    login(client, world.secretariat)
    assert b"Start this export again" in client.get(f"/exports/jobs/{job.id}").data
    assert client.post(f"/exports/jobs/{job.id}/retry").status_code == 302
    assert job_count() == 2
    assert audit_actions("expire_export_job") == []


def test_only_the_secretariat_starts_a_job_again(client: FlaskClient, world: ExportWorld) -> None:
    job = make_job(world, JobStatus.RUNNING, timedelta(minutes=10))
    assert client.post(f"/exports/jobs/{job.id}/retry").status_code in (302, 401)
    login(client, world.contributor)
    assert client.post(f"/exports/jobs/{job.id}/retry").status_code == 404
    assert client.post("/exports/jobs/999999/retry").status_code == 404
    assert job_count() == 1
    db.session.expire_all()
    assert db.session.get(ExportJob, job.id).status is JobStatus.RUNNING


def test_retry_without_csrf_token_changes_nothing(csrf_app: Flask, world: ExportWorld) -> None:
    job = make_job(world, JobStatus.RUNNING, timedelta(minutes=10))
    client = csrf_app.test_client()
    login(client, world.secretariat)
    response = client.post(f"/exports/jobs/{job.id}/retry")
    assert response.status_code in (302, 400)
    assert job_count() == 1
    db.session.expire_all()
    assert db.session.get(ExportJob, job.id).status is JobStatus.RUNNING
    assert audit_actions("expire_export_job") == []


def test_cli_expires_only_stale_jobs(app: Flask, world: ExportWorld) -> None:
    stale = make_job(world, JobStatus.RUNNING, timedelta(minutes=10))
    fresh = make_job(world, JobStatus.RUNNING, timedelta(seconds=5))
    queued = make_job(world, JobStatus.QUEUED, timedelta(minutes=10))
    result = app.test_cli_runner().invoke(args=["exports", "expire-stale"])
    assert result.exit_code == 0, result.output
    assert f"job {stale.id}: recorded as failed" in result.output
    assert "1 stale job(s)" in result.output
    db.session.expire_all()
    statuses = {j.id: j.status for j in db.session.scalars(select(ExportJob))}
    # In tests jobs run inline (EXPORTS_SYNC): a queued job is not waiting for a thread.
    assert statuses == {
        stale.id: JobStatus.FAILED,
        fresh.id: JobStatus.RUNNING,
        queued.id: JobStatus.QUEUED,
    }
    again = app.test_cli_runner().invoke(args=["exports", "expire-stale"])
    assert "0 stale job(s)" in again.output


def test_queued_jobs_go_stale_only_without_a_queue(app: Flask, world: ExportWorld) -> None:
    queued = make_job(world, JobStatus.QUEUED, timedelta(minutes=10))
    app.config.update(EXPORTS_SYNC=False)
    try:
        assert jobs.is_stale(queued)  # its thread never started: nobody will run it
        app.config.update(REDIS_URL="redis://127.0.0.1:6379/0")
        assert not jobs.is_stale(queued)  # waiting in Redis for a worker
        app.config.update(REDIS_URL=None)
        expired = jobs.expire_stale_jobs(consultation_id=world.consultation.id)
        assert [j.id for j in expired] == [queued.id]
        db.session.commit()
    finally:
        app.config.update(EXPORTS_SYNC=True, REDIS_URL=None)
    db.session.expire_all()
    assert db.session.get(ExportJob, queued.id).status is JobStatus.FAILED


def test_a_running_job_beats(
    app: Flask, world: ExportWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the build runs, the heartbeat touches the row; it stops with the build."""
    job = make_job(world, JobStatus.QUEUED, timedelta(minutes=10))
    beats = threading.Event()
    original = jobs._set

    def spy(job_id: int, **values: object) -> None:
        original(job_id, **values)
        if not values:
            beats.set()

    def slow_build(*args: object, **kwargs: object) -> None:
        # Waits for a beat (the guard only stops a broken test from hanging forever).
        assert beats.wait(60), "no heartbeat while the build ran"
        path = args[3]
        path.write_text("done")  # type: ignore[attr-defined]

    monkeypatch.setattr(jobs, "_set", spy)
    monkeypatch.setattr(jobs, "build_export", slow_build)
    app.config.update(EXPORTS_HEARTBEAT_SECONDS=0.01)
    try:
        done = jobs.run_job(job.id)
    finally:
        app.config.update(EXPORTS_HEARTBEAT_SECONDS=30)
    assert done is not None and done.status is JobStatus.DONE
    assert beats.is_set()
    assert not [t for t in threading.enumerate() if t.name == f"export-{job.id}-heartbeat"]


def test_the_worker_queues_again_a_job_whose_process_died(
    app: Flask, world: ExportWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """recover_interrupted_jobs: a silent running job is queued again (once), then runs."""
    queued: list[int] = []
    monkeypatch.setattr(jobs, "enqueue", lambda _app, job_id: queued.append(job_id))
    dead = make_job(world, JobStatus.RUNNING, timedelta(minutes=10))
    alive = make_job(world, JobStatus.RUNNING, timedelta(seconds=5))

    assert jobs.recover_interrupted_jobs(app) == [dead.id]
    assert queued == [dead.id]
    db.session.expire_all()
    assert db.session.get(ExportJob, dead.id).status is JobStatus.QUEUED
    assert db.session.get(ExportJob, alive.id).status is JobStatus.RUNNING
    assert [e.object_id for e in audit_actions("requeue_export_job")] == [dead.id]
    # Nothing silent any more: a second look queues nothing.
    assert jobs.recover_interrupted_jobs(app) == []

    # The queued entry runs it once; a second delivery of the same entry does nothing.
    finished = jobs.run_job(dead.id)
    assert finished is not None and finished.status is JobStatus.DONE
    again = jobs.run_job(dead.id)
    assert again is not None and again.status is JobStatus.DONE
    assert job_count() == 2


def test_a_job_that_keeps_killing_its_worker_is_recorded_as_failed(
    app: Flask, world: ExportWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[int] = []
    monkeypatch.setattr(jobs, "enqueue", lambda _app, job_id: queued.append(job_id))
    monkeypatch.setitem(app.config, "EXPORTS_MAX_ATTEMPTS", 2)
    job = make_job(world, JobStatus.RUNNING, timedelta(minutes=10))
    assert jobs.recover_interrupted_jobs(app) == [job.id]  # second run
    # That run died too.
    db.session.execute(
        update(ExportJob.__table__)
        .where(ExportJob.id == job.id)
        .values(status=JobStatus.RUNNING, updated_at=utcnow() - timedelta(minutes=10))
    )
    db.session.commit()
    assert jobs.recover_interrupted_jobs(app) == []
    assert queued == [job.id]
    db.session.expire_all()
    failed = db.session.get(ExportJob, job.id)
    assert failed.status is JobStatus.FAILED
    assert "stopped before it finished" in (failed.error or "")
    assert [e.object_id for e in audit_actions("expire_export_job")] == [job.id]
