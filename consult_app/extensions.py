"""Flask extensions, created unbound and initialised in :func:`consult_app.create_app`."""

import os
import threading
import time

from flask import Flask, current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from limits.storage import MemoryStorage
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


class ConfiguredLimiter(Limiter):
    """A limiter that reads ``RATELIMIT_ENABLED`` on each request, not once at start-up.

    Flask-Limiter reads the flag in ``init_app`` on a module-level instance, so an app built
    later (a test building a production app) would switch limits on or off for every app.
    Here the storage is always set up and each app's own setting decides per request.
    """

    def init_app(self, app: Flask) -> None:
        enabled = app.config.get("RATELIMIT_ENABLED", True)
        app.config["RATELIMIT_ENABLED"] = True
        try:
            super().init_app(app)
        finally:
            app.config["RATELIMIT_ENABLED"] = enabled


class SweptMemoryStorage(MemoryStorage):
    """limits' in-process storage (``memory://``) whose expired counters are swept by one
    long-lived thread a process, once a second.

    ``MemoryStorage`` starts a new thread (a 10 ms ``threading.Timer``) after nearly every
    hit to sweep them: under load that is a thread start a rate-limited request, about a
    tenth of a comment post's time in the server. Reading a counter already ignores an
    expired one, so sweeping less often changes no answer, only when memory is given back.
    Used when ``RATELIMIT_STORAGE_URI`` is ``memory-swept://`` (the default without Redis).
    """

    STORAGE_SCHEME = ["memory-swept"]
    SWEEP_SECONDS = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        self._sweeper: threading.Thread | None = None
        self._sweeper_pid = 0
        self._sweeper_lock = threading.Lock()
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    def _MemoryStorage__schedule_expiry(self) -> None:  # the base class's private method
        if self._sweeper is not None and self._sweeper_pid == os.getpid():
            return
        with self._sweeper_lock:  # once a process (a forked worker starts its own)
            if self._sweeper is None or self._sweeper_pid != os.getpid():
                self._sweeper_pid = os.getpid()
                self._sweeper = threading.Thread(
                    target=self._sweep, name="rate-limit-sweeper", daemon=True
                )
                self._sweeper.start()

    def _sweep(self) -> None:
        expire = self._MemoryStorage__expire_events  # type: ignore[attr-defined]
        while True:
            time.sleep(self.SWEEP_SECONDS)
            expire()


limiter = ConfiguredLimiter(key_func=get_remote_address, default_limits=[])


@limiter.request_filter
def _limits_switched_off() -> bool:
    return not current_app.config.get("RATELIMIT_ENABLED", True)
