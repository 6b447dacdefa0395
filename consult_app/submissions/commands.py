"""`flask submissions ...`."""

from flask.cli import AppGroup

submissions_cli = AppGroup("submissions", help="Submissions.")
