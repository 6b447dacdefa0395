"""The consensus indicator, read the way United Nations drafting reads a text.

docs/consensus.md states the rule with worked examples (tests/summaries/test_consensus.py
checks each). In short:

* Only States decide it; other stakeholders are reported next to it. Each **State
  position** counts once: a State speaking for itself, or one statement on behalf of a
  regional group or a group of States (the group's position, said as the group's). A
  member that also spoke for itself is not counted again where it took the group's
  position; where it took another, its own counts. Observer States count like Member
  States, and are said apart.
* The text is read **per paragraph** (and sub-paragraph) that States commented on, and as
  a whole: a State's position on a paragraph is what it said of that paragraph, else of
  the paragraph above it, else of the provision as a whole.
* **Bracketed**: a paragraph (or the provision as a whole) stays in square brackets as
  soon as ``bracket_objections`` State positions (one, by default) oppose it or propose
  its deletion; the reason says who, and how many States from how many regional groups.
* **Reservations** and explanations of position are recorded, and block nothing.
* Without an objection: **No basis** when fewer than ``min_states`` State positions, from
  ``min_groups`` regional groups, were taken on the provision; **Supported subject to
  amendments** where more State positions ask for amendments than support the text as it
  stands; **No objection (limited participation)** when States of fewer than
  ``agreed_min_groups`` regional groups took a position; else **Agreed**.
* The provision's level is the least agreed of its parts, and names the parts holding it
  back.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from consult_app.submissions.models import Position
from consult_app.summaries.aggregation import (
    OPPOSING,
    GroupFigures,
    ParagraphRef,
    ProvisionFigures,
    StateVoice,
)
from consult_app.summaries.settings import (  # noqa: F401  (re-exported)
    DEFAULT_RULE,
    ConsensusRule,
    rule_for,
    rule_from_config,
)
from consult_app.summaries.wording import (
    describe_voices,
    group_statement,
    join_words,
    regional_groups,
    state_positions,
)


class ConsensusLevel(enum.Enum):
    """From the most agreed to the least: a provision takes the least agreed of its parts."""

    AGREED = "agreed"
    NO_OBJECTION = "no_objection"
    SUPPORTED_WITH_AMENDMENTS = "supported_with_amendments"
    NO_BASIS = "no_basis"
    BRACKETED = "bracketed"

    @property
    def label(self) -> str:
        return str(LEVEL_LABELS[self])

    @property
    def order(self) -> int:
        """0 for agreed, up to 4 for bracketed."""
        return list(ConsensusLevel).index(self)


LEVEL_LABELS = {
    ConsensusLevel.AGREED: _l("Agreed"),
    ConsensusLevel.NO_OBJECTION: _l("No objection (limited participation)"),
    ConsensusLevel.SUPPORTED_WITH_AMENDMENTS: _l("Supported subject to amendments"),
    ConsensusLevel.NO_BASIS: _l("No basis (too few States)"),
    ConsensusLevel.BRACKETED: _l("Bracketed"),
}


@dataclass(frozen=True)
class Tally:
    """The State positions on one text: each counted once, by position."""

    by_position: dict[Position, tuple[StateVoice, ...]] = field(default_factory=dict)
    #: (member, group statement): members not counted again, having taken the group's
    #: position on this text.
    aligned: tuple[tuple[StateVoice, StateVoice], ...] = ()

    def of(self, *positions: Position) -> tuple[StateVoice, ...]:
        return tuple(v for p in positions for v in self.by_position.get(p, ()))

    @property
    def objecting(self) -> tuple[StateVoice, ...]:
        return self.of(*OPPOSING)

    @property
    def supporting(self) -> tuple[StateVoice, ...]:
        """Supporting the text as it stands."""
        return self.of(Position.SUPPORT)

    @property
    def amending(self) -> tuple[StateVoice, ...]:
        return self.of(Position.SUPPORT_WITH_AMENDMENTS)

    @property
    def reserving(self) -> tuple[StateVoice, ...]:
        return self.of(Position.RESERVATION)

    @property
    def taking_position(self) -> tuple[StateVoice, ...]:
        return tuple(
            v for p, vs in self.by_position.items() if p is not Position.NO_POSITION for v in vs
        )


@dataclass(frozen=True)
class TargetReading:
    """The reading of one part of a provision: a paragraph, or the provision as a whole."""

    #: The paragraph (or sub-paragraph) read, or None for the provision as a whole.
    paragraph_id: int | None
    #: "paragraph 2 (b)", "the provision as a whole".
    label: str
    level: ConsensusLevel
    #: Why, in words: "objection by 2 States of 1 regional group (Aland and Bland)".
    reason: str
    tally: Tally


@dataclass(frozen=True)
class Objection:
    """Who objects, on any part of a provision: each State position once."""

    voices: tuple[StateVoice, ...] = ()

    @property
    def positions(self) -> int:
        return len(self.voices)

    @property
    def regional_groups(self) -> int:
        return len({g for v in self.voices for g in v.regional_groups})

    @property
    def observer_states(self) -> int:
        return sum(1 for v in self.voices if v.is_observer)

    @property
    def is_lone(self) -> bool:
        return self.positions == 1


@dataclass(frozen=True)
class ConsensusResult:
    """The level of a provision, its reasons in words (the first says why this level), its
    parts read one by one, and who objects or has reservations on record."""

    level: ConsensusLevel
    label: str
    reasons: list[str]
    targets: tuple[TargetReading, ...] = ()
    #: The parts that hold the provision at its level (bracketed, or asking amendments).
    holding_back: tuple[TargetReading, ...] = ()
    objection: Objection = Objection()
    #: State positions with a reservation or explanation of position on record.
    reservations: tuple[StateVoice, ...] = ()
    #: Every State position counted on the provision (each once).
    positions: tuple[StateVoice, ...] = ()

    @property
    def reason(self) -> str:
        return self.reasons[0] if self.reasons else ""


# --- reading ------------------------------------------------------------------------------


def position_on(
    voice: StateVoice, target: int | None, paragraphs: dict[int, ParagraphRef]
) -> Position | None:
    """The position of ``voice`` on ``target``: what it said of it, else of the paragraph
    above it, else of the provision as a whole (None: it said nothing that applies)."""
    node = target
    found: Position | None = None
    seen: set[int] = set()
    while True:
        position = voice.positions.get(node)
        if position is not None:
            if position is not Position.NO_POSITION:
                return position
            found = found or position
        if node is None or node in seen:
            return found
        seen.add(node)
        ref = paragraphs.get(node)
        node = ref.parent_id if ref is not None else None


def tally(
    voices: Sequence[StateVoice], target: int | None, paragraphs: dict[int, ParagraphRef]
) -> Tally:
    """The State positions on ``target``, each State once (a member taking its group's
    position there is counted with the group)."""
    positions = {id(v): position_on(v, target, paragraphs) for v in voices}
    groups = [v for v in voices if v.kind.is_group and positions[id(v)] is not None]
    by_position: dict[Position, list[StateVoice]] = {}
    aligned: list[tuple[StateVoice, StateVoice]] = []
    for voice in voices:
        position = positions[id(voice)]
        if position is None:
            continue
        group = next(
            (g for g in groups if g.speaks_for(voice) and positions[id(g)] is position), None
        )
        if group is not None:
            aligned.append((voice, group))
            continue
        by_position.setdefault(position, []).append(voice)
    return Tally({p: tuple(vs) for p, vs in by_position.items()}, tuple(aligned))


def _targets(figures: ProvisionFigures) -> list[int | None]:
    """The provision as a whole (if a State spoke to it as such), then each paragraph some
    State spoke to, in text order."""
    direct = {t for v in figures.voices for t in v.positions}
    paragraphs = sorted(
        (t for t in direct if t is not None),
        key=lambda t: (figures.paragraphs[t].position if t in figures.paragraphs else 0, t),
    )
    return ([None] if None in direct else []) + list(paragraphs)


def _held_by(reading: Tally, level: ConsensusLevel) -> set[int]:
    voices = reading.objecting if level is ConsensusLevel.BRACKETED else reading.amending
    return {v.submission_id for v in voices}


def _holding_back(
    targets: Sequence[TargetReading],
    level: ConsensusLevel,
    paragraphs: dict[int, ParagraphRef],
) -> tuple[TargetReading, ...]:
    """The parts at the provision's level (bracketed, or asking amendments), less those
    held there only by what States said of a part above them (a whole bracketed article
    is not said again of each of its paragraphs)."""
    if level not in (ConsensusLevel.BRACKETED, ConsensusLevel.SUPPORTED_WITH_AMENDMENTS):
        return ()
    at_level = {t.paragraph_id: t for t in targets if t.level is level}
    result = []
    for target in targets:
        if target.level is not level:
            continue
        held = _held_by(target.tally, level)
        node = target.paragraph_id
        covered = False
        while node is not None and not covered:
            ref = paragraphs.get(node)
            node = ref.parent_id if ref is not None else None
            above = at_level.get(node)
            covered = above is not None and held <= _held_by(above.tally, level)
        if not covered:
            result.append(target)
    return tuple(result)


def target_label(target: int | None, paragraphs: dict[int, ParagraphRef]) -> str:
    if target is None:
        return _("the provision as a whole")
    ref = paragraphs.get(target)
    return _("paragraph %(label)s", label=ref.label if ref is not None else str(target))


def _unique(voices: Iterable[StateVoice]) -> tuple[StateVoice, ...]:
    seen: dict[int, StateVoice] = {}
    for voice in voices:
        seen.setdefault(voice.submission_id, voice)
    return tuple(seen.values())


def _participation(
    positions: Sequence[StateVoice], rule: ConsensusRule
) -> tuple[ConsensusLevel, int]:
    groups = len({g for v in positions for g in v.regional_groups})
    if len(positions) < rule.min_states or groups < rule.min_groups:
        return ConsensusLevel.NO_BASIS, groups
    if groups < rule.agreed_min_groups:
        return ConsensusLevel.NO_OBJECTION, groups
    return ConsensusLevel.AGREED, groups


def _level(reading: Tally, participation: ConsensusLevel, rule: ConsensusRule) -> ConsensusLevel:
    if len(reading.objecting) >= rule.bracket_objections:
        return ConsensusLevel.BRACKETED
    if participation is ConsensusLevel.NO_BASIS:
        return participation
    if len(reading.amending) > len(reading.supporting):
        return ConsensusLevel.SUPPORTED_WITH_AMENDMENTS
    return participation


def _target_reason(level: ConsensusLevel, reading: Tally, named: bool) -> str:
    if level is ConsensusLevel.BRACKETED:
        return _("objection by %(who)s", who=describe_voices(reading.objecting, named))
    if level is ConsensusLevel.SUPPORTED_WITH_AMENDMENTS:
        return _(
            "amendments asked for by %(amending)s; support as it stands from %(plain)s",
            amending=state_positions(len(reading.amending)),
            plain=state_positions(len(reading.supporting)),
        )
    return _("no objection")


def classify(
    figures: ProvisionFigures, rule: ConsensusRule | None = None, *, named: bool | None = None
) -> ConsensusResult:
    """The consensus level of one provision, with its reasons (docs/consensus.md).

    ``rule``: the consultation's (``figures.rule``) unless given; ``named``: whether the
    reasons name States that may be named (the rule's choice unless given; the JSON API
    names nobody).
    """
    rule = rule or figures.rule
    named = rule.named if named is None else named
    paragraphs = figures.paragraphs
    readings = [(t, tally(figures.voices, t, paragraphs)) for t in _targets(figures)]
    positions = _unique(v for _t, r in readings for v in r.taking_position)
    participation, groups = _participation(positions, rule)
    targets = tuple(
        TargetReading(
            t, target_label(t, paragraphs), level, _target_reason(level, reading, named), reading
        )
        for t, reading in readings
        for level in [_level(reading, participation, rule)]
    )
    level = max(
        (t.level for t in targets), key=lambda lv: lv.order, default=ConsensusLevel.NO_BASIS
    )
    if not targets:
        participation = ConsensusLevel.NO_BASIS
    holding_back = _holding_back(targets, level, paragraphs)
    objection = Objection(_unique(v for t in targets for v in t.tally.objecting))
    reservations = _unique(v for t in targets for v in t.tally.reserving)

    reasons = [_decision(level, holding_back, positions, groups, rule, named)]
    reasons += _facts(figures, targets, positions, objection, reservations, rule, named)
    return ConsensusResult(
        level=level,
        label=_label(level, objection),
        reasons=reasons,
        targets=targets,
        holding_back=holding_back,
        objection=objection,
        reservations=reservations,
        positions=positions,
    )


# --- words ------------------------------------------------------------------------------


def _label(level: ConsensusLevel, objection: Objection) -> str:
    """The level's name; a bracketed one says how wide the objection is."""
    if level is not ConsensusLevel.BRACKETED:
        return level.label
    scope = ngettext("%(num)d objection", "%(num)d objections", objection.positions)
    if objection.regional_groups:
        scope = _(
            "%(objections)s, %(groups)s",
            objections=scope,
            groups=regional_groups(objection.regional_groups),
        )
    return _("Bracketed (%(scope)s)", scope=scope)


def _decision(
    level: ConsensusLevel,
    holding_back: tuple[TargetReading, ...],
    positions: tuple[StateVoice, ...],
    groups: int,
    rule: ConsensusRule,
    named: bool,
) -> str:
    """The first reason: why this level, in words."""
    if level is ConsensusLevel.BRACKETED:
        if len(holding_back) == 1 and holding_back[0].paragraph_id is None:
            return _("Bracketed: %(reason)s.", reason=holding_back[0].reason)
        return ngettext(
            "Bracketed: %(parts)s remains in square brackets; %(reasons)s.",
            "Bracketed: %(parts)s remain in square brackets; %(reasons)s.",
            len(holding_back),
            parts=join_words(t.label for t in holding_back),
            reasons="; ".join(
                _("%(part)s: %(reason)s", part=t.label, reason=t.reason) for t in holding_back
            ),
        )
    if level is ConsensusLevel.NO_BASIS:
        if not positions:
            return _("No basis: no State took a position.")
        return _(
            "No basis: %(taken)s from %(groups)s; a reading needs at least %(min_states)s "
            "from %(min_groups)s.",
            taken=state_positions(len(positions)),
            groups=regional_groups(groups),
            min_states=state_positions(rule.min_states),
            min_groups=regional_groups(rule.min_groups),
        )
    if level is ConsensusLevel.SUPPORTED_WITH_AMENDMENTS:
        return _(
            "Supported subject to amendments, without objection: more State positions ask "
            "for amendments than support the text as it stands (%(reasons)s).",
            reasons="; ".join(
                _("%(part)s: %(reason)s", part=t.label, reason=t.reason) for t in holding_back
            ),
        )
    if level is ConsensusLevel.NO_OBJECTION:
        return _(
            "No objection, but limited participation: %(taken)s from %(groups)s; agreement "
            "needs positions from %(needed)s.",
            taken=state_positions(len(positions)),
            groups=regional_groups(groups),
            needed=regional_groups(rule.agreed_min_groups),
        )
    return _(
        "Agreed: no objection, with %(taken)s from %(groups)s.",
        taken=state_positions(len(positions)),
        groups=regional_groups(groups),
    )


def _facts(
    figures: ProvisionFigures,
    targets: tuple[TargetReading, ...],
    positions: tuple[StateVoice, ...],
    objection: Objection,
    reservations: tuple[StateVoice, ...],
    rule: ConsensusRule,
    named: bool,
) -> list[str]:
    """What the reader also needs: who took part, the reservations on record, members
    counted with their group, objections below the threshold, the parts read, and the
    other stakeholders."""
    facts = []
    if positions:
        facts.append(_("State positions taken: %(who)s.", who=describe_voices(positions, named)))
    if reservations:
        facts.append(
            _(
                "Reservations or explanations of position on record, which do not block "
                "agreement: %(who)s.",
                who=describe_voices(reservations, named),
            )
        )
    if 0 < objection.positions < rule.bracket_objections:
        facts.append(
            _(
                "Objection by %(who)s, below the %(threshold)s that bracket a text.",
                who=describe_voices(objection.voices, named),
                threshold=state_positions(rule.bracket_objections),
            )
        )
    aligned: dict[int, tuple[StateVoice, list[StateVoice]]] = {}
    for target in targets:
        for member, group in target.tally.aligned:
            entry = aligned.setdefault(group.submission_id, (group, []))
            if all(m.submission_id != member.submission_id for m in entry[1]):
                entry[1].append(member)
    for group, members in aligned.values():
        facts.append(
            _(
                "Counted once, with the statement made on behalf of %(group)s, where they "
                "took its position: %(who)s.",
                group=group_statement(group, named),
                who=describe_voices(members, named),
            )
        )
    if len(targets) > 1 or (targets and targets[0].paragraph_id is not None):
        facts.append(
            _(
                "Read part by part: %(parts)s.",
                parts="; ".join(
                    _("%(part)s (%(level)s)", part=t.label, level=t.level.label) for t in targets
                ),
            )
        )
    facts.append(_others_reason(figures.other_stakeholders))
    return facts


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
