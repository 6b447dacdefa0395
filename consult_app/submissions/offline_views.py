"""Submissions received outside the platform."""

from flask import Blueprint

bp = Blueprint("offline", __name__, url_prefix="/secretariat/submissions")
