"""The host's identity from configuration (header, footer, title) and the site's icon."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, g
from flask.testing import FlaskClient

from consult_app.config import Config

OHCHR = {
    "": "OHCHR consultations",
    "fr": "Consultations du HCDH",
}


@pytest.fixture
def hosted(app: Flask) -> Iterator[Flask]:
    saved = {k: app.config.get(k) for k in ("PLATFORM_NAME", "HOST_ORGANISATION", "CONTACT_EMAIL")}
    app.config.update(
        PLATFORM_NAME=OHCHR,
        HOST_ORGANISATION="Office of the United Nations High Commissioner for Human Rights",
        CONTACT_EMAIL="consultations@ohchr.example",
    )
    try:
        yield app
    finally:
        app.config.update(saved)


def _page(client: FlaskClient, url: str) -> str:
    g.pop("_flask_babel", None)
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_header_and_footer_name_the_host_in_each_language(
    hosted: Flask, client: FlaskClient
) -> None:
    html = _page(client, "/?lang=en")
    assert '<span class="brand-name">OHCHR consultations</span>' in html
    assert "Office of the United Nations High Commissioner for Human Rights" in html
    assert 'href="mailto:consultations@ohchr.example"' in html
    assert "· OHCHR consultations</title>" in html
    html = _page(client, "/?lang=fr")
    assert '<span class="brand-name">Consultations du HCDH</span>' in html
    # A language without a name of its own takes the default one.
    assert '<span class="brand-name">OHCHR consultations</span>' in _page(client, "/?lang=ru")


def test_without_configuration_the_platform_is_called_consultations(
    client: FlaskClient,
) -> None:
    html = _page(client, "/?lang=en")
    assert '<span class="brand-name">Consultations</span>' in html
    assert "mailto:" not in html
    assert '<span class="brand-name">Консультации</span>' in _page(client, "/?lang=ru")


def test_identity_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLATFORM_NAME", "OHCHR consultations")
    monkeypatch.setenv("PLATFORM_NAME_AR", "مشاورات المفوضية")
    monkeypatch.setenv("HOST_ORGANISATION", "OHCHR")
    monkeypatch.setenv("HOST_LOGO_URL", "https://cdn.example.org/logo.svg")
    monkeypatch.setenv("CONTACT_EMAIL", "consultations@ohchr.example")
    values = Config.from_env()
    assert values["PLATFORM_NAME"] == {"": "OHCHR consultations", "ar": "مشاورات المفوضية"}
    assert values["HOST_ORGANISATION"] == {"": "OHCHR"}
    assert values["HOST_LOGO_URL"] == "https://cdn.example.org/logo.svg"
    assert values["CONTACT_EMAIL"] == "consultations@ohchr.example"


def test_a_logo_elsewhere_is_allowed_by_the_content_security_policy(tmp_path) -> None:
    from consult_app import create_app

    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/db.sqlite",
        INSTANCE_PATH=str(tmp_path),
        HOST_LOGO_URL="https://cdn.example.org/brand/logo.svg",
    )
    response = app.test_client().get("/healthz")
    policy = response.headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://cdn.example.org;" in policy
    assert "script-src 'self';" in policy


def test_favicon(client: FlaskClient) -> None:
    html = _page(client, "/")
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    for url in ("/favicon.ico", "/static/favicon.svg"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.mimetype == "image/svg+xml"
        assert response.get_data().lstrip().startswith(b"<svg")
