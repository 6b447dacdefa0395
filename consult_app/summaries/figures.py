"""What the figures are: the data classes that hold a provision's figures and a
consultation's participation, and the stance order they are read in.

Computed by :mod:`consult_app.summaries.aggregation` (per provision),
:mod:`consult_app.summaries.state_voices` (the States' positions) and
:mod:`consult_app.summaries.participation`; the counting rules are in the docstring of
:mod:`consult_app.summaries.aggregation`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from consult_app.accounts.models import OrgCategory, RegionalGroup
from consult_app.submissions.models import OnBehalfKind, Position
from consult_app.summaries.settings import ConsensusRule, default_rule

#: Stance order: an organisation's stance on a provision is its highest-ranked position.
STANCE_RANK: dict[Position, int] = {
    Position.NO_POSITION: 1,
    Position.SUPPORT: 2,
    Position.SUPPORT_WITH_AMENDMENTS: 3,
    Position.RESERVATION: 4,
    Position.OPPOSE: 5,
    Position.PROPOSE_DELETION: 6,
}
RANK_STANCE = {rank: position for position, rank in STANCE_RANK.items()}

SUPPORTING = (Position.SUPPORT, Position.SUPPORT_WITH_AMENDMENTS)
OPPOSING = (Position.OPPOSE, Position.PROPOSE_DELETION)

#: The categories of States (Member and observer States).
STATES = (OrgCategory.MEMBER_STATE, OrgCategory.OBSERVER_STATE)


def _zero_positions() -> dict[Position, int]:
    return {position: 0 for position in Position}


@dataclass
class GroupFigures:
    """Figures of one slice of participants (a category, a regional group, all States...).

    ``comment_positions``: comments per position; ``positions``: organisations that took each
    position at least once; ``stances``: each organisation once, by its strongest position.
    """

    comments: int = 0
    organisations: int = 0
    comment_positions: dict[Position, int] = field(default_factory=_zero_positions)
    positions: dict[Position, int] = field(default_factory=_zero_positions)
    stances: dict[Position, int] = field(default_factory=_zero_positions)

    @property
    def taking_position(self) -> int:
        """Organisations whose stance is a position (not "no position")."""
        return self.organisations - self.stances[Position.NO_POSITION]

    @property
    def supporting(self) -> int:
        return sum(self.stances[p] for p in SUPPORTING)

    @property
    def opposing(self) -> int:
        return sum(self.stances[p] for p in OPPOSING)

    @property
    def reserving(self) -> int:
        return self.stances[Position.RESERVATION]

    @property
    def net_support(self) -> float | None:
        """(supporting - opposing) / taking a position, from -1 to 1; None without positions."""
        if not self.taking_position:
            return None
        return (self.supporting - self.opposing) / self.taking_position

    @property
    def dominant_stance(self) -> Position | None:
        """The stance held by most organisations taking a position (ties: the stronger)."""
        candidates = [
            (n, STANCE_RANK[p], p)
            for p, n in self.stances.items()
            if n and p is not Position.NO_POSITION
        ]
        return max(candidates)[2] if candidates else None

    def add(self, other: GroupFigures) -> None:
        self.comments += other.comments
        self.organisations += other.organisations
        for mine, theirs in (
            (self.comment_positions, other.comment_positions),
            (self.positions, other.positions),
            (self.stances, other.stances),
        ):
            for position, n in theirs.items():
                mine[position] += n


@dataclass(frozen=True)
class OnBehalf:
    """Submissions made on behalf of a group, with the same lead category and stance."""

    kind: OnBehalfKind
    regional_group: RegionalGroup | None
    #: The coalition's name, only when it may be published (else None).
    name: str | None
    lead_category: OrgCategory
    stance: Position
    submissions: int


@dataclass(frozen=True)
class JointSubmissions:
    """Joint submissions of the same size, lead category and stance."""

    organisations: int  # the lead organisation and its co-signers
    lead_category: OrgCategory
    stance: Position
    submissions: int


@dataclass(frozen=True)
class Campaign:
    """A confirmed campaign: ``items`` near-identical comments from one text."""

    group_id: int
    items: int
    organisations: int
    representative_comment_id: int | None


@dataclass(frozen=True)
class Reservation:
    """A reservation; ``organisation_name`` is None unless the organisation may be named."""

    comment_id: int
    organisation_name: str | None
    category: OrgCategory
    regional_group: RegionalGroup | None
    verified: bool
    is_public: bool


@dataclass(frozen=True)
class AmendmentVariant:
    """One distinct wording and how often it was proposed."""

    wording: str
    comments: int
    organisations: int
    state_organisations: int
    first_comment_id: int
    #: Comments with this wording whose submission may be published: the wording itself may
    #: be shown publicly only when this is not zero.
    publishable_comments: int = 0


@dataclass(frozen=True)
class AmendmentCluster:
    """Proposed wordings similar enough to be read together; the first is the most frequent."""

    variants: tuple[AmendmentVariant, ...]

    @property
    def representative(self) -> AmendmentVariant:
        return self.variants[0]

    @property
    def comments(self) -> int:
        return sum(v.comments for v in self.variants)

    @property
    def organisations(self) -> int:
        """Organisations per wording, added up (one proposing two wordings counts twice)."""
        return sum(v.organisations for v in self.variants)

    @property
    def state_organisations(self) -> int:
        return sum(v.state_organisations for v in self.variants)


@dataclass(frozen=True)
class ThemeCount:
    theme_id: int
    name: str
    comments: int
    organisations: int


@dataclass(frozen=True)
class NamedStance:
    """An organisation that may be named publicly, with its stance on a provision."""

    name: str
    category: OrgCategory
    regional_group: RegionalGroup | None
    stance: Position
    on_behalf: bool


class VoiceKind(enum.Enum):
    """Who a State position speaks for."""

    #: A Member State speaking for itself.
    STATE = "state"
    #: An observer State speaking for itself (counted like a Member State, kept apart).
    OBSERVER_STATE = "observer_state"
    #: A State speaking on behalf of a regional group: the group's position.
    REGIONAL_GROUP = "regional_group"
    #: A State speaking on behalf of a group of States, or jointly with other States.
    GROUP_OF_STATES = "group_of_states"

    @property
    def is_group(self) -> bool:
        return self is VoiceKind.REGIONAL_GROUP or self is VoiceKind.GROUP_OF_STATES


@dataclass
class StateVoice:
    """One State position on a provision: a State's own, or one statement for a group.

    ``positions`` maps a target, a paragraph id or None for the provision as a whole, to
    the strongest position the voice took on it (its comments that name that paragraph,
    or name none).
    """

    submission_id: int
    organisation_id: int
    kind: VoiceKind
    #: The State's regional group (None for most observer States).
    regional_group: RegionalGroup | None
    #: The State's name, only when it may be named (see :func:`may_name`).
    name: str | None = None
    #: The regional group spoken for (REGIONAL_GROUP).
    group: RegionalGroup | None = None
    #: The name of the group of States spoken for, only when it may be published.
    group_name: str | None = None
    #: States that co-signed the statement: organisation ids, names that may be published.
    member_ids: frozenset[int] = frozenset()
    member_names: tuple[str, ...] = ()
    member_groups: frozenset[RegionalGroup] = frozenset()
    positions: dict[int | None, Position] = field(default_factory=dict)

    @property
    def is_observer(self) -> bool:
        return self.kind is VoiceKind.OBSERVER_STATE

    @property
    def regional_groups(self) -> frozenset[RegionalGroup]:
        """The regional groups this position comes from (none for an observer State)."""
        if self.kind is VoiceKind.REGIONAL_GROUP and self.group is not None:
            return frozenset({self.group})
        if self.kind is VoiceKind.OBSERVER_STATE:
            return frozenset()
        own = {self.regional_group} if self.regional_group is not None else set()
        return frozenset(own) | self.member_groups


@dataclass(frozen=True)
class ParagraphRef:
    """A paragraph or sub-paragraph that States commented on (or the parent of one)."""

    id: int
    parent_id: int | None
    position: int
    #: "2", "2 (b)", "2 (b) (ii)": its label with its parents'.
    label: str


@dataclass
class ProvisionFigures:
    """Everything counted about one provision (see the module docstring for the rules)."""

    provision_id: int
    label: str
    full_label: str
    position: int
    public_only: bool
    total: GroupFigures = field(default_factory=GroupFigures)
    states: GroupFigures = field(default_factory=GroupFigures)
    other_stakeholders: GroupFigures = field(default_factory=GroupFigures)
    by_category: dict[OrgCategory, GroupFigures] = field(default_factory=dict)
    by_regional_group: dict[RegionalGroup, GroupFigures] = field(default_factory=dict)
    unverified: GroupFigures = field(default_factory=GroupFigures)
    #: Comments that belong to confirmed campaigns (each counted as an item).
    campaign_items: int = 0
    campaigns: list[Campaign] = field(default_factory=list)
    on_behalf: list[OnBehalf] = field(default_factory=list)
    joint: list[JointSubmissions] = field(default_factory=list)
    themes: list[ThemeCount] = field(default_factory=list)
    #: Filled only with ``details=True``:
    reservations: list[Reservation] = field(default_factory=list)
    amendments: list[AmendmentCluster] = field(default_factory=list)
    named: list[NamedStance] = field(default_factory=list)
    details: bool = False
    #: Each State position once, with its positions per paragraph (the consensus rule).
    voices: list[StateVoice] = field(default_factory=list)
    #: The paragraphs States commented on, and their parents, by id.
    paragraphs: dict[int, ParagraphRef] = field(default_factory=dict)
    #: The consultation's consensus rule (its settings, or the defaults).
    rule: ConsensusRule = field(default_factory=default_rule)

    @property
    def comments(self) -> int:
        return self.total.comments

    @property
    def organisations(self) -> int:
        return self.total.organisations

    @property
    def reservations_count(self) -> int:
        return self.total.comment_positions[Position.RESERVATION]

    @property
    def joint_submissions(self) -> int:
        return sum(j.submissions for j in self.joint)

    @property
    def cosigning_organisations(self) -> int:
        return sum(j.submissions * (j.organisations - 1) for j in self.joint)

    @property
    def contestation(self) -> float | None:
        """Share of States taking a position that oppose, propose deletion or reserve
        (all organisations when no State took a position); None without any position."""
        base = self.states if self.states.taking_position else self.total
        if not base.taking_position:
            return None
        return (base.opposing + base.reserving) / base.taking_position

    @property
    def regional_groups_taking_part(self) -> list[RegionalGroup]:
        return [
            g
            for g in RegionalGroup
            if g in self.by_regional_group and self.by_regional_group[g].taking_position
        ]


@dataclass
class Participation:
    """Who took part in a consultation (submitted submissions)."""

    submissions: int = 0
    comments: int = 0
    #: Comments of States (Member and observer States) and of other stakeholders.
    state_comments: int = 0
    other_comments: int = 0
    #: States (Member and observer States) and other stakeholders that made a submission.
    states: int = 0
    other_stakeholders: int = 0
    #: Member States by regional group; observer States are kept apart.
    states_by_group: dict[RegionalGroup, int] = field(default_factory=dict)
    #: Member States without a regional group.
    states_without_group: int = 0
    #: Observer States (non-member States represented by observers).
    observer_states: int = 0
    by_category: dict[OrgCategory, int] = field(default_factory=dict)
    unverified_organisations: int = 0
    joint_submissions: int = 0
    cosigning_organisations: int = 0
    on_behalf_of_regional_group: int = 0
    on_behalf_of_coalition: int = 0
    by_day: list[tuple[date, int]] = field(default_factory=list)

    @property
    def organisations(self) -> int:
        return self.submissions

    @property
    def regional_groups(self) -> int:
        return sum(1 for n in self.states_by_group.values() if n)


def iter_slices(figures: ProvisionFigures) -> Iterable[tuple[str, GroupFigures]]:
    """(label, figures) of every State regional group then every other category."""
    for group, part in figures.by_regional_group.items():
        yield group.label, part
    for category, part in figures.by_category.items():
        if not category.is_state:
            yield category.label, part
