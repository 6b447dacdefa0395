"""Public reading of texts and the secretariat's import page. (Stub: being written.)"""

from flask import Blueprint

bp = Blueprint("texts", __name__, url_prefix="/texts")


@bp.get("/")
def list_instruments() -> str:
    return "texts"


@bp.route("/import", methods=["GET", "POST"])
def import_text() -> str:
    return "import"
