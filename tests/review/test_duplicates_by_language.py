"""Duplicates and campaigns are found within each language; figures count every language
together (issue 11, item 6)."""

from __future__ import annotations

import pytest

from consult_app.accounts.models import OrgCategory, RegionalGroup
from consult_app.extensions import db
from consult_app.review import grouping
from consult_app.review.comment_language import guess_language
from consult_app.review.duplicates import find_groups, find_groups_within
from consult_app.submissions.models import Position
from consult_app.summaries.aggregation import provision_figures
from tests.conftest import make_consultation, make_org
from tests.review.test_grouping import add_comment, build_world, submission_for

# A long passage of the draft that delegations quote in their comments.
QUOTE = (
    "States have the duty to cooperate with one another, irrespective of the differences in "
    "their political, economic and social systems, in the various spheres of international "
    "relations, in order to maintain international peace and security and to promote "
    "international economic stability and progress, the general welfare of nations and "
    "international cooperation free from discrimination based on such differences, and to "
    "that end shall take joint and separate action in cooperation with the United Nations"
)

FRENCH = [
    f"Nous proposons de supprimer les mots suivants : « {QUOTE} ». Merci.",
    f"La délégation demande que le texte suivant soit revu : « {QUOTE} ».",
]
ENGLISH = [
    f'We propose to delete the following words: "{QUOTE}". Thank you.',
    f'Our delegation asks that the following text be revised: "{QUOTE}".',
]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("We support the article and ask that it be kept as it is.", "en"),
        ("Nous soutenons cet article et demandons qu'il soit maintenu.", "fr"),
        ("Apoyamos el artículo y pedimos que se mantenga como está.", "es"),
        ("نؤيد هذه المادة ونطلب الإبقاء عليها كما هي.", "ar"),
        ("我们支持该条款并要求保持原样。", "zh"),
        ("Мы поддерживаем эту статью и просим сохранить её без изменений.", "ru"),
        (FRENCH[0], "fr"),  # the quoted English passage is left out of the guess
        (ENGLISH[0], "en"),
        ("", ""),
        ("12, 13", ""),
    ],
)
def test_language_of_a_comment_is_guessed_from_its_own_words(text: str, language: str) -> None:
    assert guess_language(text) == language


def test_the_same_text_under_two_languages_is_never_one_group(app) -> None:
    rows = [(1, ENGLISH[0], "en"), (2, ENGLISH[0], "fr"), (3, ENGLISH[0], "en")]
    groups = find_groups_within(rows)
    assert [sorted(g.members) for g in groups] == [[1, 3]]


def test_detection_groups_french_and_english_comments_apart(app) -> None:
    world = build_world()
    article = world.articles[0]
    consultation = world.consultation
    french = [
        add_comment(submission_for(consultation, make_org(f"Francophone {n}")), article, text)
        for n, text in enumerate(FRENCH)
    ]
    english = [
        add_comment(submission_for(consultation, make_org(f"Anglophone {n}")), article, text)
        for n, text in enumerate(ENGLISH)
    ]
    db.session.commit()
    # By text alone, the four comments are one group (the quotation dominates) ...
    texts = [(c.id, c.body) for c in french + english]
    assert [sorted(g.members) for g in find_groups(texts)] == [sorted(i for i, _t in texts)]
    # ... but detection compares them within each language only.
    grouping.detect_duplicates(world.secretariat, consultation)
    french_group, english_group = world.group_of(french[0]), world.group_of(english[0])
    assert french_group is not None and english_group is not None
    assert french_group.id != english_group.id
    assert world.group_of(french[1]) == french_group
    assert world.group_of(english[1]) == english_group
    # The English campaign of the world is still found as before.
    campaign = world.group_of(world.campaign[0])
    assert campaign is not None and campaign.size == len(world.campaign)


def test_a_states_french_and_english_comments_count_together(app) -> None:
    consultation = make_consultation()
    article = consultation.version.provisions[2]
    state = make_org("Republic of Bilingua", OrgCategory.MEMBER_STATE, RegionalGroup.WEOG)
    submission = submission_for(consultation, state)
    add_comment(submission, article, "Nous soutenons cet article.").position = Position.SUPPORT
    add_comment(submission, article, "We support this article.").position = Position.SUPPORT
    other = submission_for(
        consultation, make_org("Another State", OrgCategory.MEMBER_STATE, RegionalGroup.AFRICAN)
    )
    add_comment(other, article, "Мы поддерживаем эту статью.").position = Position.SUPPORT
    db.session.commit()
    [figures] = provision_figures(consultation, [article.id])
    assert figures.total.comments == 3
    assert figures.total.organisations == 2
    assert figures.states.organisations == 2
