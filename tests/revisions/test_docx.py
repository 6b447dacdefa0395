from __future__ import annotations

import io

import docx

from consult_app.revisions import operations as ops
from consult_app.revisions.compare import compare_versions
from consult_app.revisions.docx_tracked import comparison_docx
from consult_app.texts.models import ProvisionKind
from tests.revisions.docx_check import resolved_paragraphs, revisions
from tests.revisions.helpers import consulted_version, secretariat


def _revised():
    old, _c = consulted_version(articles=4, preamble=3)
    actor = secretariat()
    new = ops.start_next_version(actor, old, "Second draft")
    articles = [p for p in new.provisions if p.kind is ProvisionKind.ARTICLE]
    preamble = [p for p in new.provisions if p.kind is ProvisionKind.PREAMBLE]
    ops.edit_provision(
        actor,
        articles[0],
        "Renamed",
        "1. Every person has the right to the thing in article 1.\n"
        "2. States shall take measures to that end.",
    )
    ops.add_provision(
        actor,
        new,
        ProvisionKind.ARTICLE,
        articles[1],
        None,
        "Inserted",
        "1. A wholly new paragraph.",
    )
    ops.delete_provision(actor, preamble[1])
    ops.move_provision(actor, articles[3], articles[0])
    ops.renumber(actor, new)
    return old, new


def test_docx_has_tracked_changes_that_accept_and_reject():
    old, new = _revised()
    comparison = compare_versions(old, new)
    data = comparison_docx(comparison, author="Secretariat")
    marks = revisions(data)
    assert {m.tag.split("}")[1] for m in marks} == {"ins", "del"}
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    assert all(m.get(f"{w}author") == "Secretariat" and m.get(f"{w}date") for m in marks)
    assert len({m.get(f"{w}id") for m in marks}) == len(marks)  # one id per revision
    accepted = resolved_paragraphs(data, accept=True)
    rejected = resolved_paragraphs(data, accept=False)
    front = 2  # title and explanation
    assert accepted[front:] == comparison.new_lines()
    assert rejected[front:] == comparison.old_lines()
    assert "1. Every person has the right to the thing in article 1." in accepted
    assert "1. Everyone has the right to the thing in article 1." in rejected
    # python-docx opens it (and sees the unchanged words).
    document = docx.Document(io.BytesIO(data))
    assert document.paragraphs[0].text == new.display_title


def test_new_lines_are_the_new_version():
    from consult_app.revisions.compare import lines_of

    old, new = _revised()
    comparison = compare_versions(old, new)
    assert comparison.new_lines() == [ln.text for p in new.provisions for ln in lines_of(p)]
    assert comparison.old_lines() == [ln.text for p in old.provisions for ln in lines_of(p)]
