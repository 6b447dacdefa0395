"""Dashboard and summaries."""

from flask import Blueprint

bp = Blueprint("summaries", __name__, url_prefix="/consultations")
