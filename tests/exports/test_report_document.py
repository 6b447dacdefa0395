"""The consensus report as a UN document: the settings a secretariat fills in, the
masthead, numbered paragraphs and chapters, A4 pages with the symbol and page numbers, a
tagged PDF, dates, the participants in UN order, and a main body within the word limit
whatever the number of comments."""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path

import docx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from pypdf import PdfReader
from sqlalchemy import select

from consult_app.accounts.models import OrgCategory, RegionalGroup, Role
from consult_app.core.audit import AuditEntry
from consult_app.exports.models import ExportFormat, ReportBody, ReportSettings
from consult_app.exports.operations import save_report_settings
from consult_app.exports.report import build_report, gather_report, long_date
from consult_app.exports.report_data import count_words, fit_paragraphs
from consult_app.extensions import db
from consult_app.submissions.models import Position
from consult_app.summaries.models import SummaryDraft
from consult_app.summaries.operations import generate_summaries, publish_summary
from consult_app.texts.models import Provision
from tests.browser import Browser
from tests.conftest import login, make_consultation, make_org, make_user
from tests.consultations.factories import make_comment, make_submission
from tests.exports.conftest import ExportWorld

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SETTINGS = {
    "symbol": "A/HRC/62/45",
    "body": ReportBody.HUMAN_RIGHTS_COUNCIL,
    "session": "Sixty-second session",
    "session_dates": "15 June to 10 July 2026",
    "agenda_item": "3",
    "agenda_title": "Promotion and protection of all human rights",
    "issued_on": date(2026, 11, 4),
    "original_language": "en",
    "title": "Outcome of the consultation on the draft declaration",
    "subtitle": "Report of the Independent Expert",
}


def _configure(world: ExportWorld, **overrides: object) -> None:
    save_report_settings(world.secretariat, world.consultation, **{**SETTINGS, **overrides})
    db.session.commit()


# --- settings ---


def test_secretariat_fills_the_report_settings_through_the_form(
    csrf_app: Flask, client: FlaskClient, world: ExportWorld
) -> None:
    login(client, world.secretariat)
    browser = Browser(client)
    browser.get(f"/exports/{world.consultation.id}")
    form = browser.form("/report-settings")
    assert form.fields["word_limit"] == ["10700"]  # the Human Rights Council's limit
    assert form.fields["body"] == ["human_rights_council"]
    assert form.fields["original_language"] == ["en"]
    browser.submit(
        form,
        symbol="A/HRC/62/45",
        session="Sixty-second session",
        agenda_item="3",
        issued_on="2026-11-04",
        original_language="fr",
        word_limit="8000",
    )
    assert browser.status == 200
    assert "The report settings were saved" in browser.html
    stored = db.session.scalars(select(ReportSettings)).one()
    assert (
        stored.symbol,
        stored.session,
        stored.agenda_item,
        stored.issued_on,
        stored.original_language,
        stored.word_limit,
        stored.title,
    ) == ("A/HRC/62/45", "Sixty-second session", "3", date(2026, 11, 4), "fr", 8000, None)
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "save_report_settings")
    ).one()
    assert entry.after is not None and entry.after["symbol"] == "A/HRC/62/45"

    # The page shows what is stored; a second save goes through the lock version.
    browser.get(f"/exports/{world.consultation.id}")
    form = browser.form("/report-settings")
    assert form.fields["symbol"] == ["A/HRC/62/45"]
    browser.submit(form, subtitle="Report of the secretariat")
    assert db.session.scalars(select(ReportSettings)).one().subtitle == (
        "Report of the secretariat"
    )


def test_bad_report_settings_are_refused_and_nothing_is_stored(
    csrf_app: Flask, client: FlaskClient, world: ExportWorld
) -> None:
    login(client, world.secretariat)
    browser = Browser(client)
    browser.get(f"/exports/{world.consultation.id}")
    browser.submit(browser.form("/report-settings"), word_limit="12", symbol="x" * 61)
    assert browser.status == 400
    assert db.session.scalars(select(ReportSettings)).first() is None
    browser.get(f"/exports/{world.consultation.id}")
    browser.submit(browser.form("/report-settings"), original_language="de")
    assert browser.status == 400
    assert db.session.scalars(select(ReportSettings)).first() is None


def test_report_settings_are_for_the_secretariat_and_stale_forms_conflict(
    csrf_app: Flask, client: FlaskClient, world: ExportWorld
) -> None:
    login(client, world.secretariat)
    browser = Browser(client)
    browser.get(f"/exports/{world.consultation.id}")
    stale = browser.form("/report-settings")
    browser.submit(stale, symbol="A/HRC/1")
    browser.submit(stale, symbol="A/HRC/2")  # the form of before the first save
    assert browser.status == 409
    assert db.session.scalars(select(ReportSettings)).one().symbol == "A/HRC/1"


def test_a_contributor_cannot_change_the_report_settings(
    client: FlaskClient, world: ExportWorld
) -> None:
    login(client, world.contributor)
    page = client.get(f"/exports/{world.consultation.id}").get_data(as_text=True)
    assert "/report-settings" not in page
    response = client.post(
        f"/exports/{world.consultation.id}/report-settings",
        data={"word_limit": "9000", "body": "human_rights_council", "original_language": "en"},
    )
    assert response.status_code == 403
    assert db.session.scalars(select(ReportSettings)).first() is None


# --- the document ---


def test_docx_is_a4_with_masthead_numbered_paragraphs_symbol_and_page_numbers(
    world: ExportWorld, tmp_path: Path
) -> None:
    _configure(world)
    path = tmp_path / "report.docx"
    build_report(world.consultation, ExportFormat.DOCX, path)
    document = docx.Document(str(path))
    for section in document.sections:
        short, long_ = sorted((section.page_width.mm, section.page_height.mm))
        assert (round(short), round(long_)) == (210, 297)
    masthead = [cell.text for row in document.tables[0].rows for cell in row.cells]
    assert masthead == [
        "United Nations",
        "A/HRC/62/45",
        "General Assembly",
        "Distr.: General\n4 November 2026\n\nOriginal: English",
    ]
    texts = [p.text for p in document.paragraphs]
    for line in (
        "Human Rights Council",
        "Sixty-second session",
        "15 June to 10 July 2026",
        "Agenda item 3",
        "Promotion and protection of all human rights",
        "Report of the Independent Expert",
    ):
        assert line in texts, line
    assert [p.text for p in document.paragraphs if p.style.name == "Title"] == [SETTINGS["title"]]
    summary = document.tables[1].rows[0].cells[0].paragraphs
    assert summary[0].text == "Summary" and len(summary) > 1
    # Chapters I., II., III., sub-chapters A., and every body paragraph numbered by Word.
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[:3] == [
        "I.\tIntroduction",
        "II.\tOverview of the consultation",
        "III.\tViews expressed on the provisions",
    ]
    numbered = [p for p in document.paragraphs if p.style.name == "UN Numbered Paragraph"]
    assert len(numbered) >= 6
    first_annex = texts.index("Annex I")
    body = [
        p
        for p in document.paragraphs[:first_annex]
        if p.style.name in ("Normal", "UN Numbered Paragraph")
        and p.text.strip()
        and p._p.getparent().tag == f"{W}body"
    ]
    masthead_lines = {
        "Human Rights Council",
        "Sixty-second session",
        "15 June to 10 July 2026",
        "Agenda item 3",
        "Promotion and protection of all human rights",
        "Report of the Independent Expert",
    }
    assert all(
        p.style.name == "UN Numbered Paragraph" for p in body if p.text not in masthead_lines
    )
    with zipfile.ZipFile(path) as archive:
        styles = archive.read("word/styles.xml").decode()
        numbering = archive.read("word/numbering.xml").decode()
        parts = {
            name: archive.read(name).decode()
            for name in archive.namelist()
            if re.match(r"word/(header|footer)\d+\.xml", name)
        }
    assert 'w:numId w:val="90"' in styles and 'w:lvlText w:val="%1."' in numbering
    headers = [text for name, text in parts.items() if "header" in name]
    footers = [text for name, text in parts.items() if "footer" in name]
    assert sum("A/HRC/62/45" in text for text in headers) == 2  # odd and even pages
    assert sum(" PAGE " in text for text in footers) == 2
    assert document.sections[0].different_first_page_header_footer
    assert "A/HRC/62/45" not in document.sections[0].first_page_header.paragraphs[0].text


def test_pdf_is_a4_tagged_with_symbol_and_page_numbers(world: ExportWorld, tmp_path: Path) -> None:
    _configure(world)
    path = tmp_path / "report.pdf"
    build_report(world.consultation, ExportFormat.PDF, path)
    reader = PdfReader(str(path))
    for page in reader.pages:
        width, height = sorted((float(page.mediabox.width), float(page.mediabox.height)))
        assert (round(width), round(height)) == (595, 842)
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "en"
    roles: set[str] = set()

    def walk(node: object, depth: int = 0) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if depth > 60:
            return
        if isinstance(node, dict):
            if "/S" in node:
                roles.add(str(node["/S"]))
            kids = node.get("/K")
            if kids is not None:
                for kid in kids if isinstance(kids, list) else [kids]:
                    walk(kid, depth + 1)

    walk(root["/StructTreeRoot"])
    assert {"/H1", "/H2", "/P", "/Table", "/TH", "/TD"} <= roles
    first = reader.pages[0].extract_text()
    for line in (
        "United Nations",
        "A/HRC/62/45",
        "General Assembly",
        "Distr.: General",
        "4 November 2026",
        "Original: English",
        "Agenda item 3",
        "Summary",
    ):
        assert line in first, line
    second = reader.pages[1].extract_text()
    assert "A/HRC/62/45" in second  # the running header
    assert re.search(r"^\s*2\s*$", second, re.M)  # the page number
    assert "1.\u00a0" in second or "1." in second
    assert "I." in second and "Introduction" in second


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "4 November 2026"),
        ("fr", "4 novembre 2026"),
        ("es", "4 de noviembre de 2026"),
        ("ru", "4 ноября 2026\u202fг."),  # noqa: RUF001
        ("zh", "2026年11月4日"),
    ],
)
def test_dates_are_written_in_each_locales_manner(app: Flask, locale: str, expected: str) -> None:
    with app.test_request_context(), force_locale(locale):
        assert long_date(date(2026, 11, 4)) == expected


def test_original_language_is_named_in_the_reports_language(app: Flask, world: ExportWorld) -> None:
    _configure(world, original_language="es")
    with app.test_request_context():
        assert gather_report(world.consultation).masthead.original == "Original: Spanish"


# --- participants ---


def test_participants_are_listed_in_un_order_as_headed_lists(world: ExportWorld) -> None:
    consultation = world.consultation
    article = world.articles[2]
    made = [
        ("Academia Alpha", OrgCategory.ACADEMIC, None),
        ("Observer State Beta", OrgCategory.OBSERVER_STATE, None),
        ("UN Agency Gamma", OrgCategory.UN_ENTITY, None),
        ("Accredited NGO Delta", OrgCategory.NGO, None),
        ("IGO Epsilon", OrgCategory.IGO, None),
        ("NHRI Zeta", OrgCategory.NHRI, None),
        ("Business Eta", OrgCategory.BUSINESS, None),
        ("Dr. Individual Theta", OrgCategory.INDIVIDUAL, None),
        ("Albania", OrgCategory.MEMBER_STATE, RegionalGroup.EASTERN_EUROPEAN),
    ]
    for name, category, group in made:
        org = make_org(name, category, group)
        if name == "Accredited NGO Delta":
            org.ecosoc_status = True
        make_comment(make_submission(consultation, org), article)
    private = make_org("Private Business Iota", OrgCategory.BUSINESS)
    make_comment(make_submission(consultation, private, publishable=False), article)
    db.session.commit()
    lists = gather_report(consultation).participants
    assert [group.heading for group in lists] == [
        "States Members of the United Nations",
        "Non-member States represented by observers",
        "United Nations entities, funds, programmes and specialized agencies",
        "Intergovernmental organizations",
        "National human rights institutions",
        "Non-governmental organizations in consultative status with the Economic and "
        "Social Council",
        "Other non-governmental organizations",
        "Academic and research institutions",
        "Business enterprises",
        "Individuals",
    ]
    by_heading = {group.heading: group for group in lists}
    assert by_heading["States Members of the United Nations"].names == [
        "Albania",
        "Republic of Exportland",
    ]  # the confidential State is not named...
    assert by_heading["States Members of the United Nations"].unnamed == 1  # ...but counted
    assert by_heading[
        "Non-governmental organizations in consultative status with the Economic and Social Council"
    ].names == ["Accredited NGO Delta"]
    assert "Friends of Exports" in by_heading["Other non-governmental organizations"].names
    assert by_heading["Business enterprises"].names == ["Business Eta"]
    assert by_heading["Business enterprises"].unnamed == 1
    assert by_heading["Individuals"].names == ["Dr. Individual Theta"]


def test_without_attribution_participants_are_only_counted(
    anonymous_world: ExportWorld,
) -> None:
    lists = gather_report(anonymous_world.consultation).participants
    assert lists and all(not group.names and group.unnamed for group in lists)
    assert sum(group.unnamed for group in lists) == 4  # 2 States, 2 NGOs (one co-signer)


# --- the word limit ---


def test_fit_paragraphs_cuts_between_sentences_only() -> None:
    paragraphs = ["One two three. Four five six.", "Seven eight nine ten."]
    assert fit_paragraphs(paragraphs, 100) == (paragraphs, False)
    assert fit_paragraphs(paragraphs, 8) == (["One two three. Four five six."], True)
    assert fit_paragraphs(paragraphs, 5) == (["One two three."], True)
    assert fit_paragraphs(paragraphs, 2) == ([], True)
    assert count_words("Le projet 规定 text") == 5


@pytest.mark.parametrize("fmt", [ExportFormat.DOCX, ExportFormat.HTML])
def test_main_body_stays_within_the_word_limit_whatever_the_number_of_comments(
    app: Flask, tmp_path: Path, fmt: ExportFormat
) -> None:
    consultation = make_consultation()
    provisions = list(
        db.session.scalars(
            select(Provision)
            .where(Provision.version_id == consultation.version_id)
            .order_by(Provision.position)
        )
    )
    groups = list(RegionalGroup)
    stances = list(Position)
    organisations = []
    for i in range(40):
        organisations.append(
            make_org(f"Member State {i:03d}", OrgCategory.MEMBER_STATE, groups[i % len(groups)])
        )
    for i in range(80):
        category = (OrgCategory.NGO, OrgCategory.ACADEMIC, OrgCategory.NHRI)[i % 3]
        organisations.append(make_org(f"Stakeholder {i:03d}", category))
    for index, org in enumerate(organisations):
        submission = make_submission(consultation, org)
        for number, provision in enumerate(provisions):
            make_comment(
                submission,
                provision,
                body=f"Comment {index}-{number}.",
                position=stances[(index + number) % len(stances)],
            )
    secretariat = make_user(role=Role.SECRETARIAT)
    save_report_settings(secretariat, consultation, word_limit=900)
    db.session.commit()

    # The public report carries the summaries the secretariat published: draft and publish
    # them all, so that the body has more than the limit to fit.
    generate_summaries(secretariat, consultation)
    for draft in db.session.scalars(
        select(SummaryDraft).where(SummaryDraft.consultation_id == consultation.id)
    ).all():
        publish_summary(secretariat, draft, draft.lock_version)
    db.session.commit()
    data = gather_report(consultation)
    assert data.body_words() <= 900
    # The full summaries would not have fitted: the limit did its work.
    assert sum(count_words(s.summary) for s in data.sections) > 900
    assert any(s.summary_cut for s in data.sections)
    path = tmp_path / f"report.{fmt.value}"
    build_report(consultation, fmt, path)
    assert _body_words(path, fmt) <= 900


def _body_words(path: Path, fmt: ExportFormat) -> int:
    """Words of the main body as a reader counts them: from the masthead to annex I."""
    if fmt is ExportFormat.DOCX:
        document = docx.Document(str(path))
        words = sum(
            count_words(cell.text)
            for table in document.tables[:2]
            for row in table.rows
            for cell in {c._tc: c for c in row.cells}.values()
        )
        for paragraph in document.paragraphs:
            if paragraph.text == "Annex I":
                break
            numbered = paragraph.style.name == "UN Numbered Paragraph"
            words += count_words(paragraph.text) + (1 if numbered else 0)
        return words
    html = path.read_text(encoding="utf-8")
    body = html[html.index("<body>") : html.index('<section class="annex participants"')]
    text = re.sub(r"<[^>]+>", " ", body).replace("&nbsp;", " ")
    return count_words(text)


@pytest.mark.parametrize("fmt", [ExportFormat.DOCX, ExportFormat.HTML])
@pytest.mark.parametrize(
    ("locale", "comments", "organisations"),
    [("en", "1,234", "1,001"), ("fr", "1\u202f234", "1\u202f001")],
)
def test_counts_are_written_with_the_languages_digit_grouping(
    app: Flask, tmp_path: Path, fmt: ExportFormat, locale: str, comments: str, organisations: str
) -> None:
    """A provision's counts in the report as a UN document writes them: 1,234 in English,
    1 234 in French (not 1234)."""
    from sqlalchemy import insert

    from consult_app.submissions.models import Comment, ModerationStatus, Submission

    consultation = make_consultation()
    provision = db.session.scalars(
        select(Provision)
        .where(Provision.version_id == consultation.version_id)
        .order_by(Provision.position)
    ).first()
    assert provision is not None
    submissions = [
        make_submission(consultation, make_org(f"Stakeholder {i:04d}", OrgCategory.NGO))
        for i in range(1001)
    ]
    db.session.execute(
        insert(Comment),
        [
            {
                "submission_id": submissions[n % len(submissions)].id,
                "consultation_id": consultation.id,
                "provision_id": provision.id,
                "position": Position.SUPPORT,
                "body": f"Comment {n}.",
                "is_public": True,
                "moderation_status": ModerationStatus.PUBLISHED,
            }
            for n in range(1234)
        ],
    )
    db.session.commit()
    assert db.session.get(Submission, submissions[0].id) is not None
    path = tmp_path / f"report-{locale}.{fmt.value}"
    with force_locale(locale):
        build_report(consultation, fmt, path)
        line = gettext(
            "Comments: %(comments)s; organisations: %(orgs)s. Consensus indicator: %(level)s.",
            comments=comments,
            orgs=organisations,
            level="@",
        )
    expected = line.split("@")[0]
    if fmt is ExportFormat.DOCX:
        document = docx.Document(str(path))
        cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
        text = "\n".join([*(p.text for p in document.paragraphs), *cells])
        # Annex II, table 2: the other stakeholders who commented, and who supported.
        assert cells.count(organisations) >= 2
    else:
        text = path.read_text(encoding="utf-8")
        assert text.count(f"<td>{organisations}</td>") >= 2
    assert expected in text
    assert "1234" not in text and "1001" not in text
