"""The report and the compilation in any of the six languages: the interface strings
through Flask-Babel, the text under consultation from its language version where there
is one (the rest marked as original text); the PDF shapes Arabic and shows Chinese and
Russian with the fonts the project installs (Debian's fonts-noto-core, fonts-noto-cjk)."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from consult_app.exports.jobs import build_export
from consult_app.exports.models import ExportFormat, ExportKind
from consult_app.extensions import db
from consult_app.texts.models import (
    ParagraphTranslation,
    ProvisionTranslation,
    TextVersionTranslation,
)
from tests.exports.conftest import ExportWorld

# Article 1 of the test text ("Title of article 1"; "Everyone has the right to the thing in
# article 1."), written for the tests in three languages; article 2 is left untranslated.
ARTICLE_1 = {
    "ar": ("الحق في التضامن", "لكل إنسان الحق في التضامن الدولي."),
    "zh": ("团结权", "人人有权享有国际团结。"),
    "ru": ("Право на солидарность", "Каждый человек имеет право на международную солидарность."),
}


def translate(world: ExportWorld, language: str) -> None:
    version = world.consultation.version
    title, text = ARTICLE_1[language]
    db.session.add(
        TextVersionTranslation(version=version, language=language, title=f"[{language}] Draft")
    )
    article1 = world.articles[2]
    translation = ProvisionTranslation(provision=article1, language=language, title=title)
    db.session.add(translation)
    db.session.add(
        ParagraphTranslation(
            provision_translation=translation, paragraph=article1.paragraphs[0], text=text
        )
    )
    db.session.commit()


def build(world: ExportWorld, kind: ExportKind, fmt: ExportFormat, language: str,
          tmp_path: Path) -> Path:  # fmt: skip
    path = tmp_path / f"export-{language}.{fmt.value}"
    build_export(world.consultation, kind, fmt, path, language=language)
    return path


def pdf_text(path: Path) -> str:
    """The PDF's text as pdftotext extracts it, compatibility forms (Arabic presentation
    forms, the shaped letters) folded back to the letters."""
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    out = re.sub("[\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", out)  # bidi controls
    return words(unicodedata.normalize("NFKC", out))


def word_box(path: Path, start: str, following: str | None = None) -> tuple[float, float, float]:
    """(xMin, xMax, page width) of the first word of the PDF that starts with ``start``
    (and, given ``following``, is followed by a word that starts with it: a common word
    of the wording may stand in the report's own sentences too)."""
    out = subprocess.run(
        ["pdftotext", "-bbox", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    width = float(re.search(r'<page width="([\d.]+)"', out).group(1))  # type: ignore[union-attr]
    found = re.findall(
        r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', out
    )
    # Words come in visual order: in a right-to-left line the next word of the text is the
    # previous word of the list, its letters possibly reversed.
    texts = [unicodedata.normalize("NFKC", w) for _x, _y, w in found]
    for index, (x_min, x_max, _word) in enumerate(found):
        if not texts[index].startswith(start):
            continue
        neighbours = texts[max(0, index - 1) : index] + texts[index + 1 : index + 2]
        if following is None or any(
            n.startswith(following) or n[::-1].startswith(following) for n in neighbours
        ):
            return float(x_min), float(x_max), width
    raise AssertionError(f"{start!r} is not in the PDF")


def words(text: str) -> str:
    """``text`` with its spaces collapsed and without Arabic vowel marks (a shadda is a glyph
    of its own in the PDF, which extraction may leave out)."""
    return " ".join(re.sub("[\u064b-\u065f\u0670]", "", text).split())


def ui(language: str, message: str) -> str:
    with force_locale(language):
        return _(message)


def keep(path: Path) -> None:
    """With KEEP_EXPORTS=dir, a copy of the file to look at."""
    import os

    target = os.environ.get("KEEP_EXPORTS")
    if target:
        shutil.copy(path, Path(target) / path.name)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
@pytest.mark.parametrize("language", ["ar", "zh", "ru"])
def test_pdf_report_in_arabic_chinese_and_russian(
    world: ExportWorld, tmp_path: Path, language: str
) -> None:
    translate(world, language)
    path = build(world, ExportKind.REPORT, ExportFormat.PDF, language, tmp_path)
    keep(path)
    text = pdf_text(path)
    title, wording = ARTICLE_1[language]
    # The text under consultation in its language version, its words in reading (logical)
    # order: the Arabic too, whatever the direction it is laid out in.
    assert words(title) in text
    assert words(wording.rstrip(".。")) in text
    # The interface strings of the report in that language (those its catalog translates).
    for message in ("Summary", "Introduction", "Consensus indicator", "Disposition of comments"):
        translated = ui(language, message)
        assert translated != message
        assert words(translated) in text
    # Article 2 has no version in that language: its heading is the original's, and article
    # 1's second paragraph is the original's, marked.
    assert "Title of article 2" in text
    assert "States shall take measures to that end." in text
    # The mark in its language: brackets folded (fullwidth ones by NFKC) and left out, as
    # a right-to-left run extracts its brackets mirrored.
    mark = unicodedata.normalize("NFKC", ui(language, "(original text)"))
    assert words(mark.strip("()")) in text.replace("(", "").replace(")", "")
    # Laid out in its direction: the first word of the Arabic wording at the right of the
    # page (mirrored layout), the Chinese and Russian at the left.
    first_word = wording.split()[0] if language != "zh" else wording[:2]
    second_word = wording.split()[1] if language != "zh" else None
    x_min, x_max, width = word_box(path, first_word, second_word)
    if language == "ar":
        assert x_min > width / 2
    else:
        assert x_max < width / 2


def _document_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read("word/document.xml").decode("utf-8")


def test_docx_report_in_arabic_is_right_to_left(world: ExportWorld, tmp_path: Path) -> None:
    translate(world, "ar")
    path = build(world, ExportKind.REPORT, ExportFormat.DOCX, "ar", tmp_path)
    keep(path)
    xml = _document_xml(path)
    title, wording = ARTICLE_1["ar"]
    assert title in xml and wording in xml
    paragraphs = re.findall(r"<w:p[ >].*?</w:p>", xml, flags=re.S)
    arabic = next(p for p in paragraphs if wording in p)
    assert "<w:bidi/>" in arabic or '<w:bidi w:val="1"/>' in arabic
    assert '<w:rtl w:val="1"/>' in arabic
    assert 'w:bidi="ar-SA"' in arabic
    # Every paragraph of the body is right to left but the original's English lines.
    english = next(p for p in paragraphs if "States shall take measures to that end." in p)
    assert '<w:bidi w:val="0"/>' in english
    assert 'w:val="en-GB"' in english
    assert sum("<w:bidi" in p for p in paragraphs) == len(paragraphs)
    # An English amendment keeps its own direction (its redline is left to right).
    redline = next(p for p in paragraphs if "inalienable" in p)
    assert '<w:bidi w:val="0"/>' in redline and '<w:rtl w:val="1"/>' not in redline
    assert "<w:bidiVisual/>" in xml  # tables mirrored
    with zipfile.ZipFile(path) as archive:
        styles = archive.read("word/styles.xml").decode("utf-8")
    assert 'w:bidi="ar-SA"' in styles
    assert "<w:szCs " in styles


def test_docx_report_in_russian_is_left_to_right(world: ExportWorld, tmp_path: Path) -> None:
    translate(world, "ru")
    path = build(world, ExportKind.REPORT, ExportFormat.DOCX, "ru", tmp_path)
    xml = _document_xml(path)
    assert ARTICLE_1["ru"][1] in xml
    assert "<w:bidiVisual/>" not in xml
    assert '<w:rtl w:val="1"/>' not in xml
    assert ui("ru", "Notes by provision") in xml


def test_compilation_in_french_translates_labels_and_marks_original_titles(
    world: ExportWorld, tmp_path: Path
) -> None:
    version = world.consultation.version
    db.session.add(TextVersionTranslation(version=version, language="fr"))
    db.session.add(
        ProvisionTranslation(provision=world.articles[2], language="fr", title="Titre un")
    )
    db.session.commit()
    path = build(world, ExportKind.COMPILATION, ExportFormat.CSV, "fr", tmp_path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == ui("fr", "Provision")
    provisions = {row[0] for row in rows[1:]}
    assert any(p.endswith(". Titre un") for p in provisions)
    original = ui("fr", "(original text)")
    assert any(p.endswith(f"Title of article 2 {original}") for p in provisions)
    # In English (the original's language) nothing is marked.
    path = build(world, ExportKind.COMPILATION, ExportFormat.CSV, "en", tmp_path)
    assert "(original text)" not in path.read_text(encoding="utf-8-sig")


def test_unknown_export_language_is_refused(world: ExportWorld, tmp_path: Path) -> None:
    from consult_app.core.errors import UserError

    with pytest.raises(UserError):
        build(world, ExportKind.REPORT, ExportFormat.HTML, "xx", tmp_path)


# --- choosing the language: the exports page and the command line -----------------------


def test_secretariat_builds_the_report_in_arabic_from_the_exports_page(
    client, world: ExportWorld
) -> None:
    from sqlalchemy import select

    from consult_app.core.audit import AuditEntry
    from consult_app.exports.models import ExportJob
    from tests.conftest import login

    translate(world, "ar")
    login(client, world.secretariat)
    page = client.get(f"/exports/{world.consultation.id}?lang=fr").get_data(as_text=True)
    assert 'name="language"' in page
    assert '<option selected value="fr">' in page  # the page's language by default
    url = f"/exports/{world.consultation.id}"
    for language in ("en", "ar"):
        response = client.post(url, data={"export": "report-html", "language": language})
        assert response.status_code == 302
    jobs = list(db.session.scalars(select(ExportJob).order_by(ExportJob.id)))
    assert [job.language for job in jobs] == ["en", "ar"]
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "request_export").order_by(AuditEntry.id)
    ).all()[-1]
    assert entry.after["language"] == "ar"
    download = client.get(f"/exports/jobs/{jobs[1].id}/download")
    assert "-report-ar-" in download.headers["Content-Disposition"]
    html = download.get_data(as_text=True)
    download.close()
    assert '<html lang="ar" dir="rtl">' in html
    assert ARTICLE_1["ar"][1] in html
    # Both public files are offered, each in its language.
    page = client.get(url + "?lang=en").get_data(as_text=True)
    assert f"/exports/jobs/{jobs[0].id}/download" in page
    assert f"/exports/jobs/{jobs[1].id}/download" in page
    # A language that is not one of the six: refused, nothing queued.
    response = client.post(url, data={"export": "report-html", "language": "de"})
    assert response.status_code == 400
    assert db.session.scalars(select(ExportJob)).all().__len__() == 2


def test_cli_builds_the_compilation_in_russian(app, world: ExportWorld, tmp_path: Path) -> None:
    translate(world, "ru")
    output = tmp_path / "compilation-ru.csv"
    result = app.test_cli_runner().invoke(
        args=["exports", "build", "--consultation", str(world.consultation.id),
              "--format", "csv", "--output", str(output), "--lang", "ru"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = output.read_text(encoding="utf-8-sig")
    assert ARTICLE_1["ru"][0] in text
    assert ui("ru", "Provision") in text.splitlines()[0]


def test_public_report_quotes_the_summaries_translated_for_their_published_text(
    world: ExportWorld, tmp_path: Path
) -> None:
    """The public report in French quotes the French translation of a published summary;
    once the summary is published again with other words, the old translation no longer
    stands for it and the report quotes the new text (as original)."""
    from consult_app.summaries.content_languages import save_content_translation
    from consult_app.summaries.models import SummaryDraft
    from consult_app.summaries.operations import (
        edit_summary,
        generate_summaries,
        publish_summary,
    )

    generate_summaries(world.secretariat, world.consultation)
    summary = db.session.scalars(
        select(SummaryDraft).where(
            SummaryDraft.consultation_id == world.consultation.id,
            SummaryDraft.provision_id == world.articles[2].id,
        )
    ).one()
    text = "Delegations broadly supported article 1."
    edit_summary(world.secretariat, summary, text, summary.lock_version)
    publish_summary(world.secretariat, summary, summary.lock_version)
    db.session.commit()
    save_content_translation(
        world.secretariat, world.consultation, "fr",
        {"title": None, "description": None, "instructions": None}, {},
        {summary: "Les délégations ont largement appuyé l'article premier."},
    )  # fmt: skip
    db.session.commit()

    def report_text() -> str:
        path = build(world, ExportKind.REPORT, ExportFormat.HTML, "fr", tmp_path)
        return path.read_text(encoding="utf-8")

    html = report_text()
    assert "Les délégations ont largement appuyé l&#39;article premier." in html or (
        "Les délégations ont largement appuyé l'article premier." in html
    )
    assert "Delegations broadly supported article 1." not in html

    text = "Most delegations supported article 1 as drafted."
    edit_summary(world.secretariat, summary, text, summary.lock_version)
    publish_summary(world.secretariat, summary, summary.lock_version)
    db.session.commit()
    html = report_text()
    assert "Most delegations supported article 1 as drafted." in html
    assert "largement appuyé" not in html
