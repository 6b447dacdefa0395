"""Entry points of the background worker (RQ), at the top of the layers: each may build the
application it runs in, when the worker was started as a plain `rq worker` rather than by
`flask exports worker` (which sets its own): export jobs and import jobs."""

from __future__ import annotations

from consult_app import create_app
from consult_app.core import background
from consult_app.exports import jobs
from consult_app.submissions import import_jobs


def run_export_job(job_id: int) -> None:
    """The RQ task of ``jobs.enqueue``: run export job ``job_id`` in the worker's application."""
    app = jobs.worker_app()
    if app is None:
        app = create_app()
        jobs.set_worker_app(app)
    jobs.run_in_worker(app, job_id)


def run_import_job(job_id: int) -> None:
    """The RQ task of an import job (``submissions.import_jobs``), in the worker's
    application."""
    app = background.worker_app()
    if app is None:
        app = create_app()
        background.set_worker_app(app)
    background.run_in_worker(app, import_jobs.RUNNER, job_id)
