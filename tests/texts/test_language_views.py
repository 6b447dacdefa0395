"""The secretariat adds a language version: upload, see the alignment, save; readers read it."""

from __future__ import annotations

import io

from consult_app.accounts.models import Role
from consult_app.extensions import db
from consult_app.texts.importer import parse_document
from consult_app.texts.models import ProvisionTranslation, TextVersion
from consult_app.texts.operations import import_text
from tests.browser import Browser
from tests.conftest import login, make_user
from tests.texts.multilingual import TEXTS
from tests.texts.test_views import count, secretariat


def _original() -> TextVersion:
    version = import_text(
        None, parse_document(TEXTS["en"].encode(), "en.txt"), title="Draft declaration"
    )
    db.session.commit()
    return version


def _upload(client, version, language: str, text: str):
    return client.post(
        f"/texts/versions/{version.id}/languages",
        data={"language": language, "file": (io.BytesIO(text.encode()), f"{language}.txt")},
        content_type="multipart/form-data",
    )


def test_upload_preview_alignment_then_save(client):
    version = _original()
    secretariat(client)
    browser = Browser(client).get(f"/texts/versions/{version.id}")
    browser.follow("Add a language version")
    assert browser.status == 200
    languages = browser.form("/languages").selects["language"]
    assert "en" not in languages and "ar" in languages

    response = _upload(client, version, "ru", TEXTS["ru"])
    assert response.status_code == 302
    preview = Browser(client).get(response.headers["Location"])
    assert "1 difference of structure" in preview.html
    assert "Article 1: paragraph 3. of this language version has no counterpart" in preview.html
    assert count(ProvisionTranslation) == 0  # the preview saves nothing

    preview.submit(preview.form("/import/save"))
    assert preview.status == 200
    assert "Russian version of the text was saved" in preview.html
    assert count(ProvisionTranslation) == 5


def test_version_page_reads_in_the_interface_language(client):
    version = _original()
    secretariat(client)
    response = _upload(client, version, "zh", TEXTS["zh"])
    preview = Browser(client).get(response.headers["Location"])
    preview.submit(preview.form("/import/save"))
    html = client.get(f"/texts/versions/{version.id}?lang=zh").get_data(as_text=True)
    assert "人人有权享有国际团结。" in html
    assert html.count("language-fallback") == 1  # Article 2 bis is missing in Chinese
    english = client.get(f"/texts/versions/{version.id}?lang=en").get_data(as_text=True)
    assert "人人有权" not in english and "language-fallback" not in english


def test_the_original_language_is_refused_and_contributors_too(client):
    version = _original()
    secretariat(client)
    response = _upload(client, version, "en", TEXTS["fr"])
    assert response.status_code == 200  # the form again, with its error
    assert count(ProvisionTranslation) == 0
    assert client.post(f"/texts/versions/{version.id + 99}/languages").status_code == 404

    other = client.application.test_client()
    login(other, make_user(Role.CONTRIBUTOR))
    assert _upload(other, version, "fr", TEXTS["fr"]).status_code == 403
