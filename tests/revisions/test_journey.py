"""The journey of issue 10 on the demo consultation, through the real forms (no JavaScript):
the secretariat makes version 2 from the dispositions (an applied amendment, an inserted
"Article 5 bis", a deleted preambular paragraph, a renumbering), publishes it, downloads
the comparison as .docx with tracked changes; a contributor sees which of their comments
changed the text."""

from __future__ import annotations

import re
from datetime import date

import pyotp
from sqlalchemy import select

from consult_app.accounts.models import Organisation, Role, User
from consult_app.consultations.models import Consultation
from consult_app.core.models import utcnow
from consult_app.demo.loader import DEMO_ACCOUNTS
from consult_app.extensions import db
from consult_app.review.models import Outcome
from consult_app.revisions.models import ChangeKind, TextChange, change_comments
from consult_app.revisions.operations import amendments_for, group_amendments
from consult_app.submissions.models import Comment
from consult_app.texts.models import ProvisionKind, TextVersion, VersionStatus
from tests.browser import Browser
from tests.conftest import login
from tests.revisions.docx_check import resolved_paragraphs, revisions


def _sign_in(browser: Browser, role: Role) -> None:
    email, password = DEMO_ACCOUNTS[role]
    user = db.session.scalars(select(User).where(User.email == email)).one()
    if role is not Role.CONTRIBUTOR and not user.totp_secret:
        # The demo's secretariat sets up its second factor at its first sign-in; here it has
        # one already, and the journey enters the code as a person would.
        user.totp_secret = pyotp.random_base32()
        user.totp_enabled_at = utcnow()
        db.session.commit()
    browser.get("/account/login")
    browser.submit(browser.form("/account/login"), email=email, password=password)
    if "/account/two-step/code" in browser.url:
        browser.submit(browser.form("/account/two-step/code"),
                       code=pyotp.TOTP(user.totp_secret).now())
    assert browser.status == 200, browser.html


def _provision_id(version: TextVersion, kind: ProvisionKind, number: str) -> int:
    db.session.expire(version, ["provisions"])
    return next(p.id for p in version.provisions if p.kind is kind and p.number == number)


def test_version_two_from_the_dispositions(app, csrf_app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    consultation = db.session.scalars(select(Consultation)).one()
    v1 = consultation.version
    kasunga = db.session.scalars(
        select(Organisation).where(Organisation.name == "Republic of Kasunga")
    ).one()

    browser = Browser(app.test_client())
    _sign_in(browser, Role.SECRETARIAT)

    # Start version 2 from the version page.
    browser.get(f"/texts/versions/{v1.id}").follow("Start the next version")
    browser.submit(browser.form("/next"), title="Second revised draft declaration")
    assert "draft copy" in browser.html
    v2 = db.session.scalars(select(TextVersion).where(TextVersion.id != v1.id)).one()
    assert v2.status is VersionStatus.DRAFT and v2.previous_id == v1.id

    # Apply amendments: one of Kasunga's alone, and a conflict shown before anything changes.
    browser.follow("Proposed amendments")
    groups = group_amendments(amendments_for(v2))
    single = next(
        g[0]
        for g in groups
        if len(g) == 1
        and g[0].paragraph is not None
        and g[0].comment.submission.organisation_id == kasunga.id
    )
    conflict = next(g for g in groups if len(g) > 1)
    chosen = [single.comment.id] + [a.comment.id for a in conflict]
    browser.submit(
        browser.form("/amendments"),
        comment_ids=[str(i) for i in chosen],
        reason="Drafting proposals that improve the text.",
    )
    assert "Amendments to the same text" in browser.html
    assert db.session.scalar(select(TextChange.id)) is None  # nothing applied yet
    for amendment in conflict:  # both wordings side by side
        assert str(amendment.comment.proposed_wording) in browser.html.replace(
            "&#39;", "'"
        ).replace("&#34;", '"')
    browser.submit(browser.form("/amendments"))
    assert "were applied" in browser.html
    target = single.target
    db.session.expire_all()
    paragraph_texts = [p.text for p in target.paragraphs]
    assert " ".join(str(single.comment.proposed_wording).split()) in paragraph_texts
    comment = db.session.get(Comment, single.comment.id)
    assert comment.disposition.outcome is Outcome.ACCEPTED
    assert comment.disposition.resulting_provision_id == target.id

    # Insert "Article 5 bis" after article 5.
    browser.get(f"/revisions/versions/{v2.id}/draft")
    add = browser.form("/add")
    browser.submit(
        add,
        **{
            "add-kind": "article",
            "add-after": str(_provision_id(v2, ProvisionKind.ARTICLE, "5")),
            "add-title": "Solidarity in emergencies",
            "add-wording": "1. States shall cooperate in emergencies, as provided in article 7, "
            "paragraph 2.",
            "add-reason": "Several delegations asked for a provision on emergencies.",
            "add-comment_ids": str(single.comment.id),
        },
    )
    assert "Article 5 bis was inserted" in browser.html

    # Delete the second preambular paragraph.
    browser.get(f"/revisions/provisions/{_provision_id(v2, ProvisionKind.PREAMBLE, '2')}/edit")
    browser.submit(browser.form("/delete"), **{"delete-reason": "Repeats PP1."})
    assert "PP2 deleted" in browser.html

    # Renumber: 5 bis becomes 6, everything after shifts; the reference is flagged.
    browser.submit(browser.form("/renumber"))
    db.session.expire_all()
    articles = [p for p in v2.provisions if p.kind is ProvisionKind.ARTICLE]
    assert [p.number for p in articles] == [str(n) for n in range(1, 12)]
    assert articles[5].title == "Solidarity in emergencies"
    assert "References to check" in browser.html and "Article 7 is now Article 8" in browser.html

    # Publish.
    browser.submit(
        browser.form("/publish"),
        **{"publish-symbol": "A/HRC/DEMO/2", "publish-issued_on": "2027-03-01"},
    )
    db.session.expire_all()
    assert v2.status is VersionStatus.PUBLISHED and v2.issued_on == date(2027, 3, 1)
    assert v1.status is VersionStatus.SUPERSEDED

    # Dispositions are published so that contributors see them.
    browser.get(f"/dispositions/{consultation.id}")
    browser.submit(browser.form(f"/dispositions/{consultation.id}/publish"))

    # Anyone: the record of versions, the comparison and the .docx with tracked changes.
    visitor = Browser(app.test_client())
    visitor.get("/revisions/")
    assert "A/HRC/DEMO/2" in visitor.html and "2027-03-01" in visitor.html
    visitor.follow("Compare with A/HRC/DEMO/1")
    assert visitor.status == 200
    assert "<ins>" in visitor.html and "<del>" in visitor.html
    assert "Formerly Article 5" in visitor.html or "Renumbered" in visitor.html
    href = next(h for h, t in visitor.links if "Word with tracked changes" in t)
    response = visitor.client.get(href)
    assert response.status_code == 200
    data = response.get_data()
    assert {m.tag.rsplit("}", 1)[1] for m in revisions(data)} == {"ins", "del"}
    accepted = resolved_paragraphs(data, accept=True)
    rejected = resolved_paragraphs(data, accept=False)
    assert "Article 6. Solidarity in emergencies" in accepted
    assert "Article 6. Solidarity in emergencies" not in rejected
    assert any(line.startswith("Recalling") for line in rejected)
    assert visitor.get(f"/revisions/versions/{v2.id}/reasons").status == 200
    assert "Several delegations asked for a provision on emergencies." in visitor.html

    # A contributor of Kasunga sees which of their comments changed the text.
    delegate = db.session.scalars(
        select(User).where(User.organisation_id == kasunga.id, User.role == Role.CONTRIBUTOR)
    ).first()
    contributor_client = app.test_client()
    login(contributor_client, delegate)
    contributor = Browser(contributor_client)
    contributor.get("/").follow("How our input was used")
    assert contributor.status == 200
    row = re.search(rf'<tr id="comment-{single.comment.id}">(.*?)</tr>', contributor.html, re.S)
    assert row is not None
    assert "Amendment applied" in row.group(1) and "Accepted" in row.group(1)
    assert "comments changed the text" in contributor.html or "comment changed the text" in (
        contributor.html
    )
    links = (
        db.session.execute(
            select(change_comments.c.comment_id)
            .join(TextChange, TextChange.id == change_comments.c.change_id)
            .where(TextChange.kind == ChangeKind.AMENDMENT)
        )
        .scalars()
        .all()
    )
    assert single.comment.id in links
