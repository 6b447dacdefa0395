"""UN report wording: quantifiers, other stakeholders, groups, attribution."""

from __future__ import annotations

from dataclasses import replace

import pytest
from flask import Flask

from consult_app.accounts.models import OrgCategory
from consult_app.accounts.models import RegionalGroup as G
from consult_app.submissions.models import Position as P
from consult_app.summaries.aggregation import provision_figures
from consult_app.summaries.consensus import classify
from consult_app.summaries.narrative import (
    delegations,
    draft_consultation_summary,
    draft_provision_summary,
    others_quantifier,
)
from consult_app.summaries.operations import update_consensus_settings
from consult_app.summaries.participation import participation
from consult_app.summaries.settings import DEFAULT_RULE, ConsensusRule
from consult_app.summaries.wording import observer_states
from tests.conftest import make_consultation, make_org
from tests.summaries.conftest import SECRET, World
from tests.summaries.helpers import provisions, states_with, submit


@pytest.mark.parametrize(
    ("n", "total", "words"),
    [
        (1, None, "one delegation"),
        (1, 1, "one delegation"),
        (2, None, "a few delegations"),
        (3, 4, "a few delegations"),  # "most" needs at least 4
        (4, None, "some delegations"),
        (5, 12, "some delegations"),
        (6, None, "several delegations"),
        (9, 20, "several delegations"),
        (10, None, "many delegations"),
        (57, 200, "many delegations"),
        (4, 7, "most delegations"),
        (57, 100, "most delegations"),
        (50, 100, "many delegations"),  # half is not most
    ],
)
def test_quantifiers(app: Flask, n: int, total: int | None, words: str) -> None:
    assert delegations(n, total) == words


def test_other_quantifiers_and_the_consultations_bounds(app: Flask) -> None:
    assert [others_quantifier(n) for n in (1, 3, 4, 6, 10)] == [
        "one", "a few", "some", "several", "many"]
    rule = ConsensusRule(few_max=2, some_max=3, several_max=4, most_min=9)
    assert [others_quantifier(n, 16, rule) for n in (2, 3, 4, 5, 8, 9)] == [
        "a few", "some", "several", "many", "many", "most"]
    assert observer_states(2) == "a few observer States"


def _draft(world: World) -> str:
    (f,) = provision_figures(world.consultation, [world.article.id], public_only=True)
    return draft_provision_summary(world.consultation, f, classify(f))


def test_provision_summary_wording(world: World) -> None:
    text = _draft(world)
    assert text.startswith("Article 1 did not command agreement among States and remains in "
                           "square brackets.")
    assert "One delegation, speaking on behalf of the Group of African States, supported the " \
           "provision as drafted." in text
    # Ghana took the position of the group Kenya spoke for: said once, as aligned.
    assert "One delegation (Ghana) aligned itself with the statement made on behalf of the " \
           "Group of African States." in text
    assert "One delegation (Ghana) supported" not in text
    assert "A few delegations (Chile and Senegal) supported the provision subject to " \
           "amendments." in text
    assert "One delegation (Canada) expressed reservations on the provision." in text
    assert "One delegation (Norway) opposed the provision." in text
    assert "Among other stakeholders (national human rights institutions, civil society " \
           "organisations and individuals)" in text
    assert "A joint submission by 3 organisations, counted once above, supported the provision " \
           "subject to amendments." in text
    assert "A campaign contributed 3 near-identical comments from one text, counted as 3 " \
           "items." in text
    assert "1 comment came from an organisation whose registration had not been verified; it " \
           "is included in the figures above." in text
    assert "3 amended wordings were proposed; they fall into 2 groups of similar wording." in text
    assert "The theme raised was Gender equality." in text
    assert SECRET not in text
    assert "%" not in text


def test_attribution_off_names_nobody(world: World) -> None:
    world.consultation.allow_attribution = False
    text = _draft(world)
    for name in ("Ghana", "Chile", "Norway", "Canada", "Friends of Solidarity", SECRET):
        assert name not in text
    assert "One delegation opposed the provision." in text


def test_unattributed_summary_names_nobody(world: World) -> None:
    """The consultation's choice of a chair's summary: attribution allowed, nobody named."""
    update_consensus_settings(world.secretariat, world.consultation,
                              replace(DEFAULT_RULE, named=False))
    text = _draft(world)
    for name in ("Ghana", "Chile", "Norway", "Canada", "Friends of Solidarity", "Person 0"):
        assert name not in text
    assert "One delegation aligned itself with the statement made on behalf of the Group of " \
           "African States." in text


def test_confidential_state_counted_but_not_named(app: Flask) -> None:
    consultation = make_consultation()
    article = provisions(consultation)[2]
    states_with(consultation, article, {G.AFRICAN: {P.SUPPORT: 3}, G.WEOG: {P.SUPPORT: 3}})
    hidden = make_org("Hiddenland", category=OrgCategory.MEMBER_STATE, group=G.WEOG)
    submit(consultation, hidden, [(article, P.SUPPORT)], publishable=False)
    (f,) = provision_figures(consultation, [article.id], public_only=True)
    text = draft_provision_summary(consultation, f, classify(f))
    assert "Most delegations (including " in text  # 7 counted, 6 named
    assert "Hiddenland" not in text
    # Two regional groups: no objection, but too few groups to read it as agreed.
    assert text.startswith("No State objected to Article 1, on which States of 2 regional "
                           "groups took a position.")


def test_consultation_summary(world: World, app: Flask) -> None:
    figures = provision_figures(world.consultation, public_only=True)
    text = draft_consultation_summary(
        world.consultation, participation(world.consultation, public_only=True), figures
    )
    assert text.startswith(
        "Submissions were received from 6 States (3 African States, 1 Latin American or "
        "Caribbean State and 2 Western European and other States) and 6 other stakeholders "
        "(1 national human rights institution, 2 civil society organisations and 3 "
        "individuals). Comments received: 14, of which 8 from States and 6 from other "
        "stakeholders. One delegation spoke on behalf of a regional group.")
    assert "1 submission was made jointly, with 2 co-signing organisations." in text
    assert "Article 1 did not command agreement and remains in square brackets." in text
    assert "The provision that drew objections was Article 1 (objection by one delegation)." \
        in text
    assert SECRET not in text
    assert "%" not in text


def test_no_comments(app: Flask) -> None:
    consultation = make_consultation()
    (f,) = provision_figures(consultation, [provisions(consultation)[0].id])
    text = draft_provision_summary(consultation, f, classify(f))
    assert text == "No comments were received on PP1."


@pytest.mark.parametrize("opposing, named", [(10, True), (11, False)])
def test_one_limit_of_names_in_summaries_reasons_and_report(
    app: Flask, opposing: int, named: bool
) -> None:
    """Up to NAMES_AT_MOST holders of a position are all named, in the drafted summary and
    in the consensus reason alike; one more and both give the count alone. The report's
    trimming of the name lists changes no word of either."""
    from consult_app.exports.report import cap_names
    from consult_app.summaries.wording import NAMES_AT_MOST

    assert NAMES_AT_MOST == 10
    consultation = make_consultation()
    article = provisions(consultation)[2]
    objectors = states_with(
        consultation, article, {G.AFRICAN: {P.OPPOSE: opposing // 2},
                                G.WEOG: {P.OPPOSE: opposing - opposing // 2}}
    )
    states_with(consultation, article, {G.ASIA_PACIFIC: {P.SUPPORT: 12}})
    (f,) = provision_figures(consultation, [article.id], public_only=True)
    consensus = classify(f)
    text = draft_provision_summary(consultation, f, consensus)
    reason = consensus.reason
    for org in objectors:
        assert (org.name in text) is named, org.name
        assert (org.name in reason) is named, org.name
    assert f"{opposing} States" in reason
    capped = cap_names(f)
    assert draft_provision_summary(consultation, capped, classify(capped)) == text
    assert classify(capped).reason == reason
