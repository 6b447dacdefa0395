"""Comments keep their language: declared on the rendered form (a guess offered), shown
and filtered in the review queue, exported, and their proposed wording compared with the
language version of the provision they were written against."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult_app.accounts.models import Role
from consult_app.exports.rows import Audience, compilation_columns, compilation_rows
from consult_app.extensions import db
from consult_app.review.dispositions import redline_for
from consult_app.submissions import commenting, submitting
from consult_app.submissions import operations as ops
from consult_app.submissions.models import Comment, Position
from consult_app.texts.detect import guess_language
from consult_app.texts.models import ParagraphTranslation, ProvisionTranslation
from tests.browser import Browser
from tests.conftest import login, make_user

FRENCH_1 = "Toute personne a droit à la chose prévue par l'article premier."


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The State shall ensure the right to international solidarity.", "en"),
        ("Les États doivent garantir le droit à la solidarité internationale.", "fr"),
        ("Los Estados deben garantizar el derecho a la solidaridad internacional.", "es"),
        ("يجب على الدول أن تكفل الحق في التضامن الدولي", "ar"),
        ("各国应确保国际团结权。", "zh"),
        ("Государства должны обеспечивать право на международную солидарность.", "ru"),
        ("Nous proposons de supprimer ce paragraphe, qui n'est pas clair.", "fr"),
        ("Proponemos suprimir este párrafo.", "es"),
        ("OK", None),
        ("Article 5", None),
        ("", None),
    ],
)
def test_the_guess_names_the_language_or_says_it_does_not_know(text, language):
    assert guess_language(text) == language


def _translate_first_article(world) -> None:
    article = world.articles[0]
    translation = ProvisionTranslation(provision=article, language="fr", title="Titre 1")
    db.session.add(translation)
    db.session.add(
        ParagraphTranslation(
            provision_translation=translation, paragraph=article.paragraphs[0], text=FRENCH_1
        )
    )
    db.session.flush()


def _comments() -> list[Comment]:
    db.session.expire_all()
    return list(db.session.scalars(select(Comment).order_by(Comment.id)))


def test_the_rendered_form_offers_the_readers_language_and_saves_it(client, world):
    submission = ops.start_submission(world.author, world.consultation)
    article = world.articles[0]
    _translate_first_article(world)
    login(client, world.author)
    url = f"/submissions/{submission.id}/provisions/{article.id}/comment"

    browser = Browser(client).get(f"{url}?lang=fr&paragraph={article.paragraphs[0].id}")
    form = browser.form("/comment")
    assert form.fields["language"] == ["fr"]  # the reader's language, as rendered
    assert set(form.selects["language"]) == {"en", "fr", "es", "ar", "zh", "ru"}
    # The proposed wording is prefilled with the French version it will be compared with.
    assert form.fields["proposed_wording"] == [FRENCH_1]
    browser.submit(
        form,
        position="support_with_amendments",
        body="Nous proposons une précision.",
        proposed_wording=FRENCH_1.replace("la chose", "la chose essentielle"),
    )
    assert browser.status == 200, browser.html[:2000]
    (comment,) = _comments()
    assert comment.language == "fr"
    # The redline is against the French paragraph: one insertion, nothing deleted.
    redline = str(redline_for(comment))
    assert "<ins>essentielle" in redline or "<ins> essentielle" in redline
    assert "<del>" not in redline


def test_left_as_offered_the_language_follows_the_text_written(client, world):
    submission = ops.start_submission(world.author, world.consultation)
    article = world.articles[1]
    login(client, world.author)
    browser = Browser(client).get(f"/submissions/{submission.id}/provisions/{article.id}/comment")
    form = browser.form("/comment")
    assert form.fields["language"] == ["en"]
    browser.submit(
        form, position="support", body="Los Estados deben garantizar este derecho para todos."
    )
    assert browser.status == 200, browser.html[:2000]
    assert _comments()[0].language == "es"


def test_a_language_chosen_by_the_author_is_kept(client, world):
    submission = ops.start_submission(world.author, world.consultation)
    article = world.articles[1]
    login(client, world.author)
    browser = Browser(client).get(f"/submissions/{submission.id}/provisions/{article.id}/comment")
    form = browser.form("/comment")
    browser.submit(
        form, position="support", body="We support the text as it stands.", language="ar"
    )
    assert _comments()[0].language == "ar"

    # The edit form shows the language declared.
    comment = _comments()[0]
    edit = Browser(client).get(f"/submissions/{submission.id}/comments/{comment.id}/edit")
    assert edit.form("/edit").fields["language"] == ["ar"]


def test_an_unknown_language_is_refused_and_nothing_saved(client, world):
    submission = ops.start_submission(world.author, world.consultation)
    article = world.articles[1]
    login(client, world.author)
    response = client.post(
        f"/submissions/{submission.id}/provisions/{article.id}/comment",
        data={
            "paragraph": "",
            "position": "support",
            "kind": "substantive",
            "body": "Fine.",
            "language": "de",
        },
    )
    assert response.status_code == 400
    assert "The language must be one of" in response.get_data(as_text=True)
    assert _comments() == []


def _comment(world, submission, body: str, language: str | None) -> Comment:
    return commenting.add_comment(
        world.author,
        submission,
        world.articles[0],
        commenting.CommentFields(position=Position.SUPPORT, body=body, language=language),
    )


def test_the_queue_shows_and_filters_by_language(client, world):
    submission = ops.start_submission(world.author, world.consultation)
    _comment(world, submission, "Nous appuyons cet article.", "fr")
    _comment(world, submission, "We support this article.", "en")
    submitting.submit_submission(world.author, submission, submission.lock_version)
    db.session.commit()
    secretariat = make_user(Role.SECRETARIAT)
    login(client, secretariat)
    base = f"/review/{world.consultation.id}/queue"
    everything = client.get(base).get_data(as_text=True)
    assert "Nous appuyons" in everything and "We support this article." in everything
    assert 'class="badge comment-language"' in everything
    assert 'name="language"' in everything

    french = client.get(base + "?language=fr").get_data(as_text=True)
    assert "Nous appuyons" in french and "We support this article." not in french

    bad = client.get(base + "?language=klingon")
    assert bad.status_code == 400
    assert "is not a valid language" in bad.get_data(as_text=True)


def test_the_compilation_has_a_language_column(world):
    submission = ops.start_submission(world.author, world.consultation)
    _comment(world, submission, "Nous appuyons cet article.", "fr")
    submitting.submit_submission(world.author, submission, submission.lock_version)
    audience = Audience.for_consultation(world.consultation, True)
    names = [column.key for column in compilation_columns(audience)]
    (row,) = list(compilation_rows(world.consultation, audience))
    assert row[names.index("language")] == "French"


def test_without_a_declared_language_the_operation_guesses_it(world):
    submission = ops.start_submission(world.author, world.consultation)
    comment = _comment(world, submission, "Государства должны обеспечить это право.", None)
    assert comment.language == "ru"
