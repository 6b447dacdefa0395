"""The favicon, health and readiness checks, metrics (the home page is in consult_app/home)."""

from __future__ import annotations

import hmac
import ipaddress
import logging

from flask import Blueprint, current_app, jsonify, request, send_from_directory
from sqlalchemy import text
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from consult_app.extensions import db

bp = Blueprint("core", __name__)
logger = logging.getLogger(__name__)


@bp.get("/favicon.ico")
def favicon() -> Response:
    """The icon (SVG) for clients that ask for /favicon.ico without reading the page."""
    return send_from_directory(
        str(current_app.static_folder), "favicon.svg", mimetype="image/svg+xml", max_age=86400
    )


@bp.get("/healthz")
def health():
    db.session.execute(text("SELECT 1"))
    return jsonify({"status": "ok"})


def _database_ready() -> str | None:
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        return type(error).__name__
    return None


def _redis_ready() -> str | None:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    try:
        from redis import Redis

        Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2).ping()
    except Exception as error:
        return type(error).__name__
    return None


@bp.get("/readyz")
def ready():
    """Ready to serve: the database answers, and Redis too when ``REDIS_URL`` is set.

    A load balancer sends no requests to an instance answering 503 here.
    """
    checks = {"database": _database_ready(), "redis": _redis_ready()}
    failed = {name: error for name, error in checks.items() if error}
    body = {
        "status": "unavailable" if failed else "ok",
        "checks": {
            name: (
                "skipped"
                if name == "redis" and not current_app.config.get("REDIS_URL")
                else "ok"
                if not error
                else f"failed: {error}"
            )
            for name, error in checks.items()
        },
    }
    if failed:
        logger.warning("not ready: %s", failed)
    return jsonify(body), 503 if failed else 200


def metrics_allowed() -> bool:
    """Whether this request may read /metrics (see METRICS_TOKEN in config.py)."""
    config = current_app.config
    token = config.get("METRICS_TOKEN")
    networks = config.get("METRICS_ALLOWED_NETWORKS") or []
    if token:
        given = request.headers.get("Authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            value.strip().encode(), str(token).encode()
        ):
            return True
    if networks and request.remote_addr:
        try:
            address = ipaddress.ip_address(request.remote_addr)
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(n, strict=False) for n in networks)
    return bool(config.get("METRICS_OPEN")) and not token


@bp.get("/metrics")
def metrics():
    if not metrics_allowed():
        # The same answer as for any unknown address: nothing to learn from it.
        raise NotFound()
    from consult_app.core.observability import metrics_response

    return metrics_response()
