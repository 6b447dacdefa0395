"""The consensus indicator: a documented rule over the stances of States (docs/consensus.md).

Only States decide the level; other stakeholders' positions are reported next to it, never
mixed in. Shares are of the States that **took a position** on the provision (a State whose
only comments say "no position" is not counted in the denominator). A State's stance is
its strongest position on the provision (see :mod:`consult_app.summaries.aggregation`).

The rule, in order (the first that applies wins):

1. **No basis**: fewer than ``min_states`` States took a position, or they come from fewer
   than ``min_groups`` regional groups.
2. **Bracketed**: the share of States opposing or proposing deletion is at least
   ``bracketed_opposition``.
3. **Contested**: that share is at least ``contested_opposition``; or the share of States
   supporting (with or without amendments) is below ``broad_support``; or more than
   ``max_groups_without_support`` of the regional groups that took part lack a supporting
   majority.
4. **Supported with amendments**: support is broad but more supporting States asked for
   amendments than supported the text as it stands.
5. **Agreed**: support is at least ``agreed_support``, nobody opposes, there are at most
   ``agreed_max_reservations`` reservations, every regional group that took part supports
   it by a majority and at least ``agreed_min_groups`` groups took part.
6. **Broadly supported**: otherwise.

All thresholds are inclusive ("at least").
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from consult_app.accounts.models import RegionalGroup
from consult_app.submissions.models import Position
from consult_app.summaries.aggregation import GroupFigures, ProvisionFigures

_EPSILON = 1e-9


class ConsensusLevel(enum.Enum):
    AGREED = "agreed"
    BROADLY_SUPPORTED = "broadly_supported"
    SUPPORTED_WITH_AMENDMENTS = "supported_with_amendments"
    CONTESTED = "contested"
    BRACKETED = "bracketed"
    NO_BASIS = "no_basis"

    @property
    def label(self) -> str:
        return str(LEVEL_LABELS[self])

    @property
    def order(self) -> int:
        """From most agreed (0) to least (4); no basis last (5)."""
        return list(ConsensusLevel).index(self)


LEVEL_LABELS = {
    ConsensusLevel.AGREED: _l("Agreed"),
    ConsensusLevel.BROADLY_SUPPORTED: _l("Broadly supported"),
    ConsensusLevel.SUPPORTED_WITH_AMENDMENTS: _l("Supported with amendments"),
    ConsensusLevel.CONTESTED: _l("Contested"),
    ConsensusLevel.BRACKETED: _l("Bracketed"),
    ConsensusLevel.NO_BASIS: _l("No basis (too few States)"),
}


@dataclass(frozen=True)
class ConsensusRule:
    """Thresholds of the rule; shares are fractions of the States taking a position."""

    min_states: int = 5
    min_groups: int = 2
    bracketed_opposition: float = 0.33
    contested_opposition: float = 0.15
    broad_support: float = 0.75
    agreed_support: float = 0.9
    agreed_min_groups: int = 4
    agreed_max_reservations: int = 0
    max_groups_without_support: int = 1


_CONFIG_KEYS: dict[str, tuple[str, type]] = {
    "min_states": ("CONSENSUS_MIN_STATES", int),
    "min_groups": ("CONSENSUS_MIN_GROUPS", int),
    "bracketed_opposition": ("CONSENSUS_BRACKETED_OPPOSITION", float),
    "contested_opposition": ("CONSENSUS_CONTESTED_OPPOSITION", float),
    "broad_support": ("CONSENSUS_BROAD_SUPPORT", float),
    "agreed_support": ("CONSENSUS_AGREED_SUPPORT", float),
    "agreed_min_groups": ("CONSENSUS_AGREED_MIN_GROUPS", int),
    "agreed_max_reservations": ("CONSENSUS_AGREED_MAX_RESERVATIONS", int),
    "max_groups_without_support": ("CONSENSUS_MAX_GROUPS_WITHOUT_SUPPORT", int),
}


def rule_from_config(config: Mapping[str, Any]) -> ConsensusRule:
    """The rule with the ``CONSENSUS_*`` thresholds of ``config`` (defaults for the rest)."""
    values: dict[str, Any] = {}
    for attribute, (key, kind) in _CONFIG_KEYS.items():
        if config.get(key) is not None:
            values[attribute] = kind(config[key])
    return ConsensusRule(**values)


@dataclass(frozen=True)
class ConsensusResult:
    level: ConsensusLevel
    label: str
    reasons: list[str]


def _pct(share: float) -> str:
    return f"{round(share * 100)} %"


def _at_least(count: int, threshold: float, total: int) -> bool:
    return count >= threshold * total - _EPSILON


def groups_with_majority_support(figures: ProvisionFigures) -> tuple[list[RegionalGroup],
                                                                     list[RegionalGroup]]:
    """(groups that took part, those of them where a majority of States taking a position
    support the provision)."""
    taking_part: list[RegionalGroup] = []
    supporting: list[RegionalGroup] = []
    for group, part in figures.by_regional_group.items():
        if not part.taking_position:
            continue
        taking_part.append(group)
        if part.supporting * 2 > part.taking_position:
            supporting.append(group)
    return taking_part, supporting


def _others_reason(others: GroupFigures) -> str:
    if not others.organisations:
        return _("No other stakeholder commented (reported separately, not part of the rule).")
    return _(
        "Other stakeholders (reported separately, not part of the rule): organisations "
        "%(n)d; support %(support)d, support with amendments %(amend)d, reservations "
        "%(reserve)d, oppose or propose deletion %(oppose)d.",
        n=others.organisations,
        support=others.stances[Position.SUPPORT],
        amend=others.stances[Position.SUPPORT_WITH_AMENDMENTS],
        reserve=others.reserving,
        oppose=others.opposing,
    )


def classify(figures: ProvisionFigures, rule: ConsensusRule) -> ConsensusResult:
    """The consensus level of one provision, with the reasons that led to it."""
    states = figures.states
    total = states.taking_position
    taking_part, supporting_groups = groups_with_majority_support(figures)
    reasons: list[str] = []
    facts: list[str] = []

    def result(level: ConsensusLevel) -> ConsensusResult:
        return ConsensusResult(level, level.label, reasons + facts + [_others_reason(
            figures.other_stakeholders)])

    facts.append(
        ngettext(
            "%(num)d State took a position, from %(groups)d of 5 regional groups.",
            "%(num)d States took a position, from %(groups)d of 5 regional groups.",
            total,
            groups=len(taking_part),
        )
    )
    if total < rule.min_states or len(taking_part) < rule.min_groups:
        reasons.append(
            _(
                "Too few States for a consensus reading: at least %(states)d States from "
                "%(groups)d regional groups must take a position.",
                states=rule.min_states,
                groups=rule.min_groups,
            )
        )
        return result(ConsensusLevel.NO_BASIS)

    support_share = states.supporting / total
    opposition_share = states.opposing / total
    plain = states.stances[Position.SUPPORT]
    amended = states.stances[Position.SUPPORT_WITH_AMENDMENTS]
    lacking = [g for g in taking_part if g not in supporting_groups]
    facts.append(
        _(
            "%(n)d of %(total)d States (%(share)s) support it, %(amended)d of them with "
            "amendments.",
            n=states.supporting,
            total=total,
            share=_pct(support_share),
            amended=amended,
        )
    )
    facts.append(
        _(
            "States opposing it or proposing its deletion: %(n)d (%(share)s); States with a "
            "reservation: %(res)d.",
            n=states.opposing,
            share=_pct(opposition_share),
            res=states.reserving,
        )
    )
    facts.append(
        _(
            "A majority of the States of %(n)d of the %(groups)d regional groups taking part "
            "support it.",
            n=len(supporting_groups),
            groups=len(taking_part),
        )
        + (
            " "
            + _(
                "Without a supporting majority: %(names)s.",
                names=", ".join(g.label for g in lacking),
            )
            if lacking
            else ""
        )
    )

    if _at_least(states.opposing, rule.bracketed_opposition, total):
        reasons.append(
            _(
                "Bracketed: opposition or proposed deletion by %(share)s of States is at least "
                "the threshold of %(threshold)s.",
                share=_pct(opposition_share),
                threshold=_pct(rule.bracketed_opposition),
            )
        )
        return result(ConsensusLevel.BRACKETED)
    if _at_least(states.opposing, rule.contested_opposition, total):
        reasons.append(
            _(
                "Contested: opposition or proposed deletion by %(share)s of States is at least "
                "the threshold of %(threshold)s.",
                share=_pct(opposition_share),
                threshold=_pct(rule.contested_opposition),
            )
        )
        return result(ConsensusLevel.CONTESTED)
    if not _at_least(states.supporting, rule.broad_support, total):
        reasons.append(
            _(
                "Contested: support from %(share)s of States is below the threshold of "
                "%(threshold)s for broad support.",
                share=_pct(support_share),
                threshold=_pct(rule.broad_support),
            )
        )
        return result(ConsensusLevel.CONTESTED)
    if len(lacking) > rule.max_groups_without_support:
        reasons.append(
            _(
                "Contested: %(n)d regional groups lack a supporting majority (at most %(max)d "
                "allowed for broad support).",
                n=len(lacking),
                max=rule.max_groups_without_support,
            )
        )
        return result(ConsensusLevel.CONTESTED)
    if amended > plain:
        reasons.append(
            _(
                "Supported with amendments: support is broad, but more supporting States asked "
                "for amendments (%(amended)d) than supported the text as it stands (%(plain)d).",
                amended=amended,
                plain=plain,
            )
        )
        return result(ConsensusLevel.SUPPORTED_WITH_AMENDMENTS)
    agreed_missing: list[str] = []
    if not _at_least(states.supporting, rule.agreed_support, total):
        agreed_missing.append(
            _("support is below %(threshold)s", threshold=_pct(rule.agreed_support))
        )
    if states.opposing:
        agreed_missing.append(_("some States oppose it"))
    if states.reserving > rule.agreed_max_reservations:
        agreed_missing.append(
            _("more than %(n)d reservations", n=rule.agreed_max_reservations)
        )
    if lacking:
        agreed_missing.append(_("not every regional group taking part supports it"))
    if len(taking_part) < rule.agreed_min_groups:
        agreed_missing.append(
            _("fewer than %(n)d regional groups took part", n=rule.agreed_min_groups)
        )
    if not agreed_missing:
        reasons.append(
            _(
                "Agreed: support from at least %(threshold)s of States, no opposition, no more "
                "than %(res)d reservations, and a supporting majority in every regional group "
                "taking part.",
                threshold=_pct(rule.agreed_support),
                res=rule.agreed_max_reservations,
            )
        )
        return result(ConsensusLevel.AGREED)
    reasons.append(
        _(
            "Broadly supported: support from at least %(threshold)s of States across regional "
            "groups, but not agreed because %(why)s.",
            threshold=_pct(rule.broad_support),
            why="; ".join(agreed_missing),
        )
    )
    return result(ConsensusLevel.BROADLY_SUPPORTED)
