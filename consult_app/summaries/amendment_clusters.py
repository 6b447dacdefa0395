"""Grouping proposed wordings that read alike: word sets, Jaccard similarity of every pair at
once (numpy) and single-linkage clusters, largest first."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from consult_app.review.duplicates import connected_components, normalise
from consult_app.summaries.figures import AmendmentCluster, AmendmentVariant


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
        a, b = left[start : start + _PAIRS_PER_CHUNK], right[start : start + _PAIRS_PER_CHUNK]
        shared = _BITS_SET[bits[a] & bits[b]].sum(axis=1)
        union = sizes[a] + sizes[b] - shared
        # The same IEEE division of two integers as len(a & b) / len(a | b) in jaccard().
        similarity = np.divide(
            shared.astype(np.float64),
            union.astype(np.float64),
            out=np.ones(a.size),
            where=union > 0,
        )
        keep[start : start + a.size] = similarity >= threshold
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
