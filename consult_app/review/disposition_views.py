"""Dispositions of comments."""

from flask import Blueprint

bp = Blueprint("dispositions", __name__, url_prefix="/dispositions")
