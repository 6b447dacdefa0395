"""consult_app: structured consultations on draft legal texts."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, has_request_context, request, session
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine

from consult_app.config import Config, ConfigError, get_config
from consult_app.core.templating import LANGUAGE_SESSION_KEY
from consult_app.extensions import babel, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent
logger = logging.getLogger(__name__)


def create_app(config: str | type[Config] | None = None, **overrides: Any) -> Flask:
    """Build the application: configuration, extensions, blueprints, handlers, commands."""
    instance_path = overrides.pop("INSTANCE_PATH", None) or os.environ.get("INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=instance_path or str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    config_cls = config if isinstance(config, type) else get_config(config)
    app.config.from_object(config_cls)
    app.config.update(config_cls.from_env())
    app.config.update(overrides)
    os.makedirs(app.instance_path, exist_ok=True)
    _check_config(app)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(
            app.instance_path, "consult_app.sqlite"
        )

    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )

    from consult_app.core.guards import register_input_guards

    register_input_guards(app)  # before any route is added: the bounded int converter

    from consult_app.core import observability

    observability.init_app(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_hooks(app)

    from consult_app.core.errors import register_error_handlers
    from consult_app.core.templating import register_template_helpers

    register_error_handlers(app)
    register_template_helpers(app)
    _register_request_hooks(app)
    _register_commands(app)
    return app


def _check_config(app: Flask) -> None:
    from consult_app.config import check_secret_key, instance_secret_key

    if app.testing:
        # A fresh key per application: nothing written in the code signs anything.
        app.config["SECRET_KEY"] = app.config.get("SECRET_KEY") or secrets.token_urlsafe(48)
        return
    if app.debug:
        if not app.config.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
        return
    check_secret_key(app.config.get("SECRET_KEY"))
    public = app.config.get("PUBLIC_URL")
    if not public or urlsplit(public).scheme not in ("http", "https") or not urlsplit(
        public
    ).hostname:
        raise ConfigError(
            "PUBLIC_URL must be set in production (e.g. https://consultations.example.org): "
            "links in e-mails are built from it, never from a request's Host header."
        )
    hosts = {str(urlsplit(public).hostname).lower(), *app.config.get("ALLOWED_HOSTS", [])}
    app.config["TRUSTED_HOSTS"] = sorted(hosts)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Foreign keys on, and WAL so that readers never block the writer."""
    module = type(dbapi_connection).__module__
    if module.startswith(("sqlite3", "pysqlite")):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _select_locale() -> str | None:
    """The language of the page: the one chosen now (``?lang=``), the one chosen earlier in
    this visit (kept in the session), the account's, then the browser's."""
    languages: list[str] = __import__("flask").current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and background jobs: the default locale
        return None
    requested = request.args.get("lang")
    if requested in languages:
        return requested
    chosen = session.get(LANGUAGE_SESSION_KEY)
    if chosen in languages:
        return str(chosen)
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return str(current_user.locale)
    return request.accept_languages.best_match(languages)


def _select_timezone() -> str | None:
    if current_user and current_user.is_authenticated:
        return str(current_user.timezone)
    return None


def _init_extensions(app: Flask) -> None:
    import consult_app.models  # noqa: F401  (registers every model with the metadata)

    db.init_app(app)
    if not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        # A server's connection can drop (a file on this host cannot): pinged after a rest.
        from consult_app.core.pool import ping_when_idle

        with app.app_context():
            ping_when_idle(db.engine, float(app.config["DATABASE_PING_IDLE_SECONDS"]))
    from consult_app.core.storage import make_storage

    app.extensions["file_storage"] = make_storage(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=_select_timezone)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"

    from flask_babel import lazy_gettext

    login_manager.login_message = lazy_gettext("Please sign in to continue.")

    from consult_app.accounts.sessions import load_session_user

    # The cookie names a session row ("<id>:<token>"); a deleted or expired row signs out.
    login_manager.user_loader(load_session_user)


def _register_blueprints(app: Flask) -> None:
    # Pages that join a lower capability's blueprint from above, before it is registered:
    # the consultation's and its provisions' pages list published comments (submissions);
    # the secretariat's home reads summaries (review's blueprint); the consultation's
    # content in several languages includes themes and summaries (consultations').
    from consult_app.accounts.admin_views import bp as accounts_admin_bp
    from consult_app.accounts.two_factor_views import bp as two_factor_bp
    from consult_app.accounts.verification_views import bp as verification_bp
    from consult_app.accounts.views import bp as accounts_bp
    from consult_app.api.views import bp as api_bp
    from consult_app.audit.views import bp as audit_bp
    from consult_app.consultations.views import bp as consultations_bp
    from consult_app.core.views import bp as core_bp
    from consult_app.exports.views import bp as exports_bp
    from consult_app.home import work_views  # noqa: F401
    from consult_app.home.views import bp as home_bp
    from consult_app.review.disposition_views import bp as dispositions_bp
    from consult_app.review.group_views import bp as duplicate_groups_bp
    from consult_app.review.views import bp as review_bp
    from consult_app.revisions.views import bp as revisions_bp
    from consult_app.submissions import public_views  # noqa: F401
    from consult_app.submissions.offline_views import bp as offline_bp
    from consult_app.submissions.paper_views import bp as papers_bp
    from consult_app.submissions.views import bp as submissions_bp
    from consult_app.summaries import content_language_views  # noqa: F401
    from consult_app.summaries.views import bp as summaries_bp
    from consult_app.texts.views import bp as texts_bp

    for blueprint in (
        core_bp,
        home_bp,
        accounts_bp,
        two_factor_bp,
        accounts_admin_bp,
        verification_bp,
        texts_bp,
        consultations_bp,
        submissions_bp,
        offline_bp,
        papers_bp,
        review_bp,
        dispositions_bp,
        duplicate_groups_bp,
        audit_bp,
        summaries_bp,
        revisions_bp,
        exports_bp,
        api_bp,
    ):
        app.register_blueprint(blueprint)
    csrf.exempt(api_bp)  # read-only JSON API: GET only, no session-changing requests


def _register_hooks(app: Flask) -> None:
    """What lower layers offer to higher ones without importing them: figures for ``/metrics``,
    signals (a submission received: review's receipt e-mail; comments inserted in bulk: the
    figures' counts), the audit trail's vocabulary."""
    from consult_app.audit import vocabulary
    from consult_app.core.observability import add_scrape_collector
    from consult_app.exports.metrics import ExportQueueCollector
    from consult_app.review.notifications import connect_signals
    from consult_app.summaries import counts

    add_scrape_collector(app, ExportQueueCollector)
    connect_signals()
    counts.connect_signals()
    vocabulary.register()


def _content_security_policy(logo_url: str | None) -> str:
    """The CSP of every page: this site only, and the origin of a configured logo."""
    images = "'self' data:"
    if logo_url and logo_url.startswith(("https://", "http://")):
        parts = urlsplit(logo_url)
        images += f" {parts.scheme}://{parts.netloc}"
    return (
        f"default-src 'self'; img-src {images}; style-src 'self'; "
        "script-src 'self'; frame-ancestors 'none'; form-action 'self'"
    )


def _register_request_hooks(app: Flask) -> None:
    csp = _content_security_policy(app.config.get("HOST_LOGO_URL"))

    @app.before_request
    def remember_chosen_language() -> None:
        # ``?lang=`` (the language switcher) chooses the language for the rest of the visit
        # and, for a signed-in user, for the account.
        chosen = request.args.get("lang")
        if chosen is None or chosen not in app.config["LANGUAGES"]:
            return
        if session.get(LANGUAGE_SESSION_KEY) != chosen:
            session[LANGUAGE_SESSION_KEY] = chosen
        if current_user.is_authenticated and current_user.locale != chosen:
            from consult_app.accounts.operations import choose_language
            from consult_app.accounts.util import signed_in_user

            choose_language(signed_in_user(), chosen)

    @app.after_request
    def commit_and_secure(response):
        # One commit per request: operations flush, the request commits at its end.
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Content-Security-Policy", csp)
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


def _register_commands(app: Flask) -> None:
    # Adds `texts compare` to the `texts` group (revisions sit above texts).
    import consult_app.revisions.commands  # noqa: F401
    from consult_app.accounts.commands import users_cli
    from consult_app.backup.commands import ops_cli
    from consult_app.core.commands import audit_cli
    from consult_app.demo.commands import demo_cli
    from consult_app.exports.commands import exports_cli
    from consult_app.review.commands import review_cli
    from consult_app.submissions.commands import submissions_cli
    from consult_app.texts.commands import texts_cli

    for group in (
        users_cli,
        texts_cli,
        demo_cli,
        audit_cli,
        ops_cli,
        review_cli,
        submissions_cli,
        exports_cli,
    ):
        app.cli.add_command(group)
