"""Saving a recognised text: provisions, nested paragraphs, versions, audit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from consult_app.accounts.models import Role
from consult_app.core.audit import AuditEntry
from consult_app.core.errors import UserError
from consult_app.extensions import db
from consult_app.texts.importer import ImportResult, parse_document
from consult_app.texts.models import Paragraph, Provision, ProvisionKind, TextVersion
from consult_app.texts.operations import import_text
from tests.conftest import make_user

TEXT = (
    "Declaration on testing\n\nPreamble\n\n(a) Recalling the past,\n\n(b) Noting the present,\n\n"
    "Proclaims:\n\nPart I\n\nArticle 1\nScope\n\n1. States shall:\n(a) test:\n(i) early;\n"
    "(ii) often;\n(b) fix.\n2. Second.\n\nArticle 2\n\nOnly text.\n\nDone at Geneva.\n"
)


def parsed(text: str = TEXT) -> ImportResult:
    return parse_document(text.encode(), "t.txt")


def test_import_saves_structure_and_audit():
    actor = make_user(Role.SECRETARIAT)
    version = import_text(actor, parsed(), "Draft 1", symbol=" A/HRC/1 ", source_filename="t.txt")
    assert version.id is not None
    assert version.instrument.title == "Draft 1"
    assert version.symbol == "A/HRC/1"
    assert version.front_matter == "Declaration on testing"
    assert version.proclamation == "Proclaims:"
    assert version.closing == "Done at Geneva."
    assert version.previous_id is None
    provisions = db.session.scalars(
        select(Provision).where(Provision.version_id == version.id).order_by(Provision.position)
    ).all()
    assert [(p.kind, p.number, p.source_label) for p in provisions] == [
        (ProvisionKind.PREAMBLE, "1", "(a)"),
        (ProvisionKind.PREAMBLE, "2", "(b)"),
        (ProvisionKind.ARTICLE, "1", None),
        (ProvisionKind.ARTICLE, "2", None),
    ]
    article = provisions[2]
    assert (article.title, article.part_heading) == ("Scope", "Part I")
    paragraphs = article.paragraphs
    assert [(p.position, p.level, p.label) for p in paragraphs] == [
        (1, 0, "1"),
        (2, 1, "(a)"),
        (3, 2, "(i)"),
        (4, 2, "(ii)"),
        (5, 1, "(b)"),
        (6, 0, "2"),
    ]
    by_label = {(p.level, p.label): p for p in paragraphs}
    assert by_label[(2, "(i)")].parent_id == by_label[(1, "(a)")].id
    assert by_label[(1, "(b)")].parent_id == by_label[(0, "1")].id
    assert by_label[(0, "2")].parent_id is None
    assert provisions[3].intro == "Only text."
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "import_text")).one()
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        actor.id,
        "TextVersion",
        version.id,
    )
    assert entry.after["counts"]["articles"] == 2


def test_new_version_of_existing_instrument_links_previous():
    first = import_text(None, parsed(), "Draft 1")
    second = import_text(None, parsed(), "Draft 2", instrument=first.instrument)
    third = import_text(None, parsed(), "Draft 3", instrument=first.instrument)
    assert second.instrument_id == first.instrument_id == third.instrument_id
    assert second.previous_id == first.id
    assert third.previous_id == second.id


@pytest.mark.parametrize("title", ["", "   ", "x" * 301])
def test_bad_title_is_refused_and_nothing_saved(title):
    with pytest.raises(UserError):
        import_text(None, parsed(), title)
    assert db.session.scalar(select(func.count(TextVersion.id))) == 0


def test_nothing_recognised_is_refused():
    with pytest.raises(UserError):
        import_text(None, ImportResult(format="text", chapeau="x"), "Draft")
    assert db.session.scalar(select(func.count(Paragraph.id))) == 0


def test_footnotes_are_saved_where_they_are_called():
    from consult_app.texts.models import Footnote, FootnotePlace

    result = parse_document(
        (
            b"# Declaration on testing[^t]\n\nThe General Assembly,\n\n"
            b"Recalling the past,[^1]\n\nProclaims:\n\n"
            b"## Article 1\n\n1. States shall test.[^2]\n\nDone at Geneva.[^3]\n\n"
            b"[^t]: A note on the title.\n[^1]: A note on PP1.\n[^2]: A note on paragraph 1.\n"
            b"[^3]: A note on the final formula.\n[^4]: A note called nowhere.\n"
        ),
        "t.md",
    )
    actor = make_user(Role.SECRETARIAT)
    version = import_text(actor, result, "Draft 1")
    notes = db.session.scalars(
        select(Footnote).where(Footnote.version_id == version.id).order_by(Footnote.position)
    ).all()
    pp1, article = version.provisions
    assert [
        (n.label, n.place, n.provision_id, n.paragraph_id, n.call_at, n.text) for n in notes
    ] == [
        ("1", FootnotePlace.FRONT_MATTER, None, None, len("Declaration on testing"),
         "A note on the title."),
        ("2", FootnotePlace.INTRO, pp1.id, None, len("Recalling the past,"), "A note on PP1."),
        ("3", FootnotePlace.TEXT, article.id, article.paragraphs[0].id,
         len("States shall test."), "A note on paragraph 1."),
        ("4", FootnotePlace.CLOSING, None, None, len("Done at Geneva."),
         "A note on the final formula."),
        ("5", None, None, None, None, "A note called nowhere."),
    ]  # fmt: skip
    assert version.notes_for("closing") == [notes[3]]
    assert version.notes_for(None) == [notes[4]]
    assert article.notes_for("text", article.paragraphs[0]) == [notes[2]]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "import_text")).one()
    assert entry.after["counts"]["footnotes"] == 5
    assert any("called nowhere" in w for w in entry.after["warnings"])
