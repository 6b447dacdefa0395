"""Exceptions that users can cause, and handlers that answer HTML or JSON."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, SecurityError

from consult_app.extensions import db, login_manager

logger = logging.getLogger(__name__)


class UserError(Exception):
    """Something the user asked for cannot be done; the message says why."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(UserError):
    status_code = 403


class NotFound(UserError):
    status_code = 404


class Conflict(UserError):
    """A stale edit or a state that changed under the user."""

    status_code = 409


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.path.startswith("/api/") or (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def _respond(status: int, title: str, message: str):
    if wants_json():
        return jsonify({"error": {"status": status, "title": title, "message": message}}), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def is_database_unavailable(error: BaseException | None) -> bool:
    """The database cannot be reached (down, restarting, connection dropped)."""
    if isinstance(error, OperationalError):
        return True
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def _unavailable():
    """503 without touching the database: the page does not use the base layout (which
    reads the signed-in user) and the session is dropped, not rolled back over the wire."""
    try:
        db.session.rollback()
    except Exception:
        logger.debug("rollback failed while the database is away", exc_info=True)
    # Build the page as for a visitor: loading the signed-in user (or their organisation,
    # for the menu) would ask the database again.
    g._login_user = login_manager.anonymous_user()
    title = _("The service is briefly unavailable")
    message = _(
        "The database cannot be reached at the moment. Nothing you sent in this request was "
        "saved. Please try again in a minute."
    )
    headers = {"Retry-After": "30"}
    if wants_json():
        body = {"error": {"status": 503, "title": title, "message": message}}
        return jsonify(body), 503, headers
    page = render_template("errors/unavailable.html", title=title, message=message)
    return page, 503, headers


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(OperationalError)
    def handle_database_away(error: OperationalError):
        logger.error(
            "database unavailable on %s %s: %s",
            request.method,
            request.path,
            error.__class__.__name__,
        )
        return _unavailable()

    @app.errorhandler(DBAPIError)
    def handle_dbapi_error(error: DBAPIError):
        if is_database_unavailable(error):
            logger.error("database connection lost on %s %s", request.method, request.path)
            return _unavailable()
        return handle_unexpected(error)

    @app.errorhandler(UserError)
    def handle_user_error(error: UserError):
        db.session.rollback()
        titles = {403: _("Not allowed"), 404: _("Not found"), 409: _("Conflict")}
        return _respond(error.status_code, titles.get(error.status_code, _("Error")), error.message)

    @app.errorhandler(SecurityError)
    def handle_untrusted_host(error: SecurityError):
        # The Host header names none of the platform's addresses (TRUSTED_HOSTS): no page
        # is built for it, since every link in it would point at that host.
        return "Unknown host.\n", 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        # An error raised after the view (the request's commit) reaches here as a 500
        # wrapping it.
        if is_database_unavailable(getattr(error, "original_exception", None)):
            logger.error("database unavailable on %s %s", request.method, request.path)
            return _unavailable()
        db.session.rollback()
        code = error.code or 500
        messages = {
            400: _("The request could not be understood. Please check what you entered."),
            403: _("You are not allowed to do this."),
            404: _("This page does not exist."),
            405: _("This action is not available here."),
            413: _("The file is too large."),
            429: _("Too many attempts. Please wait a moment and try again."),
        }
        return _respond(code, error.name, messages.get(code, error.description or error.name))

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        db.session.rollback()
        logger.exception("Unhandled error on %s %s", request.method, request.path)
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        return _respond(500, _("Server error"), _("Something went wrong on our side."))
