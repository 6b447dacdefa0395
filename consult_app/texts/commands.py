"""`flask texts ...` (stub: being written)."""

from flask.cli import AppGroup

texts_cli = AppGroup("texts", help="Import and inspect texts.")
