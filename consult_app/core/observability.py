"""Request ids, JSON logs and Prometheus metrics.

- Every request gets an id: the proxy's ``X-Request-ID`` when it is a plausible one (up to
  128 letters, digits, ``.``, ``_``, ``-``), a fresh one otherwise. It is echoed in the
  response's ``X-Request-ID`` header and attached to every log record of the request.
- ``LOG_FORMAT=json``: logs are written to standard error as one JSON object a line
  (time, level, logger, message, request_id, and for each request an access line with
  method, path, endpoint, status and duration).
- ``/metrics``: Prometheus text. Request latency by endpoint (a histogram), export queue
  depth and export jobs by outcome. When ``PROMETHEUS_MULTIPROC_DIR`` is set (gunicorn,
  the RQ worker), every process writes its samples there and ``/metrics`` adds them up;
  the directory must exist and be emptied before the processes start.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)
access_logger = logging.getLogger("consult_app.access")

REQUEST_ID_HEADER = "X-Request-ID"
SCRAPE_COLLECTORS = "scrape_collectors"  # app.extensions key: see add_scrape_collector
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")

REQUEST_LATENCY = Histogram(
    "consult_http_request_duration_seconds",
    "Time spent answering a request, by endpoint and method.",
    ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
REQUESTS = Counter(
    "consult_http_requests_total",
    "Requests answered, by endpoint, method and status code.",
    ["endpoint", "method", "status"],
)
EXPORT_JOBS = Counter(
    "consult_export_jobs_total",
    "Export jobs run to an end by this process, by outcome (done, failed).",
    ["outcome"],
)


def request_id() -> str | None:
    """The id of the current request (None outside a request)."""
    if not has_request_context():
        return None
    return getattr(g, "request_id", None)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line."""

    EXTRA = ("method", "path", "endpoint", "status", "duration_ms", "remote_addr")

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "pid": record.process,
        }
        for name in self.EXTRA:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(app: Flask) -> None:
    """``LOG_FORMAT=json``: the root logger writes JSON lines to standard error."""
    if app.config.get("LOG_FORMAT") != "json":
        return
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(app.config.get("LOG_LEVEL") or logging.INFO)
    app.logger.handlers.clear()
    app.logger.propagate = True


def init_app(app: Flask) -> None:
    configure_logging(app)
    log_requests = app.config.get("LOG_FORMAT") == "json"

    @app.before_request
    def start_request() -> None:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def finish_request(response: Response) -> Response:
        rid = getattr(g, "request_id", None)
        if rid:
            response.headers[REQUEST_ID_HEADER] = rid
        started = getattr(g, "request_started", None)
        if started is not None:
            elapsed = time.perf_counter() - started
            endpoint = request.url_rule.endpoint if request.url_rule else "unmatched"
            REQUEST_LATENCY.labels(endpoint, request.method).observe(elapsed)
            REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
            if log_requests:
                access_logger.info(
                    "%s %s %s",
                    request.method,
                    request.path,
                    response.status_code,
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "endpoint": endpoint,
                        "status": response.status_code,
                        "duration_ms": round(elapsed * 1000, 2),
                        "remote_addr": request.remote_addr,
                    },
                )
        return response


def add_scrape_collector(app: Flask, make: Callable[[], Collector]) -> None:
    """Have ``/metrics`` read ``make()``'s figures at each scrape (figures from the database or
    a queue, shared by every host). The capability that owns them adds it at app start
    (``consult_app.exports.metrics``): core knows none."""
    app.extensions.setdefault(SCRAPE_COLLECTORS, []).append(make)


def metrics_response() -> Response:
    """The Prometheus text for ``/metrics``."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        text = generate_latest(registry)
    else:
        from prometheus_client import REGISTRY

        text = generate_latest(REGISTRY)
    extra = CollectorRegistry()
    for make in current_app.extensions.get(SCRAPE_COLLECTORS, []):
        extra.register(make())
    text += generate_latest(extra)
    return Response(text, content_type=CONTENT_TYPE_LATEST)
