"""Pairwise precision and recall from contingency counts, on hand-made groupings."""

from __future__ import annotations

import pytest

from consult_app.review.evaluation import pair_scores

# Items 0-3 are campaign 0, items 4-5 campaign 1, items 6-9 in no campaign.
LABELS = [0, 0, 0, 0, 1, 1, -1, -1, -1, -1]


def test_perfect_grouping() -> None:
    scores = pair_scores([[0, 1, 2, 3], [4, 5]], LABELS)
    assert (scores.true_positive_pairs, scores.predicted_pairs, scores.true_pairs) == (7, 7, 7)
    assert scores.precision == scores.recall == scores.f1 == 1.0
    assert scores.item_precision == scores.item_recall == 1.0


def test_split_campaign_loses_recall_only() -> None:
    scores = pair_scores([[0, 1], [2, 3], [4, 5]], LABELS)
    # True pairs: C(4,2) + C(2,2) = 7; found: 1 + 1 + 1 = 3.
    assert scores.precision == 1.0
    assert scores.recall == pytest.approx(3 / 7)
    assert scores.f1 == pytest.approx(2 * (3 / 7) / (1 + 3 / 7))
    assert scores.item_recall == 1.0  # everyone is with at least one fellow member


def test_merged_groups_and_organic_items_lose_precision() -> None:
    scores = pair_scores([[0, 1, 2, 4, 5, 6]], LABELS)
    # Predicted pairs C(6,2) = 15; true ones: C(3,2) + C(2,2) = 4; true pairs overall 7.
    assert scores.predicted_pairs == 15
    assert scores.true_positive_pairs == 4
    assert scores.precision == pytest.approx(4 / 15)
    assert scores.recall == pytest.approx(4 / 7)
    assert scores.item_precision == pytest.approx(5 / 6)
    assert scores.item_recall == pytest.approx(5 / 6)


def test_nothing_predicted() -> None:
    scores = pair_scores([], LABELS)
    assert scores.precision == 1.0
    assert scores.recall == 0.0
    assert scores.f1 == 0.0
    assert scores.item_recall == 0.0


def test_organic_pairs_are_false_positives_and_singletons_count_for_nothing() -> None:
    scores = pair_scores([[6, 7], [8], [0, 1]], LABELS)
    assert scores.predicted_pairs == 2
    assert scores.true_positive_pairs == 1
    assert scores.grouped_items == 4
    assert scores.correctly_grouped_items == 2


def test_mapping_labels_and_missing_ids() -> None:
    labels = {100: 3, 101: 3, 102: 3, 200: -1}
    scores = pair_scores([(100, 101), (102, 999)], labels)
    assert scores.true_pairs == 3
    assert scores.true_positive_pairs == 1
    assert scores.predicted_pairs == 2


def test_an_item_in_two_groups_is_refused() -> None:
    with pytest.raises(ValueError, match="more than one group"):
        pair_scores([[0, 1], [1, 2]], LABELS)
