"""The consensus rule, checked on the worked examples of docs/consensus.md.

Each ```example block of that page is read here and played for real: States (and their
groups, co-signers, observers) make submissions with comments on "Article 1" (paragraphs
1, 2 (a), 2 (b) and 3); the figures are read through the counts tables, and the level, the
first reason, the label, the other reasons and the drafted summary are compared with the
page, word for word. More cases (boundaries, settings, the API's unattributed reasons)
follow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from consult_app.accounts.models import Organisation, OrgCategory
from consult_app.accounts.models import RegionalGroup as G
from consult_app.consultations.models import Consultation
from consult_app.extensions import db
from consult_app.submissions.models import Position as P
from consult_app.summaries.aggregation import provision_figures
from consult_app.summaries.consensus import (
    ConsensusLevel,
    ConsensusResult,
    classify,
    rule_from_config,
)
from consult_app.summaries.models import Attribution, ConsensusSettings
from consult_app.summaries.narrative import draft_provision_summary
from consult_app.summaries.settings import DEFAULT_RULE, THRESHOLDS, rule_for
from consult_app.texts.models import Paragraph, Provision, ProvisionKind
from tests.conftest import make_consultation, make_org, make_version
from tests.summaries.helpers import submit

DOC = Path(__file__).resolve().parents[2] / "docs" / "consensus.md"

GROUPS = {
    "African": G.AFRICAN,
    "Asia-Pacific": G.ASIA_PACIFIC,
    "Eastern European": G.EASTERN_EUROPEAN,
    "GRULAC": G.GRULAC,
    "WEOG": G.WEOG,
}
POSITIONS = {
    "support": P.SUPPORT,
    "amendments": P.SUPPORT_WITH_AMENDMENTS,
    "reservation": P.RESERVATION,
    "oppose": P.OPPOSE,
    "deletion": P.PROPOSE_DELETION,
    "no position": P.NO_POSITION,
}
EXPECTATIONS = ("level", "reason", "label", "reasons include", "summary includes", "settings")


@dataclass
class Example:
    title: str
    lines: list[str]
    expected: dict[str, list[str]] = field(default_factory=dict)


def examples() -> list[Example]:
    """The ```example blocks of docs/consensus.md, titled by the sentence above each."""
    text = DOC.read_text(encoding="utf-8")
    found = []
    for match in re.finditer(r"([^\n]+)\n\n```example\n(.*?)```", text, re.S):
        example = Example(match.group(1).strip().rstrip(":"), [])
        for line in match.group(2).splitlines():
            key = next((k for k in EXPECTATIONS if line.startswith(k + ":")), None)
            if key:
                example.expected.setdefault(key, []).append(line[len(key) + 1 :].strip())
            elif line.strip():
                example.lines.append(line.strip())
        found.append(example)
    return found


def consulted() -> Consultation:
    return make_consultation(version=make_version(articles=0, preamble=0))


def article(consultation: Consultation) -> Provision:
    """Article 1: paragraphs 1, 2 (with (a) and (b)) and 3."""
    provision = Provision(
        version_id=consultation.version_id,
        position=1,
        kind=ProvisionKind.ARTICLE,
        number="1",
        title="Solidarity",
    )
    db.session.add(provision)
    two = Paragraph(provision=provision, position=2, level=0, label="2", text="States shall:")
    db.session.add_all(
        [
            Paragraph(provision=provision, position=1, level=0, label="1", text="Everyone."),
            two,
            Paragraph(
                provision=provision, position=3, level=1, label="(a)", text="Act;", parent=two
            ),
            Paragraph(
                provision=provision, position=4, level=1, label="(b)", text="Cooperate.", parent=two
            ),
            Paragraph(provision=provision, position=5, level=0, label="3", text="Nobody."),
        ]
    )
    db.session.flush()
    return provision


_serial = count(1)
#: "3 \u00d7 WEOG" (three States of that group) or "Name (group, for ..., with ...)".
HEAD = re.compile(
    r"^(?:(?P<n>\d+) \u00d7 (?P<many>[\w -]+)|(?P<name>[^(]+?) \((?P<attrs>[^)]*)\))$"
)


def play(example: Example) -> tuple[Consultation, Provision]:
    consultation = consulted()
    provision = article(consultation)
    labels = {p.label: p for p in provision.paragraphs if p.level == 0}
    for p in provision.paragraphs:
        if p.parent is not None:
            labels[f"{p.parent.label} {p.label}"] = p
    for setting in example.expected.get("settings", []):
        key, value = setting.split("=")
        values: dict[str, Any] = {n: getattr(DEFAULT_RULE, n) for n in THRESHOLDS}
        values["attribution"] = Attribution.NAMED
        if key == "attribution":
            values["attribution"] = Attribution(value)
        else:
            values[key] = int(value)
        db.session.add(ConsensusSettings(consultation=consultation, **values))
    states: dict[str, Organisation] = {}

    def make_state(name: str, group: str) -> Organisation:
        if group == "observer":
            org = make_org(name, category=OrgCategory.OBSERVER_STATE)
        else:
            org = make_org(name, category=OrgCategory.MEMBER_STATE, group=GROUPS[group])
        states[name] = org
        return org

    for line in example.lines:
        head, _sep, rest = line.partition(": ")
        match = HEAD.match(head.rstrip(":"))
        assert match, f"cannot read {line!r} in {example.title!r}"
        comments = []
        for item in filter(None, (i.strip() for i in rest.split(";"))):
            target, _s, position = item.rpartition(": ")
            paragraph = labels[target] if target else None
            comments.append(
                (
                    provision,
                    POSITIONS[position],
                    {"paragraph_id": paragraph.id if paragraph else None},
                )
            )
        if match.group("n"):
            for _ in range(int(match.group("n"))):
                org = make_state(f"{match.group('many')} {next(_serial)}", match.group("many"))
                submit(consultation, org, comments)
            continue
        name, attrs = match.group("name"), [a.strip() for a in match.group("attrs").split(",")]
        extra: dict[str, Any] = {}
        for attr in attrs[1:]:
            if attr.startswith("for the ") and attr.endswith(" Group"):
                extra["on_behalf_group"] = GROUPS[attr[len("for the ") : -len(" Group")]]
            elif attr.startswith("for the "):
                extra["on_behalf_name"] = attr[len("for the ") :]
            elif attr.startswith("with "):
                extra["cosigners"] = [states[n] for n in attr[len("with ") :].split(" and ")]
        org = states.get(name) or make_state(name, attrs[0])
        if comments:
            submit(consultation, org, comments, **extra)
    db.session.flush()
    return consultation, provision


def read(consultation: Consultation, provision: Provision) -> tuple[ConsensusResult, str]:
    (figures,) = provision_figures(consultation, [provision.id], public_only=True)
    result = classify(figures)
    return result, draft_provision_summary(consultation, figures, result)


EXAMPLES = examples()


def test_the_page_has_its_examples() -> None:
    assert len(EXAMPLES) >= 12
    assert all("level" in e.expected and "reason" in e.expected for e in EXAMPLES)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.title[:60] for e in EXAMPLES])
def test_worked_example(app: Flask, example: Example) -> None:
    consultation, provision = play(example)
    result, summary = read(consultation, provision)
    assert result.level is ConsensusLevel(example.expected["level"][0])
    assert result.reason == example.expected["reason"][0]
    for label in example.expected.get("label", []):
        assert result.label == label
    for text in example.expected.get("reasons include", []):
        assert any(text in reason for reason in result.reasons), (text, result.reasons)
    for text in example.expected.get("summary includes", []):
        assert text in summary, (text, summary)
    assert "%" not in " ".join(result.reasons) + summary


# --- beyond the examples --------------------------------------------------------------------


def _example(title: str) -> Example:
    return next(e for e in EXAMPLES if e.title.startswith(title))


def test_holding_back_names_the_parts_and_the_objection_its_width(app: Flask) -> None:
    consultation, provision = play(_example("Opposing one sub-paragraph"))
    result, _summary = read(consultation, provision)
    assert [t.label for t in result.holding_back] == ["paragraph 2 (b)"]
    assert [(t.label, t.level) for t in result.targets] == [
        ("the provision as a whole", ConsensusLevel.AGREED),
        ("paragraph 2 (b)", ConsensusLevel.BRACKETED),
    ]
    assert result.objection.positions == 1 and result.objection.is_lone
    assert result.objection.regional_groups == 1


def test_an_objection_to_the_whole_applies_to_each_paragraph_spoken_to(app: Flask) -> None:
    consultation = consulted()
    provision = article(consultation)
    two = next(p for p in provision.paragraphs if p.label == "2")
    for n, group in enumerate(G):
        submit(
            consultation,
            make_org(f"S{n}", category=OrgCategory.MEMBER_STATE, group=group),
            [(provision, P.SUPPORT, {"paragraph_id": two.id})],
        )
    submit(
        consultation,
        make_org("Objector", category=OrgCategory.MEMBER_STATE, group=G.WEOG),
        [(provision, P.OPPOSE)],
    )
    result, _summary = read(consultation, provision)
    assert [(t.label, t.level) for t in result.targets] == [
        ("the provision as a whole", ConsensusLevel.BRACKETED),
        ("paragraph 2", ConsensusLevel.BRACKETED),
    ]
    # Said once, of the whole: the paragraph is bracketed by the same objection only.
    assert result.reason == ("Bracketed: objection by 1 State of 1 regional group (Objector).")
    assert [t.label for t in result.holding_back] == ["the provision as a whole"]
    # Another State objecting to paragraph 2 itself is named with it.
    submit(
        consultation,
        make_org("Second", category=OrgCategory.MEMBER_STATE, group=G.AFRICAN),
        [(provision, P.OPPOSE, {"paragraph_id": two.id})],
    )
    result, _summary = read(consultation, provision)
    assert [t.label for t in result.holding_back] == ["the provision as a whole", "paragraph 2"]
    assert result.reason.startswith(
        "Bracketed: the provision as a whole and paragraph 2 remain in square brackets; "
        "the provision as a whole: objection by 1 State of 1 regional group (Objector); "
        "paragraph 2: objection by 2 States of 2 regional groups (Objector and Second)."
    )


def test_the_api_reasons_name_nobody(app: Flask) -> None:
    consultation, provision = play(_example("A lone objection"))
    (figures,) = provision_figures(consultation, [provision.id], public_only=True)
    assert classify(figures, named=False).reason == (
        "Bracketed: objection by 1 State of 1 regional group."
    )


def test_no_state_at_all(app: Flask) -> None:
    consultation = consulted()
    provision = article(consultation)
    submit(consultation, make_org("NGO"), [(provision, P.OPPOSE)])
    result, _summary = read(consultation, provision)
    assert result.level is ConsensusLevel.NO_BASIS
    assert result.reason == "No basis: no State took a position."
    assert result.reasons[-1].startswith("Other stakeholders (reported separately")


def test_settings_of_the_consultation_and_defaults_from_the_config(app: Flask) -> None:
    consultation = make_consultation()
    assert rule_for(consultation) == rule_from_config(app.config)
    assert rule_from_config({"CONSENSUS_MIN_STATES": "7"}).min_states == 7
    db.session.add(
        ConsensusSettings(
            consultation=consultation,
            bracket_objections=3,
            min_states=2,
            min_groups=1,
            agreed_min_groups=2,
            few_max=2,
            some_max=4,
            several_max=8,
            most_min=5,
            attribution=Attribution.UNATTRIBUTED,
        )
    )
    db.session.flush()
    rule = rule_for(consultation)
    assert (rule.bracket_objections, rule.min_states, rule.most_min, rule.named) == (3, 2, 5, False)


@pytest.mark.parametrize("lvl", list(ConsensusLevel))
def test_every_level_has_a_label(lvl: ConsensusLevel) -> None:
    assert lvl.label and lvl.label != lvl.value
