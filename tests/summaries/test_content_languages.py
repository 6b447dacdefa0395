"""The consultation's own content (title, description, instructions, public theme names,
published summaries) in several languages, edited by the secretariat one language at a
time and read in the reader's language with the original as a marked fallback."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from consult_app.accounts.models import Role
from consult_app.consultations.models import ConsultationTranslation
from consult_app.core.audit import AuditEntry
from consult_app.extensions import db
from consult_app.review.models import Theme, ThemeTranslation
from consult_app.summaries.models import SummaryDraft, SummaryTranslation
from tests.conftest import login, make_consultation, make_user


@pytest.fixture
def consultation(app):
    consultation = make_consultation(
        description="Read the draft and comment article by article.",
        instructions="Comment on each article separately.",
    )
    db.session.commit()
    return consultation


@pytest.fixture
def secretariat(client):
    user = make_user(Role.SECRETARIAT)
    login(client, user)
    return user


def _public_theme(consultation, name="Right to development", public=True) -> Theme:
    theme = Theme(consultation_id=consultation.id, name=name, public=public)
    db.session.add(theme)
    db.session.flush()
    return theme


def _published_summary(
    consultation, text="Several delegations supported the text."
) -> SummaryDraft:
    now = datetime.now(UTC)
    draft = SummaryDraft(
        consultation=consultation,
        provision_id=None,
        scope_key=0,
        generated_text=text,
        generated_at=now,
        published_text=text,
        published_at=now,
    )
    db.session.add(draft)
    db.session.flush()
    return draft


def _url(consultation, language="fr") -> str:
    return f"/consultations/{consultation.id}/languages/{language}"


def test_the_secretariat_gives_the_french_content_and_french_readers_read_it(
    app, client, consultation, secretariat
):
    theme = _public_theme(consultation)
    summary = _published_summary(consultation)
    db.session.commit()
    form = client.get(_url(consultation)).get_data(as_text=True)
    assert f'name="theme-{theme.id}"' in form and f'name="summary-{summary.id}"' in form
    assert "Several delegations supported the text." in form  # the original beside the field

    response = client.post(
        _url(consultation),
        data={
            "title": "Consultation sur le projet de déclaration",
            "description": "Lisez le projet et commentez-le article par article.",
            "instructions": "",
            f"theme-{theme.id}": "Droit au développement",
            f"summary-{summary.id}": "Plusieurs délégations ont appuyé le texte.",
        },
    )
    assert response.status_code == 302
    row = db.session.scalar(select(ConsultationTranslation))
    assert (row.language, row.title, row.instructions) == (
        "fr",
        "Consultation sur le projet de déclaration",
        None,
    )
    assert db.session.scalar(select(ThemeTranslation.name)) == "Droit au développement"
    assert db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "translate_consultation")
    )

    page = client.get(f"/consultations/{consultation.id}?lang=fr").get_data(as_text=True)
    assert "Consultation sur le projet de déclaration" in page
    assert "Lisez le projet" in page
    # The instructions have no French version: the original, marked.
    assert "Comment on each article separately." in page
    assert "Les instructions sont" in page or "instructions are shown in the original" in page

    listing = client.get("/consultations/?lang=fr").get_data(as_text=True)
    assert "Consultation sur le projet de déclaration" in listing

    public = app.test_client().get(f"/consultations/{consultation.id}/summary?lang=fr")
    assert "Plusieurs délégations ont appuyé le texte." in public.get_data(as_text=True)


def test_a_reader_in_a_language_without_a_version_reads_the_original_marked(client, consultation):
    db.session.add(
        ConsultationTranslation(consultation=consultation, language="fr", title="Titre français")
    )
    db.session.commit()
    page = client.get(f"/consultations/{consultation.id}?lang=ar").get_data(as_text=True)
    assert "Consultation on the draft declaration" in page
    assert "Titre français" not in page
    assert 'class="hint content-fallback"' in page
    assert 'lang="en" dir="ltr">Consultation on the draft declaration</span>' in page


def test_a_summary_published_again_marks_its_translation_as_of_an_earlier_wording(
    client, consultation
):
    summary = _published_summary(consultation)
    db.session.add(
        SummaryTranslation(
            summary=summary,
            language="fr",
            text="Plusieurs délégations ont appuyé le texte.",
            source_text=summary.published_text,
        )
    )
    db.session.commit()
    page = client.get(f"/consultations/{consultation.id}/summary?lang=fr").get_data(as_text=True)
    assert "Plusieurs délégations" in page and "summary-language-note" not in page

    summary.published_text = "Many delegations supported the text."
    db.session.commit()
    page = client.get(f"/consultations/{consultation.id}/summary?lang=fr").get_data(as_text=True)
    assert "Plusieurs délégations" in page
    assert "summary-language-note" in page  # marked: a translation of an earlier wording


def test_the_languages_page_lists_the_five_other_languages(client, consultation, secretariat):
    html = client.get(f"/consultations/{consultation.id}/languages").get_data(as_text=True)
    for code in ("fr", "es", "ar", "zh", "ru"):
        assert f"/consultations/{consultation.id}/languages/{code}" in html
    assert f"/consultations/{consultation.id}/languages/en" not in html  # the original


@pytest.mark.parametrize("language", ["en", "de", "xx"])
def test_the_original_or_an_unknown_language_is_not_found(
    client, consultation, secretariat, language
):
    assert client.get(_url(consultation, language)).status_code == 404


def test_too_long_a_title_is_refused_and_nothing_saved(client, consultation, secretariat):
    response = client.post(_url(consultation), data={"title": "x" * 301})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(ConsultationTranslation)) == 0


def test_contributors_cannot_translate(client, consultation):
    login(client, make_user())
    assert client.get(_url(consultation)).status_code == 403
    assert client.post(_url(consultation), data={"title": "Titre"}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(ConsultationTranslation)) == 0


def test_instructions_are_set_on_the_settings_form_and_shown(client, consultation, secretariat):
    page = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert "Comment on each article separately." in page
    edit = client.get(f"/consultations/{consultation.id}/edit").get_data(as_text=True)
    assert 'name="instructions"' in edit
