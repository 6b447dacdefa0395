"""Import jobs: a file of offline submissions imported in the background, with progress."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from consult_app.core import background
from consult_app.core.audit import AuditEntry
from consult_app.core.errors import NotAllowed
from consult_app.core.models import utcnow
from consult_app.core.storage import get_storage
from consult_app.extensions import db
from consult_app.submissions import import_jobs, offline_import
from consult_app.submissions.models import ImportJob, ImportStage, ImportStatus, Submission
from tests.submissions.conftest import count_submissions
from tests.submissions.test_offline_import import HEADER, csv_bytes, good_rows


def request(world, data: bytes, *, dry_run: bool = False) -> ImportJob:
    """Request a job and commit: in tests (EXPORTS_SYNC) it runs at the commit."""
    job = import_jobs.request_import(
        world.secretariat, world.consultation, data, "letters.csv", dry_run=dry_run
    )
    job_id = job.id
    db.session.commit()
    db.session.expire_all()
    found = db.session.get(ImportJob, job_id)
    assert found is not None
    return found


def many_rows(world, n: int) -> list[list[str]]:
    row = good_rows(world)[0]
    return [
        [*row[: HEADER.index("comment")], f"Comment {i}.", *row[HEADER.index("comment") + 1 :]]
        for i in range(n)
    ]


def queued_job(world, data: bytes, **values: object) -> ImportJob:
    """A job row with its file stored, not dispatched (as a worker would find it)."""
    key = f"offline/import-test-{utcnow().timestamp():.0f}.csv".replace(".", "-", 1)
    get_storage().put(key, data)
    job = ImportJob(
        consultation_id=world.consultation.id,
        requested_by_id=world.secretariat.id,
        status=ImportStatus.QUEUED,
        file_name="letters.csv",
        file_key=key,
        file_size=len(data),
        **values,
    )
    db.session.add(job)
    db.session.commit()
    return job


def test_a_job_imports_the_file_and_keeps_the_outcome(world):
    job = request(world, csv_bytes(good_rows(world)))
    assert job.status is ImportStatus.SUCCEEDED, job.error
    assert job.stage is ImportStage.DONE and job.percent == 100
    assert job.started_at and job.finished_at and job.error is None and job.error_count == 0
    submissions = db.session.scalars(select(Submission).order_by(Submission.id)).all()
    assert job.result == {
        "submissions": 2,
        "created": 2,
        "added": 0,
        "comments": 3,
        "receipts": [
            {
                "organisation": s.organisation.name,
                "receipt": s.receipt_number,
                "created": True,
                "revision": 1,
                "comments": len(s.comments),
            }
            for s in submissions
        ],
    }
    assert job.result["comments"] == 3 and len(job.result["receipts"]) == 2
    assert all(r["receipt"] for r in job.result["receipts"])
    assert count_submissions() == 2
    assert not get_storage().exists(job.file_key or "")


def test_a_dry_run_job_imports_nothing(world):
    job = request(world, csv_bytes(good_rows(world)), dry_run=True)
    assert job.status is ImportStatus.SUCCEEDED and job.dry_run
    assert job.result["submissions"] == 2 and job.result["comments"] == 3
    assert count_submissions() == 0


def test_a_rejected_file_keeps_its_line_level_problems(world):
    rows = good_rows(world)
    rows[0][HEADER.index("position")] = "maybe"
    rows[1][HEADER.index("organisation")] = ""
    job = request(world, csv_bytes(rows))
    assert job.status is ImportStatus.FAILED and job.stage is ImportStage.DONE
    assert job.error is None and job.error_count == 2
    assert [(e["line"], e["column"]) for e in job.errors] == [(2, "position"), (3, "organisation")]
    assert count_submissions() == 0


def test_only_the_first_problems_are_kept(world, monkeypatch):
    monkeypatch.setattr(ImportJob, "MAX_STORED_ERRORS", 5)
    rows = [[f"Nobody {n}", *good_rows(world)[0][1:]] for n in range(12)]
    job = request(world, csv_bytes(rows))
    assert job.error_count == 12 and len(job.errors) == 5


def test_a_job_that_breaks_is_recorded_as_failed(world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(import_jobs, "import_offline_file", broken)
    job = request(world, csv_bytes(good_rows(world)))
    assert job.status is ImportStatus.FAILED
    assert job.error == "RuntimeError: the disk is full" and job.finished_at
    assert count_submissions() == 0


def test_a_job_whose_file_is_gone_fails_with_a_message(world):
    job = queued_job(world, csv_bytes(good_rows(world)))
    get_storage().delete(job.file_key or "")
    db.session.commit()
    done = import_jobs.run_job(job.id)
    assert done is not None and done.status is ImportStatus.FAILED
    assert done.error == "The uploaded file is no longer kept: upload it again."


def test_a_job_runs_once(world):
    job = request(world, csv_bytes(good_rows(world)))
    again = import_jobs.run_job(job.id)
    assert again is not None and again.status is ImportStatus.SUCCEEDED
    assert count_submissions() == 2
    assert import_jobs.run_job(999999) is None


def test_progress_goes_through_the_stages(world, monkeypatch):
    monkeypatch.setattr(offline_import, "PROGRESS_EVERY", 2)
    seen: list[tuple[str, int, int]] = []
    original = import_jobs._set

    def spy(job_id: int, **values: object) -> None:
        original(job_id, **values)
        if "rows_done" in values and "stage" in values:
            stage = values["stage"]
            assert isinstance(stage, ImportStage)
            seen.append(
                (
                    stage.value,
                    int(values["rows_done"]),  # type: ignore[call-overload]
                    int(values["rows_total"]),
                )
            )  # type: ignore[call-overload]

    monkeypatch.setattr(import_jobs, "_set", spy)
    job = request(world, csv_bytes(many_rows(world, 5)))
    assert job.status is ImportStatus.SUCCEEDED, job.error
    checking = [("checking", 0, 5), ("checking", 2, 5), ("checking", 4, 5), ("checking", 5, 5)]
    writing = [("writing", 0, 5)]
    if db.engine.dialect.name != "sqlite":  # SQLite: not while the import holds the lock
        writing.append(("writing", 5, 5))
    assert seen == [("reading", 0, 0), *checking, *writing]
    assert (job.rows_done, job.rows_total) == (5, 5)


def test_the_percentage_follows_the_stages():
    job = ImportJob(
        status=ImportStatus.RUNNING, stage=ImportStage.READING, rows_total=0, rows_done=0
    )
    assert job.percent == 0
    job.stage, job.rows_total, job.rows_done = ImportStage.CHECKING, 200, 100
    assert job.percent == 27
    job.stage, job.rows_done = ImportStage.WRITING, 0
    assert job.percent == 50
    job.rows_done = 200
    assert job.percent == 99  # 100 only once it has committed
    job.status, job.stage = ImportStatus.SUCCEEDED, ImportStage.DONE
    assert job.percent == 100


def test_only_the_secretariat_requests_an_import(world):
    with pytest.raises(NotAllowed):
        import_jobs.request_import(world.author, world.consultation, b"x", "x.csv", dry_run=False)
    assert db.session.scalars(select(ImportJob)).first() is None


def test_a_rolled_back_request_starts_nothing(world):
    job = import_jobs.request_import(
        world.secretariat, world.consultation, csv_bytes(good_rows(world)), "x.csv", dry_run=False
    )
    job_id = job.id
    db.session.rollback()
    assert db.session.get(ImportJob, job_id) is None
    db.session.commit()
    assert count_submissions() == 0


def test_the_file_name_is_cleaned():
    assert import_jobs._clean_name("C:\\Users\\me\\letters\x07.xlsx") == "letters.xlsx"
    assert import_jobs._clean_name("") == "import"


# --- stale and interrupted jobs ------------------------------------------------------------


def silent_job(world, minutes: int = 10) -> ImportJob:
    job = queued_job(world, csv_bytes(good_rows(world)))
    long_ago = utcnow() - timedelta(minutes=minutes)
    import_jobs._set(
        job.id,
        status=ImportStatus.RUNNING,
        stage=ImportStage.CHECKING,
        rows_done=2,
        rows_total=3,
        started_at=long_ago,
    )
    db.session.execute(
        ImportJob.__table__.update().where(ImportJob.id == job.id).values(updated_at=long_ago)
    )
    db.session.commit()
    db.session.expire_all()
    return job


def test_a_silent_running_job_is_stale(app, world):
    job = silent_job(world)
    assert import_jobs.is_stale(job)
    fresh = silent_job(world, minutes=1)
    assert not import_jobs.is_stale(fresh)


def test_the_worker_queues_again_an_interrupted_job_then_gives_up(app, world, monkeypatch):
    queued: list[int] = []
    monkeypatch.setattr(background, "enqueue", lambda _app, runner, job_id: queued.append(job_id))
    monkeypatch.setitem(app.config, "EXPORTS_MAX_ATTEMPTS", 2)
    job = silent_job(world)
    assert import_jobs.recover_interrupted_jobs(app) == [job.id]
    assert queued == [job.id]
    db.session.expire_all()
    again = db.session.get(ImportJob, job.id)
    assert again.status is ImportStatus.QUEUED and again.rows_done == 0
    # The queued job runs (the worker would): the file is imported once.
    done = import_jobs.run_job(job.id)
    assert done is not None and done.status is ImportStatus.SUCCEEDED
    assert count_submissions() == 2
    # A second job dies twice: the second time it is recorded as failed.
    other = silent_job(world)
    assert import_jobs.recover_interrupted_jobs(app) == [other.id]
    db.session.execute(
        ImportJob.__table__.update()
        .where(ImportJob.id == other.id)
        .values(status=ImportStatus.RUNNING, updated_at=utcnow() - timedelta(minutes=10))
    )
    db.session.commit()
    assert import_jobs.recover_interrupted_jobs(app) == []
    db.session.expire_all()
    failed = db.session.get(ImportJob, other.id)
    assert failed.status is ImportStatus.FAILED and "2 times" in (failed.error or "")
    actions = [
        e.action
        for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.object_type == "ImportJob").order_by(AuditEntry.id)
        )
    ]
    assert actions == ["requeue_import_job", "requeue_import_job", "expire_import_job"]


def test_with_redis_the_job_waits_for_the_worker_that_runs_exports(app, world):
    """REDIS_URL: the request only queues the job; the one worker of exports runs it."""
    url = "redis://127.0.0.1:6379/0"
    try:
        from redis import Redis
        from rq import Queue, SimpleWorker

        Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as error:
        pytest.skip(f"no Redis on 127.0.0.1:6379 ({error})")
    queue_name = f"imports-test-{uuid.uuid4().hex[:8]}"
    app.config.update(REDIS_URL=url, EXPORTS_QUEUE=queue_name)
    queue = Queue(queue_name, connection=Redis.from_url(url))
    try:
        job = request(world, csv_bytes(good_rows(world)))
        assert job.status is ImportStatus.QUEUED and queue.count == 1
        assert queue.jobs[0].func_name == "consult_app.tasks.run_import_job"
        assert not import_jobs.is_stale(job)  # a queue holds it
        background.set_worker_app(app)
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
        db.session.expire_all()
        done = db.session.get(ImportJob, job.id)
        assert done is not None and done.status is ImportStatus.SUCCEEDED, done.error
        assert count_submissions() == 2
    finally:
        app.config.update(REDIS_URL=None, EXPORTS_QUEUE="exports")
        queue.empty()
        queue.delete(delete_jobs=True)


def test_progress_is_written_per_stage_and_every_few_rows(monkeypatch):
    writes: list[tuple[str, int]] = []
    monkeypatch.setattr(
        import_jobs,
        "_set",
        lambda job_id, **values: writes.append((values["stage"].value, values["rows_done"])),
    )
    monkeypatch.setattr(offline_import, "PROGRESS_EVERY", 10)
    writer = import_jobs._ProgressWriter(1, while_writing=True)
    writer(ImportStage.WRITING, 0, 25)
    for done in range(1, 26):  # one submission of one comment at a time
        writer(ImportStage.WRITING, done, 25)
    assert writes == [("writing", 0), ("writing", 10), ("writing", 20), ("writing", 25)]
    on_sqlite = import_jobs._ProgressWriter(1, while_writing=False)
    writes.clear()
    on_sqlite(ImportStage.WRITING, 0, 25)
    on_sqlite(ImportStage.WRITING, 25, 25)
    assert writes == [("writing", 0)]
