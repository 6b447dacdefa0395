"""Home page and health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from sqlalchemy import select, text

from consult_app.consultations.models import Consultation
from consult_app.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/")
def index() -> str:
    consultations = db.session.scalars(
        select(Consultation).order_by(Consultation.closes_at.desc()).limit(10)
    ).all()
    return render_template("core/index.html", consultations=consultations)


@bp.get("/healthz")
def health():
    db.session.execute(text("SELECT 1"))
    return jsonify({"status": "ok"})
