"""Duplicate and campaign groups: detection, re-runs, review operations, figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select

from consult_app.accounts.models import Organisation, OrgCategory, RegionalGroup, Role, User
from consult_app.consultations.models import Consultation
from consult_app.core.audit import AuditEntry, verify_chain
from consult_app.core.errors import NotAllowed, UserError
from consult_app.core.models import utcnow
from consult_app.extensions import db
from consult_app.review import grouping
from consult_app.review.models import DuplicateGroup, GroupKind, GroupStatus
from consult_app.submissions.models import Comment, Position, Submission, SubmissionStatus
from consult_app.texts.models import Provision, ProvisionKind
from tests.conftest import make_consultation, make_org, make_user

TEMPLATE = (
    "We the undersigned call on the drafters to strengthen this article so that international "
    "solidarity becomes a binding duty of cooperation between States, with clear obligations "
    "to share technology, to cancel unsustainable debt and to guarantee that every person can "
    "claim the right to international solidarity before an independent body. We also ask that "
    "the text recognise the role of civil society, of indigenous peoples and of local "
    "communities in shaping and monitoring that cooperation, and that it protect human rights "
    "defenders who take part in it."
)

ORGANIC = [
    "The definition of solidarity in the second paragraph is too vague; we propose to refer "
    "to the Charter of the United Nations and to existing treaty obligations instead.",
    "Our delegation cannot accept a new right without a clear holder and duty bearer. We "
    "suggest deleting the article or turning it into a preambular reference.",
    "Business enterprises should be mentioned explicitly, as their supply chains shape the "
    "enjoyment of many rights addressed here.",
    "The French version uses a different term for cooperation; the translations should be "
    "harmonised before the next reading.",
]

DUPLICATE_TEXT = (
    "Paragraph two should say that States shall cooperate in good faith and in accordance "
    "with their respective capacities, taking into account the needs of the least developed "
    "countries and small island developing States."
)


def letter(n: int) -> str:
    """The campaign template as one member sends it: own salutation and signature."""
    salutation = "" if n % 2 else "Dear Chair, "
    return f"{salutation}{TEMPLATE} Signed on behalf of member number {n}."


_receipts = iter(range(1, 10**9))


def submission_for(
    consultation: Consultation,
    org: Organisation,
    *,
    submitted_at: object = None,
    submitted: bool = True,
) -> Submission:
    submission = Submission(
        consultation=consultation,
        organisation=org,
        status=SubmissionStatus.SUBMITTED if submitted else SubmissionStatus.DRAFT,
    )
    if submitted:
        submission.receipt_number = f"GRP-{next(_receipts):07d}"
        submission.submitted_at = submitted_at or utcnow()
        submission.revision_count = 1
    db.session.add(submission)
    db.session.flush()
    return submission


def add_comment(submission: Submission, provision: Provision, body: str) -> Comment:
    comment = Comment(
        submission=submission,
        consultation_id=submission.consultation_id,
        provision=provision,
        position=Position.SUPPORT_WITH_AMENDMENTS,
        body=body,
    )
    db.session.add(comment)
    db.session.flush()
    return comment


@dataclass
class World:
    consultation: Consultation
    articles: list[Provision]
    secretariat: User
    contributor: User
    campaign: list[Comment] = field(default_factory=list)  # six organisations, article 1
    organic: list[Comment] = field(default_factory=list)
    duplicates: list[Comment] = field(default_factory=list)  # one organisation, two provisions
    draft_letter: Comment | None = None
    withdrawn_letter: Comment | None = None
    orgs: list[Organisation] = field(default_factory=list)

    def group_of(self, comment: Comment) -> DuplicateGroup | None:
        db.session.expire(comment, ["duplicate_group_id"])
        if comment.duplicate_group_id is None:
            return None
        return db.session.get(DuplicateGroup, comment.duplicate_group_id)

    def groups(self, status: GroupStatus | None = None) -> list[DuplicateGroup]:
        query = select(DuplicateGroup).where(
            DuplicateGroup.consultation_id == self.consultation.id
        )
        if status is not None:
            query = query.where(DuplicateGroup.status == status)
        return list(db.session.scalars(query.order_by(DuplicateGroup.id)))

    def add_letter(self, n: int) -> Comment:
        org = make_org(f"Late Campaigner {n}")
        return add_comment(submission_for(self.consultation, org), self.articles[0], letter(n))


def build_world() -> World:
    """Six organisations send the form letter (the last one submitted first), four write
    their own comments, one pastes the same text under two provisions; a draft and a
    withdrawn comment carry the letter too."""
    consultation = make_consultation()
    articles = list(
        db.session.scalars(
            select(Provision)
            .where(
                Provision.version_id == consultation.version_id,
                Provision.kind == ProvisionKind.ARTICLE,
            )
            .order_by(Provision.position)
        )
    )
    secretariat = make_user(role=Role.SECRETARIAT)
    secretariat.name = "Sam Secretariat"
    world = World(consultation, articles, secretariat, contributor=make_user())
    start = utcnow() - timedelta(days=2)
    categories = [OrgCategory.NGO, OrgCategory.NGO, OrgCategory.ACADEMIC, OrgCategory.NGO,
                  OrgCategory.BUSINESS, OrgCategory.NGO]
    for n, category in enumerate(categories):
        org = make_org(f"Campaigner {n}", category=category)
        world.orgs.append(org)
        submission = submission_for(
            consultation, org, submitted_at=start + timedelta(minutes=60 - n)
        )
        world.campaign.append(add_comment(submission, articles[0], letter(n)))
    for n, body in enumerate(ORGANIC):
        org = make_org(f"Organic {n}", category=OrgCategory.MEMBER_STATE,
                       group=RegionalGroup.AFRICAN)
        world.organic.append(add_comment(submission_for(consultation, org), articles[n % 3], body))
    paster = make_org("Copy Paste Institute", category=OrgCategory.ACADEMIC)
    submission = submission_for(consultation, paster)
    world.duplicates = [
        add_comment(submission, articles[1], DUPLICATE_TEXT),
        add_comment(submission, articles[2], DUPLICATE_TEXT + " Thank you."),
    ]
    drafter = make_org("Drafting Campaigner")
    world.draft_letter = add_comment(
        submission_for(consultation, drafter, submitted=False), articles[0], letter(90)
    )
    quitter = make_org("Withdrawing Campaigner")
    world.withdrawn_letter = add_comment(submission_for(consultation, quitter), articles[0],
                                         letter(91))
    world.withdrawn_letter.withdrawn_at = utcnow()
    db.session.commit()
    return world


@pytest.fixture
def world() -> World:
    return build_world()


def audit(action: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def members(group: DuplicateGroup) -> set[int]:
    return set(grouping.member_ids(group))


# --- detection -------------------------------------------------------------------------


def test_detection_finds_the_campaign_and_leaves_organic_comments_alone(world: World) -> None:
    result = grouping.detect_duplicates(world.secretariat, world.consultation)

    # 6 letters + 4 organic + 2 pasted; the draft and the withdrawn letter are not read.
    assert result.comments_scanned == 12
    assert result.suggested == 2 and result.campaigns == 1
    campaign = world.group_of(world.campaign[0])
    assert campaign is not None
    assert campaign.kind is GroupKind.CAMPAIGN
    assert campaign.status is GroupStatus.SUGGESTED
    assert campaign.size == 6
    assert members(campaign) == {c.id for c in world.campaign}
    # The earliest submission is the last campaigner's (submitted first).
    assert campaign.representative_comment_id == world.campaign[-1].id
    assert campaign.similarity is not None and 0.6 <= campaign.similarity <= 1.0

    pasted = world.group_of(world.duplicates[0])
    assert pasted is not None and pasted.kind is GroupKind.DUPLICATE and pasted.size == 2
    assert members(pasted) == {c.id for c in world.duplicates}

    for comment in [*world.organic, world.draft_letter, world.withdrawn_letter]:
        assert comment is not None and world.group_of(comment) is None

    [entry] = audit("detect_duplicates")
    assert entry.object_type == "Consultation" and entry.object_id == world.consultation.id
    assert entry.actor_id == world.secretariat.id
    assert entry.after is not None
    assert entry.after["comments_scanned"] == 12 and entry.after["suggested"] == 2
    assert verify_chain() == []


def test_scan_reads_only_ids_and_texts(world: World) -> None:
    query = grouping.scan_query(world.consultation)
    assert [c.name for c in query.selected_columns] == ["id", "body"]
    assert query.get_execution_options().get("yield_per") == grouping.STREAM_BATCH


def test_kind_follows_organisations_or_size(app) -> None:
    assert grouping.classify(2, 1) is GroupKind.DUPLICATE
    assert grouping.classify(4, 2) is GroupKind.DUPLICATE
    assert grouping.classify(3, 3) is GroupKind.CAMPAIGN
    assert grouping.classify(5, 1) is GroupKind.CAMPAIGN
    app.config["CAMPAIGN_MIN_ORGS"] = 2
    try:
        assert grouping.classify(2, 2) is GroupKind.CAMPAIGN
    finally:
        app.config["CAMPAIGN_MIN_ORGS"] = 3


def test_three_organisations_make_a_campaign(world: World) -> None:
    consultation = make_consultation()
    article = db.session.scalars(
        select(Provision).where(Provision.version_id == consultation.version_id)
    ).first()
    assert article is not None
    comments = [
        add_comment(submission_for(consultation, make_org(f"Trio {n}")), article, letter(n))
        for n in range(3)
    ]
    grouping.detect_duplicates(world.secretariat, consultation)
    group = world.group_of(comments[0])
    assert group is not None and group.kind is GroupKind.CAMPAIGN and group.size == 3


def test_threshold_is_checked(world: World) -> None:
    for bad in (0.0, -1.0, 1.5):
        with pytest.raises(UserError):
            grouping.detect_duplicates(world.secretariat, world.consultation, bad)
    assert world.groups() == []


def test_the_threshold_given_is_used_and_recorded(world: World) -> None:
    result = grouping.detect_duplicates(world.secretariat, world.consultation, 0.7)
    assert result.threshold == 0.7
    [entry] = audit("detect_duplicates")
    assert entry.after is not None and entry.after["threshold"] == 0.7


def test_only_the_secretariat_detects(world: World) -> None:
    with pytest.raises(NotAllowed):
        grouping.detect_duplicates(world.contributor, world.consultation)
    assert world.groups() == []


# --- re-running ------------------------------------------------------------------------


def test_rerun_without_change_keeps_the_same_suggestions(world: World) -> None:
    grouping.detect_duplicates(world.secretariat, world.consultation)
    before = {g.id: members(g) for g in world.groups()}
    result = grouping.detect_duplicates(world.secretariat, world.consultation)
    assert result.unchanged == 2 and result.removed == 0 and not result.created_ids
    assert {g.id: members(g) for g in world.groups()} == before


def test_rerun_replaces_suggestions_whose_members_changed(world: World) -> None:
    grouping.detect_duplicates(world.secretariat, world.consultation)
    old = world.group_of(world.campaign[0])
    assert old is not None
    old_id = old.id
    world.campaign[1].withdrawn_at = utcnow()
    result = grouping.detect_duplicates(world.secretariat, world.consultation)
    assert result.removed == 1 and len(result.created_ids) == 1
    assert db.session.get(DuplicateGroup, old_id) is None
    new = world.group_of(world.campaign[0])
    assert new is not None and new.id != old_id and new.size == 5
    assert world.group_of(world.campaign[1]) is None


def test_rerun_keeps_confirmed_and_dismissed_groups(world: World) -> None:
    grouping.detect_duplicates(world.secretariat, world.consultation)
    campaign = world.group_of(world.campaign[0])
    pasted = world.group_of(world.duplicates[0])
    assert campaign is not None and pasted is not None
    grouping.confirm_group(world.secretariat, campaign)
    grouping.dismiss_group(world.secretariat, pasted)
    late = world.add_letter(50)  # one more letter: alone, it forms no group of its own

    result = grouping.detect_duplicates(world.secretariat, world.consultation)

    assert result.reviewed_kept == 2 and result.not_resuggested == 1 and result.suggested == 0
    db.session.refresh(campaign)
    db.session.refresh(pasted)
    assert campaign.status is GroupStatus.CONFIRMED and campaign.size == 6
    assert members(campaign) == {c.id for c in world.campaign}
    assert pasted.status is GroupStatus.DISMISSED and members(pasted) == set()
    assert world.group_of(world.duplicates[0]) is None
    assert world.group_of(late) is None
    # The members of a confirmed group are not scanned again.
    assert result.comments_scanned == 12 + 1 - 6

    # Two late letters are near-identical to each other: a new suggestion.
    later = world.add_letter(51)
    result = grouping.detect_duplicates(world.secretariat, world.consultation)
    new = world.group_of(late)
    assert new is not None and new.status is GroupStatus.SUGGESTED
    assert members(new) == {late.id, later.id}
    assert result.not_resuggested == 1


def test_a_dismissed_set_with_a_new_member_is_suggested_again(world: World) -> None:
    grouping.detect_duplicates(world.secretariat, world.consultation)
    pasted = world.group_of(world.duplicates[0])
    assert pasted is not None
    grouping.dismiss_group(world.secretariat, pasted)
    submission = submission_for(world.consultation, make_org("Second Paster"))
    third = add_comment(submission, world.articles[0], DUPLICATE_TEXT)
    grouping.detect_duplicates(world.secretariat, world.consultation)
    again = world.group_of(third)
    assert again is not None and again.id != pasted.id
    assert members(again) == {third.id, *(c.id for c in world.duplicates)}


# --- review operations -----------------------------------------------------------------


@pytest.fixture
def detected(world: World) -> World:
    grouping.detect_duplicates(world.secretariat, world.consultation)
    return world


def test_confirm_records_reviewer_and_audit(detected: World) -> None:
    group = detected.group_of(detected.campaign[0])
    assert group is not None
    grouping.confirm_group(detected.secretariat, group)
    assert group.status is GroupStatus.CONFIRMED
    assert group.reviewed_by_id == detected.secretariat.id and group.reviewed_at is not None
    [entry] = audit("confirm_duplicate_group")
    assert entry.object_id == group.id
    assert entry.before is not None and entry.before["status"] == "suggested"
    assert entry.after is not None and entry.after["status"] == "confirmed"
    # Confirming again changes nothing and logs nothing.
    grouping.confirm_group(detected.secretariat, group)
    assert len(audit("confirm_duplicate_group")) == 1


def test_dismiss_clears_members_and_remembers_them(detected: World) -> None:
    group = detected.group_of(detected.campaign[0])
    assert group is not None
    grouping.dismiss_group(detected.secretariat, group)
    assert group.status is GroupStatus.DISMISSED
    assert sorted(group.dismissed_comment_ids or []) == sorted(c.id for c in detected.campaign)
    assert all(detected.group_of(c) is None for c in detected.campaign)
    [entry] = audit("dismiss_duplicate_group")
    assert entry.before is not None
    assert sorted(entry.before["comment_ids"]) == sorted(c.id for c in detected.campaign)


def test_confirming_a_dismissed_group_restores_its_free_members(detected: World) -> None:
    group = detected.group_of(detected.campaign[0])
    assert group is not None
    grouping.dismiss_group(detected.secretariat, group)
    detected.campaign[0].withdrawn_at = utcnow()
    grouping.confirm_group(detected.secretariat, group)
    assert group.status is GroupStatus.CONFIRMED and group.dismissed_comment_ids is None
    assert members(group) == {c.id for c in detected.campaign[1:]}
    assert group.size == 5


def test_split_takes_comments_out_and_confirms_the_rest(detected: World) -> None:
    group = detected.group_of(detected.campaign[0])
    assert group is not None
    taken = [detected.campaign[-1].id, detected.campaign[-2].id]  # incl. the representative
    grouping.split_group(detected.secretariat, group, taken)
    assert group.status is GroupStatus.CONFIRMED and group.size == 4
    assert members(group) == {c.id for c in detected.campaign[:4]}
    assert all(detected.group_of(c) is None for c in detected.campaign[4:])
    # The representative moves to the earliest remaining submission.
    assert group.representative_comment_id == detected.campaign[3].id
    assert group.kind is GroupKind.CAMPAIGN  # four organisations
    [entry] = audit("split_duplicate_group")
    assert entry.after is not None and entry.after["removed_comment_ids"] == sorted(taken)
    assert entry.before is not None and entry.before["size"] == 6


def test_split_refuses_bad_selections_and_changes_nothing(detected: World) -> None:
    group = detected.group_of(detected.campaign[0])
    pasted = detected.group_of(detected.duplicates[0])
    assert group is not None and pasted is not None
    cases = [
        (group, []),
        (group, [detected.organic[0].id]),  # not a member
        (group, [c.id for c in detected.campaign[:5]]),  # one would stay
        (pasted, [detected.duplicates[0].id]),
    ]
    for target, ids in cases:
        with pytest.raises(UserError):
            grouping.split_group(detected.secretariat, target, ids)
    assert group.status is GroupStatus.SUGGESTED and members(group) == {
        c.id for c in detected.campaign
    }
    grouping.dismiss_group(detected.secretariat, pasted)
    with pytest.raises(UserError):
        grouping.split_group(detected.secretariat, pasted, [detected.duplicates[0].id])
    assert audit("split_duplicate_group") == []


def test_contributors_cannot_review_groups(detected: World) -> None:
    group = detected.group_of(detected.campaign[0])
    assert group is not None
    for operation in (
        lambda: grouping.confirm_group(detected.contributor, group),
        lambda: grouping.dismiss_group(detected.contributor, group),
        lambda: grouping.split_group(detected.contributor, group, [detected.campaign[0].id]),
        lambda: grouping.answer_group(detected.contributor, group, "noted", "Thanks."),
    ):
        with pytest.raises(NotAllowed):
            operation()
    assert group.status is GroupStatus.SUGGESTED


def test_answer_group_records_a_disposition_for_every_member(detected: World) -> None:
    pytest.importorskip("consult_app.review.dispositions")
    from consult_app.review.models import Disposition, Outcome

    group = detected.group_of(detected.campaign[0])
    assert group is not None
    with pytest.raises(UserError):  # a mere suggestion is not answered at once
        grouping.answer_group(detected.secretariat, group, Outcome.NOTED, "Noted.")
    grouping.confirm_group(detected.secretariat, group)
    detected.campaign[0].withdrawn_at = utcnow()  # withdrawn after confirmation: skipped
    results = grouping.answer_group(
        detected.secretariat, group, Outcome.ACCEPTED_IN_PART, "Partly reflected.",
        internal_note="Campaign by six NGOs.",
    )
    assert len(results) == 5
    stored = {
        d.comment_id: d
        for d in db.session.scalars(select(Disposition))
    }
    assert set(stored) == {c.id for c in detected.campaign[1:]}
    assert all(d.outcome is Outcome.ACCEPTED_IN_PART for d in stored.values())
    assert all(d.public_explanation == "Partly reflected." for d in stored.values())
    assert all(d.internal_note == "Campaign by six NGOs." for d in stored.values())
    [entry] = audit("answer_duplicate_group")
    assert entry.after is not None and entry.after["comments"] == 5
    with pytest.raises(UserError):
        grouping.answer_group(detected.secretariat, group, "not-an-outcome", "Text.")
    with pytest.raises(UserError):
        grouping.answer_group(detected.secretariat, group, Outcome.NOTED, "  ")


# --- figures ---------------------------------------------------------------------------


def test_campaign_counts_count_confirmed_campaigns_per_provision(detected: World) -> None:
    assert grouping.campaign_counts(detected.consultation) == {}  # suggestions do not count
    campaign = detected.group_of(detected.campaign[0])
    pasted = detected.group_of(detected.duplicates[0])
    assert campaign is not None and pasted is not None
    grouping.confirm_group(detected.secretariat, campaign)
    grouping.confirm_group(detected.secretariat, pasted)  # duplicates, not a campaign
    counts = grouping.campaign_counts(detected.consultation)
    assert counts == {detected.articles[0].id: grouping.CampaignCount(groups=1, items=6)}


def test_groups_report_lists_members(detected: World) -> None:
    report = grouping.groups_report(detected.consultation)
    assert [g["size"] for g in report] == [6, 2]
    first = report[0]
    assert first["kind"] == "campaign" and first["organisations"] == 6
    assert first["comment_ids"] == sorted(c.id for c in detected.campaign)
