"""Home page and health check."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, send_from_directory
from sqlalchemy import select, text
from werkzeug.wrappers import Response

from consult_app.consultations.models import Consultation
from consult_app.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/")
def index() -> str:
    consultations = db.session.scalars(
        select(Consultation).order_by(Consultation.closes_at.desc()).limit(10)
    ).all()
    return render_template("core/index.html", consultations=consultations)


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
