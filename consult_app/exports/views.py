"""Downloads and export jobs."""

from flask import Blueprint

bp = Blueprint("exports", __name__, url_prefix="/exports")
