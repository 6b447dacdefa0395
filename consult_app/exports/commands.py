"""`flask exports ...`."""

from flask.cli import AppGroup

exports_cli = AppGroup("exports", help="Exports and background jobs.")
