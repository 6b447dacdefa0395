"""Figures of a hand-made consultation: exact counts, and what is never named."""

from __future__ import annotations

import random
from datetime import date

from consult_app.accounts.models import OrgCategory
from consult_app.accounts.models import RegionalGroup as G
from consult_app.submissions.models import OnBehalfKind
from consult_app.submissions.models import Position as P
from consult_app.summaries.aggregation import provision_figures
from consult_app.summaries.amendment_clusters import cluster_amendments, jaccard, similar_pairs
from consult_app.summaries.figures import AmendmentVariant
from consult_app.summaries.participation import participation
from tests.summaries.conftest import SECRET, World


def article_figures(world: World, **kw: object):  # type: ignore[no-untyped-def]
    (figures,) = provision_figures(world.consultation, [world.article.id], **kw)  # type: ignore[arg-type]
    return figures


def test_counts_by_category_and_group(world: World) -> None:
    f = article_figures(world)
    # 6 States, 2 NGOs... : Kenya, Ghana, Senegal (2 comments), Norway, Canada, Chile;
    # Friends, NHRI, Secret fund, Late Institute, 3 individuals. Withdrawn and spam excluded.
    assert f.states.organisations == 6
    assert f.states.comments == 7
    assert f.other_stakeholders.organisations == 7
    assert f.other_stakeholders.comments == 7
    assert f.comments == 14 and f.organisations == 13
    assert {g: part.organisations for g, part in f.by_regional_group.items()} == {
        G.AFRICAN: 3, G.GRULAC: 1, G.WEOG: 2,
    }
    assert {c: part.organisations for c, part in f.by_category.items()} == {
        OrgCategory.MEMBER_STATE: 6, OrgCategory.NHRI: 1, OrgCategory.NGO: 2,
        OrgCategory.ACADEMIC: 1, OrgCategory.INDIVIDUAL: 3,
    }


def test_positions_and_stances(world: World) -> None:
    f = article_figures(world)
    states = f.states
    assert states.stances == {
        P.SUPPORT: 2, P.SUPPORT_WITH_AMENDMENTS: 2, P.OPPOSE: 1, P.RESERVATION: 1,
        P.PROPOSE_DELETION: 0, P.NO_POSITION: 0,
    }
    # Senegal took two positions: counted in both "positions", once in "stances".
    assert states.positions[P.SUPPORT] == 3
    assert states.comment_positions[P.SUPPORT] == 3
    african = f.by_regional_group[G.AFRICAN]
    assert african.stances[P.SUPPORT] == 2 and african.stances[P.SUPPORT_WITH_AMENDMENTS] == 1
    assert f.by_regional_group[G.WEOG].stances[P.OPPOSE] == 1
    others = f.other_stakeholders
    assert others.stances[P.SUPPORT] == 3  # the campaign's three individuals
    assert others.stances[P.PROPOSE_DELETION] == 1  # pending, secretariat view


def test_public_view_counts_published_comments_only(world: World) -> None:
    f = article_figures(world, public_only=True)
    assert f.other_stakeholders.stances[P.PROPOSE_DELETION] == 0
    assert OrgCategory.ACADEMIC not in f.by_category
    # The not-for-publication organisation still counts.
    assert f.other_stakeholders.stances[P.RESERVATION] == 1


def test_reservations_listed_without_naming_the_confidential_one(world: World) -> None:
    f = article_figures(world)
    assert f.reservations_count == 2
    names = sorted(str(r.organisation_name) for r in f.reservations)
    assert names == ["Canada", "None"]
    assert all(SECRET not in str(r) for r in f.reservations)
    assert all(s.name != SECRET for s in f.named)


def test_attribution_off_names_nobody(world: World) -> None:
    world.consultation.allow_attribution = False
    f = article_figures(world)
    assert [r.organisation_name for r in f.reservations] == [None, None]
    assert f.named == []


def test_unverified_campaign_joint_and_on_behalf(world: World) -> None:
    f = article_figures(world)
    assert f.unverified.comments == 1 and f.unverified.organisations == 1
    assert f.campaign_items == 3
    assert len(f.campaigns) == 1 and f.campaigns[0].items == 3
    assert f.campaigns[0].organisations == 3
    assert f.joint_submissions == 1 and f.cosigning_organisations == 2
    assert f.joint[0].organisations == 3 and f.joint[0].lead_category is OrgCategory.NGO
    (behalf,) = f.on_behalf
    assert behalf.kind is OnBehalfKind.REGIONAL_GROUP and behalf.regional_group is G.AFRICAN
    assert behalf.lead_category is OrgCategory.MEMBER_STATE and behalf.submissions == 1
    assert behalf.stance is P.SUPPORT


def test_themes_and_amendment_groups(world: World) -> None:
    f = article_figures(world)
    assert [(t.name, t.comments, t.organisations) for t in f.themes] == [
        ("Gender equality", 2, 2)
    ]
    assert len(f.amendments) == 2
    first, second = f.amendments
    assert len(first.variants) == 2  # the two near-identical "right to solidarity" wordings
    assert first.state_organisations == 2
    assert second.representative.wording.startswith("States shall cooperate")


def test_other_provision_and_participation(world: World) -> None:
    (other,) = provision_figures(world.consultation, [world.other.id])
    assert other.comments == 1 and other.states.stances[P.SUPPORT] == 1
    people = participation(world.consultation)
    # 6 States + Friends, NHRI, Secret, Late, Spammer, 3 individuals (submitted submissions).
    assert people.states == 6 and people.other_stakeholders == 8
    assert people.states_by_group[G.AFRICAN] == 3 and people.states_by_group[G.WEOG] == 2
    assert people.regional_groups == 3
    assert people.joint_submissions == 1 and people.cosigning_organisations == 2
    assert people.on_behalf_of_regional_group == 1
    assert people.unverified_organisations == 1
    assert people.by_day == [(date(2026, 1, 10), 12), (date(2026, 1, 11), 2)]
    assert people.comments == 15
    public = participation(world.consultation, public_only=True)
    assert public.by_category.get(OrgCategory.ACADEMIC) is None  # only a pending comment
    # Friends and the not-published fund count; the spammer has no published comment.
    assert public.by_category[OrgCategory.NGO] == 2


def test_cluster_amendments_union_find() -> None:
    def v(text: str, n: int, first: int) -> AmendmentVariant:
        return AmendmentVariant(text, n, n, 0, first, n)

    clusters = cluster_amendments(
        [v("a b c d e", 3, 1), v("a b c d f", 1, 2), v("a b c d f g", 1, 3), v("x y z", 2, 4)],
        0.6,
    )
    assert [[x.first_comment_id for x in c.variants] for c in clusters] == [[1, 2, 3], [4]]
    assert clusters[0].comments == 5


def test_similar_pairs_are_exactly_the_jaccard_pairs() -> None:
    """The matrix computation finds the same pairs as comparing every two sets."""
    rng = random.Random(7)
    words = [f"w{i}" for i in range(30)]
    for _ in range(200):
        sets = [frozenset(rng.sample(words, rng.randint(0, 9))) for _ in range(rng.randint(0, 25))]
        threshold = rng.choice([0.0, 0.2, 1 / 3, 0.5, 0.6, 2 / 3, 0.75, 1.0, rng.random()])
        left, right = similar_pairs(sets, threshold)
        expected = [
            (i, j)
            for i in range(len(sets))
            for j in range(i + 1, len(sets))
            if jaccard(sets[i], sets[j]) >= threshold
        ]
        assert list(zip(left.tolist(), right.tolist(), strict=True)) == expected
