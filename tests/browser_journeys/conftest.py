"""Journeys in a real browser: Debian's Chromium driven by Playwright (pytest-playwright).

The application runs in a thread of the test process, served by werkzeug on 127.0.0.1, with
CSRF protection on (real forms), on the same database as the other tests (SQLite in a
temporary folder, or ``TEST_DATABASE_URL``); the autouse ``_db`` fixture empties it after
each test. Data is built with the factories of ``tests/conftest.py`` and committed before the
browser looks at it.

Every page a journey visits is checked with axe-core (WCAG 2.1 AA) through :class:`Journey`;
a failing test leaves a screenshot of each open page in ``test-artifacts/``.

``make test`` installs Chromium (``/usr/bin/chromium``) when it is missing. In CI
(``CI=true``) a missing browser fails the tests; elsewhere they are skipped with the reason.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from consult_app import create_app
from tests.browser_journeys.journey import Journey

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
TRANSLATIONS = ROOT / "consult_app" / "translations"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _unavailable(reason: str) -> None:
    if _in_ci():
        pytest.fail(f"{reason} (CI=true: browser tests must run)", pytrace=False)
    pytest.skip(f"{reason}; run `make test` as root to install it")


try:  # pytest-playwright brings the fixtures (playwright, browser, context, page)
    import playwright  # noqa: F401
except ImportError:  # pragma: no cover - the dev extra installs it
    if _in_ci():
        raise
    pytest.skip("Playwright is not installed (pip install -e '.[dev]')", allow_module_level=True)


# --- the application, served ------------------------------------------------------------


@dataclass
class LiveServer:
    app: Flask
    url: str
    errors: list[str] = field(default_factory=list)


class _RecordErrors:
    """WSGI middleware: remembers every answer of 500 or more (and every exception)."""

    def __init__(self, wsgi_app: Any, errors: list[str]) -> None:
        self.wsgi_app = wsgi_app
        self.errors = errors

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        where = f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}"

        def recording_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            if int(status.split()[0]) >= 500:
                self.errors.append(f"{where}: {status}")
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi_app(environ, recording_start_response)
        except Exception as error:
            self.errors.append(f"{where}: {error!r}")
            raise


def _compile_catalogs() -> None:
    """Compile the .po catalogs whose .mo is missing or older (``make`` normally does it)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source)
            with mo.open("wb") as target:
                write_mo(target, catalog)


@pytest.fixture(scope="session")
def live_server(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The application with CSRF on, served on a free port of 127.0.0.1 in a thread."""
    served = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        INSTANCE_PATH=str(tmp_path_factory.mktemp("live-instance")),
        WTF_CSRF_ENABLED=True,
        # Errors answer a 500 page (recorded below) instead of escaping into werkzeug.
        PROPAGATE_TEST_ERRORS=False,
    )
    _compile_catalogs()
    errors: list[str] = []
    server: BaseWSGIServer = make_server(
        "127.0.0.1", 0, _RecordErrors(served.wsgi_app, errors), threaded=True
    )
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(served, f"http://127.0.0.1:{server.server_port}", errors)
    finally:
        server.shutdown()
        thread.join()
        with served.app_context():
            from consult_app.extensions import db

            db.engine.dispose()


@pytest.fixture(autouse=True)
def _no_server_error(live_server: LiveServer) -> Iterator[None]:
    live_server.errors.clear()
    yield
    assert not live_server.errors, f"the server failed: {live_server.errors}"


# --- the browser ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium (Playwright's own download is not reachable here)."""
    if not os.path.exists(CHROMIUM):
        _unavailable(f"no browser at {CHROMIUM}")
    args = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": args}


@pytest.fixture(scope="session")
def browser_context_args(
    browser_context_args: dict[str, Any], live_server: LiveServer
) -> dict[str, Any]:
    return {
        **browser_context_args,
        "base_url": live_server.url,
        "viewport": {"width": 1280, "height": 900},
    }


@pytest.fixture
def journey(page: Any) -> Iterator[Journey]:
    """The page, with every page visited checked by axe-core (see :class:`Journey`)."""
    walk = Journey(page)
    yield walk
    walk.assert_every_page_checked()


@pytest.fixture
def new_journey(new_context: Any) -> Iterator[Callable[..., Journey]]:
    """Journeys in browser contexts of their own (another visitor, a language, no
    JavaScript): ``new_journey(locale="fr-FR", java_script_enabled=False)``."""
    walks: list[Journey] = []

    def start(**context_args: Any) -> Journey:
        auditor = None
        if context_args.get("java_script_enabled") is False:
            auditor = new_context().new_page()
        walk = Journey(new_context(**context_args).new_page(), auditor)
        walks.append(walk)
        return walk

    yield start
    for walk in walks:
        walk.assert_every_page_checked()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failing browser test keeps a screenshot of every page it had open."""
    report = yield
    if report.failed and call.when in ("setup", "call"):
        browser = getattr(item, "funcargs", {}).get("browser")
        if browser is not None:
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid)[-150:]
            ARTIFACTS.mkdir(exist_ok=True)
            shots = []
            for c, context in enumerate(browser.contexts):
                for p, page in enumerate(context.pages):
                    path = ARTIFACTS / f"{name}-{c}-{p}.png"
                    try:
                        page.screenshot(path=str(path), full_page=True)
                    except Exception as error:  # the page may be gone; keep the report
                        shots.append(f"{path.name}: not taken ({error})")
                    else:
                        shots.append(str(path))
            if shots:
                report.sections.append(("screenshots", "\n".join(shots)))
    return report
