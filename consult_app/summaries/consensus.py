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
from functools import cached_property

from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from consult_app.submissions.models import Position
from consult_app.summaries.figures import (
    OPPOSING,
    GroupFigures,
    ParagraphRef,
    ProvisionFigures,
    StateVoice,
    VoiceKind,
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


@dataclass(frozen=True, eq=False)
class TargetReading:
    """The reading of one part of a provision: a paragraph, or the provision as a whole.

    Its words (``label``, ``reason``) are written when first read, in the language of the
    moment: the dashboard reads them for a few provisions only.
    """

    #: The paragraph (or sub-paragraph) read, or None for the provision as a whole.
    paragraph_id: int | None
    level: ConsensusLevel
    tally: Tally
    #: The paragraph's own label with its parents' ("2 (b)"); None for the whole.
    paragraph_label: str | None = None
    named: bool = True

    @cached_property
    def label(self) -> str:
        """ "paragraph 2 (b)", "the provision as a whole"."""
        if self.paragraph_id is None:
            return _("the provision as a whole")
        return _("paragraph %(label)s", label=self.paragraph_label or str(self.paragraph_id))

    @cached_property
    def reason(self) -> str:
        """Why, in words: "objection by 2 States of 1 regional group (Aland and Bland)"."""
        return _target_reason(self.level, self.tally, self.named)


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


@dataclass(frozen=True, eq=False)
class ConsensusResult:
    """The level of a provision, its parts read one by one, who objects or has
    reservations on record; and, written when first read, its label and its reasons in
    words (the first says why this level)."""

    level: ConsensusLevel
    targets: tuple[TargetReading, ...] = ()
    #: The parts that hold the provision at its level (bracketed, or asking amendments).
    holding_back: tuple[TargetReading, ...] = ()
    objection: Objection = Objection()
    #: State positions with a reservation or explanation of position on record.
    reservations: tuple[StateVoice, ...] = ()
    #: Every State position counted on the provision (each once).
    positions: tuple[StateVoice, ...] = ()
    #: What the words need.
    rule: ConsensusRule = DEFAULT_RULE
    named: bool = True
    others: GroupFigures = field(default_factory=GroupFigures, repr=False)

    @property
    def regional_groups(self) -> int:
        """Regional groups the State positions come from."""
        return len({g for v in self.positions for g in v.regional_groups})

    @cached_property
    def label(self) -> str:
        """The level's name; a bracketed one says how wide the objection is."""
        return _label(self.level, self.objection)

    @cached_property
    def reasons(self) -> list[str]:
        reasons = [_decision(self)]
        reasons += _facts(self)
        return reasons

    @property
    def reason(self) -> str:
        return self.reasons[0] if self.reasons else ""


# --- reading ------------------------------------------------------------------------------


def _path(target: int | None, paragraphs: dict[int, ParagraphRef]) -> list[int | None]:
    """``target``, the paragraphs above it, and None (the provision as a whole)."""
    path: list[int | None] = []
    node = target
    while node is not None and node not in path:
        path.append(node)
        ref = paragraphs.get(node)
        node = ref.parent_id if ref is not None else None
    path.append(None)
    return path


def position_on(
    voice: StateVoice, target: int | None, paragraphs: dict[int, ParagraphRef]
) -> Position | None:
    """The position of ``voice`` on ``target``: what it said of it, else of the paragraph
    above it, else of the provision as a whole (None: it said nothing that applies)."""
    return _position_along(voice.positions, _path(target, paragraphs))


def _position_along(
    positions: dict[int | None, Position], path: list[int | None]
) -> Position | None:
    found: Position | None = None
    for node in path:
        position = positions.get(node)
        if position is not None:
            if position is not Position.NO_POSITION:
                return position
            found = found or position
    return found


def tally(
    voices: Sequence[StateVoice], target: int | None, paragraphs: dict[int, ParagraphRef]
) -> Tally:
    """The State positions on ``target``, each State once (a member taking its group's
    position there is counted with the group)."""
    path = _path(target, paragraphs)
    held = [(v, _position_along(v.positions, path)) for v in voices]
    regional, of_states, state = (
        VoiceKind.REGIONAL_GROUP,
        VoiceKind.GROUP_OF_STATES,
        VoiceKind.STATE,
    )
    # Group statements by whom they speak for: a regional group's statement for the Member
    # States of that group (keyed by the group's identity), any group statement for its
    # co-signers.
    by_region: dict[int, list[tuple[StateVoice, Position]]] = {}
    by_member: dict[int, list[tuple[StateVoice, Position]]] = {}
    for voice, position in held:
        if position is None or (voice.kind is not regional and voice.kind is not of_states):
            continue
        if voice.kind is regional and voice.group is not None:
            by_region.setdefault(id(voice.group), []).append((voice, position))
        for member in voice.member_ids:
            by_member.setdefault(member, []).append((voice, position))
    # Keyed by the position's identity (an int): hashing an Enum member runs Python code,
    # and this loop runs for every State on every part of every provision.
    by_position: dict[int, list[StateVoice]] = {}
    aligned: list[tuple[StateVoice, StateVoice]] = []
    grouped = bool(by_region or by_member)
    for voice, position in held:
        if position is None:
            continue
        if grouped and voice.kind is not regional and voice.kind is not of_states:
            candidates = by_member.get(voice.organisation_id, [])
            if voice.kind is state:
                candidates = by_region.get(id(voice.regional_group), []) + candidates
            group = next((g for g, p in candidates if p is position), None)
            if group is not None:
                aligned.append((voice, group))
                continue
        key = id(position)
        if key in by_position:
            by_position[key].append(voice)
        else:
            by_position[key] = [voice]
    return Tally(
        {p: tuple(by_position[id(p)]) for p in Position if id(p) in by_position},
        tuple(aligned),
    )


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


def _unique(voices: Iterable[StateVoice]) -> tuple[StateVoice, ...]:
    seen: dict[int, StateVoice] = {}
    for voice in voices:
        seen.setdefault(voice.submission_id, voice)
    return tuple(seen.values())


def _participation(positions: Sequence[StateVoice], rule: ConsensusRule) -> ConsensusLevel:
    groups = len({g for v in positions for g in v.regional_groups})
    if len(positions) < rule.min_states or groups < rule.min_groups:
        return ConsensusLevel.NO_BASIS
    if groups < rule.agreed_min_groups:
        return ConsensusLevel.NO_OBJECTION
    return ConsensusLevel.AGREED


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
    participation = _participation(positions, rule)
    targets = tuple(
        TargetReading(
            t,
            _level(reading, participation, rule),
            reading,
            paragraphs[t].label if t is not None and t in paragraphs else None,
            named,
        )
        for t, reading in readings
    )
    level = max(
        (t.level for t in targets), key=lambda lv: lv.order, default=ConsensusLevel.NO_BASIS
    )
    return ConsensusResult(
        level=level,
        targets=targets,
        holding_back=_holding_back(targets, level, paragraphs),
        objection=Objection(_unique(v for t in targets for v in t.tally.objecting)),
        reservations=_unique(v for t in targets for v in t.tally.reserving),
        positions=positions,
        rule=rule,
        named=named,
        others=figures.other_stakeholders,
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


def _decision(result: ConsensusResult) -> str:
    """The first reason: why this level, in words."""
    level, holding_back, positions = result.level, result.holding_back, result.positions
    groups, rule = result.regional_groups, result.rule
    if level is ConsensusLevel.BRACKETED:
        if len(holding_back) == 1 and holding_back[0].paragraph_id is None:
            return _("Bracketed: %(reason)s.", reason=holding_back[0].reason)
        # Worked out first: a gettext call inside ngettext's arguments hides the plural
        # form from the string extractor.
        reasons = "; ".join(
            _("%(part)s: %(reason)s", part=t.label, reason=t.reason) for t in holding_back
        )
        return ngettext(
            "Bracketed: %(parts)s remains in square brackets; %(reasons)s.",
            "Bracketed: %(parts)s remain in square brackets; %(reasons)s.",
            len(holding_back),
            parts=join_words(t.label for t in holding_back),
            reasons=reasons,
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


def _facts(result: ConsensusResult) -> list[str]:
    """What the reader also needs: who took part, the reservations on record, members
    counted with their group, objections below the threshold, the parts read, and the
    other stakeholders."""
    targets, positions, objection = result.targets, result.positions, result.objection
    reservations, rule, named = result.reservations, result.rule, result.named
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
    facts.append(_others_reason(result.others))
    return facts


def _others_reason(others: GroupFigures) -> str:
    if not others.organisations:
        return _("No other stakeholder commented (reported separately, not part of the rule).")
    return _(
        "Other stakeholders (reported separately, not part of the rule): organisations "
        "%(n)s; support %(support)s, support with amendments %(amend)s, reservations "
        "%(reserve)s, oppose or propose deletion %(oppose)s.",
        n=format_number(others.organisations),
        support=format_number(others.stances[Position.SUPPORT]),
        amend=format_number(others.stances[Position.SUPPORT_WITH_AMENDMENTS]),
        reserve=format_number(others.reserving),
        oppose=format_number(others.opposing),
    )
