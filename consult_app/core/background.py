"""Background jobs of any capability (exports, imports): dispatch after commit to an RQ
queue, a thread, or inline.

A job is a row the capability made (``ExportJob``, ``ImportJob``) plus a :class:`JobRunner`
saying how to run it. It is dispatched only once the transaction that created its row has
committed (a session ``after_commit`` hook), so a worker never looks for a row that does not
exist yet, and a rolled-back request starts nothing.

- ``REDIS_URL`` set: the job goes on the RQ queue ``EXPORTS_QUEUE`` ("exports": one queue
  for every kind of job), run by ``flask --app consult_app exports worker``; the queue entry
  names the runner's task, an entry point of ``consult_app.tasks``.
- the runner's sync setting (``EXPORTS_SYNC``, tests) true: the job runs at once, in its own
  application context.
- otherwise: a daemon thread of the process that received the request runs it.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from consult_app.core.audit import AuditEntry
from consult_app.extensions import db

logger = logging.getLogger(__name__)

PENDING_KEY = "consult_app.background.pending_jobs"
DEFAULT_QUEUE = "exports"
DEFAULT_TIMEOUT = 3600
# Every kind of job shares these settings (EXPORTS_*: the exports came first).
DEFAULT_HEARTBEAT_SECONDS = 30
DEFAULT_STALE_SECONDS = 300
DEFAULT_MAX_ATTEMPTS = 3

# The application RQ tasks run in (set by the worker command; created on demand otherwise).
_worker_app: Flask | None = None
_worker_pid: int | None = None


@dataclass(frozen=True)
class JobRunner:
    """How to run one kind of job, given its id."""

    name: str  # "export", "import": names threads and log lines
    task: str  # the RQ entry point, e.g. "consult_app.tasks.run_export_job"
    run: Callable[[int], Any]  # runs the job (in an application context)
    fail: Callable[[int, str], None]  # records that the job could not be started
    sync_setting: str = "EXPORTS_SYNC"


def schedule_after_commit(runner: JobRunner, job_id: int) -> None:
    """Dispatch job ``job_id`` once the current transaction commits (never, if it rolls
    back)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    pending: list[tuple[Flask, JobRunner, int]] = db.session().info.setdefault(PENDING_KEY, [])
    pending.append((app, runner, job_id))


@event.listens_for(Session, "after_commit")
def _dispatch_committed(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, None)
    for app, runner, job_id in pending or []:
        dispatch(app, runner, job_id)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)


def dispatch(app: Flask, runner: JobRunner, job_id: int) -> None:
    """Hand a committed job to the queue, a thread, or run it now (the sync setting)."""
    try:
        if app.config.get("REDIS_URL"):
            enqueue(app, runner, job_id)
        elif app.config.get(runner.sync_setting):
            run_in_app(app, runner, job_id)
        else:
            thread = threading.Thread(
                target=run_in_app,
                args=(app, runner, job_id),
                name=f"{runner.name}-{job_id}",
                daemon=True,
            )
            thread.start()
    except Exception as error:  # the queue is down: say so on the job rather than hang
        logger.exception("could not start %s job %s", runner.name, job_id)
        with app.app_context():
            runner.fail(job_id, _("The job could not be started: %(error)s", error=str(error)))


def queue(app: Flask) -> Any:
    """The RQ queue of background jobs (``EXPORTS_QUEUE``)."""
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(app.config["REDIS_URL"])
    return Queue(app.config.get("EXPORTS_QUEUE") or DEFAULT_QUEUE, connection=connection)


def enqueue(app: Flask, runner: JobRunner, job_id: int) -> None:
    queue(app).enqueue(
        runner.task,
        job_id,
        job_timeout=app.config.get("EXPORTS_JOB_TIMEOUT", DEFAULT_TIMEOUT),
        description=f"{runner.name} job {job_id}",
    )


def set_worker_app(app: Flask) -> None:
    global _worker_app, _worker_pid
    _worker_app = app
    _worker_pid = os.getpid()


def worker_app() -> Flask | None:
    """The application the worker of this process runs jobs in (None: not set yet)."""
    return _worker_app


def run_in_worker(app: Flask, runner: JobRunner, job_id: int) -> None:
    """Run the job in the worker's application (an entry point of ``consult_app.tasks``)."""
    with app.app_context():
        if _worker_pid != os.getpid():
            # A forked work horse must not share the parent's database sockets.
            db.engine.dispose(close=False)
        runner.run(job_id)


def run_in_app(app: Flask, runner: JobRunner, job_id: int) -> None:
    with app.app_context():
        runner.run(job_id)


@contextmanager
def heartbeat(name: str, interval: float, touch: Callable[[], None]) -> Iterator[None]:
    """Call ``touch`` (in the current application) every ``interval`` seconds while the block
    runs, from a thread called ``name``: a running job shows it is alive. ``touch`` writes
    through its own connection; a failed beat is logged, not raised."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(interval):
            try:
                with app.app_context():
                    touch()
            except Exception:  # a missed beat is not worth failing the job for
                logger.warning("%s: heartbeat not written", name, exc_info=True)

    thread = threading.Thread(target=beat, name=name, daemon=True)
    if interval > 0:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        if thread.is_alive():
            thread.join()


# --- jobs whose process died --------------------------------------------------------------


def heartbeat_seconds(app: Flask | None = None) -> float:
    """How often a running job touches its row (``EXPORTS_HEARTBEAT_SECONDS``)."""
    app = app or current_app
    return float(app.config.get("EXPORTS_HEARTBEAT_SECONDS", DEFAULT_HEARTBEAT_SECONDS))


def stale_after(app: Flask | None = None) -> timedelta:
    """The silence after which a job is taken for dead (``EXPORTS_STALE_SECONDS``)."""
    app = app or current_app
    return timedelta(seconds=float(app.config.get("EXPORTS_STALE_SECONDS", DEFAULT_STALE_SECONDS)))


def max_attempts(app: Flask) -> int:
    """Runs of a job at most before it is recorded as failed (``EXPORTS_MAX_ATTEMPTS``)."""
    return max(1, int(app.config.get("EXPORTS_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)))


def requeue_count(action: str, object_type: str, job_id: int) -> int:
    """How many times job ``job_id`` was queued again (its ``action`` audit entries)."""
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.action == action,
                AuditEntry.object_type == object_type,
                AuditEntry.object_id == job_id,
            )
        )
        or 0
    )
