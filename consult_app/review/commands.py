"""`flask review ...`."""

from flask.cli import AppGroup

review_cli = AppGroup("review", help="Review of comments.")
