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

This module computes the per-provision figures (:func:`provision_figures`); the classes
they fill are in :mod:`~consult_app.summaries.figures`, which comments count in
:mod:`~consult_app.summaries.counted`, the States' positions in
:mod:`~consult_app.summaries.state_voices`, the grouping of proposed wordings in
:mod:`~consult_app.summaries.amendment_clusters` and participation in
:mod:`~consult_app.summaries.participation`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

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
from consult_app.review.models import DuplicateGroup, GroupKind, GroupStatus, Theme
from consult_app.submissions.models import (
    Comment,
    Cosigner,
    OnBehalfKind,
    Position,
    Submission,
    SubmissionStatus,
)
from consult_app.summaries.amendment_clusters import cluster_amendments
from consult_app.summaries.counted import (
    counted_class,
    counted_comment_conditions,
    counted_rows,
    may_name,
    per_org_rows,
)
from consult_app.summaries.counts import (
    amendment_counts,
    class_condition,
    theme_counts,
)
from consult_app.summaries.figures import (
    RANK_STANCE,
    AmendmentVariant,
    Campaign,
    GroupFigures,
    JointSubmissions,
    NamedStance,
    OnBehalf,
    ProvisionFigures,
    Reservation,
    ThemeCount,
)
from consult_app.summaries.settings import ConsensusRule, rule_for
from consult_app.summaries.state_voices import state_voices
from consult_app.texts.models import Provision

logger = logging.getLogger(__name__)

#: At most this many reservations are listed per provision (all are counted).
RESERVATIONS_LISTED = 200
#: At most this many distinct amendment wordings per provision are grouped (the most
#: frequent; all are counted in the provision's positions).
AMENDMENT_TEXTS_LIMIT = 300
DEFAULT_AMENDMENT_SIMILARITY = 0.6


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
    state_voices(consultation, public_only, ids, result)
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
    per_org = per_org_rows(consultation, public_only, ids)
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
            for rank in sorted(RANK_STANCE)
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
    stance_keys = [(stance, f"s_{rank}") for rank, stance in RANK_STANCE.items()]
    for row in db.session.execute(query):
        figures = result[row.provision_id]
        organisations = int(row.organisations)
        if row.slice == "on_behalf":
            stance = RANK_STANCE.get(int(row.stance), Position.NO_POSITION)
            on_behalf[(row.provision_id, row.on_behalf_kind, row.on_behalf_group,
                       row.on_behalf_name, row.category, stance)] += organisations
            continue
        if row.slice == "joint":
            stance = RANK_STANCE.get(int(row.stance), Position.NO_POSITION)
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
            figures.total.add(part)
        elif row.slice == "other":
            figures.other_stakeholders = part
            figures.total.add(part)
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
            class_condition(counted_class(public_only)),
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
    n = tc[counted_class(public_only)]
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
        .where(*counted_rows(theme_counts, consultation, ids, n))
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
    klass = counted_class(public_only)
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
        .where(*counted_rows(amendment_counts, consultation, ids, n))
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


def _named(
    consultation: Consultation,
    public_only: bool,
    ids: Sequence[int],
    result: dict[int, ProvisionFigures],
) -> None:
    """Organisations that may be named (publishable submissions), by stance."""
    per_org = per_org_rows(consultation, public_only, ids, Submission.publishable.is_(True))
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
                stance=RANK_STANCE.get(int(row.stance), Position.NO_POSITION),
                on_behalf=row.on_behalf_kind is not OnBehalfKind.NONE,
            )
        )


