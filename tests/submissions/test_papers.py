"""Position papers: read a .docx or .pdf, split it into comments, confirm, save."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from consult_app.extensions import db
from consult_app.submissions import operations as ops
from consult_app.submissions.models import Channel, Comment, Position, Submission
from consult_app.submissions.paper_files import Block, PaperError, read_paper
from consult_app.submissions.paper_language import (
    ARTICLE,
    PREAMBLE,
    find_references,
    read_position,
    split_sentences,
)
from consult_app.submissions.papers import catalogue_for, split_paper
from consult_app.texts.models import (
    Instrument,
    Paragraph,
    Provision,
    ProvisionKind,
    TextVersion,
    VersionStatus,
)
from tests.browser import Browser
from tests.conftest import login, make_consultation
from tests.submissions.conftest import docx_bytes
from tests.submissions.paper_samples import (
    HEADED,
    NOTE_VERBALE,
    PAPERS,
    PROSE,
    TABLE,
    as_docx,
    as_pdf,
    catalogue,
    sentences,
)

BUILDERS = {"docx": as_docx, "pdf": as_pdf}

# (provision, paragraph, position, words the proposed wording contains or None)
EXPECTED = {
    "headed": [
        ("PP3", None, "support", None),
        ("PP5", None, "propose_deletion", None),
        ("Article 1", None, "support", None),
        (
            "Article 4",
            "2(b)",
            "support_with_amendments",
            "ensure the participation of all peoples and individuals in development.",
        ),
        ("Article 7 bis", None, "oppose", None),
    ],
    "prose": [
        ("Article 1", None, "support", None),
        ("Article 2", "2", "oppose", None),
        ("Article 3", "2", "support_with_amendments", "States should take measures to that end."),
        ("PP3", None, "reservation", None),
        (
            "Article 4",
            None,
            "support_with_amendments",
            "Everyone has the right to international solidarity, in accordance with "
            "international law.",
        ),
    ],
    "table": [
        ("Article 1", None, "support", None),
        (
            "Article 2",
            "2",
            "support_with_amendments",
            "States shall take all necessary measures to that end.",
        ),
        ("PP2", None, "propose_deletion", None),
    ],
    "note_verbale": [
        ("PP1", None, "support", None),
        ("Article 1", None, "support", None),
        ("Article 4", None, "support_with_amendments", "States shall cooperate effectively in"),
        ("Article 3", None, "oppose", "States shall take measures."),
        ("Article 2", None, "reservation", None),
    ],
}


def squash(text: str) -> str:
    return " ".join(text.split())


def check_split(result, style: str) -> None:
    found = [
        (c["provision"], c["paragraph"], c["position"], c["proposed_wording"])
        for c in result.as_json()["comments"]
    ]
    expected = EXPECTED[style]
    assert [f[:3] for f in found] == [e[:3] for e in expected]
    for (*_rest, proposed), (*_same, words) in zip(found, expected, strict=True):
        if words is None:
            assert proposed is None
        else:
            assert proposed is not None and words in squash(proposed)
    # Nothing is dropped: every sentence is in a comment, a proposed wording or the remarks.
    kept = squash(
        " ".join(
            [c.body for c in result.comments]
            + [c.proposed_wording or "" for c in result.comments]
            + result.general
        )
    )
    for sentence in sentences(PAPERS[style]):
        assert squash(sentence).strip("“”") in kept, sentence  # a proposed text unquoted


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
@pytest.mark.parametrize("style", ["headed", "prose", "table", "note_verbale"])
def test_papers_in_four_styles_are_split_per_provision(style, fmt):
    blocks = read_paper(BUILDERS[fmt](PAPERS[style]))
    check_split(split_paper(blocks, catalogue()), style)


def test_text_about_no_provision_stays_in_the_general_remarks():
    result = split_paper(read_paper(as_docx(NOTE_VERBALE)), catalogue())
    assert any(
        g.startswith("The Permanent Mission of the Republic of Testland") for g in result.general
    )
    assert any("highest consideration" in g for g in result.general)
    assert not result.warnings


def test_a_short_line_is_a_heading_only_when_it_starts_with_its_reference():
    result = split_paper(
        [
            Block("We support article 4"),
            Block("Article 2: supported"),
            Block("Article 3"),
            Block("A fine article."),
        ],
        catalogue(),
    )
    assert [(c.target.label, c.position, c.body) for c in result.comments] == [
        ("Article 4", Position.SUPPORT, "We support article 4"),
        ("Article 2", Position.SUPPORT, "Article 2: supported"),
        ("Article 3", Position.NO_POSITION, "A fine article."),
    ]


def test_a_provision_not_in_the_text_is_kept_as_general_remarks_with_a_warning():
    result = split_paper(read_paper(as_docx(TABLE)), catalogue())
    assert any("A new article on remedies is needed." in g for g in result.general)
    assert any("Article 9" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("text", "kind", "number", "paragraph"),
    [
        ("Article 4", ARTICLE, "4", None),
        ("see art. 4(2)(b) above", ARTICLE, "4", "2(b)"),
        ("draft article 7 bis", ARTICLE, "7 bis", None),
        ("Article 7bis", ARTICLE, "7 bis", None),
        ("paragraph 3 of the preamble", PREAMBLE, "3", None),
        ("PP3", PREAMBLE, "3", None),
        ("OP2", ARTICLE, "2", None),
        ("the fifth preambular paragraph", PREAMBLE, "5", None),
        ("preambular paragraph 3", PREAMBLE, "3", None),
        ("operative paragraph 2", ARTICLE, "2", None),
        ("article 2, paragraph 1 (a)", ARTICLE, "2", "1(a)"),
        ("paragraph 2 of article 4", ARTICLE, "4", "2"),
    ],
)
def test_references(text, kind, number, paragraph):
    (reference,) = find_references(text)
    assert (reference.kind, reference.number, reference.paragraph) == (kind, number, paragraph)


@pytest.mark.parametrize(
    "text",
    [
        "as article 19 of the International Covenant provides",
        "recalling article 2 of resolution 60/251",
        "article 1 of the Declaration on the Right to Development",
        "article 55 of the Charter",
    ],
)
def test_provisions_of_other_instruments_are_not_references(text):
    assert find_references(text) == []


def test_provisions_of_the_draft_itself_are_references():
    (reference,) = find_references("article 4 of the draft declaration")
    assert reference.number == "4"


def test_a_provision_of_another_instrument_does_not_move_the_comment():
    result = split_paper(
        [Block("The delegation supports article 1, which reflects article 2 of the Charter.")],
        catalogue(),
    )
    ((provision, position),) = [(c.target.label, c.position) for c in result.comments]
    assert (provision, position) == ("Article 1", Position.SUPPORT)
    assert not result.warnings


def test_page_numbers_are_not_preambular_paragraphs():
    assert find_references("as discussed at pp. 4-5 of the report") == []


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("The delegation supports this article.", Position.SUPPORT),
        ("We welcome the new wording.", Position.SUPPORT),
        ("The delegation proposes to amend the article.", Position.SUPPORT_WITH_AMENDMENTS),
        ("The delegation opposes this article.", Position.OPPOSE),
        ("We cannot accept this paragraph.", Position.OPPOSE),
        ("The delegation objects to the last sentence.", Position.OPPOSE),
        ("The delegation does not oppose the article.", Position.SUPPORT),
        ("The delegation enters a reservation on this article.", Position.RESERVATION),
        ("The delegation proposes the deletion of the article.", Position.PROPOSE_DELETION),
        (
            "The delegation proposes the deletion of the words “to that end”.",
            Position.SUPPORT_WITH_AMENDMENTS,
        ),
        ("The article is interesting.", Position.NO_POSITION),
    ],
)
def test_positions(text, position):
    assert read_position(text) is position


@pytest.mark.parametrize(
    ("sentence", "wording"),
    [
        (
            "In article 2, paragraph 2, replace “shall” with “should”.",
            "States should take measures to that end.",
        ),
        (
            "In article 2, paragraph 2, insert “all appropriate” after “take”.",
            "States shall take all appropriate measures to that end.",
        ),
        (
            "In article 2, paragraph 2, insert after “measures” the words “, individually and "
            "jointly,”.",
            "States shall take measures, individually and jointly, to that end.",
        ),
        ("In article 2, paragraph 2, delete “to that end”.", "States shall take measures."),
        ("Article 2, paragraph 2 should read: “States shall act.”", "States shall act."),
    ],
)
def test_proposed_wording_is_applied_to_the_current_text(sentence, wording):
    result = split_paper([Block(sentence)], catalogue())
    (comment,) = result.comments
    assert comment.proposed_wording == wording
    assert comment.position is Position.SUPPORT_WITH_AMENDMENTS


def test_quoted_words_of_the_text_are_kept_as_the_words_commented_on():
    result = split_paper(
        [Block("Article 4: the words “eliminate obstacles” are too vague.")], catalogue()
    )
    (comment,) = result.comments
    assert comment.quoted_text == "eliminate obstacles"
    assert comment.proposed_wording is None


def test_a_replacement_of_words_not_in_the_text_is_not_applied_but_warned():
    result = split_paper(
        [Block("In article 2, paragraph 2, replace “must” with “may”.")], catalogue()
    )
    (comment,) = result.comments
    assert comment.proposed_wording is None
    assert any("“must”" in w for w in result.warnings)


def test_sentences_are_not_cut_inside_quotes_or_after_abbreviations():
    text = "See art. 4 and para. 2. Replace “It ends. Here.” with “Now.” Then stop."
    assert split_sentences(text) == [
        "See art. 4 and para. 2.",
        "Replace “It ends. Here.” with “Now.”",
        "Then stop.",
    ]


@pytest.mark.parametrize("data", [b"hello, world", b"%PDF-1.4\n<html></html>", b"PK\x03\x04broken"])
def test_files_that_are_neither_docx_nor_pdf_are_refused(data):
    with pytest.raises(PaperError):
        read_paper(data)


# --- against the database ---------------------------------------------------------------


def make_paper_version() -> TextVersion:
    """The text the sample papers comment on, as the importer stores it."""
    instrument = Instrument(title="Draft declaration on solidarity")
    version = TextVersion(
        instrument=instrument,
        title="Revised draft",
        symbol="A/TEST/2",
        status=VersionStatus.UNDER_CONSULTATION,
    )
    db.session.add_all([instrument, version])
    for position, target in enumerate(catalogue().targets, start=1):
        kind = ProvisionKind.PREAMBLE if target.kind == PREAMBLE else ProvisionKind.ARTICLE
        provision = Provision(
            version=version,
            position=position,
            kind=kind,
            number=target.number,
            intro=target.text if kind is ProvisionKind.PREAMBLE else None,
        )
        db.session.add(provision)
        parents: dict[str, Paragraph] = {}
        for n, item in enumerate(target.paragraphs, start=1):
            number, _, letter = item.label.partition("(")
            paragraph = Paragraph(
                provision=provision,
                position=n,
                level=1 if letter else 0,
                label=f"({letter}" if letter else number,
                text=item.text,
                parent=parents.get(number) if letter else None,
            )
            if not letter:
                parents[number] = paragraph
            db.session.add(paragraph)
    db.session.flush()
    return version


@pytest.fixture
def paper_world(world):
    world.consultation = make_consultation(version=make_paper_version())
    db.session.commit()
    return world


def test_the_catalogue_of_a_version_labels_sub_paragraphs(paper_world):
    catalogue_db = catalogue_for(paper_world.consultation.version_id)
    four = catalogue_db.find(ARTICLE, "4")
    assert four is not None
    assert [p.label for p in four.paragraphs] == ["1", "2", "2(a)", "2(b)"]
    assert catalogue_db.find(ARTICLE, "7bis") is not None


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_split_paper_command_prints_json_and_saves_nothing(app, paper_world, tmp_path, fmt):
    path = tmp_path / f"paper.{fmt}"
    path.write_bytes(BUILDERS[fmt](PROSE))
    result = app.test_cli_runner().invoke(
        args=[
            "submissions",
            "split-paper",
            str(path),
            "--consultation",
            str(paper_world.consultation.id),
            "--json",
        ]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"comments", "general", "warnings"}
    assert data["comments"][2] == {
        "provision": "Article 3",
        "paragraph": "2",
        "position": "support_with_amendments",
        "body": "With regard to art. 3(2), it proposes that “shall” be replaced by “should”.",
        "proposed_wording": "States should take measures to that end.",
    }
    assert [(c["provision"], c["paragraph"], c["position"]) for c in data["comments"]] == [
        e[:3] for e in EXPECTED["prose"]
    ]
    assert data["general"][-1] == "The Government looks forward to the next round of consultations."
    assert db.session.scalars(select(Comment)).all() == []


def test_split_paper_command_refuses_what_is_no_paper(app, paper_world, tmp_path):
    path = tmp_path / "paper.txt"
    path.write_bytes(b"Article 1: we support it.")
    result = app.test_cli_runner().invoke(
        args=[
            "submissions",
            "split-paper",
            str(path),
            "--consultation",
            str(paper_world.consultation.id),
            "--json",
        ]
    )
    assert result.exit_code == 1
    assert "neither" in result.output


def test_contributor_uploads_a_paper_confirms_corrects_and_saves(client, paper_world):
    world = paper_world
    submission = ops.start_submission(world.author, world.consultation)
    db.session.commit()
    login(client, world.author)
    browser = Browser(client).get(f"/submissions/{submission.id}")
    browser.follow("Upload a position paper")
    assert browser.status == 200
    browser.submit(browser.form("/paper"), file=(io.BytesIO(as_docx(HEADED)), "paper.docx"))
    assert browser.status == 200
    assert "Nothing is saved yet" in browser.html
    assert db.session.scalars(select(Comment)).all() == []
    form = browser.form("/paper/save")
    assert form.fields["comments-3-paragraph"] == ["2(b)"]
    assert form.fields["comments-3-position"] == ["support_with_amendments"]
    assert form.fields["comments-3-proposed_wording"] == [
        "ensure the participation of all peoples and individuals in development."
    ]
    browser.submit(
        form,
        **{
            "comments-1-keep": "",  # PP5 left out
            "comments-0-position": "reservation",  # corrected
        },
    )
    assert browser.status == 200 and browser.url == f"/submissions/{submission.id}"
    assert "4 comments from the paper were saved" in browser.html
    comments = db.session.scalars(select(Comment).order_by(Comment.id)).all()
    assert [(c.provision.label, c.position) for c in comments] == [
        ("PP3", Position.RESERVATION),
        ("Article 1", Position.SUPPORT),
        ("Article 4", Position.SUPPORT_WITH_AMENDMENTS),
        ("Article 7 bis", Position.OPPOSE),
    ]
    assert comments[1].quoted_text == "the right to the thing"
    amended = comments[2]
    assert amended.paragraph is not None and amended.paragraph.label == "(b)"
    assert amended.proposed_wording == (
        "ensure the participation of all peoples and individuals in development."
    )
    saved = db.session.get(Submission, submission.id)
    assert saved is not None and "thanks the Independent Expert" in (saved.general_remarks or "")
    assert not saved.is_submitted  # a draft until the contributor submits


def test_a_corrected_row_that_is_invalid_shows_the_form_again_and_saves_nothing(
    client, paper_world
):
    submission = ops.start_submission(paper_world.author, paper_world.consultation)
    db.session.commit()
    login(client, paper_world.author)
    browser = Browser(client).get(f"/submissions/{submission.id}/paper")
    browser.submit(browser.form("/paper"), file=(io.BytesIO(as_pdf(PROSE)), "paper.pdf"))
    browser.submit(browser.form("/paper/save"), **{"comments-0-paragraph": "9"})
    assert browser.status == 400
    assert "has no paragraph" in browser.html
    assert db.session.scalars(select(Comment)).all() == []


def test_an_upload_that_is_no_paper_is_refused_with_a_message(client, paper_world):
    submission = ops.start_submission(paper_world.author, paper_world.consultation)
    db.session.commit()
    login(client, paper_world.author)
    browser = Browser(client).get(f"/submissions/{submission.id}/paper")
    browser.submit(browser.form("/paper"), file=(io.BytesIO(b"plain text"), "paper.docx"))
    assert browser.status == 400
    assert "neither" in browser.html


def test_another_organisation_cannot_upload_to_a_submission(client, paper_world):
    submission = ops.start_submission(paper_world.author, paper_world.consultation)
    db.session.commit()
    login(client, paper_world.outsider)
    response = client.post(
        f"/submissions/{submission.id}/paper",
        data={"file": (io.BytesIO(docx_bytes()), "paper.docx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 404


def test_secretariat_records_a_note_verbale_from_its_pdf(client, paper_world):
    world = paper_world
    login(client, world.secretariat)
    browser = Browser(client).get(f"/secretariat/submissions/{world.consultation.id}/")
    browser.follow("Upload a position paper")
    browser.submit(browser.form("/paper"), file=(io.BytesIO(as_pdf(NOTE_VERBALE)), "note.pdf"))
    assert browser.status == 200 and "Nothing is recorded yet" in browser.html
    form = browser.form("/paper/record")
    assert form.fields["channel"] == ["note_verbale"]
    assert form.fields["organisation"] == [str(world.org.id)]  # named in the note
    browser.submit(form, received_date="2023-01-20", channel_detail="NV/2023/17")
    assert browser.status == 200, browser.html
    submission = db.session.scalars(select(Submission)).one()
    assert browser.url == f"/submissions/{submission.id}/receipt"
    assert submission.channel is Channel.NOTE_VERBALE
    assert submission.recorded_by_id == world.secretariat.id
    assert "highest consideration" in (submission.general_remarks or "")
    comments = db.session.scalars(select(Comment).order_by(Comment.id)).all()
    assert [(c.provision.label, c.position.value) for c in comments] == [
        e[:3:2] for e in EXPECTED["note_verbale"]
    ]


def test_only_the_secretariat_records_papers(client, paper_world):
    login(client, paper_world.author)
    response = client.get(f"/secretariat/submissions/{paper_world.consultation.id}/paper")
    assert response.status_code == 403
