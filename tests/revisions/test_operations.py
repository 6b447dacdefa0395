from __future__ import annotations

import pytest
from sqlalchemy import select

from consult_app.core.audit import AuditEntry
from consult_app.core.errors import UserError
from consult_app.extensions import db
from consult_app.review.models import Outcome
from consult_app.revisions import operations as ops
from consult_app.revisions.compare import check_references, compare_versions
from consult_app.revisions.models import ChangeKind, TextChange, provision_sources
from consult_app.texts.models import ProvisionKind, VersionStatus
from tests.revisions.helpers import comment_on, consulted_version, secretariat


def _articles(version):
    db.session.expire(version, ["provisions"])
    return [p for p in version.provisions if p.kind is ProvisionKind.ARTICLE]


def test_next_version_copies_with_lineage():
    old, _c = consulted_version()
    actor = secretariat()
    new = ops.start_next_version(actor, old, "Second draft", "A/HRC/TEST/2")
    assert new.status is VersionStatus.DRAFT and new.previous_id == old.id
    assert [p.plain_text() for p in new.provisions] == [p.plain_text() for p in old.provisions]
    assert [p.derived_from_id for p in new.provisions] == [p.id for p in old.provisions]
    comparison = compare_versions(old, new)
    assert all(item.statuses == ["unchanged"] for item in comparison.items)
    assert db.session.scalars(select(AuditEntry.action)).all()[-1] == "start_next_version"


def test_insert_bis_renumber_and_references():
    old, _c = consulted_version(articles=4)
    actor = secretariat()
    new = ops.start_next_version(actor, old, "Second draft")
    a = _articles(new)
    bis = ops.add_provision(
        actor,
        new,
        ProvisionKind.ARTICLE,
        a[1],
        None,
        "New",
        "1. As provided in article 3, paragraph 2, and article 4.",
    )
    assert bis.number == "2 bis"
    changes = ops.renumber(actor, new)
    numbers = [p.number for p in _articles(new)]
    assert numbers == ["1", "2", "3", "4", "5"]
    assert {c.kind for c in changes} == {ChangeKind.RENUMBERED}
    flags = check_references(new)
    messages = " ".join(f.message for f in flags)
    assert "Article 3 is now Article 4" in messages
    assert "Article 4 is now Article 5" in messages
    comparison = compare_versions(old, new)
    statuses = [
        item.statuses
        for item in comparison.items
        if item.new is not None and item.new.kind is ProvisionKind.ARTICLE
    ]
    assert statuses[2] == ["added"]
    assert "renumbered" in statuses[3]
    assert comparison.old_lines() == [ln for p in old.provisions for ln in _lines(p)]


def _lines(provision):
    from consult_app.revisions.compare import lines_of

    return [ln.text for ln in lines_of(provision)]


def test_delete_move_split_merge_keep_the_invariant():
    old, _c = consulted_version(articles=4, preamble=3)
    actor = secretariat()
    new = ops.start_next_version(actor, old, "Second draft")
    pre = [p for p in new.provisions if p.kind is ProvisionKind.PREAMBLE]
    ops.delete_provision(actor, pre[1], "Covered elsewhere.")
    a = _articles(new)
    ops.move_provision(actor, a[0], a[2])
    a = _articles(new)
    second = ops.split_provision(actor, a[-1], a[-1].paragraphs[1])
    assert second.number == "4 bis" and len(second.paragraphs) == 1
    a = _articles(new)
    ops.merge_provisions(actor, a[0], a[1])
    comparison = compare_versions(old, new)
    kinds = {s for item in comparison.items for s in item.statuses}
    assert {"deleted", "moved", "moved_away", "split", "merged"} <= kinds
    assert comparison.old_lines() == [ln for p in old.provisions for ln in _lines(p)]
    db.session.expire(new, ["provisions"])
    assert comparison.new_lines() == [ln for p in new.provisions for ln in _lines(p)]
    merged = _articles(new)[0]
    assert (
        len(
            db.session.execute(
                select(provision_sources).where(provision_sources.c.provision_id == merged.id)
            ).all()
        )
        == 2
    )


def test_apply_amendment_records_disposition_and_conflicts():
    old, consultation = consulted_version()
    article = next(p for p in old.provisions if p.kind is ProvisionKind.ARTICLE)
    para = article.paragraphs[1]
    c1 = comment_on(
        consultation, article, paragraph=para, wording="States should take measures to that end."
    )
    comment_on(
        consultation,
        article,
        paragraph=para,
        wording="States shall take all appropriate measures to that end.",
    )
    c3 = comment_on(
        consultation,
        article,
        paragraph=article.paragraphs[0],
        wording="Every person has the right to the thing in article 1.",
    )
    actor = secretariat()
    new = ops.start_next_version(actor, old, "Second draft")
    amendments = ops.amendments_for(new)
    groups = ops.group_amendments(amendments)
    assert sorted(len(g) for g in groups) == [1, 2]
    conflict = next(g for g in groups if len(g) == 2)
    with pytest.raises(UserError):
        ops.apply_amendments(actor, new, conflict)
    change = ops.apply_amendments(
        actor, new, conflict, wording="States should take all appropriate measures."
    )
    single = next(g for g in groups if len(g) == 1)
    ops.apply_amendments(actor, new, single)
    target = _articles(new)[0]
    assert [p.text for p in target.paragraphs] == [
        "Every person has the right to the thing in article 1.",
        "States should take all appropriate measures.",
    ]
    db.session.expire_all()
    assert c3.disposition.outcome is Outcome.ACCEPTED
    assert c1.disposition.outcome is Outcome.ACCEPTED_IN_PART
    assert c1.disposition.resulting_provision_id == target.id
    assert change is not None and change.kind is ChangeKind.AMENDMENT
    assert all(a.applied for a in ops.amendments_for(new))
    again = ops.group_amendments(ops.amendments_for(new, [c3.id]))[0]
    with pytest.raises(UserError):  # a double click applies nothing twice
        ops.apply_amendments(actor, new, again)
    assert db.session.scalar(select(TextChange.id).where(TextChange.id == change.id))


def test_align_imported_version_by_content():
    old, _c = consulted_version(articles=3, preamble=0)
    actor = secretariat()
    new = ops.start_next_version(actor, old, "Imported")
    # Forget the lineage, as an import would have none.
    for p in new.provisions:
        p.derived_from_id = None
    db.session.execute(provision_sources.delete())
    arts = _articles(new)
    ops.edit_provision(
        actor,
        arts[0],
        arts[0].title,
        "1. Everyone has the right to the thing in article 3.\n"
        "2. States shall take measures to that end.",
    )
    suggestions = ops.suggest_alignment(new, old)
    old_articles = [p for p in old.provisions if p.kind is ProvisionKind.ARTICLE]
    assert [s.source.id for s in suggestions] == [a.id for a in old_articles]
    mapping = {s.provision.id: [s.source.id] for s in suggestions if s.source}
    assert ops.confirm_alignment(actor, new, mapping) == 3
    assert [p.derived_from_id for p in _articles(new)] == [a.id for a in old_articles]


def test_published_version_is_frozen():
    old, _c = consulted_version()
    actor = secretariat()
    new = ops.start_next_version(actor, old, "Second draft")
    from datetime import date

    ops.publish_version(actor, new, "A/HRC/TEST/2", date(2027, 1, 10))
    assert new.status is VersionStatus.PUBLISHED
    assert old.status is VersionStatus.SUPERSEDED
    with pytest.raises(UserError):
        ops.edit_provision(actor, new.provisions[0], None, "Changed.")


def test_parse_wording_levels():
    intro, lines = ops.parse_wording(
        "States shall:\n1. first\n(a) letter\n(i) roman\n(ii) roman two\n(b) letter b\n"
        "continued\n2 bis. second"
    )
    assert intro == "States shall:"
    assert [(ln.level, ln.label) for ln in lines] == [
        (0, "1"),
        (1, "(a)"),
        (2, "(i)"),
        (2, "(ii)"),
        (1, "(b)"),
        (0, "2 bis"),
    ]
    assert lines[4].text == "letter b continued"


def test_preambular_insertion_and_vanished_or_merged_references():
    old, _c = consulted_version(articles=4, preamble=2)
    actor = secretariat()
    new = ops.start_next_version(actor, old, "Second draft")
    pp1 = next(p for p in new.provisions if p.kind is ProvisionKind.PREAMBLE)
    inserted = ops.add_provision(
        actor, new, ProvisionKind.PREAMBLE, pp1, None, None, "Noting article 4 and article 9,"
    )
    assert inserted.number == "1 bis" and inserted.title is None
    db.session.expire(new, ["provisions"])
    assert [p.label for p in new.provisions][:3] == ["PP1", "PP1 bis", "PP2"]
    a = _articles(new)
    ops.edit_provision(
        actor, a[0], a[0].title, "1. Under the present article and paragraph 2 of article 2."
    )
    ops.delete_provision(actor, a[3])  # article 4 vanishes
    ops.merge_provisions(actor, a[0], a[1])  # article 1 absorbs article 2
    messages = [(f.provision.label, f.reference, f.message) for f in check_references(new)]
    text = " | ".join(m for _l, _r, m in messages)
    assert "Article 4 of the previous version was deleted." in text
    assert "There is no article 9 in this version." in text
    assert any("merged from several articles" in m for _l, _r, m in messages)
    assert any(r.lower().startswith("paragraph 2 of article 2") for _l, r, _m in messages)
