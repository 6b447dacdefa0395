from __future__ import annotations

import pytest

from consult_app import create_app
from consult_app.config import ConfigError, normalise_database_url


def test_home_page_renders(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Consultations on draft texts" in response.data


def test_security_headers(client):
    response = client.get("/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_health(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"does not exist" in response.data


def test_json_errors_for_json_clients(client):
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


def test_production_refuses_to_start_without_secret(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app("production", INSTANCE_PATH=str(tmp_path))


GOOD_KEY = "k" * 20 + "-a-long-random-key-from-the-environment"


def test_production_takes_settings_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("PUBLIC_URL", "https://consultations.example.org/")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example/consult")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    app = create_app("production", INSTANCE_PATH=str(tmp_path))
    assert app.config["SECRET_KEY"] == GOOD_KEY
    assert app.config["PUBLIC_URL"] == "https://consultations.example.org"
    assert app.config["TRUSTED_HOSTS"] == ["consultations.example.org"]
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/consult"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_default_database_is_sqlite_in_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app("development", INSTANCE_PATH=str(tmp_path))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/consult_app.sqlite"


def test_normalise_database_url():
    assert normalise_database_url("postgresql://x/y") == "postgresql+psycopg://x/y"
    assert normalise_database_url("sqlite:///a.db") == "sqlite:///a.db"


def test_trusted_proxies_give_the_real_client_address(monkeypatch, tmp_path):
    from flask import request

    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    app = create_app("testing", INSTANCE_PATH=str(tmp_path), SQLALCHEMY_DATABASE_URI="sqlite://")

    @app.get("/whoami")
    def whoami():
        return request.remote_addr or ""

    response = app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.get_data(as_text=True) == "203.0.113.9"


# --- template helpers ------------------------------------------------------------------


@pytest.fixture
def french(app):
    """A small French catalogue in Flask-Babel's cache, whatever the compiled catalogues say."""
    from io import BytesIO

    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.support import Translations

    from consult_app.extensions import babel

    catalog = Catalog(locale="fr")
    catalog.add("Sign in", "Se connecter")
    catalog.add("Support", "Soutien")
    catalog.add("paragraph %(label)s", "paragraphe %(label)s")
    plurals = ("%(num)d commentaire",) + ("%(num)d commentaires",) * (catalog.num_plurals - 1)
    catalog.add(("%(num)d comment", "%(num)d comments"), plurals)
    catalog.add("May", "mai", context="month")
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    translations = Translations(buffer)
    cache = babel.domain_instance.cache
    key = ("fr", babel.domain_instance.domain[0])
    saved = cache.get(key)
    cache[key] = translations
    yield translations
    if saved is None:
        cache.pop(key, None)
    else:
        cache[key] = saved


def _new_request(app, path: str):
    """A request context whose locale is chosen afresh (tests share one ``g``)."""
    from flask import g

    g.pop("_flask_babel", None)
    return app.test_request_context(path)


I18N_TEMPLATE = (
    '{% set signin = _("Sign in") %}{{ signin }}|'
    '{% for name in names %}{{ _("paragraph %(label)s", label=name) }};{% endfor %}|'
    '{{ ngettext("%(num)d comment", "%(num)d comments", n) }}|'
    '{{ pgettext("month", "May") }}|{{ gettext("Not translated <b>") }}'
)


def test_template_gettext_renders_as_jinjas_own_i18n(app, french):
    import jinja2
    from flask import render_template_string

    reference = jinja2.Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    reference.install_gettext_translations(french, newstyle=True)  # type: ignore[attr-defined]
    expected = reference.from_string(I18N_TEMPLATE).render(names=["a", "<b>"], n=2)
    assert expected == (
        "Se connecter|paragraphe a;paragraphe &lt;b&gt;;|2 commentaires|mai|Not translated <b>"
    )
    with _new_request(app, "/?lang=fr"):
        assert render_template_string(I18N_TEMPLATE, names=["a", "<b>"], n=2) == expected


def test_template_translations_follow_the_locale(app, french):
    from flask import render_template_string
    from flask_babel import force_locale

    with _new_request(app, "/?lang=fr"):
        assert render_template_string('{{ _("Sign in") }}') == "Se connecter"
        with force_locale("en"):
            assert render_template_string('{{ _("Sign in") }}') == "Sign in"
        assert render_template_string('{{ _("Sign in") }}') == "Se connecter"
    with _new_request(app, "/"):
        assert render_template_string('{{ _("Sign in") }}') == "Sign in"


def test_enum_labels_follow_the_locale(app, french):
    from consult_app.core.templating import enum_labels
    from consult_app.submissions.models import Position

    with _new_request(app, "/?lang=fr"):
        assert enum_labels(Position)[Position.SUPPORT] == "Soutien"
        assert enum_labels(Position)[Position.OPPOSE] == str(Position.OPPOSE.label)
    with _new_request(app, "/"):
        assert enum_labels(Position)[Position.SUPPORT] == "Support"


def test_dates_are_formatted_in_the_reader_locale(app):
    """A date in words and a 24-hour time in the reader's language (English as UN
    documents write it), the consultation's zone beside UTC; seconds only when asked."""
    from datetime import UTC, datetime

    from consult_app.core.templating import format_local_and_utc

    value = datetime(2026, 2, 3, 17, 0, 5, tzinfo=UTC)
    expected = {
        "en": ("3 February 2026, 18:00 (Europe/Zurich) · 3 February 2026, 17:00 UTC",
               "3 February 2026, 17:00:05 UTC"),
        "fr": ("3 février 2026, 18:00 (Europe/Zurich) · 3 février 2026, 17:00 UTC",
               "3 février 2026, 17:00:05 UTC"),
        "zh": ("2026年2月3日 18:00 (Europe/Zurich) · 2026年2月3日 17:00 UTC",
               "2026年2月3日 17:00:05 UTC"),
    }
    expected["ar"] = (
        "3 فبراير 2026\u060c 18:00 (Europe/Zurich) · 3 فبراير 2026\u060c 17:00 UTC",
        "3 فبراير 2026\u060c 17:00:05 UTC",
    )
    for locale in ("en", "fr", "zh", "ar", "en"):
        with _new_request(app, f"/?lang={locale}"):
            assert format_local_and_utc(value, "Europe/Zurich") == expected[locale][0]
            assert format_local_and_utc(value, seconds=True) == expected[locale][1]
    assert format_local_and_utc(None) == ""


# --- gunicorn --------------------------------------------------------------------------


def _gunicorn_settings() -> dict:
    import runpy
    from pathlib import Path
    from types import ModuleType

    path = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
    values = runpy.run_path(str(path))
    return {
        name: value
        for name, value in values.items()
        if not name.startswith("_")
        and name != "annotations"
        and not isinstance(value, ModuleType)
    }


def test_gunicorn_configuration_uses_known_settings(monkeypatch):
    from gunicorn.config import Config

    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    settings = _gunicorn_settings()
    config = Config()
    assert set(settings) <= set(config.settings), "a name gunicorn does not know"
    for name, value in settings.items():
        config.set(name, value)  # gunicorn validates each value
    assert config.worker_class_str == "gthread"
    assert config.workers >= 1
    assert config.threads == 1
    assert config.keepalive == 5


def test_gunicorn_workers_and_threads_from_environment(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "8")
    settings = _gunicorn_settings()
    assert (settings["workers"], settings["threads"]) == (3, 8)
