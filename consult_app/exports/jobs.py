"""Background export jobs: request, dispatch (RQ, a thread, or inline), run, record progress.

A job is dispatched only once the transaction that created it has committed (a session
``after_commit`` hook), so a worker never looks for a row that does not exist yet, and a
rolled-back request starts nothing (the dispatch is :mod:`consult_app.core.background`'s,
shared with import jobs):

- ``REDIS_URL`` set: the job goes on the RQ queue ``EXPORTS_QUEUE`` ("exports"), run by
  ``flask --app consult_app exports worker`` (which runs import jobs too).
- ``EXPORTS_SYNC`` true (tests): the job runs at once, in its own application context.
- otherwise: a daemon thread of the process that received the request runs it.

Progress is written through its own short transaction so that the long read of the
build (a streaming cursor) is never committed half-way. While a job runs, a heartbeat
touches its row every ``EXPORTS_HEARTBEAT_SECONDS``; a job that has shown no sign of life for
``EXPORTS_STALE_SECONDS`` (its process was killed, the machine restarted) is *stale*: its
page says so and stops refreshing, the secretariat can start it again, and
``flask exports expire-stale`` (or starting it again) records it as failed.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from consult_app.accounts.models import User
from consult_app.consultations.models import Consultation
from consult_app.core import background
from consult_app.core.audit import log_action
from consult_app.core.errors import NotAllowed, UserError
from consult_app.core.models import utcnow
from consult_app.core.observability import EXPORT_JOBS
from consult_app.core.storage import get_storage
from consult_app.exports.models import (
    FORMATS_BY_KIND,
    UN_LANGUAGES,
    ExportFormat,
    ExportJob,
    ExportKind,
    JobStatus,
)
from consult_app.extensions import db

logger = logging.getLogger(__name__)

DEFAULT_RECOVERY_SECONDS = 60

# The RQ task that runs a job: at the top of the layers, since it may build the application
# (a worker started as a plain `rq worker`); it calls run_in_worker below.
TASK = "consult_app.tasks.run_export_job"


# --- files -------------------------------------------------------------------------------


def exports_dir(app: Flask | None = None) -> Path:
    """Where export files are kept with the local storage (``EXPORTS_DIR``, by default
    ``<instance>/exports``)."""
    app = app or current_app
    configured = app.config.get("EXPORTS_DIR")
    root = app.config.get("FILE_STORAGE_DIR") or app.instance_path
    path = Path(configured) if configured else Path(root) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_key(name: str) -> str:
    """The storage key of an export file (``ExportJob.file_path`` is its name)."""
    return f"exports/{name}"


def download_name(job: ExportJob) -> str:
    """The name a downloaded file gets, e.g. ``consultation-3-compilation-20260105.xlsx``."""
    stamp = (job.finished_at or utcnow()).strftime("%Y%m%d-%H%M")
    audience = "-internal" if job.internal else ""
    language = f"-{job.language}" if job.language != "en" else ""
    return (
        f"consultation-{job.consultation_id}-{job.kind.value}{language}{audience}-{stamp}"
        f".{job.extension}"
    )


def check_combination(kind: ExportKind, fmt: ExportFormat) -> None:
    if fmt not in FORMATS_BY_KIND[kind]:
        raise UserError(
            _("%(kind)s is not available as %(format)s.", kind=kind.label, format=fmt.label)
        )


def check_language(language: str | None) -> str:
    """The language of an export: one of the six official languages."""
    code = (language or "").strip().lower()
    if code not in UN_LANGUAGES:
        raise UserError(
            _(
                "The language of an export must be one of %(languages)s.",
                languages=", ".join(UN_LANGUAGES),
            )
        )
    return code


def build_export(
    consultation: Consultation,
    kind: ExportKind,
    fmt: ExportFormat,
    path: Path,
    *,
    internal: bool = False,
    progress: Callable[[int, int], None] | None = None,
    language: str | None = None,
) -> None:
    """Write one export of ``consultation`` to ``path`` (used by jobs and the CLI), in
    ``language`` (default: the active locale): the interface strings through Flask-Babel,
    the text under consultation from its language version where there is one."""
    check_combination(kind, fmt)
    code = check_language(language or str(get_locale() or "en").split("_")[0])
    with force_locale(code):
        _build(consultation, kind, fmt, path, internal=internal, progress=progress)


def _build(
    consultation: Consultation,
    kind: ExportKind,
    fmt: ExportFormat,
    path: Path,
    *,
    internal: bool,
    progress: Callable[[int, int], None] | None,
) -> None:
    if kind is ExportKind.COMPILATION:
        from consult_app.exports.compilation import build_compilation

        build_compilation(consultation, fmt, path, internal=internal, progress=progress)
    elif kind is ExportKind.DISPOSITIONS:
        from consult_app.exports.compilation import build_dispositions

        build_dispositions(consultation, fmt, path, internal=internal, progress=progress)
    else:
        from consult_app.exports.report import build_report

        build_report(consultation, fmt, path, internal=internal, progress=progress)


# --- requesting ----------------------------------------------------------------------------


def request_export(
    user: User,
    consultation: Consultation,
    kind: ExportKind,
    fmt: ExportFormat,
    *,
    internal: bool = False,
    language: str = "en",
) -> ExportJob:
    """Queue an export of ``consultation`` in ``language``; it starts once the transaction
    commits."""
    if not consultation.can_manage(user):
        raise NotAllowed(_("Only the secretariat can build exports."))
    check_combination(kind, fmt)
    language = check_language(language)
    job = ExportJob(
        consultation=consultation,
        kind=kind,
        format=fmt,
        internal=internal,
        language=language,
        status=JobStatus.QUEUED,
        progress=0,
        message=_("Waiting to start."),
        requested_by_id=user.id,
    )
    db.session.add(job)
    db.session.flush()
    log_action(
        user,
        "request_export",
        job,
        after={"consultation_id": consultation.id, "kind": kind.value, "format": fmt.value,
               "internal": internal, "language": language},
    )
    schedule_after_commit(job.id)
    logger.info("user %s requested export job %s (%s %s)", user.id, job.id, kind.value, fmt.value)
    return job


def schedule_after_commit(job_id: int) -> None:
    background.schedule_after_commit(RUNNER, job_id)


def dispatch(app: Flask, job_id: int) -> None:
    """Hand a committed job to the queue, a thread, or run it now (EXPORTS_SYNC)."""
    background.dispatch(app, RUNNER, job_id)


def enqueue(app: Flask, job_id: int) -> None:
    background.enqueue(app, RUNNER, job_id)


# The worker's application: one for every kind of job (core.background).
set_worker_app = background.set_worker_app
worker_app = background.worker_app


def run_in_worker(app: Flask, job_id: int) -> None:
    """Run the job in the worker's application (``consult_app.tasks.run_export_job``)."""
    background.run_in_worker(app, RUNNER, job_id)


def run_in_app(app: Flask, job_id: int) -> None:
    background.run_in_app(app, RUNNER, job_id)


def worker(app: Flask, *, burst: bool = False) -> bool:
    """Run an RQ worker on the jobs queue (``burst``: stop when the queue is empty): export
    jobs and import jobs (:mod:`consult_app.submissions.import_jobs`).

    Between jobs, and every ``EXPORTS_RECOVERY_SECONDS`` while idle, the worker starts again
    the jobs whose process died in the middle (:func:`recover_interrupted_jobs`, and the
    same for imports).
    """
    from rq import Worker

    from consult_app.submissions import import_jobs

    recoveries: list[tuple[str, Callable[[Flask], Any]]] = [
        ("export", recover_interrupted_jobs),
        ("import", import_jobs.recover_interrupted_jobs),
    ]

    class JobWorker(Worker):
        def run_maintenance_tasks(self) -> None:
            super().run_maintenance_tasks()
            for name, recover in recoveries:
                try:
                    with app.app_context():
                        recover(app)
                except Exception:  # the database is away: try again at the next round
                    logger.warning("could not look for interrupted %s jobs", name,
                                   exc_info=True)

    set_worker_app(app)
    queue = background.queue(app)
    interval = max(1, int(app.config.get("EXPORTS_RECOVERY_SECONDS", DEFAULT_RECOVERY_SECONDS)))
    # RQ blocks on the queue for (worker_ttl - 15) seconds between maintenance rounds.
    rq_worker = JobWorker(
        [queue], connection=queue.connection, maintenance_interval=interval,
        worker_ttl=interval + 15,
    )
    return bool(rq_worker.work(burst=burst))


def recover_interrupted_jobs(app: Flask, now: datetime | None = None) -> list[int]:
    """Queue again the running jobs that have shown no sign of life (their process died).

    Each job is started again at most ``EXPORTS_MAX_ATTEMPTS - 1`` times; after that it is
    recorded as failed (a job that kills its worker every time is not retried forever).
    The change of status is conditional (still running, still silent), so of two workers
    looking at once one takes the job, and a job is never run twice at the same time.
    Commits; returns the ids queued again.
    """
    now = now or utcnow()
    limit = now - background.stale_after(app)
    attempts = background.max_attempts(app)
    requeued: list[int] = []
    silent = db.session.scalars(
        select(ExportJob).where(ExportJob.status == JobStatus.RUNNING, ExportJob.updated_at < limit)
        .order_by(ExportJob.id)
    ).all()
    for job in silent:
        before = {"status": job.status.value, "updated_at": job.updated_at}
        runs = background.requeue_count("requeue_export_job", ExportJob.__name__, job.id) + 1
        if runs >= attempts:
            job.status = JobStatus.FAILED
            job.error = _stale_message(job)
            job.message = _("The export failed.")
            job.finished_at = now
            log_action(None, "expire_export_job", job, before=before,
                       after={"status": job.status.value, "attempts": attempts})
            db.session.commit()
            logger.warning("export job %s: stopped %d times; recorded as failed", job.id,
                           attempts)
            continue
        taken = db.session.execute(
            update(ExportJob.__table__)
            .where(ExportJob.id == job.id, ExportJob.status == JobStatus.RUNNING,
                   ExportJob.updated_at == job.updated_at)
            .values(status=JobStatus.QUEUED, progress=0, updated_at=utcnow(),
                    message=_("The process building this export stopped; started again."))
        )
        if not taken.rowcount:  # type: ignore[attr-defined]
            db.session.rollback()
            continue
        log_action(None, "requeue_export_job", job, before=before,
                   after={"status": JobStatus.QUEUED.value})
        db.session.commit()
        logger.warning("export job %s: its process stopped (silent since %s); queued again",
                       job.id, before["updated_at"])
        enqueue(app, job.id)
        requeued.append(job.id)
    db.session.expire_all()
    return requeued


# --- running ---------------------------------------------------------------------------------


def _set(job_id: int, **values: Any) -> None:
    """Write job fields in their own short transaction (progress while the build reads)."""
    with db.engine.begin() as connection:
        connection.execute(update(ExportJob.__table__).where(ExportJob.id == job_id).values(
            updated_at=utcnow(), **values))


def _mark_failed(job_id: int, error: str) -> None:
    _set(job_id, status=JobStatus.FAILED, error=error[:4000], finished_at=utcnow(),
         message=_("The export failed."))


class _ProgressWriter:
    """Turns (rows done, rows in all) into a percentage written at most once per step."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.last = -1

    def __call__(self, done: int, total: int) -> None:
        percent = 99 if total <= 0 else min(99, int(done * 100 / total))
        if percent > self.last:
            self.last = percent
            _set(self.job_id, progress=percent,
                 message=_("%(done)d of %(total)d rows written.", done=done, total=total))


@contextmanager
def _heartbeat(job_id: int) -> Iterator[None]:
    """Touch the job's row every ``EXPORTS_HEARTBEAT_SECONDS`` while the block runs."""
    interval = background.heartbeat_seconds()
    with background.heartbeat(f"export-{job_id}-heartbeat", interval, lambda: _set(job_id)):
        yield


def run_job(job_id: int) -> ExportJob | None:
    """Build the file of a queued job, recording progress; a failure is recorded, not raised."""
    job = db.session.get(ExportJob, job_id)
    if job is None:
        logger.warning("export job %s does not exist", job_id)
        return None
    if job.status is not JobStatus.QUEUED:
        logger.info("export job %s is %s; not run again", job_id, job.status.value)
        return job
    consultation_id = job.consultation_id
    kind, fmt, internal, language = job.kind, job.format, job.internal, job.language
    db.session.rollback()
    # Conditional: of two runners handed the same job (a queue entry delivered twice, a job
    # queued again), one runs it.
    with db.engine.begin() as connection:
        started = connection.execute(
            update(ExportJob.__table__)
            .where(ExportJob.id == job_id, ExportJob.status == JobStatus.QUEUED)
            .values(status=JobStatus.RUNNING, started_at=utcnow(), updated_at=utcnow(),
                    progress=0, message=_("Started."))
        )
    if not started.rowcount:
        logger.info("export job %s was taken by another runner", job_id)
        return db.session.get(ExportJob, job_id)
    storage = get_storage()
    name = f"job-{job_id}-{secrets.token_hex(8)}.{fmt.value}"
    partial = storage.scratch_dir() / (name + ".part")
    try:
        consultation = db.session.get(Consultation, consultation_id)
        if consultation is None:
            raise UserError(_("This consultation does not exist."))
        with _heartbeat(job_id):
            build_export(consultation, kind, fmt, partial, internal=internal,
                         progress=_ProgressWriter(job_id), language=language)
        db.session.rollback()  # the build only read; end its snapshot before writing
        size = storage.put_file(file_key(name), partial)
        db.session.commit()  # the file (a stored_files row with FILE_STORAGE=database)
    except Exception as error:
        db.session.rollback()
        partial.unlink(missing_ok=True)
        logger.exception("export job %s failed", job_id)
        _mark_failed(job_id, f"{type(error).__name__}: {error}")
        EXPORT_JOBS.labels("failed").inc()
    else:
        _set(job_id, status=JobStatus.DONE, progress=100, file_path=name,
             size=size, finished_at=utcnow(), message=_("Ready to download."))
        logger.info("export job %s done: %s (%d bytes)", job_id, name, size)
        EXPORT_JOBS.labels("done").inc()
    db.session.expire_all()
    return db.session.get(ExportJob, job_id)


RUNNER = background.JobRunner("export", TASK, run_job, _mark_failed)


# --- stale jobs ------------------------------------------------------------------------------


def _waits_for_nobody(app: Flask) -> bool:
    """Queued jobs are started by the process that queued them (no queue, no worker)."""
    return not app.config.get("REDIS_URL") and not app.config.get("EXPORTS_SYNC")


def is_stale(job: ExportJob, now: datetime | None = None) -> bool:
    """Has this job shown no sign of life for ``EXPORTS_STALE_SECONDS``?

    A running job beats every ``EXPORTS_HEARTBEAT_SECONDS``; a queued job is stale only when
    no queue holds it (with ``REDIS_URL`` it waits, however long, for a worker).
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if job.status is JobStatus.QUEUED and not _waits_for_nobody(app):
        return False
    if not job.status.is_active:
        return False
    now = now or utcnow()
    return job.updated_at < now - background.stale_after(app)


def _stale_message(job: ExportJob) -> str:
    return _(
        "The process building this export stopped before it finished: no sign of life "
        "since %(at)s UTC. Start it again.",
        at=job.updated_at.strftime("%Y-%m-%d %H:%M:%S"),
    )


def expire_stale_jobs(
    actor: User | None = None, *, consultation_id: int | None = None,
    now: datetime | None = None,
) -> list[ExportJob]:
    """Record every stale job (of one consultation, or all) as failed, with an audit entry.

    Flushed, not committed. A job that beats again meanwhile is not touched (the update
    re-checks ``updated_at``).
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    now = now or utcnow()
    statuses = [JobStatus.RUNNING]
    if _waits_for_nobody(app):
        statuses.append(JobStatus.QUEUED)
    query = select(ExportJob).where(
        ExportJob.status.in_(statuses), ExportJob.updated_at < now - background.stale_after(app)
    )
    if consultation_id is not None:
        query = query.where(ExportJob.consultation_id == consultation_id)
    expired: list[ExportJob] = []
    for job in db.session.scalars(query.order_by(ExportJob.id).with_for_update()):
        before = {"status": job.status.value, "updated_at": job.updated_at}
        job.status = JobStatus.FAILED
        job.error = _stale_message(job)
        job.message = _("The export failed.")
        job.finished_at = now
        log_action(actor, "expire_export_job", job, before=before,
                   after={"status": job.status.value})
        logger.warning("export job %s recorded as failed: no sign of life since %s",
                       job.id, before["updated_at"])
        expired.append(job)
    return expired


def retry_export(user: User, job: ExportJob) -> ExportJob:
    """Queue the same export again; a stale original is first recorded as failed."""
    if not job.consultation.can_manage(user):
        raise NotAllowed(_("Only the secretariat can build exports."))
    if job.status.is_active:
        if not is_stale(job):
            raise UserError(_("This export is still being built; wait for it to finish."))
        expire_stale_jobs(user, consultation_id=job.consultation_id)
    return request_export(
        user, job.consultation, job.kind, job.format, internal=job.internal, language=job.language
    )


# --- finding files -----------------------------------------------------------------------------


def job_file(job: ExportJob) -> str | None:
    """The storage key of a finished job's file, if the file is still kept."""
    if job.status is not JobStatus.DONE or not job.file_path:
        return None
    try:
        key = file_key(job.file_path)
        return key if get_storage().exists(key) else None
    except ValueError:  # not a name this module made
        return None


def latest_public_job_ids(
    consultation: Consultation,
) -> dict[tuple[ExportKind, ExportFormat, str], int]:
    """The newest finished public job of each kind, format and language (one grouped
    query)."""
    rows = db.session.execute(
        select(ExportJob.kind, ExportJob.format, ExportJob.language, func.max(ExportJob.id))
        .where(
            ExportJob.consultation_id == consultation.id,
            ExportJob.internal.is_(False),
            ExportJob.status == JobStatus.DONE,
        )
        .group_by(ExportJob.kind, ExportJob.format, ExportJob.language)
    )
    return {(kind, fmt, language): job_id for kind, fmt, language, job_id in rows}


def is_latest_public(job: ExportJob) -> bool:
    if job.internal or job.status is not JobStatus.DONE:
        return False
    latest = latest_public_job_ids(job.consultation).get((job.kind, job.format, job.language))
    return latest == job.id
