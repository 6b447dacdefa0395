"""The settings of the consensus indicator and of the drafted summaries, per consultation.

A consultation has its own thresholds once the secretariat saves them
(:class:`~consult_app.summaries.models.ConsensusSettings`); until then it uses the
defaults below, which the application configuration may override with the
``CONSENSUS_MIN_STATES``, ``CONSENSUS_MIN_GROUPS`` and ``CONSENSUS_AGREED_MIN_GROUPS``
settings. docs/consensus.md explains each threshold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import select

from consult_app.consultations.models import Consultation
from consult_app.extensions import db
from consult_app.summaries.models import Attribution, ConsensusSettings


@dataclass(frozen=True)
class ConsensusRule:
    """The thresholds of the consensus rule and the wording choices of the summaries.

    Counts are of State positions: a State speaking for itself, or one statement made on
    behalf of a group of States (see docs/consensus.md).
    """

    #: Objecting State positions that keep a text in square brackets (UN practice: one).
    bracket_objections: int = 1
    #: A reading needs at least this many State positions, from this many regional groups.
    min_states: int = 5
    min_groups: int = 2
    #: A text nobody objects to reads as agreed when States of at least this many regional
    #: groups took a position on the provision (else "no objection, limited participation").
    agreed_min_groups: int = 4
    #: Quantifiers: 1 "one", 2 to ``few_max`` "a few", up to ``some_max`` "some", up to
    #: ``several_max`` "several", above "many"; "most" for more than half of those who took
    #: a position, when they are at least ``most_min``.
    few_max: int = 3
    some_max: int = 5
    several_max: int = 9
    most_min: int = 4
    #: Name delegations and organisations (those that may be named) in the summaries and
    #: the reasons, or write unattributed, in the style of a chair's summary.
    named: bool = True


#: The documented defaults (docs/consensus.md).
DEFAULT_RULE = ConsensusRule()

#: Application settings that override a default (read, never written, here).
_CONFIG_KEYS: dict[str, str] = {
    "min_states": "CONSENSUS_MIN_STATES",
    "min_groups": "CONSENSUS_MIN_GROUPS",
    "agreed_min_groups": "CONSENSUS_AGREED_MIN_GROUPS",
}

#: The thresholds a consultation may set (every field of the rule but ``named``).
THRESHOLDS = tuple(f.name for f in fields(ConsensusRule) if f.name != "named")


def rule_from_config(config: Mapping[str, Any]) -> ConsensusRule:
    """The default rule, with the ``CONSENSUS_*`` values of ``config`` that apply to it."""
    values: dict[str, Any] = {}
    for attribute, key in _CONFIG_KEYS.items():
        if config.get(key) is not None:
            values[attribute] = int(config[key])
    return replace(DEFAULT_RULE, **values)


def default_rule() -> ConsensusRule:
    """The rule of a consultation without settings of its own."""
    return rule_from_config(current_app.config) if has_app_context() else DEFAULT_RULE


def rule_of(settings: ConsensusSettings | None) -> ConsensusRule:
    if settings is None:
        return default_rule()
    return ConsensusRule(
        **{name: int(getattr(settings, name)) for name in THRESHOLDS},
        named=settings.attribution is Attribution.NAMED,
    )


def consensus_settings(consultation: Consultation) -> ConsensusSettings | None:
    return db.session.scalars(
        select(ConsensusSettings).where(ConsensusSettings.consultation_id == consultation.id)
    ).one_or_none()


def rule_for(consultation: Consultation) -> ConsensusRule:
    """The consensus rule of ``consultation``: its own settings, or the defaults."""
    return rule_of(consensus_settings(consultation))


def check_rule(rule: ConsensusRule) -> list[str]:
    """What is wrong with ``rule`` (the database's check constraints, in words)."""
    problems = []
    if rule.bracket_objections < 1:
        problems.append(_("At least one objection must be needed to bracket a text."))
    if rule.min_states < 1:
        problems.append(_("A reading needs at least one State position."))
    if not 1 <= rule.min_groups <= 5:
        problems.append(_("The regional groups needed for a reading must be from 1 to 5."))
    if not 1 <= rule.agreed_min_groups <= 5:
        problems.append(_("The regional groups needed for agreement must be from 1 to 5."))
    if not 2 <= rule.few_max <= rule.some_max <= rule.several_max:
        problems.append(
            _(
                'The quantifiers must grow: "a few" from 2, then "some", then "several" '
                "(each bound at least the one before)."
            )
        )
    if rule.most_min < 2:
        problems.append(_('"Most" needs at least 2 delegations.'))
    return problems
