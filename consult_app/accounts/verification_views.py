"""Verification of organisations."""

from flask import Blueprint

bp = Blueprint("verification", __name__, url_prefix="/verification")
