"""Submissions of an organisation. (Stub: being written.)"""

from flask import Blueprint

bp = Blueprint("submissions", __name__, url_prefix="/submissions")


@bp.get("/")
def my_submissions() -> str:
    return "mine"
