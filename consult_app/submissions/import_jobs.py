"""Files of offline submissions imported in the background, with progress.

The browser upload of :mod:`~consult_app.submissions.offline_views` stores the file in the
shared file storage (any host or worker reads it), records an :class:`ImportJob` and
dispatches it after the commit like the export jobs (:mod:`consult_app.core.background`:
the RQ queue with ``REDIS_URL``, inline with ``EXPORTS_SYNC``, a thread otherwise). The job
runs :func:`~consult_app.submissions.offline_import.import_offline_file`, all or nothing as
from the command line, and keeps the outcome on its row: the counts and receipts, or the
line-level problems of a rejected file, or why it failed.

Progress (stage, rows done of rows in all) and the heartbeat are written through their own
short transactions. Checking the rows only reads; recording them is one transaction, which
on SQLite holds the write lock until it commits, so there the rows written are not reported
one submission at a time (another connection would wait for the lock): the job shows
"Recording the submissions" until it is done. A running job silent for
``EXPORTS_STALE_SECONDS`` (its process died) is started again by the worker, at most
``EXPORTS_MAX_ATTEMPTS`` runs in all, like an export.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from consult_app.accounts.models import User
from consult_app.consultations.models import Consultation
from consult_app.core import background
from consult_app.core.audit import log_action
from consult_app.core.errors import NotAllowed, UserError
from consult_app.core.models import utcnow
from consult_app.core.storage import get_storage
from consult_app.extensions import db
from consult_app.submissions import offline_import
from consult_app.submissions.models import ImportJob, ImportStage, ImportStatus
from consult_app.submissions.offline_import import (
    ImportRejected,
    ImportResult,
    import_offline_file,
)

logger = logging.getLogger(__name__)

# The RQ task that runs a job: at the top of the layers (it may build the application).
TASK = "consult_app.tasks.run_import_job"
FILE_PREFIX = "offline"
#: Receipts kept on a finished job (the offline index lists every submission).
MAX_STORED_SUBMISSIONS = 200


# --- requesting --------------------------------------------------------------------------


def _clean_name(name: str | None) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:255] or "import"


def request_import(
    user: User, consultation: Consultation, data: bytes, filename: str | None, *, dry_run: bool
) -> ImportJob:
    """Keep the file and queue its import; the job starts once the transaction commits."""
    if not consultation.can_manage(user):
        raise NotAllowed(_("Only the secretariat records submissions received outside."))
    name = _clean_name(filename)
    suffix = ".xlsx" if name.lower().endswith(".xlsx") else ".csv"
    key = f"{FILE_PREFIX}/import-{secrets.token_hex(12)}{suffix}"
    get_storage().put(key, data)
    job = ImportJob(
        consultation=consultation,
        requested_by_id=user.id,
        status=ImportStatus.QUEUED,
        stage=ImportStage.WAITING,
        dry_run=dry_run,
        file_key=key,
        file_name=name,
        file_size=len(data),
        rows_total=0,
        rows_done=0,
        error_count=0,
    )
    db.session.add(job)
    db.session.flush()
    log_action(
        user,
        "request_import",
        job,
        after={
            "consultation_id": consultation.id,
            "file_name": name,
            "size": len(data),
            "dry_run": dry_run,
        },
    )
    background.schedule_after_commit(RUNNER, job.id)
    logger.info(
        "user %s requested import job %s (%d bytes%s)",
        user.id,
        job.id,
        len(data),
        ", dry run" if dry_run else "",
    )
    return job


def recent_jobs(consultation: Consultation, limit: int = 10) -> list[ImportJob]:
    return list(
        db.session.scalars(
            select(ImportJob)
            .where(ImportJob.consultation_id == consultation.id)
            .options(joinedload(ImportJob.requested_by))
            .order_by(ImportJob.id.desc())
            .limit(limit)
        )
    )


# --- running -------------------------------------------------------------------------------


def _set(job_id: int, **values: Any) -> None:
    """Write job fields in their own short transaction (progress, heartbeat, failure)."""
    with db.engine.begin() as connection:
        connection.execute(
            update(ImportJob.__table__)
            .where(ImportJob.id == job_id)
            .values(updated_at=utcnow(), **values)
        )


def _mark_failed(job_id: int, error: str) -> None:
    _set(job_id, status=ImportStatus.FAILED, error=error[:4000], finished_at=utcnow())


class _ProgressWriter:
    """Records the stage and rows of a running job: at each new stage, then every
    ``offline_import.PROGRESS_EVERY`` rows and at the last (a file of 2,000 submissions
    reports after each one: not 2,000 writes). See the module's note on SQLite."""

    def __init__(self, job_id: int, *, while_writing: bool) -> None:
        self.job_id = job_id
        self.while_writing = while_writing
        self.stage: ImportStage | None = None
        self.done = 0

    def __call__(self, stage: ImportStage, done: int, total: int) -> None:
        if stage is ImportStage.WRITING and done and not self.while_writing:
            return
        if (
            stage is self.stage
            and done - self.done < offline_import.PROGRESS_EVERY
            and done < total
        ):
            return
        self.stage, self.done = stage, done
        _set(self.job_id, stage=stage, rows_done=done, rows_total=total)


def summary(result: ImportResult) -> dict[str, Any]:
    """What a finished job keeps: counts, and the first receipts."""
    return {
        "submissions": len(result.submissions),
        "created": result.created_count,
        "added": result.added_count,
        "comments": result.comment_count,
        "receipts": [
            {
                "organisation": s.organisation,
                "receipt": s.receipt_number,
                "created": s.created,
                "revision": s.revision,
                "comments": s.comments,
            }
            for s in result.submissions[:MAX_STORED_SUBMISSIONS]
        ],
    }


def _forget_file(key: str | None) -> None:
    """The uploaded file is not kept once its job has ended."""
    if not key:
        return
    try:
        get_storage().delete(key)
        db.session.commit()  # the stored_files row with FILE_STORAGE=database
    except Exception:
        db.session.rollback()
        logger.warning("could not delete the import file %s", key, exc_info=True)


def run_job(job_id: int) -> ImportJob | None:
    """Import the file of a queued job, recording progress and the outcome; a failure is
    recorded, not raised."""
    job = db.session.get(ImportJob, job_id)
    if job is None:
        logger.warning("import job %s does not exist", job_id)
        return None
    if job.status is not ImportStatus.QUEUED:
        logger.info("import job %s is %s; not run again", job_id, job.status.value)
        return job
    consultation_id, user_id, key, dry_run = (
        job.consultation_id,
        job.requested_by_id,
        job.file_key,
        job.dry_run,
    )
    db.session.rollback()
    # Conditional: of two runners handed the same job, one runs it.
    with db.engine.begin() as connection:
        started = connection.execute(
            update(ImportJob.__table__)
            .where(ImportJob.id == job_id, ImportJob.status == ImportStatus.QUEUED)
            .values(
                status=ImportStatus.RUNNING,
                stage=ImportStage.READING,
                started_at=utcnow(),
                updated_at=utcnow(),
                rows_done=0,
                rows_total=0,
            )
        )
    if not started.rowcount:
        logger.info("import job %s was taken by another runner", job_id)
        return db.session.get(ImportJob, job_id)
    interval = background.heartbeat_seconds()
    ended = True
    try:
        # The outcome commits inside the block: on SQLite a beat waits for the import's
        # write lock, and the block's end waits for the beat.
        with background.heartbeat(f"import-{job_id}-heartbeat", interval, lambda: _set(job_id)):
            _run(job_id, consultation_id, user_id, key, dry_run=dry_run)
    except UserError as error:  # not a table, no file, no longer allowed: said as it is
        db.session.rollback()
        logger.info("import job %s: not imported: %s", job_id, error.message)
        _set(
            job_id,
            status=ImportStatus.FAILED,
            stage=ImportStage.DONE,
            error=error.message[:4000],
            finished_at=utcnow(),
        )
    except Exception as error:
        db.session.rollback()
        logger.exception("import job %s failed", job_id)
        try:
            _mark_failed(job_id, f"{type(error).__name__}: {error}")
        except Exception:  # the database is away: the worker's recovery will see it silent
            logger.exception("import job %s: the failure could not be recorded", job_id)
            ended = False
    if ended:
        _forget_file(key)
    db.session.expire_all()
    return db.session.get(ImportJob, job_id)


def _run(
    job_id: int, consultation_id: int, user_id: int, key: str | None, *, dry_run: bool
) -> None:
    data = get_storage().get(key) if key else None
    if data is None:
        raise UserError(_("The uploaded file is no longer kept: upload it again."))
    consultation = db.session.get(Consultation, consultation_id)
    actor = db.session.get(User, user_id)
    if consultation is None or actor is None:
        raise UserError(_("This consultation does not exist."))
    progress = _ProgressWriter(job_id, while_writing=db.engine.dialect.name != "sqlite")
    try:
        result = import_offline_file(actor, consultation, data, dry_run=dry_run, progress=progress)
    except ImportRejected as rejected:
        db.session.rollback()
        _set(
            job_id,
            status=ImportStatus.FAILED,
            stage=ImportStage.DONE,
            errors=[
                {"line": e.line, "column": e.column, "message": e.message}
                for e in rejected.errors[: ImportJob.MAX_STORED_ERRORS]
            ],
            error_count=len(rejected.errors),
            finished_at=utcnow(),
        )
        logger.info(
            "import job %s: the file was rejected (%d problems)", job_id, len(rejected.errors)
        )
        return
    # The outcome in the import's own transaction: imported and recorded as such, or neither.
    job = db.session.get(ImportJob, job_id)
    assert job is not None
    job.status = ImportStatus.SUCCEEDED
    job.stage = ImportStage.DONE
    job.rows_done = job.rows_total
    job.result = summary(result)
    job.finished_at = utcnow()
    db.session.commit()
    logger.info(
        "import job %s done: %d submissions, %d comments%s",
        job_id,
        len(result.submissions),
        result.comment_count,
        " (dry run)" if dry_run else "",
    )


RUNNER = background.JobRunner("import", TASK, run_job, _mark_failed)


# --- stale jobs ------------------------------------------------------------------------------


def is_stale(job: ImportJob, now: datetime | None = None) -> bool:
    """Has this job shown no sign of life for ``EXPORTS_STALE_SECONDS``? (A queued job only
    when no queue holds it: without ``REDIS_URL`` the thread that would run it is gone.)"""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not job.status.is_active:
        return False
    if job.status is ImportStatus.QUEUED and (
        app.config.get("REDIS_URL") or app.config.get("EXPORTS_SYNC")
    ):
        return False
    return job.updated_at < (now or utcnow()) - background.stale_after(app)


def recover_interrupted_jobs(app: Flask, now: datetime | None = None) -> list[int]:
    """Queue again the running import jobs that have shown no sign of life (their process
    died before the import committed, so nothing of it was kept); after
    ``EXPORTS_MAX_ATTEMPTS`` runs a job is recorded as failed. Commits; the ids queued
    again."""
    now = now or utcnow()
    limit = now - background.stale_after(app)
    attempts = background.max_attempts(app)
    requeued: list[int] = []
    silent = db.session.scalars(
        select(ImportJob)
        .where(ImportJob.status == ImportStatus.RUNNING, ImportJob.updated_at < limit)
        .order_by(ImportJob.id)
    ).all()
    for job in silent:
        before = {"status": job.status.value, "updated_at": job.updated_at}
        runs = background.requeue_count("requeue_import_job", ImportJob.__name__, job.id) + 1
        if runs >= attempts:
            job.status = ImportStatus.FAILED
            job.error = _(
                "The process importing this file stopped before it finished, %(n)d times; "
                "nothing of the file was imported.",
                n=attempts,
            )
            job.finished_at = now
            log_action(
                None,
                "expire_import_job",
                job,
                before=before,
                after={"status": job.status.value, "attempts": attempts},
            )
            db.session.commit()
            _forget_file(job.file_key)
            logger.warning("import job %s: stopped %d times; recorded as failed", job.id, attempts)
            continue
        taken = db.session.execute(
            update(ImportJob.__table__)
            .where(
                ImportJob.id == job.id,
                ImportJob.status == ImportStatus.RUNNING,
                ImportJob.updated_at == job.updated_at,
            )
            .values(
                status=ImportStatus.QUEUED,
                stage=ImportStage.WAITING,
                rows_done=0,
                updated_at=utcnow(),
            )
        )
        if not taken.rowcount:  # type: ignore[attr-defined]
            db.session.rollback()
            continue
        log_action(
            None,
            "requeue_import_job",
            job,
            before=before,
            after={"status": ImportStatus.QUEUED.value},
        )
        db.session.commit()
        logger.warning(
            "import job %s: its process stopped (silent since %s); queued again",
            job.id,
            before["updated_at"],
        )
        background.enqueue(app, RUNNER, job.id)
        requeued.append(job.id)
    db.session.expire_all()
    return requeued
