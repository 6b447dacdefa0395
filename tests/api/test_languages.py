"""`/api/v1/versions/<id>?lang=fr`: the text in a language, each provision saying which."""

from __future__ import annotations

from consult_app.extensions import db
from consult_app.texts.models import TextVersionTranslation
from tests.api.conftest import get_json
from tests.conftest import make_version
from tests.consultations.test_languages import translate


def _version():
    version = make_version(articles=2, preamble=1)
    translate(version, "fr", 2)  # PP1 and Article 1; Article 2 stays in English
    db.session.flush()
    version.translations[0].chapeau = "Les États,"
    version.chapeau = "The States,"
    db.session.commit()
    return version


def test_version_in_french_says_per_provision_which_language(client):
    version = _version()
    data = get_json(client, f"/api/v1/versions/{version.id}?lang=fr")["data"]
    assert data["language"] == "en"
    assert data["languages"] == ["en", "fr"]
    assert data["requested_language"] == "fr"
    assert data["chapeau"] == "Les États,"
    pp1, art1, art2 = data["provisions"]
    assert (pp1["language"], pp1["fallback"]) == ("fr", False)
    assert pp1["intro"].startswith("[fr] Recalling")
    assert (art1["language"], art1["fallback"], art1["title"]) == ("fr", False, "Titre 1")
    assert art1["paragraphs"][0]["text"] == "[fr] paragraphe 1"
    # A paragraph without translation keeps the original's text.
    assert art1["paragraphs"][1]["text"] == version.provisions[1].paragraphs[1].text
    assert (art2["language"], art2["fallback"], art2["title"]) == ("en", True, "Title of article 2")


def test_version_without_lang_or_in_its_own_language_is_the_original(client):
    version = _version()
    for url in (f"/api/v1/versions/{version.id}", f"/api/v1/versions/{version.id}?lang=en"):
        data = get_json(client, url)["data"]
        assert data["requested_language"] is None
        assert data["chapeau"] == "The States,"
        assert {(p["language"], p["fallback"]) for p in data["provisions"]} == {("en", False)}


def test_a_language_without_any_version_falls_back_everywhere(client):
    version = _version()
    data = get_json(client, f"/api/v1/versions/{version.id}?lang=zh")["data"]
    assert {(p["language"], p["fallback"]) for p in data["provisions"]} == {("en", True)}
    assert db.session.query(TextVersionTranslation).count() == 1


def test_unknown_language_is_a_400(client):
    version = _version()
    body = get_json(client, f"/api/v1/versions/{version.id}?lang=de", 400)
    assert "lang must be one of" in str(body)


def test_consultation_in_french_gives_its_content_in_french_or_says_it_is_the_original(client):
    """`/api/v1/consultations/<id>?lang=fr`: the title and description the secretariat
    translated, the instructions in the original and listed as such; an unknown language
    is refused; without lang, the original."""
    from consult_app.accounts.models import Role
    from consult_app.summaries.content_languages import save_content_translation
    from tests.conftest import make_consultation, make_user

    consultation = make_consultation(
        description="Comment article by article.", instructions="One comment a provision."
    )
    save_content_translation(
        make_user(Role.SECRETARIAT), consultation, "fr",
        {"title": "Consultation en français", "description": "Commentez article par article.",
         "instructions": None},
        {}, {},
    )  # fmt: skip
    db.session.commit()
    url = f"/api/v1/consultations/{consultation.id}"
    data = get_json(client, url + "?lang=fr")["data"]
    assert data["requested_language"] == "fr"
    assert data["title"] == "Consultation en français"
    assert data["description"] == "Commentez article par article."
    assert data["instructions"] == "One comment a provision."
    assert data["fallback_fields"] == ["instructions"]
    original = get_json(client, url)["data"]
    assert original["title"] == consultation.title
    assert (original["requested_language"], original["fallback_fields"]) == (None, [])
    assert client.get(url + "?lang=xx").status_code == 400
