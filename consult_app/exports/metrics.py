"""The export figures of ``/metrics`` (core.observability), read at each scrape: export jobs
in the database by status, and the depth of the queue (RQ on Redis, or the jobs queued in
the database without it). Added by the app factory (``add_scrape_collector``)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from flask import current_app
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from consult_app.exports.models import ExportJob
from consult_app.extensions import db

logger = logging.getLogger(__name__)


class ExportQueueCollector(Collector):
    """Figures read at scrape time from the database and the queue, shared by every host."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        jobs = GaugeMetricFamily(
            "consult_export_jobs",
            "Export jobs in the database, by status (queued, running, done, failed).",
            labels=["status"],
        )
        try:
            rows = db.session.execute(
                select(ExportJob.status, func.count()).group_by(ExportJob.status)
            ).all()
        except Exception:  # the database is away: say nothing rather than fail the scrape
            logger.warning("metrics: export jobs not counted", exc_info=True)
            db.session.rollback()
            rows = []
        for status, count in rows:
            jobs.add_metric([status.value], count)
        yield jobs
        depth = GaugeMetricFamily(
            "consult_export_queue_depth",
            "Export jobs waiting on the RQ queue (or queued in the database without Redis).",
        )
        queued = sum(count for status, count in rows if status.value == "queued")
        redis_url = current_app.config.get("REDIS_URL")
        if redis_url:
            try:
                from redis import Redis
                from rq import Queue

                connection = Redis.from_url(redis_url, socket_timeout=2)
                queued = len(
                    Queue(
                        current_app.config.get("EXPORTS_QUEUE") or "exports", connection=connection
                    )
                )
            except Exception:
                logger.warning("metrics: queue depth not read from Redis", exc_info=True)
        depth.add_metric([], queued)
        yield depth
