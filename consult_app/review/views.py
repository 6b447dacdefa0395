"""Review queue, moderation, themes and assignment (secretariat)."""

from flask import Blueprint

bp = Blueprint("review", __name__, url_prefix="/review")
