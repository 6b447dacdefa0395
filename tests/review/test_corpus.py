"""The synthetic corpus: deterministic, with planted campaigns of edited copies."""

from __future__ import annotations

from collections import Counter

import pytest

from consult_app.review.corpus import ORGANIC, EditRates, generate_corpus
from consult_app.review.duplicates import normalise


def test_same_seed_same_corpus_and_another_seed_another() -> None:
    first = generate_corpus(300, campaigns=4, seed=9)
    again = generate_corpus(300, campaigns=4, seed=9)
    other = generate_corpus(300, campaigns=4, seed=10)
    assert first.texts() == again.texts()
    assert first.labels == again.labels
    assert first.texts() != other.texts()


def test_labels_and_campaign_sizes() -> None:
    corpus = generate_corpus(1000, campaigns=8, seed=1, campaign_share=0.4)
    assert len(corpus.labels) == len(corpus.texts()) == 1000
    counts = Counter(corpus.labels)
    assert set(counts) == {ORGANIC, *range(8)}
    assert sum(corpus.campaign_sizes) == 1000 - counts[ORGANIC]
    assert 380 <= sum(corpus.campaign_sizes) <= 400
    assert min(corpus.campaign_sizes) >= 3
    assert len(corpus.templates) == 8


def test_members_are_edited_copies_and_organic_comments_are_distinct() -> None:
    corpus = generate_corpus(500, campaigns=3, seed=2)
    texts = corpus.texts()
    members = [t for t, label in zip(texts, corpus.labels, strict=True) if label == 0]
    template = normalise(corpus.templates[0])
    assert all(m != corpus.templates[0] for m in members[:20])
    # Most of each member is the template, word for word.
    template_words = set(template.split())
    for member in members:
        words = normalise(member).split()
        assert sum(w in template_words for w in words) / len(words) > 0.8
    organic = [t for t, label in zip(texts, corpus.labels, strict=True) if label == ORGANIC]
    assert len(set(organic)) == len(organic)


def test_no_edits_gives_template_plus_salutation_and_signature() -> None:
    edits = EditRates(0, 0, 0, 0.0)
    corpus = generate_corpus(50, campaigns=1, seed=4, campaign_share=0.5, edits=edits)
    texts = corpus.texts()
    for text, label in zip(texts, corpus.labels, strict=True):
        if label == 0:
            assert corpus.templates[0] in text


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError):
        generate_corpus(-1)
    with pytest.raises(ValueError):
        generate_corpus(10, campaign_share=1.5)
    assert generate_corpus(0).labels == []
