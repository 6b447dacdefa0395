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
paragraph and opposes another counts as opposing). Stances drive the consensus rule;
``positions`` count the organisations that took each position at least once.

Every figure is computed by a fixed number of GROUP BY queries, whatever the number of
comments; Python only assembles the grouped rows.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
from flask import current_app, has_app_context
from sqlalchemy import ColumnElement, case, distinct, func, or_, select

from consult_app.accounts.models import (
    Organisation,
    OrgCategory,
    RegionalGroup,
    VerificationStatus,
)
from consult_app.consultations.models import Consultation
from consult_app.extensions import db
from consult_app.review.duplicates import connected_components, normalise
from consult_app.review.models import (
    DuplicateGroup,
    GroupKind,
    GroupStatus,
    Theme,
    WithheldReason,
    comment_themes,
)
from consult_app.submissions.models import (
    Comment,
    Cosigner,
    ModerationStatus,
    OnBehalfKind,
    Position,
    Submission,
    SubmissionStatus,
)
from consult_app.texts.models import Provision

logger = logging.getLogger(__name__)

#: Withheld comments that still count in the secretariat's figures.
COUNTED_WITHHELD_REASONS: tuple[str, ...] = (WithheldReason.CONFIDENTIAL.value,)

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
        for position in Position:
            self.comment_positions[position] += other.comment_positions[position]
            self.positions[position] += other.positions[position]
            self.stances[position] += other.stances[position]


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
    states: int = 0
    other_stakeholders: int = 0
    states_by_group: dict[RegionalGroup, int] = field(default_factory=dict)
    #: States without a regional group (observer States).
    states_without_group: int = 0
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
    """WHERE conditions of the comments that count (``Submission`` must be joined)."""
    conditions: list[ColumnElement[bool]] = [
        Comment.consultation_id == consultation.id,
        Submission.status == SubmissionStatus.SUBMITTED,
        Comment.withdrawn_at.is_(None),
    ]
    if public_only:
        conditions.append(Comment.moderation_status == ModerationStatus.PUBLISHED)
    else:
        conditions.append(
            or_(
                Comment.moderation_status != ModerationStatus.WITHHELD,
                Comment.withheld_reason.in_(COUNTED_WITHHELD_REASONS),
            )
        )
    return conditions


def _rank_expr() -> ColumnElement[int]:
    return case(*[(Comment.position == p, r) for p, r in STANCE_RANK.items()], else_=0)


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
) -> list[ProvisionFigures]:
    """Figures of each provision of the consultation's text (or of ``provision_ids``), in
    text order. ``details`` adds reservations, grouped amendments and nameable
    organisations (more queries; the dashboard does without)."""
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
    ids = list(result)
    conditions = [*counted_comment_conditions(consultation, public_only),
                  Comment.provision_id.in_(ids)]
    _main_figures(consultation, conditions, result)
    _campaign_figures(consultation, conditions, result)
    _theme_figures(conditions, result)
    if details:
        _reservations(consultation, conditions, result)
        _amendments(consultation, conditions, result, amendment_similarity)
        if consultation.allow_attribution:
            _named(conditions, result)
    return list(result.values())


def _main_figures(
    consultation: Consultation,
    conditions: list[ColumnElement[bool]],
    result: dict[int, ProvisionFigures],
) -> None:
    """One scan: per provision and organisation, then grouped by who they are."""
    position_columns = [
        func.sum(case((Comment.position == p, 1), else_=0)).label(f"c_{p.value}")
        for p in Position
    ]
    per_org = (
        select(
            Comment.provision_id.label("provision_id"),
            Comment.submission_id.label("submission_id"),
            func.count().label("comments"),
            func.max(_rank_expr()).label("stance"),
            *position_columns,
        )
        .select_from(Comment)
        .join(Submission, Submission.id == Comment.submission_id)
        .where(*conditions)
        .group_by(Comment.provision_id, Comment.submission_id)
        .subquery("per_org")
    )
    cosigners = (
        select(Cosigner.submission_id.label("submission_id"), func.count().label("n"))
        .join(Submission, Submission.id == Cosigner.submission_id)
        .where(Submission.consultation_id == consultation.id)
        .group_by(Cosigner.submission_id)
        .subquery("cosigner_counts")
    )
    keys = [
        per_org.c.provision_id,
        Organisation.category,
        Organisation.regional_group,
        Organisation.verification_status,
        per_org.c.stance,
        Submission.on_behalf_kind,
        Submission.on_behalf_group,
        Submission.on_behalf_name,
        Submission.publishable,
        cosigners.c.n,
    ]
    query = (
        select(
            *keys,
            func.count().label("organisations"),
            func.sum(per_org.c.comments).label("comments"),
            *[func.sum(per_org.c[f"c_{p.value}"]).label(f"c_{p.value}") for p in Position],
            *[
                func.sum(case((per_org.c[f"c_{p.value}"] > 0, 1), else_=0)).label(
                    f"o_{p.value}"
                )
                for p in Position
            ],
        )
        .select_from(per_org)
        .join(Submission, Submission.id == per_org.c.submission_id)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .outerjoin(cosigners, cosigners.c.submission_id == Submission.id)
        .group_by(*keys)
    )
    on_behalf: dict[tuple[Any, ...], int] = defaultdict(int)
    joint: dict[tuple[Any, ...], int] = defaultdict(int)
    for row in db.session.execute(query):
        figures = result[row.provision_id]
        stance = _RANK_STANCE.get(int(row.stance), Position.NO_POSITION)
        part = GroupFigures(comments=int(row.comments), organisations=int(row.organisations))
        for p in Position:
            part.comment_positions[p] = int(row._mapping[f"c_{p.value}"] or 0)
            part.positions[p] = int(row._mapping[f"o_{p.value}"] or 0)
        part.stances[stance] = part.organisations
        category: OrgCategory = row.category
        figures.total._add(part)
        (figures.states if category.is_state else figures.other_stakeholders)._add(part)
        figures.by_category.setdefault(category, GroupFigures())._add(part)
        if category.is_state and row.regional_group is not None:
            figures.by_regional_group.setdefault(row.regional_group, GroupFigures())._add(part)
        if row.verification_status is not VerificationStatus.VERIFIED:
            figures.unverified._add(part)
        if row.on_behalf_kind is not OnBehalfKind.NONE:
            name = (
                row.on_behalf_name
                if row.on_behalf_kind is OnBehalfKind.COALITION
                and may_name(consultation, row.publishable)
                else None
            )
            key = (row.provision_id, row.on_behalf_kind, row.on_behalf_group, name, category,
                   stance)
            on_behalf[key] += int(row.organisations)
        if row.n:
            joint[(row.provision_id, int(row.n) + 1, category, stance)] += int(
                row.organisations
            )
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


def _campaign_figures(
    consultation: Consultation,
    conditions: list[ColumnElement[bool]],
    result: dict[int, ProvisionFigures],
) -> None:
    query = (
        select(
            Comment.provision_id,
            DuplicateGroup.id,
            DuplicateGroup.representative_comment_id,
            func.count().label("items"),
            func.count(distinct(Comment.submission_id)).label("organisations"),
        )
        .select_from(DuplicateGroup)
        .join(Comment, Comment.duplicate_group_id == DuplicateGroup.id)
        .join(Submission, Submission.id == Comment.submission_id)
        .where(
            DuplicateGroup.consultation_id == consultation.id,
            DuplicateGroup.kind == GroupKind.CAMPAIGN,
            DuplicateGroup.status == GroupStatus.CONFIRMED,
            *conditions,
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
    conditions: list[ColumnElement[bool]], result: dict[int, ProvisionFigures]
) -> None:
    query = (
        select(
            Comment.provision_id,
            Theme.id,
            Theme.name,
            func.count().label("comments"),
            func.count(distinct(Comment.submission_id)).label("organisations"),
        )
        .select_from(Comment)
        .join(comment_themes, comment_themes.c.comment_id == Comment.id)
        .join(Theme, Theme.id == comment_themes.c.theme_id)
        .join(Submission, Submission.id == Comment.submission_id)
        .where(*conditions)
        .group_by(Comment.provision_id, Theme.id, Theme.name)
        .order_by(Comment.provision_id, func.count().desc(), Theme.name)
    )
    for row in db.session.execute(query):
        result[row.provision_id].themes.append(
            ThemeCount(int(row.id), row.name, int(row.comments), int(row.organisations))
        )


def _reservations(
    consultation: Consultation,
    conditions: list[ColumnElement[bool]],
    result: dict[int, ProvisionFigures],
) -> None:
    numbered = (
        select(
            Comment.id.label("comment_id"),
            Comment.provision_id.label("provision_id"),
            Comment.is_public.label("is_public"),
            Submission.publishable.label("publishable"),
            Organisation.name.label("name"),
            Organisation.category.label("category"),
            Organisation.regional_group.label("regional_group"),
            Organisation.verification_status.label("verification_status"),
            func.row_number()
            .over(partition_by=Comment.provision_id, order_by=Comment.id)
            .label("n"),
        )
        .select_from(Comment)
        .join(Submission, Submission.id == Comment.submission_id)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .where(*conditions, Comment.position == Position.RESERVATION)
        .subquery("numbered")
    )
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
    conditions: list[ColumnElement[bool]],
    result: dict[int, ProvisionFigures],
    similarity: float | None,
) -> None:
    state = Organisation.category.in_([OrgCategory.MEMBER_STATE, OrgCategory.OBSERVER_STATE])
    grouped = (
        select(
            Comment.provision_id.label("provision_id"),
            Comment.proposed_wording.label("wording"),
            func.count().label("comments"),
            func.count(distinct(Comment.submission_id)).label("organisations"),
            func.count(distinct(case((state, Comment.submission_id)))).label("states"),
            func.min(Comment.id).label("first_id"),
            func.sum(case((Submission.publishable.is_(True), 1), else_=0)).label("publishable"),
        )
        .select_from(Comment)
        .join(Submission, Submission.id == Comment.submission_id)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .where(*conditions, Comment.proposed_wording.is_not(None))
        .group_by(Comment.provision_id, Comment.proposed_wording)
        .subquery("grouped")
    )
    ranked = select(
        grouped,
        func.row_number()
        .over(
            partition_by=grouped.c.provision_id,
            order_by=(grouped.c.comments.desc(), grouped.c.first_id),
        )
        .label("n"),
    ).subquery("ranked")
    query = (
        select(ranked)
        .where(ranked.c.n <= AMENDMENT_TEXTS_LIMIT)
        .order_by(ranked.c.provision_id, ranked.c.n)
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


def cluster_amendments(
    variants: Sequence[AmendmentVariant], threshold: float
) -> list[AmendmentCluster]:
    """Group wordings whose word sets have a Jaccard similarity >= ``threshold``
    (single linkage: union-find over the similar pairs). Largest groups first."""
    sets = [word_set(v.wording) for v in variants]
    left: list[int] = []
    right: list[int] = []
    for i in range(len(sets)):
        for j in range(i + 1, len(sets)):
            a, b = sets[i], sets[j]
            small, large = sorted((len(a), len(b)))
            if large and small / large < threshold:
                continue  # Jaccard can be at most small/large
            if jaccard(a, b) >= threshold:
                left.append(i)
                right.append(j)
    roots = connected_components(
        len(sets), np.array(left, dtype=np.int64), np.array(right, dtype=np.int64)
    )
    members: dict[int, list[AmendmentVariant]] = defaultdict(list)
    for index, root in enumerate(roots.tolist()):
        members[int(root)].append(variants[index])
    clusters = [
        AmendmentCluster(tuple(sorted(items, key=lambda v: (-v.comments, v.first_comment_id))))
        for items in members.values()
    ]
    clusters.sort(key=lambda c: (-c.comments, c.representative.first_comment_id))
    return clusters


def _named(conditions: list[ColumnElement[bool]], result: dict[int, ProvisionFigures]) -> None:
    """Organisations that may be named (publishable submissions), by stance."""
    per_org = (
        select(
            Comment.provision_id.label("provision_id"),
            Comment.submission_id.label("submission_id"),
            func.max(_rank_expr()).label("stance"),
        )
        .select_from(Comment)
        .join(Submission, Submission.id == Comment.submission_id)
        .where(*conditions, Submission.publishable.is_(True))
        .group_by(Comment.provision_id, Comment.submission_id)
        .subquery("per_org")
    )
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
            select(Comment.id)
            .where(
                Comment.submission_id == Submission.id,
                Comment.moderation_status == ModerationStatus.PUBLISHED,
                Comment.withdrawn_at.is_(None),
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
        if category.is_state:
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

    comment_conditions = counted_comment_conditions(consultation, public_only)
    result.comments = int(
        db.session.execute(
            select(func.count())
            .select_from(Comment)
            .join(Submission, Submission.id == Comment.submission_id)
            .where(*comment_conditions)
        ).scalar_one()
    )
    return result


def iter_slices(figures: ProvisionFigures) -> Iterable[tuple[str, GroupFigures]]:
    """(label, figures) of every State regional group then every other category."""
    for group, part in figures.by_regional_group.items():
        yield group.label, part
    for category, part in figures.by_category.items():
        if not category.is_state:
            yield category.label, part
