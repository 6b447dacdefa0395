"""The secretariat's home (work waiting): the counts, by provision and for me, and the links
that open exactly the comments counted."""

from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from consult_app.accounts.models import MembershipStatus, Role
from consult_app.core.models import utcnow
from consult_app.extensions import db
from consult_app.home import work
from consult_app.review.models import (
    Disposition,
    DuplicateGroup,
    GroupKind,
    GroupStatus,
    Outcome,
    ProvisionAssignment,
)
from consult_app.submissions.models import Comment, ModerationStatus
from consult_app.summaries.models import CONSULTATION_SCOPE, SummaryDraft
from tests.accounts.helpers import totp_code
from tests.browser import Browser
from tests.conftest import PASSWORD, login, make_consultation, make_org, make_user
from tests.review.queue_world import (
    ReviewWorld,
    build_world,
    count_queries,
    make_comment,
    make_submission,
    row_ids,
)


@pytest.fixture
def world() -> ReviewWorld:
    return build_world()


def _answer(world: ReviewWorld, comment: Comment) -> None:
    db.session.add(
        Disposition(
            comment_id=comment.id,
            outcome=Outcome.NOTED,
            public_explanation="Noted.",
            decided_by_id=world.secretariat.id,
            decided_at=utcnow(),
        )
    )


def _summary(
    world: ReviewWorld,
    provision_id: int | None,
    published: str | None,
    text: str = "Several delegations supported the article.",
) -> None:
    now = utcnow()
    db.session.add(
        SummaryDraft(
            consultation_id=world.consultation.id,
            provision_id=provision_id,
            scope_key=provision_id or CONSULTATION_SCOPE,
            generated_text=text,
            generated_at=now,
            published_text=published,
            published_at=now if published is not None else None,
            published_by_id=world.secretariat.id if published is not None else None,
        )
    )


@pytest.fixture
def scene(world: ReviewWorld) -> dict[str, Comment]:
    """Comments in every state, on two articles, some assigned to the signed-in reviewer
    (Alice), some to a colleague; plus groups, summaries and requests."""
    _pp1, _pp2, art1, art2, art3 = world.provisions
    me, colleague = world.secretariat, world.colleague
    subs = world.submissions
    pending = ModerationStatus.PENDING
    published = ModerationStatus.PUBLISHED
    c = {
        # Article 1
        "pending": make_comment(subs["state"], art1, "Pending, nobody's."),
        "pending_mine": make_comment(subs["ngo"], art1, "Pending, mine.", assigned_to=me),
        "published": make_comment(
            subs["business"], art1, "Published, unanswered.", status=published
        ),
        "answered": make_comment(
            subs["state"], art1, "Published and answered.", status=published, assigned_to=me
        ),
        "withheld": make_comment(subs["ngo"], art1, "Spam.", status=ModerationStatus.WITHHELD),
        "withdrawn": make_comment(
            subs["business"], art1, "Withdrawn, pending.", status=pending, assigned_to=me
        ),
        # Article 2
        "pending_colleague": make_comment(
            subs["state"], art2, "Pending, the colleague's.", assigned_to=colleague
        ),
        "published_mine": make_comment(
            subs["ngo"], art2, "Published, mine, unanswered.", status=published, assigned_to=me
        ),
        "pending_answered": make_comment(
            subs["business"], art2, "Pending but answered.", assigned_to=me
        ),
    }
    c["withdrawn"].withdrawn_at = utcnow()
    _answer(world, c["answered"])
    _answer(world, c["pending_answered"])
    # Never counted: a draft's comment, another consultation's.
    draft = make_submission(world.consultation, make_org("Draft Org"), submitted=False)
    make_comment(draft, art1, "A draft comment.", assigned_to=me)
    other = make_consultation(version=world.consultation.version)
    make_comment(make_submission(other, world.state), art1, "Another consultation.")
    # Groups: two suggested here, one confirmed, one suggested elsewhere.
    for status, consultation in (
        (GroupStatus.SUGGESTED, world.consultation),
        (GroupStatus.SUGGESTED, world.consultation),
        (GroupStatus.CONFIRMED, world.consultation),
        (GroupStatus.SUGGESTED, other),
    ):
        db.session.add(
            DuplicateGroup(
                consultation_id=consultation.id,
                kind=GroupKind.DUPLICATE,
                status=status,
                size=2,
                reviewed_by_id=me.id if status is GroupStatus.CONFIRMED else None,
                reviewed_at=utcnow() if status is GroupStatus.CONFIRMED else None,
            )
        )
    # Summaries: the whole never published, art1 published as it stands, art2 changed since.
    _summary(world, None, None)
    _summary(world, art1.id, "Several delegations supported the article.")
    _summary(world, art2.id, "An older text.")
    # Alice is responsible for Article 2.
    db.session.add(
        ProvisionAssignment(
            consultation_id=world.consultation.id, provision_id=art2.id, reviewer_id=me.id
        )
    )
    # Organisations and requests: the NGO of the world is not verified; one request to join.
    candidate = make_user(organisation=world.state)
    candidate.membership_status = MembershipStatus.REQUESTED
    db.session.flush()
    _ = art3
    return c


def _ids(scene: dict[str, Comment], *names: str) -> set[int]:
    return {scene[n].id for n in names}


def test_counts_by_provision_and_for_me(world, scene):
    _pp1, _pp2, art1, art2, art3 = world.provisions
    result = work.consultation_work(world.consultation, world.secretariat)
    rows = {row.provision.id: row for row in result.provisions}
    assert rows[art1.id].comments == work.CommentWork(
        to_moderate=3,  # pending, pending_mine, withdrawn (the queue lists it as pending)
        to_moderate_mine=2,  # pending_mine, withdrawn
        to_answer=3,  # pending, pending_mine, published: not withheld, withdrawn, answered
        to_answer_mine=1,  # pending_mine
    )
    assert rows[art2.id].comments == work.CommentWork(2, 1, 2, 1)
    assert rows[art3.id].comments == work.CommentWork()
    assert result.totals == work.CommentWork(5, 3, 5, 2)
    assert rows[art2.id].mine and rows[art2.id].responsible == "Alice Reviewer"
    assert not rows[art1.id].mine and rows[art1.id].responsible is None
    assert rows[art1.id].summary == work.PUBLISHED
    assert rows[art2.id].summary == work.CHANGED
    assert rows[art3.id].summary == work.NOT_DRAFTED
    assert result.whole_summary == work.UNPUBLISHED
    assert result.summaries_to_publish == 2
    assert result.groups_to_confirm == 2
    assert result.time_left is not None and result.time_left > timedelta(days=29)
    assert work.organisations_to_verify() == 1  # Zeta Rights Watch
    assert work.membership_requests(world.secretariat) == 1


def test_the_colleague_sees_their_own_share(world, scene):
    result = work.consultation_work(world.consultation, world.colleague)
    assert result.totals == work.CommentWork(5, 1, 5, 1)
    assert not any(row.mine for row in result.provisions)


QUEUE_LINK = re.compile(
    r'<a (?:class="work-count" )?href="(/review/\d+/queue\?[^"]*)">(.*?)</a>', re.S
)


def _links(page: str) -> list[tuple[str, int]]:
    found = []
    for href, text in QUEUE_LINK.findall(page):
        number = re.search(r"\d+", re.sub(r"<[^>]+>", " ", text))
        assert number is not None, text
        found.append((html_lib.unescape(href), int(number.group())))
    return found


def test_every_number_opens_exactly_the_comments_it_counts(client, world, scene):
    login(client, world.secretariat)
    response = client.get(f"/review/{world.consultation.id}/home")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    links = _links(page)
    # Two tiles, each with its "assigned to you", and four figures on each of two articles.
    assert len(links) == 4 + 2 * 4
    for href, number in links:
        listed = row_ids(client.get(href).get_data(as_text=True))
        assert len(listed) == number, href
    c = world.consultation.id
    expected = {
        f"/review/{c}/queue?status=pending": _ids(
            scene, "pending", "pending_mine", "withdrawn", "pending_colleague", "pending_answered"
        ),
        f"/review/{c}/queue?status=pending&reviewer=mine": _ids(
            scene, "pending_mine", "withdrawn", "pending_answered"
        ),
        f"/review/{c}/queue?disposition=none": _ids(
            scene, "pending", "pending_mine", "published", "pending_colleague", "published_mine"
        ),
        f"/review/{c}/queue?disposition=none&reviewer=mine": _ids(
            scene, "pending_mine", "published_mine"
        ),
    }
    for href, comment_ids in expected.items():
        assert (href, len(comment_ids)) in links
        assert set(row_ids(client.get(href).get_data(as_text=True))) == comment_ids, href


def test_the_other_figures_link_to_their_pages(client, world, scene):
    login(client, world.secretariat)
    page = client.get(f"/review/{world.consultation.id}/home").get_data(as_text=True)
    c = world.consultation.id
    assert f'href="/review/{c}/groups?status=suggested"' in page
    assert 'href="/verification/?status=pending"' in page
    assert 'href="/verification/memberships"' in page
    assert f'href="/consultations/{c}/summary"' in page
    assert f'href="/consultations/{c}/summary#summary-{world.provisions[3].id}"' in page
    assert "Comments are due by" in page and "left" in page
    groups = client.get(f"/review/{c}/groups?status=suggested").get_data(as_text=True)
    assert groups.count('class="badge group-status-suggested"') == 2


def test_home_picks_the_open_consultation_and_lists_the_others(client, world, scene):
    closed = make_consultation(
        version=world.consultation.version, opens=timedelta(days=-60), closes=timedelta(days=-30)
    )
    closed.title = "An earlier consultation"
    db.session.flush()
    login(client, world.secretariat)
    page = client.get("/review/").get_data(as_text=True)
    assert f"/review/{world.consultation.id}/queue?status=pending" in page
    assert f"/review/{closed.id}/home" in page
    page = client.get(f"/review/{closed.id}/home").get_data(as_text=True)
    assert "Closed on" in page
    assert f"/review/{closed.id}/queue" in page


def test_home_without_any_consultation(client):
    officer = make_user(role=Role.SECRETARIAT)
    db.session.flush()
    login(client, officer)
    response = client.get("/review/")
    assert response.status_code == 200
    assert "No consultation yet." in response.get_data(as_text=True)


def test_only_the_secretariat_sees_it(client, world):
    c = world.consultation.id
    assert client.get("/review/").status_code == 302  # to the sign-in page
    login(client, world.contributor)
    assert client.get("/review/").status_code == 403
    assert client.get(f"/review/{c}/home").status_code == 403
    admin = make_user(role=Role.ADMIN)
    db.session.flush()
    login(client, admin)
    assert client.get("/review/").status_code == 200
    assert client.get("/review/999999/home").status_code == 404


def test_header_link_and_landing_after_sign_in(client, world):
    login(client, world.secretariat)
    page = client.get("/").get_data(as_text=True)
    assert 'href="/review/"' in page and "Work waiting" in page
    login(client, world.contributor)
    assert 'href="/review/"' not in client.get("/").get_data(as_text=True)


def test_the_secretariat_lands_on_the_work_waiting(client, world):
    browser = Browser(client)
    browser.get("/account/login")
    browser.submit(browser.form("/account/login"), email=world.secretariat.email, password=PASSWORD)
    browser.submit(
        browser.form("/account/two-step/code"), code=totp_code(world.secretariat.totp_secret)
    )
    assert browser.url == "/review/" and browser.status == 200
    assert "Work waiting" in browser.html
    # A contributor still lands on the home page; an asked-for page still wins.
    client.post("/account/logout")
    browser.get("/account/login")
    browser.submit(browser.form("/account/login"), email=world.contributor.email, password=PASSWORD)
    assert browser.url == "/"


def test_query_count_does_not_grow_with_the_work(client, world):
    _pp1, _pp2, art1, art2, art3 = world.provisions
    subs = world.submissions
    login(client, world.secretariat)
    url = f"/review/{world.consultation.id}/home"
    make_comment(subs["state"], art1, "One.")
    db.session.commit()
    client.get(url)  # warm up
    _response, few = count_queries(lambda: client.get(url))
    for n in range(30):
        provision = (art1, art2, art3)[n % 3]
        comment = make_comment(
            subs["ngo"],
            provision,
            f"Comment {n}.",
            assigned_to=world.secretariat if n % 2 else None,
        )
        if n % 4 == 0:
            _answer(world, comment)
        db.session.add(
            DuplicateGroup(
                consultation_id=world.consultation.id,
                kind=GroupKind.CAMPAIGN,
                status=GroupStatus.SUGGESTED,
                size=3,
            )
        )
    for provision in (art1, art2, art3):
        _summary(world, provision.id, None)
        db.session.add(
            ProvisionAssignment(
                consultation_id=world.consultation.id,
                provision_id=provision.id,
                reviewer_id=world.colleague.id,
            )
        )
    db.session.commit()
    response, many = count_queries(lambda: client.get(url))
    assert response.status_code == 200
    assert many == few


def test_disposition_filter_of_the_queue(client, world, scene):
    login(client, world.secretariat)
    url = f"/review/{world.consultation.id}/queue"
    answered = set(row_ids(client.get(url + "?disposition=recorded").get_data(as_text=True)))
    assert answered == _ids(scene, "answered", "pending_answered")
    response = client.get(url + "?disposition=maybe")
    assert response.status_code == 400
    assert "not a valid disposition filter" in response.get_data(as_text=True)


def test_the_draft_comment_is_never_counted(world, scene):
    drafts = db.session.scalars(select(Comment).where(Comment.body == "A draft comment.")).all()
    assert len(drafts) == 1
    result = work.consultation_work(world.consultation, world.secretariat)
    assert result.totals.to_moderate_mine == 3
