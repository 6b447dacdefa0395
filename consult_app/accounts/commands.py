"""`flask users ...` (stub: being written)."""

from flask.cli import AppGroup

users_cli = AppGroup("users", help="Manage user accounts.")
