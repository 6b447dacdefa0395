"""The consensus rule on hand-made figures: every level, the boundaries, the config."""

from __future__ import annotations

import pytest

from consult_app.accounts.models import OrgCategory
from consult_app.accounts.models import RegionalGroup as G
from consult_app.submissions.models import Position as P
from consult_app.summaries.aggregation import GroupFigures, ProvisionFigures
from consult_app.summaries.consensus import (
    ConsensusLevel,
    ConsensusRule,
    classify,
    rule_from_config,
)

RULE = ConsensusRule()


def figures(spec: dict[G, dict[P, int]], others: dict[P, int] | None = None) -> ProvisionFigures:
    """Figures where each State comments once with the given stance."""
    result = ProvisionFigures(1, "Article 1", "Article 1", 1, public_only=False)
    for group, stances in spec.items():
        part = GroupFigures()
        for position, n in stances.items():
            part.stances[position] += n
            part.positions[position] += n
            part.comment_positions[position] += n
            part.organisations += n
            part.comments += n
        result.by_regional_group[group] = part
        result.states._add(part)
        result.total._add(part)
    if others:
        part = GroupFigures()
        for position, n in others.items():
            part.stances[position] += n
            part.organisations += n
            part.comments += n
        result.other_stakeholders._add(part)
        result.by_category[OrgCategory.NGO] = part
        result.total._add(part)
    return result


def level(spec: dict[G, dict[P, int]], rule: ConsensusRule = RULE, **kw: object) -> ConsensusLevel:
    return classify(figures(spec, **kw), rule).level  # type: ignore[arg-type]


FIVE_GROUPS_SUPPORT = {g: {P.SUPPORT: 2} for g in G}


def test_agreed_needs_every_group_and_no_objection() -> None:
    result = classify(figures(FIVE_GROUPS_SUPPORT), RULE)
    assert result.level is ConsensusLevel.AGREED
    assert result.label == "Agreed"
    assert result.reasons[0].startswith("Agreed")
    assert any("10 States took a position, from 5 of 5 regional groups" in r
               for r in result.reasons)


def test_one_reservation_makes_broad_support_not_agreed() -> None:
    spec = {**FIVE_GROUPS_SUPPORT, G.WEOG: {P.SUPPORT: 2, P.RESERVATION: 1}}
    result = classify(figures(spec), RULE)
    assert result.level is ConsensusLevel.BROADLY_SUPPORTED
    assert "more than 0 reservations" in result.reasons[0]


def test_agreed_needs_enough_groups() -> None:
    three = {G.AFRICAN: {P.SUPPORT: 2}, G.WEOG: {P.SUPPORT: 2}, G.GRULAC: {P.SUPPORT: 2}}
    assert level(three) is ConsensusLevel.BROADLY_SUPPORTED
    four = {**three, G.ASIA_PACIFIC: {P.SUPPORT: 1}}
    assert level(four) is ConsensusLevel.AGREED


def test_supported_with_amendments_when_most_supporters_amend() -> None:
    spec = {g: {P.SUPPORT_WITH_AMENDMENTS: 2, P.SUPPORT: 1} for g in G}
    result = classify(figures(spec), RULE)
    assert result.level is ConsensusLevel.SUPPORTED_WITH_AMENDMENTS
    # Equal numbers: the text as it stands is not outweighed.
    equal = {g: {P.SUPPORT_WITH_AMENDMENTS: 1, P.SUPPORT: 1} for g in G}
    assert level(equal) is ConsensusLevel.AGREED


def test_contested_and_bracketed_boundaries() -> None:
    # 20 States from 5 groups; opposition share decides.
    def with_opposition(n: int) -> dict[G, dict[P, int]]:
        spec = {g: {P.SUPPORT: 4} for g in G}
        spec[G.WEOG] = {P.SUPPORT: 4 - min(n, 4), P.OPPOSE: min(n, 4)}
        if n > 4:
            spec[G.AFRICAN] = {P.SUPPORT: 4 - (n - 4), P.PROPOSE_DELETION: n - 4}
        return spec

    assert level(with_opposition(2)) is ConsensusLevel.BROADLY_SUPPORTED  # 10 %
    assert level(with_opposition(3)) is ConsensusLevel.CONTESTED  # 15 % = threshold
    assert level(with_opposition(6)) is ConsensusLevel.CONTESTED  # 30 %
    assert level(with_opposition(7)) is ConsensusLevel.BRACKETED  # 35 % >= 33 %


def test_bracketed_at_exact_threshold() -> None:
    rule = ConsensusRule(bracketed_opposition=0.25)
    spec = {G.AFRICAN: {P.SUPPORT: 3, P.OPPOSE: 1}, G.WEOG: {P.SUPPORT: 3, P.OPPOSE: 1}}
    result = classify(figures(spec), rule)  # 2 of 8 = 25 %
    assert result.level is ConsensusLevel.BRACKETED
    assert "25 %" in result.reasons[0]


def test_low_support_is_contested_even_without_opposition() -> None:
    spec = {g: {P.SUPPORT: 2, P.RESERVATION: 1} for g in G}  # 10 of 15 = 67 %
    result = classify(figures(spec), RULE)
    assert result.level is ConsensusLevel.CONTESTED
    assert "below the threshold of 75 %" in result.reasons[0]
    # Exactly 75 %: broad.
    spec = {g: {P.SUPPORT: 3, P.RESERVATION: 1} for g in G}
    assert level(spec) is ConsensusLevel.BROADLY_SUPPORTED


def test_regional_groups_without_support_make_it_contested() -> None:
    spec = {g: {P.SUPPORT: 4} for g in (G.AFRICAN, G.ASIA_PACIFIC, G.WEOG)}
    spec[G.GRULAC] = {P.SUPPORT: 1, P.RESERVATION: 1}  # half is not a majority
    assert level(spec) is ConsensusLevel.BROADLY_SUPPORTED  # one group lacking: allowed
    spec[G.EASTERN_EUROPEAN] = {P.RESERVATION: 1, P.NO_POSITION: 3}
    result = classify(figures(spec), RULE)
    assert result.level is ConsensusLevel.CONTESTED
    assert "2 regional groups lack a supporting majority" in result.reasons[0]


def test_no_basis_below_minimum_states_or_groups() -> None:
    four = {G.AFRICAN: {P.SUPPORT: 2}, G.WEOG: {P.SUPPORT: 2}}
    assert level(four) is ConsensusLevel.NO_BASIS
    five = {G.AFRICAN: {P.SUPPORT: 3}, G.WEOG: {P.SUPPORT: 2}}
    assert level(five) is not ConsensusLevel.NO_BASIS
    one_group = {G.AFRICAN: {P.SUPPORT: 9}}
    assert level(one_group) is ConsensusLevel.NO_BASIS
    # "No position" does not count as taking a position.
    silent = {G.AFRICAN: {P.SUPPORT: 2, P.NO_POSITION: 5}, G.WEOG: {P.SUPPORT: 2}}
    assert level(silent) is ConsensusLevel.NO_BASIS


def test_other_stakeholders_never_change_the_level_but_are_reported() -> None:
    base = figures(FIVE_GROUPS_SUPPORT)
    crowd = figures(FIVE_GROUPS_SUPPORT, others={P.OPPOSE: 500})
    assert classify(base, RULE).level is classify(crowd, RULE).level is ConsensusLevel.AGREED
    reasons = classify(crowd, RULE).reasons
    assert any("Other stakeholders" in r and "oppose or propose deletion 500" in r
               for r in reasons)


def test_thresholds_come_from_config(app) -> None:  # type: ignore[no-untyped-def]
    rule = rule_from_config(app.config)
    assert rule == ConsensusRule()
    custom = rule_from_config({**app.config, "CONSENSUS_MIN_STATES": 20,
                               "CONSENSUS_BROAD_SUPPORT": "0.5"})
    assert custom.min_states == 20 and custom.broad_support == 0.5
    assert level(FIVE_GROUPS_SUPPORT, custom) is ConsensusLevel.NO_BASIS
    spec = {g: {P.SUPPORT: 2, P.RESERVATION: 1} for g in G}
    assert level(spec) is ConsensusLevel.CONTESTED
    lenient = rule_from_config({"CONSENSUS_BROAD_SUPPORT": 0.6})
    assert level(spec, lenient) is ConsensusLevel.BROADLY_SUPPORTED


@pytest.mark.parametrize("lvl", list(ConsensusLevel))
def test_every_level_has_a_label(lvl: ConsensusLevel) -> None:
    assert lvl.label
