"""Figures per provision and participation per consultation, computed in SQL.

Which comments count (the same rule everywhere, see docs/consensus.md):

* the comment belongs to a **submitted** submission and is **not withdrawn**;
* secretariat view (``public_only=False``): pending and published comments count, and so do
  comments withheld as *confidential* (a real position the authors did not want shown);
  comments withheld as spam, offensive, off-topic or duplicate do not count;
* public view (``public_only=True``): only **published** comments count. A submission whose
  authors asked not to be published still counts (figures never name it), and so do
  submissions of a consultation that publishes none.

An organisation has at most one submission per consultation, so "organisations" and
"submissions" are counted alike. Each organisation also has one **stance** per provision:
its strongest position there, in the order no position < support < support with
amendments < reservation < oppose < propose deletion (an organisation that supports one
paragraph and opposes another counts as opposing). ``positions`` count the organisations
that took each position at least once.

The consensus indicator reads States differently (docs/consensus.md): ``voices`` holds each
State position on the provision once, a statement made on behalf of a group of States
being one position, with the State's strongest position **per paragraph** (from
``paragraph_counts``) and on the provision as a whole (``comment_counts`` less those).

Every figure is computed by a fixed number of queries, whatever the number of comments;
Python only assembles the grouped rows. Positions, amendments and themes are read from the
counts tables that the database keeps up to date (:mod:`consult_app.summaries.counts`): a
few rows per organisation and provision, never the comments themselves. Reservations are
read from an index in id order, up to the number listed.
"""

from __future__ import annotations

import enum
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
from flask import current_app, has_app_context
from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    and_,
    case,
    cast,
    distinct,
    func,
    literal,
    null,
    select,
    type_coerce,
    union_all,
)

from consult_app.accounts.models import (
    Organisation,
    OrgCategory,
    RegionalGroup,
    VerificationStatus,
)
from consult_app.consultations.models import Consultation
from consult_app.extensions import db
from consult_app.review.duplicates import connected_components, normalise
from consult_app.review.models import DuplicateGroup, GroupKind, GroupStatus, Theme
from consult_app.submissions.models import (
    Comment,
    Cosigner,
    OnBehalfKind,
    Position,
    Submission,
    SubmissionStatus,
)
from consult_app.summaries.counts import (
    amendment_counts,
    class_condition,
    comment_counts,
    comment_total,
    count_column,
    paragraph_counts,
    theme_counts,
)
from consult_app.summaries.settings import ConsensusRule, default_rule, rule_for
from consult_app.texts.models import Paragraph, Provision

logger = logging.getLogger(__name__)

#: Stance order: an organisation's stance on a provision is its highest-ranked position.
STANCE_RANK: dict[Position, int] = {
    Position.NO_POSITION: 1,
    Position.SUPPORT: 2,
    Position.SUPPORT_WITH_AMENDMENTS: 3,
    Position.RESERVATION: 4,
    Position.OPPOSE: 5,
    Position.PROPOSE_DELETION: 6,
}
_RANK_STANCE = {rank: position for position, rank in STANCE_RANK.items()}

SUPPORTING = (Position.SUPPORT, Position.SUPPORT_WITH_AMENDMENTS)
OPPOSING = (Position.OPPOSE, Position.PROPOSE_DELETION)

#: At most this many reservations are listed per provision (all are counted).
RESERVATIONS_LISTED = 200
#: At most this many distinct amendment wordings per provision are grouped (the most
#: frequent; all are counted in the provision's positions).
AMENDMENT_TEXTS_LIMIT = 300
DEFAULT_AMENDMENT_SIMILARITY = 0.6


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
        candidates = [(n, STANCE_RANK[p], p) for p, n in self.stances.items() if n and
                      p is not Position.NO_POSITION]
        return max(candidates)[2] if candidates else None

    def _add(self, other: GroupFigures) -> None:
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
        return [g for g in RegionalGroup if g in self.by_regional_group and
                self.by_regional_group[g].taking_position]


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


# --- filters ----------------------------------------------------------------------------


def counted_comment_conditions(
    consultation: Consultation, public_only: bool
) -> list[ColumnElement[bool]]:
    """WHERE conditions of the comments that count (``Submission`` must be joined).

    The same classes as the counts tables (:func:`counts.class_condition`), plus the
    consultation and the submission status.
    """
    return [
        Comment.consultation_id == consultation.id,
        Submission.status == SubmissionStatus.SUBMITTED,
        class_condition(_klass(public_only)),
    ]


def _klass(public_only: bool) -> str:
    return "published" if public_only else "counted"


def _counted_rows(
    table: Any, consultation: Consultation, ids: Sequence[int], n: ColumnElement[Any]
) -> list[ColumnElement[bool]]:
    """WHERE conditions of a counts table's rows that count: this consultation, these
    provisions, submitted submissions (``Submission`` joined) and a non-zero ``n``."""
    return [
        table.c.consultation_id == consultation.id,
        table.c.provision_id.in_(list(ids)),
        Submission.status == SubmissionStatus.SUBMITTED,
        n > 0,
    ]


def _stance_expr(klass: str) -> ColumnElement[int]:
    """The stance rank of a ``comment_counts`` row: its strongest position with a comment."""
    return case(
        *[
            (comment_counts.c[count_column(klass, p)] > 0, rank)
            for p, rank in sorted(STANCE_RANK.items(), key=lambda item: -item[1])
        ],
        else_=0,
    )


def _per_org(
    consultation: Consultation, public_only: bool, ids: Sequence[int], *more: Any
) -> Any:
    """Per provision and submitted submission: comments, stance and comments per position,
    from ``comment_counts`` (one row each, no comment read)."""
    klass = _klass(public_only)
    cc = comment_counts.c
    total = comment_total(klass)
    return (
        select(
            cc.provision_id.label("provision_id"),
            cc.submission_id.label("submission_id"),
            total.label("comments"),
            _stance_expr(klass).label("stance"),
            *[cc[count_column(klass, p)].label(f"c_{p.value}") for p in Position],
        )
        .select_from(comment_counts)
        .join(Submission, Submission.id == cc.submission_id)
        .where(*_counted_rows(comment_counts, consultation, ids, total), *more)
        .subquery("per_org")
    )


def _is_state(category: OrgCategory) -> bool:
    return category.is_state


def may_name(consultation: Consultation, publishable: bool) -> bool:
    """May an organisation be named in figures and summaries (public or not)?"""
    return bool(consultation.allow_attribution and publishable)


# --- per-provision figures --------------------------------------------------------------


def _provisions(consultation: Consultation, provision_ids: Sequence[int] | None) -> list[Any]:
    query = (
        select(Provision.id, Provision.kind, Provision.number, Provision.title,
               Provision.position)
        .where(Provision.version_id == consultation.version_id)
        .order_by(Provision.position)
    )
    if provision_ids is not None:
        query = query.where(Provision.id.in_(list(provision_ids)))
    return list(db.session.execute(query))


def _label(row: Any) -> tuple[str, str]:
    provision = Provision(kind=row.kind, number=row.number, title=row.title)
    return provision.label, provision.full_label


def provision_figures(
    consultation: Consultation,
    provision_ids: Sequence[int] | None = None,
    *,
    public_only: bool = False,
    details: bool = True,
    amendment_similarity: float | None = None,
    rule: ConsensusRule | None = None,
) -> list[ProvisionFigures]:
    """Figures of each provision of the consultation's text (or of ``provision_ids``), in
    text order. ``details`` adds reservations, grouped amendments and nameable
    organisations (more queries; the dashboard does without). ``rule``: the consultation's
    consensus rule, when the caller has already read it."""
    provisions = _provisions(consultation, provision_ids)
    result: dict[int, ProvisionFigures] = {}
    for row in provisions:
        label, full_label = _label(row)
        result[row.id] = ProvisionFigures(
            provision_id=row.id, label=label, full_label=full_label, position=row.position,
            public_only=public_only, details=details,
        )
    if not result:
        return []
    rule = rule or rule_for(consultation)
    for figures in result.values():
        figures.rule = rule
    ids = list(result)
    conditions = [*counted_comment_conditions(consultation, public_only),
                  Comment.provision_id.in_(ids)]
    _main_figures(consultation, public_only, ids, result)
    _state_voices(consultation, public_only, ids, result)
    _campaign_figures(consultation, public_only, ids, result)
    _theme_figures(consultation, public_only, ids, result)
    if details:
        _reservations(consultation, conditions, ids, result)
        _amendments(consultation, public_only, ids, result, amendment_similarity)
        if consultation.allow_attribution:
            _named(consultation, public_only, ids, result)
    return list(result.values())


def _main_figures(
    consultation: Consultation,
    public_only: bool,
    ids: Sequence[int],
    result: dict[int, ProvisionFigures],
) -> None:
    """Per provision and organisation (the counts), then grouped in SQL by who they are.

    One statement: each organisation's row once (a CTE), added up for the States, the
    other stakeholders, per category, per regional group of the States, for the unverified,
    per kind of representation and per size of joint submission; Python only files the
    grouped rows (the total is the States plus the others).
    """
    per_org = _per_org(consultation, public_only, ids)
    cosigners = (
        select(Cosigner.submission_id.label("submission_id"), func.count().label("n"))
        .join(Submission, Submission.id == Cosigner.submission_id)
        .where(Submission.consultation_id == consultation.id)
        .group_by(Cosigner.submission_id)
        .subquery("cosigner_counts")
    )
    org = (
        select(
            per_org,
            Organisation.category.label("category"),
            Organisation.regional_group.label("regional_group"),
            Organisation.verification_status.label("verification_status"),
            Submission.on_behalf_kind.label("on_behalf_kind"),
            Submission.on_behalf_group.label("on_behalf_group"),
            Submission.on_behalf_name.label("on_behalf_name"),
            Submission.publishable.label("publishable"),
            cosigners.c.n.label("n"),
        )
        .select_from(per_org)
        .join(Submission, Submission.id == per_org.c.submission_id)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .outerjoin(cosigners, cosigners.c.submission_id == Submission.id)
        .cte("org")
    )
    figures_columns = [
        func.count().label("organisations"),
        func.sum(org.c.comments).label("comments"),
        *[func.sum(org.c[f"c_{p.value}"]).label(f"c_{p.value}") for p in Position],
        *[
            func.sum(case((org.c[f"c_{p.value}"] > 0, 1), else_=0)).label(f"o_{p.value}")
            for p in Position
        ],
        *[
            func.sum(case((org.c.stance == rank, 1), else_=0)).label(f"s_{rank}")
            for rank in sorted(_RANK_STANCE)
        ],
    ]
    key_types = {
        "category": Organisation.category.type,
        "regional_group": Organisation.regional_group.type,
        "on_behalf_kind": Submission.on_behalf_kind.type,
        "on_behalf_group": Submission.on_behalf_group.type,
        "on_behalf_name": Submission.on_behalf_name.type,
        "size": Integer(),
        "stance": Integer(),
    }

    def grouped(slice_name: str, *where: Any, **keys: Any) -> Any:
        columns = [
            literal(slice_name, String()).label("slice"),
            org.c.provision_id,
            *[
                (type_coerce(keys[name], type_) if name in keys else cast(null(), type_))
                .label(name)
                for name, type_ in key_types.items()
            ],
        ]
        return (
            select(*columns, *figures_columns)
            .where(*where)
            .group_by(org.c.provision_id, *keys.values())
        )

    states = [OrgCategory.MEMBER_STATE, OrgCategory.OBSERVER_STATE]
    representation: dict[str, Any] = {
        "on_behalf_kind": org.c.on_behalf_kind,
        "on_behalf_group": org.c.on_behalf_group,
        "category": org.c.category,
        "stance": org.c.stance,
    }
    if consultation.allow_attribution:  # see may_name: named only where it may be published
        representation["on_behalf_name"] = case(
            (
                and_(
                    org.c.on_behalf_kind == OnBehalfKind.COALITION,
                    org.c.publishable.is_(True),
                ),
                org.c.on_behalf_name,
            ),
            else_=null(),
        )
    query = union_all(
        grouped("states", org.c.category.in_(states)),
        grouped("other", org.c.category.not_in(states)),
        grouped("category", category=org.c.category),
        grouped("group", org.c.category.in_(states), org.c.regional_group.is_not(None),
                regional_group=org.c.regional_group),
        grouped("unverified", org.c.verification_status != VerificationStatus.VERIFIED),
        grouped("on_behalf", org.c.on_behalf_kind != OnBehalfKind.NONE, **representation),
        grouped("joint", org.c.n > 0, size=org.c.n + 1, category=org.c.category,
                stance=org.c.stance),
    )
    on_behalf: dict[tuple[Any, ...], int] = defaultdict(int)
    joint: dict[tuple[Any, ...], int] = defaultdict(int)
    comment_keys = [(p, f"c_{p.value}") for p in Position]
    position_keys = [(p, f"o_{p.value}") for p in Position]
    stance_keys = [(stance, f"s_{rank}") for rank, stance in _RANK_STANCE.items()]
    for row in db.session.execute(query):
        figures = result[row.provision_id]
        organisations = int(row.organisations)
        if row.slice == "on_behalf":
            stance = _RANK_STANCE.get(int(row.stance), Position.NO_POSITION)
            on_behalf[(row.provision_id, row.on_behalf_kind, row.on_behalf_group,
                       row.on_behalf_name, row.category, stance)] += organisations
            continue
        if row.slice == "joint":
            stance = _RANK_STANCE.get(int(row.stance), Position.NO_POSITION)
            joint[(row.provision_id, int(row.size), row.category, stance)] += organisations
            continue
        # Each grouped row is one whole slice: built once, never added up again.
        values = row._mapping
        part = GroupFigures(
            comments=int(row.comments or 0),
            organisations=organisations,
            comment_positions={p: int(values[k] or 0) for p, k in comment_keys},
            positions={p: int(values[k] or 0) for p, k in position_keys},
            stances={p: int(values[k] or 0) for p, k in stance_keys},
        )
        if row.slice == "states":
            figures.states = part
            figures.total._add(part)
        elif row.slice == "other":
            figures.other_stakeholders = part
            figures.total._add(part)
        elif row.slice == "category":
            figures.by_category[row.category] = part
        elif row.slice == "group":
            figures.by_regional_group[row.regional_group] = part
        else:
            figures.unverified = part
    for (pid, kind, group, name, category, stance), n in sorted(
        on_behalf.items(), key=lambda item: (item[0][0], -item[1], str(item[0]))
    ):
        result[pid].on_behalf.append(OnBehalf(kind, group, name, category, stance, n))
    for (pid, size, category, stance), n in sorted(
        joint.items(), key=lambda item: (item[0][0], -item[0][1], str(item[0]))
    ):
        result[pid].joint.append(JointSubmissions(size, category, stance, n))
    # Stable, readable orders for the slices.
    for figures in result.values():
        figures.by_category = {c: figures.by_category[c] for c in OrgCategory
                               if c in figures.by_category}
        figures.by_regional_group = {g: figures.by_regional_group[g] for g in RegionalGroup
                                     if g in figures.by_regional_group}


_STATES = (OrgCategory.MEMBER_STATE, OrgCategory.OBSERVER_STATE)


def _rank_of(counts: dict[Position, ColumnElement[Any]]) -> ColumnElement[int]:
    """The stance rank of per-position counts: the strongest position counted (0: none)."""
    return case(
        *[
            (counts[p] > 0, rank)
            for p, rank in sorted(STANCE_RANK.items(), key=lambda item: -item[1])
        ],
        else_=0,
    )


def _state_voices(
    consultation: Consultation,
    public_only: bool,
    ids: Sequence[int],
    result: dict[int, ProvisionFigures],
) -> None:
    """Each State position on each provision, per paragraph (docs/consensus.md).

    Four queries whatever the number of comments: the States' submissions (with their
    co-signing States), their strongest position per provision and per paragraph (ranks
    computed in SQL from the counts tables: the provision as a whole is ``comment_counts``
    less ``paragraph_counts``), and the paragraphs concerned.
    """
    speakers = {
        row.id: row
        for row in db.session.execute(
            select(
                Submission.id,
                Organisation.id.label("organisation_id"),
                Organisation.name,
                Organisation.category,
                Organisation.regional_group,
                Submission.on_behalf_kind,
                Submission.on_behalf_group,
                Submission.on_behalf_name,
                Submission.publishable,
            )
            .join(Organisation, Organisation.id == Submission.organisation_id)
            .where(
                Submission.consultation_id == consultation.id,
                Submission.status == SubmissionStatus.SUBMITTED,
                Organisation.category.in_(_STATES),
            )
        )
    }
    if not speakers:
        return
    klass = _klass(public_only)
    cc, pc = comment_counts.c, paragraph_counts.c
    state_submissions = select(Submission.id).join(
        Organisation, Organisation.id == Submission.organisation_id
    ).where(
        Submission.consultation_id == consultation.id,
        Submission.status == SubmissionStatus.SUBMITTED,
        Organisation.category.in_(_STATES),
    )
    # The provision as a whole: each State's comments on it less those on its paragraphs,
    # added up in one grouping (no join of the two tables).
    signed = union_all(
        select(cc.provision_id, cc.submission_id,
               *[cc[count_column(klass, p)].label(p.value) for p in Position])
        .where(cc.consultation_id == consultation.id, cc.provision_id.in_(list(ids)),
               cc.submission_id.in_(state_submissions)),
        select(pc.provision_id, pc.submission_id,
               *[(-pc[count_column(klass, p)]).label(p.value) for p in Position])
        .where(pc.consultation_id == consultation.id, pc.provision_id.in_(list(ids)),
               pc.submission_id.in_(state_submissions)),
    ).subquery("signed")
    whole = _rank_of({p: func.sum(signed.c[p.value]) for p in Position})
    ranks = union_all(
        select(signed.c.provision_id, signed.c.submission_id,
               literal(0).label("paragraph_id"), whole.label("stance"))
        .group_by(signed.c.provision_id, signed.c.submission_id),
        select(pc.provision_id, pc.submission_id, pc.paragraph_id,
               _rank_of({p: pc[count_column(klass, p)] for p in Position}).label("stance"))
        .where(pc.consultation_id == consultation.id, pc.provision_id.in_(list(ids)),
               pc.submission_id.in_(state_submissions)),
    )
    positions: dict[tuple[int, int], dict[int | None, Position]] = defaultdict(dict)
    for provision_id, submission_id, paragraph_id, stance in db.session.execute(ranks):
        if stance:
            positions[(provision_id, submission_id)][paragraph_id or None] = _RANK_STANCE[stance]
    if not positions:
        return

    members: dict[int, list[Any]] = defaultdict(list)
    for row in db.session.execute(
        select(Cosigner.submission_id, Organisation.id, Organisation.name,
               Organisation.regional_group)
        .join(Organisation, Organisation.id == Cosigner.organisation_id)
        .where(Cosigner.submission_id.in_(sorted(speakers)),
               Organisation.category.in_(_STATES))
        .order_by(Organisation.name)
    ):
        members[row.submission_id].append(row)
    commented = sorted({pid for (pid, _sid), held in positions.items() if len(held) > 1
                        or None not in held})
    if commented:
        paragraphs: dict[int, list[Any]] = defaultdict(list)
        for paragraph in db.session.execute(
            select(Paragraph.id, Paragraph.provision_id, Paragraph.parent_id,
                   Paragraph.position, Paragraph.level, Paragraph.label)
            .where(Paragraph.provision_id.in_(commented))
            .order_by(Paragraph.provision_id, Paragraph.position)
        ):
            paragraphs[paragraph.provision_id].append(paragraph)
        for pid, items in paragraphs.items():
            result[pid].paragraphs = _paragraph_refs(items)

    templates = {
        sid: _voice(consultation, row, members.get(sid, []), {})
        for sid, row in speakers.items()
    }
    # Voices in a stable order: by State name, then submission.
    order = sorted(templates, key=lambda sid: (speakers[sid].name, sid))
    rank = {sid: n for n, sid in enumerate(order)}
    for (pid, sid), held in sorted(positions.items(), key=lambda item: (item[0][0],
                                                                       rank[item[0][1]])):
        t = templates[sid]
        # The constructor with every field (dataclasses.replace is several times slower).
        result[pid].voices.append(StateVoice(
            t.submission_id, t.organisation_id, t.kind, t.regional_group, t.name, t.group,
            t.group_name, t.member_ids, t.member_names, t.member_groups, held,
        ))


def _voice(
    consultation: Consultation,
    row: Any,
    members: list[Any],
    positions: dict[int | None, Position],
) -> StateVoice:
    nameable = may_name(consultation, row.publishable)
    kind = VoiceKind.OBSERVER_STATE if row.category is OrgCategory.OBSERVER_STATE else (
        VoiceKind.STATE
    )
    if row.on_behalf_kind is OnBehalfKind.REGIONAL_GROUP and row.on_behalf_group is not None:
        kind = VoiceKind.REGIONAL_GROUP
    elif row.on_behalf_kind is OnBehalfKind.COALITION or members:
        kind = VoiceKind.GROUP_OF_STATES
    return StateVoice(
        submission_id=int(row.id),
        organisation_id=int(row.organisation_id),
        kind=kind,
        regional_group=row.regional_group,
        name=row.name if nameable else None,
        group=row.on_behalf_group if kind is VoiceKind.REGIONAL_GROUP else None,
        group_name=row.on_behalf_name
        if nameable and row.on_behalf_kind is OnBehalfKind.COALITION
        else None,
        member_ids=frozenset(int(m.id) for m in members),
        member_names=tuple(m.name for m in members) if nameable else (),
        member_groups=frozenset(m.regional_group for m in members if m.regional_group),
        positions=positions,
    )


def _paragraph_refs(rows: Sequence[Any]) -> dict[int, ParagraphRef]:
    """The paragraphs of one provision with their full labels ("2 (b)"), in text order."""
    by_id = {row.id: row for row in rows}
    refs: dict[int, ParagraphRef] = {}
    for row in rows:
        labels = []
        node: Any = row
        seen: set[int] = set()
        while node is not None and node.id not in seen:
            seen.add(node.id)
            labels.append(node.label or str(node.position))
            node = by_id.get(node.parent_id) if node.parent_id is not None else None
        refs[row.id] = ParagraphRef(
            id=int(row.id),
            parent_id=row.parent_id if row.parent_id in by_id else None,
            position=int(row.position),
            label=" ".join(reversed(labels)),
        )
    return refs


def _campaign_figures(
    consultation: Consultation,
    public_only: bool,
    ids: Sequence[int],
    result: dict[int, ProvisionFigures],
) -> None:
    """Confirmed campaigns, read from their own comments only (by the duplicate group
    index), never by going through the provisions' comments."""
    campaigns = list(
        db.session.scalars(
            select(DuplicateGroup.id).where(
                DuplicateGroup.consultation_id == consultation.id,
                DuplicateGroup.kind == GroupKind.CAMPAIGN,
                DuplicateGroup.status == GroupStatus.CONFIRMED,
            )
        )
    )
    if not campaigns:
        return
    # "+ 0" keeps the consultation, provision and submission columns off their indexes, so
    # that SQLite reads the campaigns' comments rather than every comment of the provisions.
    query = (
        select(
            Comment.provision_id,
            DuplicateGroup.id,
            DuplicateGroup.representative_comment_id,
            func.count().label("items"),
            func.count(distinct(Comment.submission_id)).label("organisations"),
        )
        .select_from(Comment)
        .join(DuplicateGroup, Comment.duplicate_group_id == DuplicateGroup.id)
        .join(Submission, Submission.id == Comment.submission_id + 0)
        .where(
            Comment.duplicate_group_id.in_(campaigns),
            (Comment.consultation_id + 0) == consultation.id,
            (Comment.provision_id + 0).in_(list(ids)),
            Submission.status == SubmissionStatus.SUBMITTED,
            class_condition(_klass(public_only)),
        )
        .group_by(Comment.provision_id, DuplicateGroup.id,
                  DuplicateGroup.representative_comment_id)
        .order_by(Comment.provision_id, func.count().desc(), DuplicateGroup.id)
    )
    for row in db.session.execute(query):
        figures = result[row.provision_id]
        figures.campaigns.append(
            Campaign(int(row.id), int(row.items), int(row.organisations),
                     row.representative_comment_id)
        )
        figures.campaign_items += int(row.items)


def _theme_figures(
    consultation: Consultation,
    public_only: bool,
    ids: Sequence[int],
    result: dict[int, ProvisionFigures],
) -> None:
    """Themed comments and organisations per provision and theme, from ``theme_counts``."""
    tc = theme_counts.c
    n = tc[_klass(public_only)]
    query = (
        select(
            tc.provision_id,
            Theme.id,
            Theme.name,
            func.sum(n).label("comments"),
            func.count().label("organisations"),
        )
        .select_from(theme_counts)
        .join(Theme, Theme.id == tc.theme_id)
        .join(Submission, Submission.id == tc.submission_id)
        .where(*_counted_rows(theme_counts, consultation, ids, n))
        # The public sees only the themes marked public, never the internal labels.
        .where(*([Theme.public.is_(True)] if public_only else []))
        .group_by(tc.provision_id, Theme.id, Theme.name)
        .order_by(tc.provision_id, func.sum(n).desc(), Theme.name)
    )
    for row in db.session.execute(query):
        result[row.provision_id].themes.append(
            ThemeCount(int(row.id), row.name, int(row.comments), int(row.organisations))
        )


def _reservations(
    consultation: Consultation,
    conditions: list[ColumnElement[bool]],
    ids: Sequence[int],
    result: dict[int, ProvisionFigures],
) -> None:
    """The first reservations of each provision, by comment id.

    One provision (its figures page): read in id order from ``ix_comments_figures_position``
    and stopped at the limit. Several (reports): numbered with a window function, one scan.
    """
    columns: list[Any] = [
        Comment.id.label("comment_id"),
        Comment.provision_id.label("provision_id"),
        Comment.is_public.label("is_public"),
        Submission.publishable.label("publishable"),
        Organisation.name.label("name"),
        Organisation.category.label("category"),
        Organisation.regional_group.label("regional_group"),
        Organisation.verification_status.label("verification_status"),
    ]

    def reservations(*extra: Any) -> Any:
        return (
            select(*columns, *extra)
            .select_from(Comment)
            .join(Submission, Submission.id == Comment.submission_id)
            .join(Organisation, Organisation.id == Submission.organisation_id)
            .where(*conditions, Comment.position == Position.RESERVATION)
        )

    if len(ids) == 1:
        query = reservations().order_by(Comment.id).limit(RESERVATIONS_LISTED)
    else:
        numbered = reservations(
            func.row_number()
            .over(partition_by=Comment.provision_id, order_by=Comment.id)
            .label("n")
        ).subquery("numbered")
        query = (
            select(numbered)
            .where(numbered.c.n <= RESERVATIONS_LISTED)
            .order_by(numbered.c.provision_id, numbered.c.comment_id)
        )
    for row in db.session.execute(query):
        result[row.provision_id].reservations.append(
            Reservation(
                comment_id=int(row.comment_id),
                organisation_name=row.name if may_name(consultation, row.publishable) else None,
                category=row.category,
                regional_group=row.regional_group,
                verified=row.verification_status is VerificationStatus.VERIFIED,
                is_public=bool(row.is_public),
            )
        )


def _amendments(
    consultation: Consultation,
    public_only: bool,
    ids: Sequence[int],
    result: dict[int, ProvisionFigures],
    similarity: float | None,
) -> None:
    """The most proposed wordings of each provision, from ``amendment_counts`` (one row per
    wording and organisation); the text of each comes from its first comment."""
    klass = _klass(public_only)
    ac = amendment_counts.c
    n = ac[klass]
    state = Organisation.category.in_([OrgCategory.MEMBER_STATE, OrgCategory.OBSERVER_STATE])
    grouped = (
        select(
            ac.provision_id.label("provision_id"),
            func.sum(n).label("comments"),
            func.count().label("organisations"),
            func.sum(case((state, 1), else_=0)).label("states"),
            func.min(ac[f"{klass}_first_id"]).label("first_id"),
            func.sum(case((Submission.publishable.is_(True), n), else_=0)).label("publishable"),
        )
        .select_from(amendment_counts)
        .join(Submission, Submission.id == ac.submission_id)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .where(*_counted_rows(amendment_counts, consultation, ids, n))
        .group_by(ac.provision_id, ac.wording_key)
    )
    if len(ids) == 1:
        top = (
            grouped.order_by(func.sum(n).desc(), func.min(ac[f"{klass}_first_id"]))
            .limit(AMENDMENT_TEXTS_LIMIT)
            .subquery("top")
        )
        order: list[Any] = [top.c.comments.desc(), top.c.first_id]
    else:
        ranked = grouped.add_columns(
            func.row_number()
            .over(
                partition_by=ac.provision_id,
                order_by=(func.sum(n).desc(), func.min(ac[f"{klass}_first_id"])),
            )
            .label("n")
        ).subquery("ranked")
        top = select(ranked).where(ranked.c.n <= AMENDMENT_TEXTS_LIMIT).subquery("top")
        order = [top.c.provision_id, top.c.n]
    # The public reads a redacted wording as redacted ('' where it reads none of it).
    wording = (
        func.coalesce(Comment.public_proposed_wording, "")
        if public_only
        else Comment.proposed_wording
    )
    query = (
        select(top, wording.label("wording"))
        .join(Comment, Comment.id == top.c.first_id)
        .order_by(*order)
    )
    variants: dict[int, list[AmendmentVariant]] = defaultdict(list)
    for row in db.session.execute(query):
        variants[row.provision_id].append(
            AmendmentVariant(row.wording, int(row.comments), int(row.organisations),
                             int(row.states), int(row.first_id), int(row.publishable or 0))
        )
    if similarity is None:
        similarity = (
            float(current_app.config.get("AMENDMENT_SIMILARITY", DEFAULT_AMENDMENT_SIMILARITY))
            if has_app_context()
            else DEFAULT_AMENDMENT_SIMILARITY
        )
    for pid, items in variants.items():
        result[pid].amendments = cluster_amendments(items, similarity)


def word_set(text: str) -> frozenset[str]:
    """The normalised words of ``text`` (the same normalisation as duplicate detection)."""
    return frozenset(normalise(text).split())


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


#: Set bits of every byte value (popcount by table: numpy before 2.0 has no bitwise_count).
_BITS_SET = np.array([bin(i).count("1") for i in range(256)], dtype=np.int32)
_PAIRS_PER_CHUNK = 16384


def similar_pairs(
    sets: Sequence[frozenset[str]], threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """The pairs (i < j) whose :func:`jaccard` similarity is >= ``threshold``, all at once:
    each set is a row of bits (one per word), the words two sets share are the set bits of
    the AND of their rows. Integer arithmetic only: no BLAS call (whose threads would spin
    on a busy server for a few thousand pairs)."""
    n = len(sets)
    vocabulary: dict[str, int] = {}
    rows: list[int] = []
    columns: list[int] = []
    for i, words in enumerate(sets):
        for word in words:
            rows.append(i)
            columns.append(vocabulary.setdefault(word, len(vocabulary)))
    incidence = np.zeros((n, max(len(vocabulary), 1)), dtype=bool)
    incidence[rows, columns] = True
    bits = np.packbits(incidence, axis=1)
    sizes = np.array([len(words) for words in sets], dtype=np.int64)
    left, right = np.triu_indices(n, k=1)
    keep = np.zeros(left.size, dtype=bool)
    for start in range(0, left.size, _PAIRS_PER_CHUNK):
        a, b = left[start:start + _PAIRS_PER_CHUNK], right[start:start + _PAIRS_PER_CHUNK]
        shared = _BITS_SET[bits[a] & bits[b]].sum(axis=1)
        union = sizes[a] + sizes[b] - shared
        # The same IEEE division of two integers as len(a & b) / len(a | b) in jaccard().
        similarity = np.divide(
            shared.astype(np.float64), union.astype(np.float64),
            out=np.ones(a.size), where=union > 0,
        )
        keep[start:start + a.size] = similarity >= threshold
    return left[keep].astype(np.int64), right[keep].astype(np.int64)


def cluster_amendments(
    variants: Sequence[AmendmentVariant], threshold: float
) -> list[AmendmentCluster]:
    """Group wordings whose word sets have a Jaccard similarity >= ``threshold``
    (single linkage: union-find over the similar pairs). Largest groups first."""
    left, right = similar_pairs([word_set(v.wording) for v in variants], threshold)
    roots = connected_components(len(variants), left, right)
    members: dict[int, list[AmendmentVariant]] = defaultdict(list)
    for index, root in enumerate(roots.tolist()):
        members[int(root)].append(variants[index])
    clusters = [
        AmendmentCluster(tuple(sorted(items, key=lambda v: (-v.comments, v.first_comment_id))))
        for items in members.values()
    ]
    clusters.sort(key=lambda c: (-c.comments, c.representative.first_comment_id))
    return clusters


def _named(
    consultation: Consultation,
    public_only: bool,
    ids: Sequence[int],
    result: dict[int, ProvisionFigures],
) -> None:
    """Organisations that may be named (publishable submissions), by stance."""
    per_org = _per_org(consultation, public_only, ids, Submission.publishable.is_(True))
    query = (
        select(
            per_org.c.provision_id,
            per_org.c.stance,
            Organisation.name,
            Organisation.category,
            Organisation.regional_group,
            Submission.on_behalf_kind,
        )
        .select_from(per_org)
        .join(Submission, Submission.id == per_org.c.submission_id)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .order_by(per_org.c.provision_id, Organisation.name)
    )
    for row in db.session.execute(query):
        result[row.provision_id].named.append(
            NamedStance(
                name=row.name,
                category=row.category,
                regional_group=row.regional_group,
                stance=_RANK_STANCE.get(int(row.stance), Position.NO_POSITION),
                on_behalf=row.on_behalf_kind is not OnBehalfKind.NONE,
            )
        )


# --- participation ----------------------------------------------------------------------


def _day_expr(column: Any) -> Any:
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def participation(consultation: Consultation, *, public_only: bool = False) -> Participation:
    """Who took part: submitted submissions (public view: with a published comment)."""
    conditions: list[ColumnElement[bool]] = [
        Submission.consultation_id == consultation.id,
        Submission.status == SubmissionStatus.SUBMITTED,
    ]
    if public_only:
        published = (
            select(comment_counts.c.submission_id)
            .where(
                comment_counts.c.submission_id == Submission.id,
                comment_total("published") > 0,
            )
            .exists()
        )
        conditions.append(published)
    result = Participation()
    cosigners = (
        select(Cosigner.submission_id.label("submission_id"), func.count().label("n"))
        .group_by(Cosigner.submission_id)
        .subquery("cosigner_counts")
    )
    query = (
        select(
            Organisation.category,
            Organisation.regional_group,
            Organisation.verification_status,
            Submission.on_behalf_kind,
            func.count().label("submissions"),
            func.count(cosigners.c.n).label("joint"),
            func.coalesce(func.sum(cosigners.c.n), 0).label("cosigners"),
        )
        .select_from(Submission)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .outerjoin(cosigners, cosigners.c.submission_id == Submission.id)
        .where(*conditions)
        .group_by(Organisation.category, Organisation.regional_group,
                  Organisation.verification_status, Submission.on_behalf_kind)
    )
    for row in db.session.execute(query):
        n = int(row.submissions)
        category: OrgCategory = row.category
        result.submissions += n
        result.by_category[category] = result.by_category.get(category, 0) + n
        if category is OrgCategory.OBSERVER_STATE:
            result.states += n
            result.observer_states += n
        elif category.is_state:
            result.states += n
            if row.regional_group is not None:
                group: RegionalGroup = row.regional_group
                result.states_by_group[group] = result.states_by_group.get(group, 0) + n
            else:
                result.states_without_group += n
        else:
            result.other_stakeholders += n
        if row.verification_status is not VerificationStatus.VERIFIED:
            result.unverified_organisations += n
        if row.on_behalf_kind is OnBehalfKind.REGIONAL_GROUP:
            result.on_behalf_of_regional_group += n
        elif row.on_behalf_kind is OnBehalfKind.COALITION:
            result.on_behalf_of_coalition += n
        result.joint_submissions += int(row.joint)
        result.cosigning_organisations += int(row.cosigners)
    result.by_category = {c: result.by_category[c] for c in OrgCategory if c in result.by_category}
    result.states_by_group = {g: result.states_by_group.get(g, 0) for g in RegionalGroup}

    day = _day_expr(Submission.submitted_at)
    days = db.session.execute(
        select(day.label("day"), func.count().label("n"))
        .select_from(Submission)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .where(*conditions)
        .group_by(day)
        .order_by(day)
    )
    result.by_day = [(_as_date(row.day), int(row.n)) for row in days if row.day is not None]

    is_state = Organisation.category.in_(_STATES)
    for row in db.session.execute(
        select(is_state.label("is_state"),
               func.coalesce(func.sum(comment_total(_klass(public_only))), 0).label("n"))
        .select_from(comment_counts)
        .join(Submission, Submission.id == comment_counts.c.submission_id)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .where(
            comment_counts.c.consultation_id == consultation.id,
            Submission.status == SubmissionStatus.SUBMITTED,
        )
        .group_by(is_state)
    ):
        if row.is_state:
            result.state_comments = int(row.n)
        else:
            result.other_comments = int(row.n)
    result.comments = result.state_comments + result.other_comments
    return result


def iter_slices(figures: ProvisionFigures) -> Iterable[tuple[str, GroupFigures]]:
    """(label, figures) of every State regional group then every other category."""
    for group, part in figures.by_regional_group.items():
        yield group.label, part
    for category, part in figures.by_category.items():
        if not category.is_state:
            yield category.label, part
