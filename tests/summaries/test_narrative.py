"""UN report wording: quantifiers, other stakeholders, groups, attribution."""

from __future__ import annotations

import pytest
from flask import Flask, current_app

from consult_app.accounts.models import OrgCategory
from consult_app.accounts.models import RegionalGroup as G
from consult_app.submissions.models import Position as P
from consult_app.summaries.aggregation import participation, provision_figures
from consult_app.summaries.consensus import classify, rule_from_config
from consult_app.summaries.narrative import (
    delegations,
    draft_consultation_summary,
    draft_provision_summary,
    others_quantifier,
)
from tests.conftest import make_consultation, make_org
from tests.summaries.conftest import SECRET, World
from tests.summaries.helpers import provisions, states_with, submit


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (1, "one delegation"),
        (2, "a few delegations"),
        (3, "a few delegations"),
        (4, "several delegations"),
        (9, "several delegations"),
        (10, "many delegations"),
        (57, "many delegations"),
    ],
)
def test_quantifiers(app: Flask, n: int, words: str) -> None:
    assert delegations(n) == words


def test_other_quantifiers(app: Flask) -> None:
    assert [others_quantifier(n) for n in (1, 3, 4, 10)] == ["one", "a few", "several", "many"]


def _draft(world: World) -> str:
    (f,) = provision_figures(world.consultation, [world.article.id], public_only=True)
    return draft_provision_summary(
        world.consultation, f, classify(f, rule_from_config(current_app.config))
    )


def test_provision_summary_wording(world: World) -> None:
    text = _draft(world)
    assert "One delegation, speaking on behalf of the Group of African States, supported the " \
           "provision as drafted." in text
    # Ghana only: Kenya spoke for the group and is said separately.
    assert "One delegation (Ghana) supported the provision as drafted." in text
    assert "A few delegations (Chile and Senegal) supported the provision subject to " \
           "amendments." in text
    assert "One delegation (Norway) opposed the provision." in text
    assert "Among other stakeholders (national human rights institutions, civil society " \
           "organisations and individuals)" in text
    assert "A joint submission by 3 organisations, counted once above" in text
    assert "A campaign contributed 3 near-identical comments from one text, counted as 3 " \
           "items." in text
    assert "whose registration had not been verified" in text
    assert "Gender equality" in text
    assert SECRET not in text


def test_attribution_off_names_nobody(world: World) -> None:
    world.consultation.allow_attribution = False
    text = _draft(world)
    for name in ("Ghana", "Chile", "Norway", "Canada", "Friends of Solidarity", SECRET):
        assert name not in text
    assert "One delegation opposed the provision." in text


def test_confidential_state_counted_but_not_named(app: Flask) -> None:
    consultation = make_consultation()
    article = provisions(consultation)[2]
    states_with(consultation, article, {G.AFRICAN: {P.SUPPORT: 3}, G.WEOG: {P.SUPPORT: 3}})
    hidden = make_org("Hiddenland", category=OrgCategory.MEMBER_STATE, group=G.WEOG)
    submit(consultation, hidden, [(article, P.SUPPORT)], publishable=False)
    (f,) = provision_figures(consultation, [article.id], public_only=True)
    text = draft_provision_summary(consultation, f, classify(f, rule_from_config(app.config)))
    assert "Several delegations (including " in text  # 7 counted, 6 named
    assert "Hiddenland" not in text
    assert "broad support among States" in text


def test_consultation_summary(world: World, app: Flask) -> None:
    figures = provision_figures(world.consultation, public_only=True)
    text = draft_consultation_summary(
        world.consultation, participation(world.consultation, public_only=True), figures
    )
    assert text.startswith("Submissions were received from 6 States (3 African States, ")
    assert "One delegation spoke on behalf of a regional group." in text
    assert "1 submission was made jointly, with 2 co-signing organisations." in text
    assert "The most contested provisions were" in text
    assert SECRET not in text


def test_no_comments(app: Flask) -> None:
    consultation = make_consultation()
    (f,) = provision_figures(consultation, [provisions(consultation)[0].id])
    text = draft_provision_summary(consultation, f, classify(f, rule_from_config(app.config)))
    assert text == "No comments were received on PP1."
