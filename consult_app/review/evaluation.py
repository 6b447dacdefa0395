"""Pairwise precision and recall of predicted duplicate groups against a ground truth.

A pair of comments is *predicted* when both are in the same predicted group and *true*
when both carry the same campaign label (a negative label, such as ``corpus.ORGANIC``,
means "in no campaign": such a comment forms no true pair). Counting is done from the
contingency table of (predicted group, true label): a cell of ``c`` comments holds
``c * (c - 1) / 2`` pairs. The cost is linear in the number of comments, never in the
number of pairs.

Pairwise scores weigh a campaign by the square of its size, so the item scores are given
too: an item is *correctly grouped* when its predicted group holds at least one other
member of its campaign.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


def _pairs(count: int) -> int:
    return count * (count - 1) // 2


@dataclass(frozen=True)
class PairScores:
    """Pair and item counts and the scores derived from them."""

    true_positive_pairs: int
    predicted_pairs: int
    true_pairs: int
    grouped_items: int = 0
    correctly_grouped_items: int = 0
    campaign_items: int = 0

    @property
    def precision(self) -> float:
        """Share of predicted pairs that are true (1.0 when nothing was predicted)."""
        if not self.predicted_pairs:
            return 1.0
        return self.true_positive_pairs / self.predicted_pairs

    @property
    def recall(self) -> float:
        """Share of true pairs that were predicted (1.0 when there are none)."""
        if not self.true_pairs:
            return 1.0
        return self.true_positive_pairs / self.true_pairs

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    @property
    def item_precision(self) -> float:
        """Share of grouped items whose group holds another member of their campaign."""
        if not self.grouped_items:
            return 1.0
        return self.correctly_grouped_items / self.grouped_items

    @property
    def item_recall(self) -> float:
        """Share of campaign members grouped with at least one other member."""
        if not self.campaign_items:
            return 1.0
        return self.correctly_grouped_items / self.campaign_items


def pair_scores(
    groups: Iterable[Iterable[int]], labels: Mapping[int, int] | Sequence[int]
) -> PairScores:
    """Score predicted ``groups`` (iterables of item ids) against ``labels[item_id]``.

    ``labels`` gives the true campaign of every item (ids missing from a mapping count as in
    no campaign; a sequence is indexed by id). Items absent from ``groups`` are singletons.
    An id may appear in at most one group.
    """

    def label_of(item: int) -> int:
        if isinstance(labels, Mapping):
            return labels.get(item, -1)
        return labels[item]

    seen: set[int] = set()
    predicted_pairs = 0
    true_positive_pairs = 0
    grouped = 0
    correct = 0
    for group in groups:
        members = list(group)
        for item in members:
            if item in seen:
                raise ValueError(f"item {item} is in more than one group")
            seen.add(item)
        if len(members) < 2:
            continue
        predicted_pairs += _pairs(len(members))
        grouped += len(members)
        cells = Counter(label_of(item) for item in members)
        for label, count in cells.items():
            if label >= 0 and count >= 2:
                true_positive_pairs += _pairs(count)
                correct += count
    values = labels.values() if isinstance(labels, Mapping) else labels
    sizes = Counter(label for label in values if label >= 0)
    true_pairs = sum(_pairs(c) for c in sizes.values())
    members_total = sum(c for c in sizes.values() if c >= 2)
    return PairScores(
        true_positive_pairs, predicted_pairs, true_pairs, grouped, correct, members_total
    )
