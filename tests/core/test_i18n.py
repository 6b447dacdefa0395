"""The interface in the six UN languages: catalogs, locale selection, right-to-left Arabic.

The catalogs (``consult_app/translations/*/LC_MESSAGES/messages.po``) are committed; the
compiled ``.mo`` files are built by ``make`` (see docs/translations.md). The module fixture
below compiles any that are missing or stale, so that ``pytest`` alone works on a fresh clone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import func, select

from consult_app import create_app
from consult_app.accounts.models import Role, User
from consult_app.core.audit import AuditEntry
from consult_app.extensions import babel, db
from tests.browser import Browser
from tests.conftest import login, make_consultation, make_user

TRANSLATIONS = Path(__file__).resolve().parents[2] / "consult_app" / "translations"
LOCALES = ["fr", "es", "ar", "zh", "ru"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]")

HOME_TITLE = {
    "en": "Consultations on draft texts",
    "fr": "Consultations sur des projets de texte",
    "es": "Consultas sobre proyectos de texto",
    "ar": "مشاورات بشأن مشاريع النصوص",
    "zh": "关于案文草案的磋商",
    "ru": "Консультации по проектам текстов",
}
# The list page: its phase filter, and the plural caption for two consultations.
LIST_FILTER = {
    "fr": "Filtrer par phase",
    "es": "Filtrar por fase",
    "ar": "التصفية حسب المرحلة",
    "zh": "按阶段筛选",
    "ru": "Фильтр по этапу",
}
LIST_CAPTION_TWO = {
    "fr": "2 consultations",
    "es": "2 consultas",
    "ar": "2 مشاورات",
    "zh": "2 次磋商",
    "ru": "2 консультации",
}
# The "Consultations" link of the header, as the Russian page shows it.
SWITCHER_CONSULTATIONS = {"ru": "Консультации"}
SIGN_IN = {"en": "Sign in", "fr": "Se connecter", "ru": "Войти"}


def _clear_translation_cache() -> None:
    # Flask-Babel caches loaded catalogs per locale on the (shared) domain.
    babel.domain_instance.cache.clear()


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalogs(app: Flask) -> Iterator[None]:
    """Compile the .po catalogs whose .mo is missing or older (``make`` normally does it)."""
    for locale in LOCALES:
        po = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            catalog = _read(po)
            with mo.open("wb") as handle:
                write_mo(handle, catalog)
    with app.app_context():
        _clear_translation_cache()
    yield
    with app.app_context():
        _clear_translation_cache()


def _html(client: FlaskClient, url: str, **headers: str) -> str:
    # Tests keep one application context open, and Flask-Babel caches the request's locale
    # on ``g``: forget it, as a new request in production would.
    g.pop("_flask_babel", None)
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _root_tag(html: str) -> str:
    match = re.search(r"<html[^>]*>", html)
    assert match is not None
    return match.group(0)


@pytest.mark.parametrize("locale", LOCALES)
def test_home_page_in_each_language(client: FlaskClient, locale: str) -> None:
    html = _html(client, f"/?lang={locale}")
    assert HOME_TITLE[locale] in html
    assert HOME_TITLE["en"] not in html
    root = _root_tag(html)
    assert f'lang="{locale}"' in root
    assert f'dir="{"rtl" if locale == "ar" else "ltr"}"' in root


@pytest.mark.parametrize("locale", LOCALES)
def test_consultation_list_in_each_language(client: FlaskClient, locale: str) -> None:
    make_consultation()
    make_consultation()
    html = _html(client, f"/consultations/?lang={locale}")
    assert LIST_FILTER[locale] in html
    assert LIST_CAPTION_TWO[locale] in html
    assert "Filter by phase" not in html


def test_arabic_pages_are_right_to_left(client: FlaskClient) -> None:
    for url in ("/?lang=ar", "/consultations/?lang=ar", "/account/login?lang=ar"):
        root = _root_tag(_html(client, url))
        assert 'dir="rtl"' in root and 'lang="ar"' in root


def test_accept_language_chooses_a_supported_language(client: FlaskClient) -> None:
    html = _html(client, "/", **{"Accept-Language": "de-CH, es;q=0.8, en;q=0.5"})
    assert HOME_TITLE["es"] in html


def test_lang_parameter_overrides_the_browser_language(client: FlaskClient) -> None:
    html = _html(client, "/?lang=zh", **{"Accept-Language": "fr"})
    assert HOME_TITLE["zh"] in html


def test_unknown_language_falls_back_to_english(client: FlaskClient) -> None:
    for url, accept in (("/?lang=xx", "de"), ("/?lang=../../etc", ""), ("/", "pt-BR, de")):
        headers = {"Accept-Language": accept} if accept else {}
        html = _html(client, url, **headers)
        assert HOME_TITLE["en"] in html
        root = _root_tag(html)
        assert 'lang="en"' in root and 'dir="ltr"' in root


def test_profile_locale_is_honoured(client: FlaskClient) -> None:
    user = make_user()
    user.locale = "ru"
    login(client, user)
    html = _html(client, "/", **{"Accept-Language": "fr"})
    assert HOME_TITLE["ru"] in html
    # ?lang= still wins for one page (the language switcher).
    assert HOME_TITLE["ar"] in _html(client, "/?lang=ar")


def test_profile_without_locale_follows_the_browser(client: FlaskClient) -> None:
    user = make_user(role=Role.SECRETARIAT)
    login(client, user)
    assert HOME_TITLE["fr"] in _html(client, "/", **{"Accept-Language": "fr-FR"})


def test_chosen_language_stays_for_the_visit(client: FlaskClient) -> None:
    make_consultation()
    db.session.commit()
    browser = Browser(client)
    browser.get("/?lang=ru")
    assert HOME_TITLE["ru"] in browser.html
    # The next clicks carry no ?lang=; the browser asks for Spanish all along.
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    g.pop("_flask_babel", None)
    browser.follow(SWITCHER_CONSULTATIONS["ru"])
    assert 'lang="ru"' in _root_tag(browser.html)
    g.pop("_flask_babel", None)
    browser.get("/")
    assert HOME_TITLE["ru"] in browser.html
    # Choosing another language replaces it; an unknown code changes nothing.
    assert HOME_TITLE["zh"] in _html(client, "/?lang=zh")
    assert HOME_TITLE["zh"] in _html(client, "/?lang=xx")
    assert HOME_TITLE["zh"] in _html(client, "/")


def test_chosen_language_is_saved_for_the_account(app: Flask, client: FlaskClient) -> None:
    user = make_user()
    user.locale = "en"
    login(client, user)
    assert HOME_TITLE["fr"] in _html(client, "/?lang=fr")
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "fr"
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "choose_language")
    ).one()
    assert entry.before == {"locale": "en"} and entry.after == {"locale": "fr"}
    # A later visit (a new session, another browser) opens in French.
    other = app.test_client()
    login(other, user)
    assert HOME_TITLE["fr"] in _html(other, "/", **{"Accept-Language": "es"})
    # The same choice again writes nothing more.
    _html(client, "/?lang=fr")
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "choose_language")
        )
        == 1
    )


def test_language_saved_in_the_profile_replaces_the_visit_choice(client: FlaskClient) -> None:
    user = make_user()
    login(client, user)
    _html(client, "/?lang=ar")
    g.pop("_flask_babel", None)
    browser = Browser(client).get("/account/profile")
    browser.submit(browser.form("/account/profile"), locale="es")
    assert browser.status == 200
    assert HOME_TITLE["es"] in _html(client, "/")


def test_language_switcher_links_keep_the_page(client: FlaskClient) -> None:
    html = _html(client, "/consultations/?lang=fr&phase=open")
    for locale in ["ar", "zh", "en", "ru", "es"]:
        assert re.search(rf'href="/consultations/\?[^"]*lang={locale}', html)


def test_python_strings_are_translated_too(app: Flask) -> None:
    from flask_babel import force_locale, gettext

    with app.test_request_context("/"), force_locale("es"):
        assert gettext("Member State") == "Estado Miembro"
    with app.test_request_context("/"), force_locale("ar"):
        assert gettext("Article %(number)s", number="3") == "المادة 3"


def test_missing_catalogs_fall_back_to_english(tmp_path: Path) -> None:
    """Without compiled catalogs the interface is English, never an error."""
    app = create_app(
        "testing",
        INSTANCE_PATH=str(tmp_path),
        SQLALCHEMY_DATABASE_URI="sqlite://",
        BABEL_TRANSLATION_DIRECTORIES=str(tmp_path / "nothing-here"),
    )
    _clear_translation_cache()
    try:
        response = app.test_client().get("/account/login?lang=fr")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert SIGN_IN["en"] in html and SIGN_IN["fr"] not in html
        assert 'lang="fr"' in _root_tag(html)
    finally:
        _clear_translation_cache()


# --- the catalogs themselves --------------------------------------------------------------


def _template_messages(template: str) -> list[str]:
    pot = _read(TRANSLATIONS / "messages.pot")
    return [
        m.id
        for m in pot
        if m.id and isinstance(m.id, str) and any(loc == template for loc, _ in m.locations)
    ]


def test_every_language_has_a_catalog(app: Flask) -> None:
    expected = {code for code in app.config["LANGUAGES"] if code != "en"}
    found = {p.parent.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")}
    assert found == expected == set(LOCALES)


@pytest.mark.parametrize("locale", LOCALES)
def test_page_frame_is_fully_translated(locale: str) -> None:
    """Every string of base.html and macros.html (on every page) is translated, not fuzzy.

    New strings elsewhere may be untranslated for a while (``scripts/untranslated.py``
    reports them); the frame of every page may not.
    """
    catalog = _read(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po")
    wanted = _template_messages("templates/base.html") + _template_messages("templates/macros.html")
    assert len(wanted) >= 10
    for msgid in wanted:
        message = catalog.get(msgid)
        assert message is not None, msgid
        assert message.string and not message.fuzzy, msgid


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_their_placeholders(locale: str) -> None:
    """A translation must use exactly the %(name)s placeholders of its msgid (else KeyError)."""
    catalog = _read(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po")
    problems = []
    for message in catalog:
        if not message.id or not message.string or message.fuzzy:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            names = set(PLACEHOLDER.findall(text))
            if not names <= expected or (len(ids) == 1 and names != expected):
                problems.append((ids[0], text))
            bare = PLACEHOLDER.sub("", text).replace("%%", "")
            if "%" in bare and "%" not in PLACEHOLDER.sub("", ids[0]).replace("%%", ""):
                problems.append((ids[0], text))
    assert problems == []


def test_wtforms_messages_are_translated_and_field_names_kept(app: Flask) -> None:
    """The forms' translations: a WTForms message in the request's language; a field without
    a label keeps its name as a title, without the language being looked up for it."""
    from consult_app.core.forms import _WTFORMS_MESSAGES

    with app.test_request_context("/?lang=fr", headers={"Accept-Language": "fr"}):
        assert "entier" in _WTFORMS_MESSAGES.gettext("Not a valid integer value.")
        assert _WTFORMS_MESSAGES.gettext("Lock Version") == "Lock Version"
