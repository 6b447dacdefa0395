"""Consultations: list, show, open. (Stub: being written.)"""

from flask import Blueprint

bp = Blueprint("consultations", __name__, url_prefix="/consultations")


@bp.get("/")
def list_consultations() -> str:
    return "consultations"


@bp.get("/<int:consultation_id>")
def show(consultation_id: int) -> str:
    return "consultation"


@bp.route("/new", methods=["GET", "POST"])
def new_consultation() -> str:
    return "new"
