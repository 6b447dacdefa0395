"""Exceptions that users can cause, and handlers that answer HTML or JSON."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, SecurityError

from consult_app.extensions import db

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


def register_error_handlers(app: Flask) -> None:
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
