"""Entry points of the background worker (RQ), at the top of the layers: each may build the
application it runs in, when the worker was started as a plain `rq worker` rather than by
`flask exports worker` (which sets its own)."""

from __future__ import annotations

from consult_app import create_app
from consult_app.exports import jobs


def run_export_job(job_id: int) -> None:
    """The RQ task of ``jobs.enqueue``: run export job ``job_id`` in the worker's application."""
    app = jobs.worker_app()
    if app is None:
        app = create_app()
        jobs.set_worker_app(app)
    jobs.run_in_worker(app, job_id)
