from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from consult_app.accounts.models import Role
from consult_app.core.audit import AuditEntry
from consult_app.extensions import db
from consult_app.review.dispositions import publish_dispositions, record_disposition
from consult_app.review.models import Outcome
from consult_app.revisions import operations as ops
from consult_app.revisions.models import TextChange
from consult_app.texts.models import ProvisionKind, TextVersion
from tests.browser import Browser
from tests.conftest import login, make_org, make_user, make_version
from tests.revisions.docx_check import resolved_paragraphs
from tests.revisions.helpers import comment_on, consulted_version, secretariat


def _draft():
    old, consultation = consulted_version(articles=3, preamble=2)
    actor = secretariat()
    new = ops.start_next_version(actor, old, "Second draft")
    db.session.commit()
    return old, new, actor, consultation


def test_contributors_and_visitors_cannot_revise(client):
    old, new, _actor, _c = _draft()
    provision = new.provisions[0]
    urls = [
        f"/revisions/versions/{old.id}/next",
        f"/revisions/versions/{new.id}/draft",
        f"/revisions/provisions/{provision.id}/edit",
        f"/revisions/versions/{new.id}/amendments",
        f"/revisions/versions/{new.id}/align",
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # to the sign-in page
    login(client, make_user(Role.CONTRIBUTOR))
    for url in urls:
        assert client.get(url).status_code in (403, 404), url
    response = client.post(f"/revisions/provisions/{provision.id}/delete")
    assert response.status_code in (403, 404)
    assert db.session.scalar(select(func.count(TextChange.id))) == 0


def test_bad_input_is_a_clear_4xx_and_changes_nothing(client):
    old, new, actor, _c = _draft()
    login(client, actor)
    before = db.session.scalar(select(func.count(AuditEntry.id)))
    assert client.get("/revisions/compare").status_code == 400
    other = make_version()
    db.session.commit()
    response = client.get("/revisions/compare", query_string={"old": other.id, "new": new.id})
    assert response.status_code == 400
    assert "same text" in response.get_data(as_text=True)
    reverse = client.get("/revisions/compare", query_string={"old": new.id, "new": old.id})
    assert reverse.status_code == 400
    response = client.post(f"/revisions/versions/{new.id}/amendments", data={"comment_ids": ["x"]})
    assert response.status_code == 400
    article = next(p for p in new.provisions if p.kind is ProvisionKind.ARTICLE)
    response = client.post(
        f"/revisions/provisions/{article.id}/edit",
        data={"edit-wording": "1. Fine.", "edit-comment_ids": "99999"},
    )
    assert response.status_code == 400
    assert "99999" in response.get_data(as_text=True)
    response = client.post(
        f"/revisions/versions/{new.id}/add",
        data={
            "add-kind": "article",
            "add-after": str(article.id),
            "add-number": "2",
            "add-wording": "1. Clash.",
        },
    )
    assert response.status_code == 400
    assert "already has a provision numbered 2" in response.get_data(as_text=True)
    # The version under consultation cannot be edited.
    response = client.post(f"/revisions/provisions/{old.provisions[0].id}/delete", data={})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.scalar(select(func.count(AuditEntry.id))) == before
    assert [p.plain_text() for p in new.provisions] == [p.plain_text() for p in old.provisions]


def test_edit_through_the_form_links_comments(client):
    old, new, actor, consultation = _draft()
    source = next(p for p in old.provisions if p.kind is ProvisionKind.ARTICLE)
    comment = comment_on(consultation, source, wording=None)
    db.session.commit()
    login(client, actor)
    browser = Browser(client)
    target = next(p for p in new.provisions if p.derived_from_id == source.id)
    browser.get(f"/revisions/provisions/{target.id}/edit")
    assert f"Comment {comment.id}" in browser.html
    browser.submit(
        browser.form("/edit"),
        **{
            "edit-wording": "1. Every person has the right.\n2. States shall act.",
            "edit-reason": "Clearer.",
            "edit-comment_ids": str(comment.id),
        },
    )
    assert "was saved" in browser.html
    change = db.session.scalars(select(TextChange)).one()
    assert change.reason == "Clearer."
    browser.get(f"/revisions/versions/{new.id}/reasons")
    assert "Clearer." in browser.html and f"Comment {comment.id}" in browser.html


def test_split_merge_move_and_align_through_forms(client):
    _old, new, actor, _c = _draft()
    login(client, actor)
    browser = Browser(client)
    articles = [p for p in new.provisions if p.kind is ProvisionKind.ARTICLE]
    browser.get(f"/revisions/provisions/{articles[0].id}/edit")
    browser.submit(browser.form("/split"))
    assert "Article 1 bis was made from the end of Article 1" in browser.html
    browser.get(f"/revisions/provisions/{articles[1].id}/edit")
    browser.submit(browser.form("/merge"), **{"merge-other": str(articles[2].id)})
    assert "merged into" in browser.html
    browser.get(f"/revisions/provisions/{articles[1].id}/edit")
    browser.submit(browser.form("/move"), **{"move-after": "0"})
    assert "moved after" in browser.html
    browser.follow("Compare with the previous version")
    assert "Split" in browser.html and "Merged" in browser.html and "Moved" in browser.html
    browser.get(f"/revisions/versions/{new.id}/align")
    browser.submit(browser.form("/align"))
    assert browser.status == 200 and "alignment was saved" in browser.html


def test_input_page_visibility(client):
    old, new, actor, consultation = _draft()
    org = make_org("Helpful NGO")
    member = make_user(Role.CONTRIBUTOR, organisation=org)
    article = next(p for p in old.provisions if p.kind is ProvisionKind.ARTICLE)
    public = comment_on(
        consultation,
        article,
        org=org,
        paragraph=article.paragraphs[1],
        wording="States shall take all measures to that end.",
    )
    hidden = comment_on(consultation, article, org=org, is_public=False)
    groups = ops.group_amendments(ops.amendments_for(new))
    ops.apply_amendments(actor, new, groups[0])
    record_disposition(actor, [hidden], Outcome.NOT_ACCEPTED, "Out of the mandate.")
    db.session.commit()
    url = f"/revisions/organisations/{org.id}/input"
    # Nothing is public yet: the draft's change and the dispositions are unpublished.
    page = client.get(url).get_data(as_text=True)
    assert f'id="comment-{hidden.id}"' not in page
    assert "Amendment applied" not in page
    login(client, member)
    page = client.get(url).get_data(as_text=True)
    assert f'id="comment-{hidden.id}"' in page and "Out of the mandate" not in page
    publish_dispositions(actor, consultation)
    ops.publish_version(actor, new, "A/HRC/TEST/2", date(2027, 1, 1))
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "Out of the mandate" in page and "Amendment applied" in page
    assert "1 comment changed the text" in page
    client.post("/account/logout")
    other = make_user(Role.CONTRIBUTOR)
    login(client, other)
    page = client.get(url).get_data(as_text=True)
    assert f'id="comment-{public.id}"' in page and f'id="comment-{hidden.id}"' not in page


def test_cli_compare_html_and_docx(app, tmp_path):
    old, new, actor, _c = _draft()
    article = next(p for p in new.provisions if p.kind is ProvisionKind.ARTICLE)
    ops.edit_provision(actor, article, article.title, "1. Every person.\n2. States act.")
    db.session.commit()
    runner = app.test_cli_runner()
    html = tmp_path / "c.html"
    result = runner.invoke(
        args=[
            "texts",
            "compare",
            "--from",
            str(old.id),
            "--to",
            str(new.id),
            "--format",
            "html",
            "--output",
            str(html),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "<ins>Every person.</ins>" in html.read_text() or "<ins>" in html.read_text()
    out = tmp_path / "c.docx"
    result = runner.invoke(
        args=[
            "texts",
            "compare",
            "--from",
            str(old.id),
            "--to",
            str(new.id),
            "--format",
            "docx",
            "--output",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "1. Every person." in resolved_paragraphs(out.read_bytes(), accept=True)
    result = runner.invoke(
        args=["texts", "compare", "--from", "999", "--to", str(new.id), "--output", str(out)]
    )
    assert result.exit_code != 0 and "no version with id 999" in result.output
    assert db.session.get(TextVersion, new.id) is not None


def test_pages_render_in_every_language(client):
    old, new, actor, _consultation = _draft()
    login(client, actor)
    article = next(p for p in new.provisions if p.kind is ProvisionKind.ARTICLE)
    urls = [
        "/revisions/",
        f"/revisions/versions/{new.id}/draft",
        f"/revisions/provisions/{article.id}/edit",
        f"/revisions/versions/{new.id}/amendments",
        f"/revisions/versions/{new.id}/align",
        f"/revisions/versions/{new.id}/reasons",
        f"/revisions/compare?old={old.id}&new={new.id}",
        f"/revisions/versions/{old.id}/next",
    ]
    for lang in ("ar", "zh", "fr", "ru", "es", "en"):
        for url in urls:
            sep = "&" if "?" in url else "?"
            response = client.get(f"{url}{sep}lang={lang}")
            assert response.status_code == 200, (url, lang)
