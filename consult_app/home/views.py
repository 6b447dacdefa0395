"""The home page."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult_app.consultations.models import Consultation
from consult_app.extensions import db

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    consultations = db.session.scalars(
        select(Consultation)
        .options(selectinload(Consultation.translations))  # titles in the reader's language
        .order_by(Consultation.closes_at.desc())
        .limit(10)
    ).all()
    return render_template("home/index.html", consultations=consultations)
