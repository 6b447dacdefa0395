"""Verification of organisations by the secretariat."""

from flask import Blueprint

bp = Blueprint("verification", __name__, url_prefix="/verification")
