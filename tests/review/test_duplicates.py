"""Near-duplicate detection: hand-made cases and a generated corpus with planted campaigns."""

from __future__ import annotations

import numpy as np
import pytest

from consult_app.review.corpus import generate_corpus
from consult_app.review.duplicates import (
    DuplicateDetector,
    Group,
    choose_banding,
    connected_components,
    find_groups,
    normalise,
)
from consult_app.review.evaluation import pair_scores

BASE = (
    "We welcome the reference to the right to privacy in draft article 7 but regret that "
    "the safeguards for digital surveillance remain unclear. States should report on the "
    "monitoring of surveillance programmes and on the remedies available to persons whose "
    "data has been collected unlawfully. The drafters could draw on the case law of regional "
    "courts and on general comment No. 16 of the Human Rights Committee."
)
OTHER = (
    "Indigenous peoples must be consulted on every project that affects their lands. "
    "Free, prior and informed consent is not a formality: it requires time, information in "
    "local languages and the possibility to say no. Article 12 should say so plainly."
)
THIRD = (
    "The definition of a child in the preamble is too narrow and inconsistent with the "
    "Convention on the Rights of the Child; we propose the age of eighteen throughout."
)


def _words(count: int, prefix: str = "w") -> list[str]:
    return [f"{prefix}{i}" for i in range(count)]


def _jaccard3(a: str, b: str) -> float:
    def grams(text: str) -> set[tuple[str, ...]]:
        words = normalise(text).split()
        return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}

    x, y = grams(a), grams(b)
    return len(x & y) / len(x | y)


def _group_sets(groups: list[Group]) -> list[set[int]]:
    return [set(group.members) for group in groups]


def test_normalise_folds_case_punctuation_whitespace_and_compatibility_forms() -> None:
    assert normalise("  Dear   CHAIR,\n\tthe ﬁnal text!!  ") == "dear chair the final text"
    assert (
        normalise("\uff21\uff22\uff23\uff0d\uff11\uff12\uff13") == "abc 123"
    )  # full-width forms (NFKC)
    assert normalise("Straße") == normalise("STRASSE")  # case folding, not lower()
    assert normalise("under_score") == "under score"
    assert normalise("?!...") == ""


def test_identical_texts_are_grouped_across_formatting_differences() -> None:
    detector = DuplicateDetector()
    detector.add(10, BASE)
    detector.add(11, BASE.upper().replace(" ", "  "))
    detector.add(12, BASE.replace(".", " ;").replace("ﬁ", "fi"))
    detector.add(13, OTHER)
    groups = detector.groups()
    assert len(groups) == 1
    group = groups[0]
    assert group.members == (10, 11, 12)
    assert group.representative in group.members
    assert group.similarity == 1.0
    assert group.min_similarity == 1.0
    assert group.size == 3


def test_small_edits_are_grouped() -> None:
    edited = [
        "Dear Secretariat, " + BASE + " Yours sincerely, Amina Okafor",
        BASE.replace("unclear", "vague") + " Kind regards, Luis Morales",
        BASE.replace("regional ", "") + " As a lawyer in Lima, I see this every day.",
        "Hello, " + BASE.replace("remedies available", "remedies that are available"),
    ]
    for text in edited:
        assert _jaccard3(BASE, text) >= 0.6
    rows = [(1, BASE), (2, OTHER), (3, THIRD)] + [(100 + i, t) for i, t in enumerate(edited)]
    groups = find_groups(rows)
    assert _group_sets(groups) == [{1, 100, 101, 102, 103}]


def test_unrelated_texts_on_the_same_topics_are_not_grouped() -> None:
    texts = generate_corpus(400, campaigns=0, seed=3).texts()
    assert find_groups(enumerate(texts)) == []


def test_threshold_is_respected() -> None:
    words = _words(120)
    base = " ".join(words)
    # Replacing every 10th word removes about a third of the word 3-grams.
    near = " ".join("x" + w if i % 10 == 5 else w for i, w in enumerate(words))
    # Replacing every 4th word leaves almost none in common.
    far = " ".join("y" + w if i % 4 == 1 else w for i, w in enumerate(words))
    assert 0.45 < _jaccard3(base, near) < 0.6
    assert _jaccard3(base, far) < 0.2
    rows = [(1, base), (2, near), (3, far)]
    assert _group_sets(find_groups(rows, threshold=0.35, num_perm=256)) == [{1, 2}]
    assert find_groups(rows, threshold=0.75, num_perm=256) == []


def test_estimated_similarity_is_close_to_the_exact_jaccard() -> None:
    words = _words(200)
    base = " ".join(words)
    detector = DuplicateDetector(num_perm=256)
    for step in (3, 5, 8, 20, 50):
        variant = " ".join("z" + w if i % step == 0 else w for i, w in enumerate(words))
        signatures = detector.signatures([base, variant])
        estimate = float((signatures[0] == signatures[1]).mean())
        assert abs(estimate - _jaccard3(base, variant)) < 0.1


def test_output_is_deterministic_and_independent_of_batch_size() -> None:
    corpus = generate_corpus(600, campaigns=6, seed=11)
    texts = corpus.texts()
    first = find_groups(enumerate(texts))
    second = find_groups(enumerate(texts))
    small_batches = find_groups(enumerate(texts), batch_size=7)
    assert first == second == small_batches
    assert first  # the planted campaigns are found
    other_seed = DuplicateDetector(seed=2).signatures(texts[:3])
    assert not np.array_equal(DuplicateDetector(seed=1).signatures(texts[:3]), other_seed)


def test_groups_are_ordered_and_min_size_is_respected() -> None:
    rows = [(1, BASE), (2, BASE), (3, BASE), (4, OTHER), (5, OTHER), (6, THIRD)]
    detector = DuplicateDetector()
    detector.add_many(rows)
    assert [g.members for g in detector.groups()] == [(1, 2, 3), (4, 5)]
    assert [g.members for g in detector.groups(min_size=3)] == [(1, 2, 3)]
    assert len(detector) == 6


def test_representative_is_the_best_connected_member() -> None:
    words = _words(200)
    centre = " ".join(words)
    # Two variants edited at opposite ends: each is close to the centre, less to the other.
    left = " ".join(_words(15, "left") + words[15:])
    right = " ".join(words[:-15] + _words(15, "right"))
    assert _jaccard3(left, centre) > 0.85
    assert _jaccard3(left, right) < 0.75
    groups = find_groups([(7, left), (8, centre), (9, right)], threshold=0.8, num_perm=256)
    assert [g.members for g in groups] == [(7, 8, 9)]
    assert groups[0].representative == 8
    assert 0.8 <= groups[0].min_similarity <= groups[0].similarity < 1.0


def test_texts_without_words_are_skipped_and_ids_must_be_unique() -> None:
    detector = DuplicateDetector()
    detector.add(1, "")
    detector.add(2, " ... !!! ")
    detector.add(3, "short")
    detector.add(4, "Short!")
    assert detector.skipped == 2
    assert [g.members for g in detector.groups()] == [(3, 4)]
    detector.add(3, OTHER)
    with pytest.raises(ValueError, match="only once"):
        detector.groups()
    with pytest.raises(ValueError, match="empty"):
        detector.signatures(["fine", "  "])


def test_empty_detector_has_no_groups() -> None:
    assert DuplicateDetector().groups() == []
    assert DuplicateDetector().signatures([]).shape == (0, 64)


def test_character_shingles_work_for_text_without_spaces() -> None:
    chinese = (
        "人人生而自由。在尊严和权利上一律平等。他们赋有理性和良心。并应以兄弟关系的精神相对待。"
    )
    edited = chinese.replace("平等", "平等的")
    other = "每个人都有资格享有本宣言所载的一切权利和自由。不分种族、肤色、性别、语言、宗教。"
    rows = [(1, chinese), (2, edited), (3, other)]
    assert _group_sets(find_groups(rows, shingle="char3", threshold=0.6)) == [{1, 2}]
    # As words, each sentence is one token: the edit makes the texts share nothing.
    assert find_groups(rows, shingle="word3", threshold=0.6) == []


def test_invalid_options_are_refused() -> None:
    with pytest.raises(ValueError):
        DuplicateDetector(threshold=0)
    with pytest.raises(ValueError):
        DuplicateDetector(num_perm=64, bands=65)
    with pytest.raises(ValueError):
        DuplicateDetector(shingle="sentence2")
    with pytest.raises(ValueError):
        DuplicateDetector(shingle="word13")


@pytest.mark.parametrize("threshold", [0.5, 0.6, 0.8, 0.9])
@pytest.mark.parametrize("num_perm", [32, 64, 128])
def test_banding_falls_around_the_threshold(threshold: float, num_perm: int) -> None:
    bands, rows = choose_banding(threshold, num_perm)
    assert bands * rows <= num_perm
    # A pair just above the threshold is very likely a candidate, a dissimilar pair is not.
    assert 1 - (1 - (threshold + 0.1) ** rows) ** bands > 0.95
    assert 1 - (1 - 0.1**rows) ** bands < 0.1


def test_connected_components_on_hand_made_edges() -> None:
    left = np.array([0, 1, 5, 6, 8], dtype=np.int64)
    right = np.array([1, 2, 4, 5, 6], dtype=np.int64)
    roots = connected_components(9, left, right)
    assert roots.tolist() == [0, 0, 0, 3, 4, 4, 4, 7, 4]


def test_generated_corpus_precision_and_recall() -> None:
    corpus = generate_corpus(3000, campaigns=20, seed=5)
    sizes = corpus.campaign_sizes
    assert min(sizes) >= 3
    groups = find_groups(corpus.items())
    scores = pair_scores((group.members for group in groups), corpus.labels)
    assert scores.precision >= 0.95
    assert scores.recall >= 0.9
    assert scores.item_precision >= 0.95
    assert scores.item_recall >= 0.9
