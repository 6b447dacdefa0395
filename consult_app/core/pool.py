"""Checking pooled database connections before use, when they may have gone stale.

A connection taken from the pool may have been closed by the server meanwhile (a restart,
a failover, a proxy's idle timeout). SQLAlchemy's ``pool_pre_ping`` asks the server before
*every* checkout: one more round trip for every request, in the hot path of a busy server
(a comment post on PostgreSQL is about ten round trips). Here a connection is pinged only
when it has lain unused in the pool for ``DATABASE_PING_IDLE_SECONDS`` or more; one
checked in a moment ago by the request before is used at once. A connection that breaks
in between fails its statement: SQLAlchemy then recognises the disconnect, discards that
connection and every other one the pool held, and the request answers 503 like any
request made while the database is away (the next ones connect afresh).
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

_CHECKED_IN = "consult_app.checked_in"


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Ping a connection on checkout if it was unused for ``idle_seconds`` or more (0:
    always, as ``pool_pre_ping``)."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.get(_CHECKED_IN)
        if since is not None and time.monotonic() - since < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                # The pool discards this connection and hands out a fresh one.
                raise DisconnectionError(str(error)) from error
            raise
