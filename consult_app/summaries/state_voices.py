"""The States' positions on each provision, per paragraph (docs/consensus.md): each State
position once, a statement on behalf of a group of States being one position."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, select, union_all

from consult_app.accounts.models import Organisation, OrgCategory
from consult_app.consultations.models import Consultation
from consult_app.extensions import db
from consult_app.submissions.models import (
    Cosigner,
    OnBehalfKind,
    Position,
    Submission,
    SubmissionStatus,
)
from consult_app.summaries.counted import counted_class, may_name
from consult_app.summaries.counts import comment_counts, count_column, paragraph_counts
from consult_app.summaries.figures import (
    RANK_STANCE,
    STANCE_RANK,
    STATES,
    ParagraphRef,
    ProvisionFigures,
    StateVoice,
    VoiceKind,
)
from consult_app.texts.models import Paragraph


def _rank_of(counts: dict[Position, ColumnElement[Any]]) -> ColumnElement[int]:
    """The stance rank of per-position counts: the strongest position counted (0: none)."""
    return case(
        *[
            (counts[p] > 0, rank)
            for p, rank in sorted(STANCE_RANK.items(), key=lambda item: -item[1])
        ],
        else_=0,
    )


def state_voices(
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
                Organisation.category.in_(STATES),
            )
        )
    }
    if not speakers:
        return
    klass = counted_class(public_only)
    cc, pc = comment_counts.c, paragraph_counts.c
    state_submissions = (
        select(Submission.id)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .where(
            Submission.consultation_id == consultation.id,
            Submission.status == SubmissionStatus.SUBMITTED,
            Organisation.category.in_(STATES),
        )
    )
    # The provision as a whole: each State's comments on it less those on its paragraphs,
    # added up in one grouping (no join of the two tables).
    signed = union_all(
        select(
            cc.provision_id,
            cc.submission_id,
            *[cc[count_column(klass, p)].label(p.value) for p in Position],
        ).where(
            cc.consultation_id == consultation.id,
            cc.provision_id.in_(list(ids)),
            cc.submission_id.in_(state_submissions),
        ),
        select(
            pc.provision_id,
            pc.submission_id,
            *[(-pc[count_column(klass, p)]).label(p.value) for p in Position],
        ).where(
            pc.consultation_id == consultation.id,
            pc.provision_id.in_(list(ids)),
            pc.submission_id.in_(state_submissions),
        ),
    ).subquery("signed")
    whole = _rank_of({p: func.sum(signed.c[p.value]) for p in Position})
    ranks = union_all(
        select(
            signed.c.provision_id,
            signed.c.submission_id,
            literal(0).label("paragraph_id"),
            whole.label("stance"),
        ).group_by(signed.c.provision_id, signed.c.submission_id),
        select(
            pc.provision_id,
            pc.submission_id,
            pc.paragraph_id,
            _rank_of({p: pc[count_column(klass, p)] for p in Position}).label("stance"),
        ).where(
            pc.consultation_id == consultation.id,
            pc.provision_id.in_(list(ids)),
            pc.submission_id.in_(state_submissions),
        ),
    )
    positions: dict[tuple[int, int], dict[int | None, Position]] = defaultdict(dict)
    for provision_id, submission_id, paragraph_id, stance in db.session.execute(ranks):
        if stance:
            positions[(provision_id, submission_id)][paragraph_id or None] = RANK_STANCE[stance]
    if not positions:
        return

    members: dict[int, list[Any]] = defaultdict(list)
    for row in db.session.execute(
        select(
            Cosigner.submission_id, Organisation.id, Organisation.name, Organisation.regional_group
        )
        .join(Organisation, Organisation.id == Cosigner.organisation_id)
        .where(Cosigner.submission_id.in_(sorted(speakers)), Organisation.category.in_(STATES))
        .order_by(Organisation.name)
    ):
        members[row.submission_id].append(row)
    commented = sorted(
        {pid for (pid, _sid), held in positions.items() if len(held) > 1 or None not in held}
    )
    if commented:
        paragraphs: dict[int, list[Any]] = defaultdict(list)
        for paragraph in db.session.execute(
            select(
                Paragraph.id,
                Paragraph.provision_id,
                Paragraph.parent_id,
                Paragraph.position,
                Paragraph.level,
                Paragraph.label,
            )
            .where(Paragraph.provision_id.in_(commented))
            .order_by(Paragraph.provision_id, Paragraph.position)
        ):
            paragraphs[paragraph.provision_id].append(paragraph)
        for pid, items in paragraphs.items():
            result[pid].paragraphs = _paragraph_refs(items)

    templates = {
        sid: _voice(consultation, row, members.get(sid, []), {}) for sid, row in speakers.items()
    }
    # Voices in a stable order: by State name, then submission.
    order = sorted(templates, key=lambda sid: (speakers[sid].name, sid))
    rank = {sid: n for n, sid in enumerate(order)}
    for (pid, sid), held in sorted(
        positions.items(), key=lambda item: (item[0][0], rank[item[0][1]])
    ):
        t = templates[sid]
        # The constructor with every field (dataclasses.replace is several times slower).
        result[pid].voices.append(
            StateVoice(
                t.submission_id,
                t.organisation_id,
                t.kind,
                t.regional_group,
                t.name,
                t.group,
                t.group_name,
                t.member_ids,
                t.member_names,
                t.member_groups,
                held,
            )
        )


def _voice(
    consultation: Consultation,
    row: Any,
    members: list[Any],
    positions: dict[int | None, Position],
) -> StateVoice:
    nameable = may_name(consultation, row.publishable)
    kind = (
        VoiceKind.OBSERVER_STATE
        if row.category is OrgCategory.OBSERVER_STATE
        else (VoiceKind.STATE)
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
