"""The consulted text read in the reader's language, with the original as a marked fallback."""

from __future__ import annotations

import pytest
from flask_sqlalchemy.record_queries import get_recorded_queries

from consult_app.extensions import db
from consult_app.texts.models import (
    ParagraphTranslation,
    ProvisionTranslation,
    TextVersionTranslation,
)
from tests.conftest import make_consultation


def translate(version, language: str, count: int) -> None:
    """Translate the first ``count`` provisions of ``version`` into ``language``."""
    db.session.add(TextVersionTranslation(version=version, language=language))
    for provision in version.provisions[:count]:
        translation = ProvisionTranslation(
            provision=provision,
            language=language,
            title=f"Titre {provision.number}" if provision.title else None,
            intro=f"[{language}] {provision.intro}" if provision.intro else None,
        )
        db.session.add(translation)
        for paragraph in provision.paragraphs[:1]:
            db.session.add(
                ParagraphTranslation(
                    provision_translation=translation,
                    paragraph=paragraph,
                    text=f"[{language}] paragraphe {paragraph.label}",
                )
            )


@pytest.fixture
def consultation(app):
    consultation = make_consultation()
    translate(consultation.version, "fr", 3)  # PP1, PP2, Article 1; not Articles 2 and 3
    db.session.commit()
    return consultation


def _get(client, url: str, lang: str) -> str:
    response = client.get(url, headers={"Accept-Language": lang})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _url(consultation, provision) -> str:
    return f"/consultations/{consultation.id}/provisions/{provision.id}"


def test_provision_page_in_the_readers_language(client, consultation):
    article1 = consultation.version.provisions[2]
    html = _get(client, _url(consultation, article1) + "?lang=fr", "fr")
    assert "Titre 1" in html
    assert 'lang="fr" dir="ltr"' in html
    assert "[fr] paragraphe 1" in html
    # The second paragraph has no translation: the original, marked.
    assert article1.paragraphs[1].text in html
    assert "untranslated" in html
    assert "language-fallback" not in html


def test_untranslated_provision_falls_back_with_a_note(client, consultation):
    article2 = consultation.version.provisions[3]
    html = _get(client, _url(consultation, article2) + "?lang=fr", "fr")
    assert "language-fallback" in html
    assert article2.paragraphs[0].text in html
    assert 'lang="en"' in html


def test_reading_the_original_shows_no_note(client, consultation):
    article2 = consultation.version.provisions[3]
    html = _get(client, _url(consultation, article2) + "?lang=en", "en")
    assert "language-fallback" not in html
    assert "Titre" not in _get(client, _url(consultation, consultation.version.provisions[2]), "en")


def test_a_language_without_any_version_falls_back_everywhere(client, consultation):
    html = _get(client, f"/consultations/{consultation.id}?lang=ar", "ar")
    assert html.count("language-fallback") == len(consultation.version.provisions)


def test_consultation_page_reads_the_whole_text_in_french(client, consultation):
    html = _get(client, f"/consultations/{consultation.id}?lang=fr", "fr")
    assert "[fr] Recalling the importance of preambular matter number 1," in html
    assert "Titre 1" in html
    assert html.count("language-fallback") == 2  # Articles 2 and 3


def _queries(client, url: str) -> int:
    db.session.commit()
    db.session.expire_all()
    start = len(get_recorded_queries())
    assert client.get(url).status_code == 200
    return len(get_recorded_queries()) - start


def test_reading_in_another_language_costs_one_query(client, consultation):
    url = _url(consultation, consultation.version.provisions[2])
    in_english = _queries(client, url + "?lang=en")
    in_french = _queries(client, url + "?lang=fr")
    assert in_french == in_english + 1


# --- two languages side by side (?compare=) --------------------------------------------


def _cells(html: str) -> list[tuple[str, str, str]]:
    """(lang, dir, text) of each paragraph cell of the side-by-side grid, in order."""
    import re

    found = re.findall(
        r'<p class="parallel-cell paragraph[^"]*"(?: id="[^"]*")? '
        r'lang="(\w+)" dir="(\w+)">(.*?)</p>',
        html,
        flags=re.S,
    )
    return [(lang, direction, " ".join(re.sub(r"<[^>]+>", " ", text).split()))
            for lang, direction, text in found]  # fmt: skip


def test_two_languages_side_by_side_pair_each_paragraph(client, consultation):
    article1 = consultation.version.provisions[2]
    html = _get(client, _url(consultation, article1) + "?lang=en&compare=fr", "en")
    assert 'class="parallel"' in html
    cells = _cells(html)
    # Rows: paragraph 1 in English then in French, paragraph 2 in English then the
    # original again, marked (no French for it).
    assert [c[0] for c in cells] == ["en", "fr", "en", "en"]
    assert cells[1][2] == "1. [fr] paragraphe 1"
    assert cells[3][2].endswith("(original text)")
    assert "Titre 1" in html and "Title of article 1" in html
    # Anchors for comments only once (on the first column).
    assert html.count(f'id="paragraph-{article1.paragraphs[0].id}"') == 1
    # The picker offers the version's languages and keeps the choice.
    assert '<option value="fr" lang="fr" selected>' in html
    assert 'name="compare" value="fr"' in html  # kept by the position filter
    assert "compare=fr" in html  # and by the links to the next provision


def test_side_by_side_in_arabic_interface_marks_the_missing_provision(client, consultation):
    translate(consultation.version, "ar", 1)  # PP1 only
    db.session.commit()
    article1 = consultation.version.provisions[2]
    html = _get(client, _url(consultation, article1) + "?lang=ar&compare=ar", "ar")
    assert '<html lang="ar" dir="rtl">' in html
    # Both columns fall back to the English original: the note is shown once per column.
    assert html.count("language-fallback") == 2
    cells = _cells(html)
    assert {c[0] for c in cells} == {"en"}
    # A French column beside the Arabic interface: French, left to right, inside the grid.
    html = _get(client, _url(consultation, article1) + "?lang=ar&compare=fr", "ar")
    assert ("fr", "ltr", "1. [fr] paragraphe 1") in _cells(html)


def test_compare_with_an_unknown_language_is_refused(client, consultation):
    article1 = consultation.version.provisions[2]
    response = client.get(_url(consultation, article1) + "?compare=xx")
    assert response.status_code == 400
    assert "must be one of" in response.get_data(as_text=True)


def test_no_picker_for_a_text_in_one_language(client, app):
    single = make_consultation()
    db.session.commit()
    html = _get(client, _url(single, single.version.provisions[2]), "en")
    assert 'name="compare"' not in html
    assert 'class="parallel"' not in html


def test_comment_form_shows_the_provision_in_the_readers_language(client, consultation):
    from consult_app.accounts.models import OrgCategory
    from consult_app.submissions.models import Submission
    from tests.conftest import login, make_org, make_user

    org = make_org(category=OrgCategory.MEMBER_STATE)
    user = make_user(organisation=org)
    submission = Submission(consultation=consultation, organisation=org, created_by=user)
    db.session.add(submission)
    db.session.commit()
    login(client, user)
    article1, article2 = consultation.version.provisions[2:4]
    url = f"/submissions/{submission.id}/provisions/{{}}/comment?lang=fr"
    html = _get(client, url.format(article1.id), "fr")
    assert "Titre 1" in html
    assert "[fr] paragraphe 1" in html
    assert "language-fallback" not in html
    html = _get(client, url.format(article2.id), "fr")
    assert "language-fallback" in html
    assert article2.paragraphs[0].text in html
