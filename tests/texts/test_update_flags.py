"""When the text of one language version of a provision changes, its other language
versions (the original included) are flagged as needing an update, and the secretariat
sees them on the language versions page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult_app.accounts.models import Role
from consult_app.core.audit import AuditEntry
from consult_app.extensions import db
from consult_app.revisions import operations as revisions
from consult_app.texts.importer import parse_document
from consult_app.texts.languages import align, save_translation, update_flags
from consult_app.texts.models import ParagraphTranslation, ProvisionTranslation
from consult_app.texts.operations import import_text
from tests.conftest import login, make_user
from tests.revisions.helpers import consulted_version, secretariat
from tests.texts.multilingual import TEXTS


def _save(version, language: str, text: str | None = None) -> None:
    source = text or TEXTS[language]
    result = parse_document(source.encode("utf-8"), f"{language}.txt")
    save_translation(None, version, language, result, align(version, result, language))
    db.session.flush()


@pytest.fixture
def version(app):
    version = import_text(
        None, parse_document(TEXTS["en"].encode("utf-8"), "en.txt"), title="Draft declaration"
    )
    _save(version, "fr")
    _save(version, "ar")
    db.session.commit()
    return version


def _flags(version) -> list[tuple[str, str, str]]:
    db.session.expire_all()
    return [(f.provision.label, f.language, f.changed_language) for f in update_flags(version)]


def test_a_first_import_or_an_unchanged_one_flags_nothing(version):
    assert _flags(version) == []
    _save(version, "fr")  # the same file again
    assert _flags(version) == []


def test_a_changed_provision_in_french_flags_the_original_and_arabic(version):
    changed = TEXTS["fr"].replace(
        "Toute personne a droit à la solidarité internationale.",
        "Toute personne et tout peuple ont droit à la solidarité internationale.",
    )
    _save(version, "fr", changed)
    assert _flags(version) == [("Article 1", "ar", "fr"), ("Article 1", "en", "fr")]
    entry = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "import_translation")
        .order_by(AuditEntry.id.desc())
    ).first()
    assert entry.after["flagged_for_update"] == {"Article 1": ["ar", "en"]}

    # The Arabic version, updated in its turn, loses its flag and flags French again.
    article1_ar = TEXTS["ar"].replace(
        "لكل فرد الحق في التضامن الدولي.", "لكل فرد ولكل شعب الحق في التضامن الدولي."
    )
    assert article1_ar != TEXTS["ar"]
    _save(version, "ar", article1_ar)
    assert _flags(version) == [("Article 1", "en", "ar"), ("Article 1", "fr", "ar")]


def test_the_language_versions_page_lists_what_to_update(client, version):
    _save(
        version,
        "fr",
        TEXTS["fr"].replace("Les États rendent compte", "Les États rendent régulièrement compte"),
    )
    db.session.commit()
    login(client, make_user(Role.SECRETARIAT))
    html = client.get(f"/texts/versions/{version.id}/languages").get_data(as_text=True)
    assert 'class="update-flags"' in html
    assert "Article 2" in html and "Arabic" in html


def test_editing_the_original_in_a_revision_flags_its_language_versions(app):
    old, _comment = consulted_version(articles=2, preamble=0)
    actor = secretariat()
    new = revisions.start_next_version(actor, old, "Revised")
    article = next(p for p in new.provisions if p.kind.value == "article")
    translation = ProvisionTranslation(provision=article, language="fr")
    db.session.add(translation)
    db.session.add(
        ParagraphTranslation(
            provision_translation=translation, paragraph=article.paragraphs[0], text="Texte."
        )
    )
    db.session.flush()
    revisions.edit_provision(actor, article, article.title, "1. A new wording of the article.")
    assert [(f.provision.id, f.language, f.changed_language) for f in update_flags(new)] == [
        (article.id, "fr", new.language)
    ]
