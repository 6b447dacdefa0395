"""The review queue: filters, sorting, pagination, bulk actions, permissions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult_app.accounts.models import Role
from consult_app.core.audit import verify_chain
from consult_app.core.models import utcnow
from consult_app.extensions import db
from consult_app.review.models import Disposition, Outcome, Theme, comment_themes
from consult_app.submissions.models import (
    Comment,
    ModerationStatus,
    Position,
)
from tests.browser import Browser
from tests.conftest import login, make_consultation, make_org, make_user
from tests.review.queue_world import (
    ReviewWorld,
    audit_entries,
    build_world,
    count_queries,
    make_comment,
    make_submission,
    row_ids,
)


@pytest.fixture
def world() -> ReviewWorld:
    return build_world()


def queue_url(world: ReviewWorld, **args: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/review/{world.consultation.id}/queue" + (f"?{query}" if query else "")


def get_rows(client, world: ReviewWorld, **args: str) -> list[int]:
    response = client.get(queue_url(world, **args))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return row_ids(response.get_data(as_text=True))


@pytest.fixture
def filled(world: ReviewWorld) -> dict[str, Comment]:
    """A handful of comments that differ in one respect each."""
    pp1, _pp2, art1, art2, art3 = world.provisions
    subs = world.submissions
    theme = Theme(consultation_id=world.consultation.id, name="Development", active=True)
    db.session.add(theme)
    db.session.flush()
    comments = {
        "state_art1": make_comment(subs["state"], art1, "Support the right to development.",
                                   position=Position.SUPPORT),
        "state_art2": make_comment(subs["state"], art2, "We oppose this wording.",
                                   position=Position.OPPOSE, status=ModerationStatus.PUBLISHED,
                                   assigned_to=world.secretariat),
        "ngo_art1": make_comment(subs["ngo"], art1, "Add a reference to climate.",
                                 position=Position.SUPPORT_WITH_AMENDMENTS,
                                 proposed_wording="Everyone has the right to a SAFE climate.",
                                 assigned_to=world.colleague),
        "ngo_pp1": make_comment(subs["ngo"], pp1, "Preamble is fine.",
                                rationale="Because of 100% consensus_building.",
                                status=ModerationStatus.WITHHELD),
        "business_art3": make_comment(subs["business"], art3, "Business view on article 3."),
    }
    db.session.execute(
        comment_themes.insert().values(comment_id=comments["ngo_art1"].id, theme_id=theme.id)
    )
    # A draft's comments and another consultation's are never in this queue.
    draft_org = make_org("Draft Org")
    draft = make_submission(world.consultation, draft_org, submitted=False)
    make_comment(draft, art1, "A draft comment nobody submitted.")
    other = make_consultation(version=world.consultation.version)
    make_comment(make_submission(other, world.state), art1, "Another consultation.")
    db.session.flush()
    comments["theme"] = theme  # type: ignore[assignment]
    return comments


def ids(filled: dict[str, Comment], *names: str) -> set[int]:
    return {filled[n].id for n in names}


ALL = ("state_art1", "state_art2", "ngo_art1", "ngo_pp1", "business_art3")


def test_queue_lists_submitted_comments_only(client, world, filled):
    login(client, world.secretariat)
    response = client.get(queue_url(world))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert set(row_ids(html)) == ids(filled, *ALL)
    assert "A draft comment nobody submitted." not in html
    assert "Another consultation." not in html
    assert "5 comments" in html
    # Row content: organisation, category, group, badges, position, themes, assignee.
    assert "Republic of Testland" in html and "Latin American and Caribbean States" in html
    assert "unverified" in html  # Zeta Rights Watch is not verified
    assert "Development" in html and "Alice Reviewer" in html
    assert "Support with amendments" in html


def test_not_for_publication_and_disposition_shown_in_rows(client, world, filled):
    world.submissions["business"].publishable = False
    db.session.add(
        Disposition(
            comment_id=filled["state_art1"].id,
            outcome=Outcome.NOTED,
            public_explanation="Noted.",
            decided_by_id=world.secretariat.id,
            decided_at=utcnow(),
        )
    )
    login(client, world.secretariat)
    html = client.get(queue_url(world)).get_data(as_text=True)
    assert "not for publication" in html
    assert "Noted" in html


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"category": "member_state"}, ("state_art1", "state_art2")),
        ({"category": "business"}, ("business_art3",)),
        ({"group": "grulac"}, ("state_art1", "state_art2")),
        ({"group": "weog"}, ()),
        ({"position": "oppose"}, ("state_art2",)),
        ({"position": "support_with_amendments"}, ("ngo_art1",)),
        ({"status": "published"}, ("state_art2",)),
        ({"status": "withheld"}, ("ngo_pp1",)),
        ({"status": "pending"}, ("state_art1", "ngo_art1", "business_art3")),
        ({"reviewer": "unassigned"}, ("state_art1", "ngo_pp1", "business_art3")),
        ({"reviewer": "mine"}, ("state_art2",)),
        ({"verification": "unverified"}, ("ngo_art1", "ngo_pp1")),
        ({"verification": "verified"}, ("state_art1", "state_art2", "business_art3")),
        ({"channel": "letter"}, ("business_art3",)),
        ({"channel": "online"}, ("state_art1", "state_art2", "ngo_art1", "ngo_pp1")),
        ({"q": "OPPOSE"}, ("state_art2",)),  # body, case-insensitive
        ({"q": "safe climate"}, ("ngo_art1",)),  # proposed wording
        ({"q": "100%25 consensus_"}, ("ngo_pp1",)),  # rationale, % and _ taken literally
        ({"q": "100%25 consensusX"}, ()),
        ({"q": "acme"}, ("business_art3",)),  # organisation name
        ({"q": "%25"}, ("ngo_pp1",)),
        ({"q": "100/%25"}, ()),  # the escape character is taken literally too
    ],
)
def test_each_filter(client, world, filled, args, expected):
    login(client, world.secretariat)
    assert set(get_rows(client, world, **args)) == ids(filled, *expected)


def test_filter_by_provision_theme_and_reviewer_id(client, world, filled):
    login(client, world.secretariat)
    art1 = world.provisions[2]
    assert set(get_rows(client, world, provision=str(art1.id))) == ids(
        filled, "state_art1", "ngo_art1"
    )
    theme = filled["theme"]
    assert set(get_rows(client, world, theme=str(theme.id))) == ids(filled, "ngo_art1")
    assert set(get_rows(client, world, reviewer=str(world.colleague.id))) == ids(
        filled, "ngo_art1"
    )
    # Filters combine.
    assert get_rows(client, world, provision=str(art1.id), category="ngo") == [
        filled["ngo_art1"].id
    ]


def test_sorting(client, world, filled):
    login(client, world.secretariat)
    all_ids = sorted(ids(filled, *ALL))
    assert get_rows(client, world) == list(reversed(all_ids))
    assert get_rows(client, world, sort="newest") == list(reversed(all_ids))
    assert get_rows(client, world, sort="oldest") == all_ids
    by_provision = get_rows(client, world, sort="provision")
    assert by_provision[0] == filled["ngo_pp1"].id
    assert by_provision[-1] == filled["business_art3"].id
    assert by_provision[1:3] == sorted(ids(filled, "state_art1", "ngo_art1"))
    by_org = get_rows(client, world, sort="organisation")
    # Acme, Republic of Testland, Zeta Rights Watch
    assert by_org == [
        filled["business_art3"].id,
        filled["state_art1"].id,
        filled["state_art2"].id,
        filled["ngo_art1"].id,
        filled["ngo_pp1"].id,
    ]


def test_pagination_fifty_per_page_keeps_filters(client, world):
    art1 = world.provisions[2]
    made = [make_comment(world.submissions["state"], art1, f"Comment {n}") for n in range(60)]
    make_comment(world.submissions["ngo"], art1, "Filtered out by category.")
    login(client, world.secretariat)
    response = client.get(queue_url(world, category="member_state"))
    html = response.get_data(as_text=True)
    first = row_ids(html)
    assert len(first) == 50
    assert "60 comments" in html
    assert "Page 1 of 2" in html
    assert "category=member_state" in html and "page=2" in html
    second = get_rows(client, world, category="member_state", page="2")
    assert len(second) == 10
    assert set(first) | set(second) == {c.id for c in made}
    assert client.get(queue_url(world, category="member_state", page="3")).status_code == 404


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"provision": "abc"}, "not a valid provision"),
        ({"provision": "999999"}, "not part of the text"),
        ({"category": "martian"}, "not a valid organisation category"),
        ({"group": "north"}, "not a valid regional group"),
        ({"position": "maybe"}, "not a valid position"),
        ({"status": "lost"}, "not a valid moderation status"),
        ({"theme": "x"}, "not a valid theme"),
        ({"theme": "424242"}, "does not belong"),
        ({"reviewer": "someone"}, "not a valid reviewer"),
        ({"reviewer": "424242"}, "reviewer does not exist"),
        ({"verification": "maybe"}, "not a valid verification status"),
        ({"channel": "pigeon"}, "not a valid channel"),
        ({"sort": "random"}, "not a valid sort order"),
        ({"page": "0"}, "not a valid page number"),
        ({"page": "-1"}, "not a valid page number"),
        ({"page": "two"}, "not a valid page number"),
        ({"q": "x" * 201}, "too long"),
    ],
)
def test_invalid_parameters_are_400_with_a_message(client, world, args, message):
    login(client, world.secretariat)
    response = client.get(queue_url(world, **args))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_provision_of_another_version_is_refused(client, world):
    other = make_consultation()
    foreign = db.session.scalars(
        select(Comment.provision_id).limit(1)
    ).first() or other.version.provisions[0].id
    login(client, world.secretariat)
    response = client.get(queue_url(world, provision=str(foreign)))
    assert response.status_code == 400


def test_reviewer_filter_refuses_a_contributor_id(client, world):
    login(client, world.secretariat)
    response = client.get(queue_url(world, reviewer=str(world.contributor.id)))
    assert response.status_code == 400


def _fill(world: ReviewWorld, n: int, theme: Theme, start: int = 0) -> None:
    orgs = [make_org(f"Org {start + i}") for i in range(n)]
    for i, org in enumerate(orgs):
        submission = make_submission(world.consultation, org)
        comment = make_comment(
            submission,
            world.provisions[i % len(world.provisions)],
            f"Comment number {i}",
            assigned_to=world.colleague if i % 2 else None,
        )
        db.session.execute(
            comment_themes.insert().values(comment_id=comment.id, theme_id=theme.id)
        )
        if i % 3 == 0:
            db.session.add(
                Disposition(
                    comment_id=comment.id,
                    outcome=Outcome.ACCEPTED,
                    public_explanation="Accepted.",
                    decided_by_id=world.secretariat.id,
                    decided_at=utcnow(),
                )
            )
    db.session.flush()


@pytest.mark.parametrize("args", [{}, {"q": "comment", "sort": "organisation"}])
def test_query_count_is_constant(client, world, args):
    theme = Theme(consultation_id=world.consultation.id, name="T", active=True)
    db.session.add(theme)
    db.session.flush()
    _fill(world, 5, theme)
    login(client, world.secretariat)
    client.get(queue_url(world, **args))  # warm up
    response, few = count_queries(lambda: client.get(queue_url(world, **args)))
    assert len(row_ids(response.get_data(as_text=True))) == 5
    _fill(world, 55, theme, start=5)
    db.session.commit()
    response, many = count_queries(lambda: client.get(queue_url(world, **args)))
    assert len(row_ids(response.get_data(as_text=True))) == 50
    assert many == few


def test_count_needs_no_join_without_filters(client, world, filled):
    from flask_sqlalchemy.record_queries import get_recorded_queries

    login(client, world.secretariat)
    start = len(get_recorded_queries())
    client.get(queue_url(world))
    counts = [
        q.statement for q in get_recorded_queries()[start:] if "count(" in q.statement.lower()
    ]
    assert len(counts) == 1
    assert " JOIN " not in counts[0].upper()


def test_free_text_search_can_use_the_trigram_indexes(client, world, filled):
    """On PostgreSQL the queue searches with ILIKE on the bare columns, a predicate that
    pg_trgm's GIN indexes answer (checked with sequential scans off: the tables are tiny)."""
    from flask_sqlalchemy.record_queries import get_recorded_queries

    if db.engine.dialect.name != "postgresql":
        pytest.skip("trigram indexes exist on PostgreSQL only")
    login(client, world.secretariat)
    start = len(get_recorded_queries())
    assert get_rows(client, world, q="safe climate") == [filled["ngo_art1"].id]
    statements = " ".join(q.statement for q in get_recorded_queries()[start:])
    with db.engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        for column in ("body", "proposed_wording", "rationale"):
            assert f"comments.{column} ILIKE" in statements
            plan = "\n".join(
                row[0] for row in conn.exec_driver_sql(
                    f"EXPLAIN SELECT id FROM comments WHERE {column} ILIKE %(p)s",
                    {"p": "%safe climate%"},
                )
            )
            assert f"ix_comments_{column}_trgm" in plan, plan


# --- bulk actions ----------------------------------------------------------------------


def bulk(client, world: ReviewWorld, comment_ids: list[int], action: str, **extra):
    data = {"comment_ids": [str(i) for i in comment_ids], "action": action, **extra}
    return client.post(f"/review/{world.consultation.id}/queue", data=data)


def reload(comment: Comment) -> Comment:
    db.session.expire_all()
    return db.session.get(Comment, comment.id)


def test_bulk_publish_updates_status_public_flag_and_audit(client, world, filled):
    login(client, world.secretariat)
    targets = [filled["state_art1"], filled["ngo_art1"], filled["state_art2"]]
    response = bulk(client, world, [c.id for c in targets], "publish",
                    back="category=member_state&evil=1")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/review/{world.consultation.id}/queue?category=member_state"
    )
    for comment in targets:
        comment = reload(comment)
        assert comment.moderation_status is ModerationStatus.PUBLISHED
        assert comment.is_public is True
    assert reload(filled["ngo_art1"]).moderated_by_id == world.secretariat.id
    entries = audit_entries("publish_comment")
    # The already published comment did not change and has no entry.
    assert {e.object_id for e in entries} == ids(filled, "state_art1", "ngo_art1")
    assert all(e.before["moderation_status"] == "pending" for e in entries)
    assert all(e.after["moderation_status"] == "published" for e in entries)
    assert verify_chain() == []


def test_bulk_publish_is_one_update(client, world, filled):
    from flask_sqlalchemy.record_queries import get_recorded_queries

    login(client, world.secretariat)
    start = len(get_recorded_queries())
    bulk(client, world, sorted(ids(filled, *ALL)), "publish")
    updates = [
        q.statement for q in get_recorded_queries()[start:]
        if q.statement.upper().startswith("UPDATE COMMENTS")
    ]
    # One for the status, one for the public flags: not one per comment.
    assert len(updates) == 2


def test_bulk_withhold_with_reason(client, world, filled):
    login(client, world.secretariat)
    targets = [filled["state_art1"], filled["business_art3"]]
    response = bulk(client, world, [c.id for c in targets], "withhold", reason="off_topic",
                    note="Not about the text.")
    assert response.status_code == 302
    for comment in targets:
        comment = reload(comment)
        assert comment.moderation_status is ModerationStatus.WITHHELD
        assert comment.withheld_reason == "off_topic"
        assert comment.is_public is False
    entries = audit_entries("withhold_comment")
    assert len(entries) == 2
    assert entries[0].after == {
        "moderation_status": "withheld",
        "withheld_reason": "off_topic",
        "note": "Not about the text.",
    }


def test_bulk_withhold_without_reason_is_400_and_changes_nothing(client, world, filled):
    login(client, world.secretariat)
    response = bulk(client, world, [filled["state_art1"].id], "withhold", reason="")
    assert response.status_code == 400
    assert "Choose why the comments are withheld." in response.get_data(as_text=True)
    assert reload(filled["state_art1"]).moderation_status is ModerationStatus.PENDING
    assert audit_entries("withhold_comment") == []
    response = bulk(client, world, [filled["state_art1"].id], "withhold", reason="boring")
    assert response.status_code == 400


def test_bulk_without_selection_is_400(client, world, filled):
    login(client, world.secretariat)
    response = bulk(client, world, [], "publish")
    assert response.status_code == 400
    assert "Select at least one comment." in response.get_data(as_text=True)
    response = bulk(client, world, ["abc"], "publish")  # type: ignore[list-item]
    assert response.status_code == 400


def test_bulk_refuses_comments_outside_the_queue(client, world, filled):
    draft_comment = db.session.scalars(
        select(Comment).where(Comment.body == "A draft comment nobody submitted.")
    ).one()
    login(client, world.secretariat)
    response = bulk(client, world, [filled["state_art1"].id, draft_comment.id], "publish")
    assert response.status_code == 400
    assert "Nothing was changed" in response.get_data(as_text=True)
    assert reload(filled["state_art1"]).moderation_status is ModerationStatus.PENDING


def test_bulk_tag_and_untag(client, world, filled):
    theme = filled["theme"]
    login(client, world.secretariat)
    targets = sorted(ids(filled, "state_art1", "ngo_art1"))
    response = bulk(client, world, targets, "tag", theme_id=str(theme.id))
    assert response.status_code == 302
    tagged = set(db.session.scalars(
        select(comment_themes.c.comment_id).where(comment_themes.c.theme_id == theme.id)
    ))
    assert tagged == set(targets)
    # ngo_art1 already carried it: one new tag, one audit entry.
    entries = audit_entries("tag_comment")
    assert [e.object_id for e in entries] == [filled["state_art1"].id]
    assert entries[0].after == {"themes": ["Development"]}

    response = bulk(client, world, targets, "untag", theme_id=str(theme.id))
    assert response.status_code == 302
    assert not set(db.session.scalars(select(comment_themes.c.comment_id)))
    assert len(audit_entries("untag_comment")) == 2


def test_bulk_tag_requires_a_theme_of_this_consultation(client, world, filled):
    other = make_consultation(version=world.consultation.version)
    foreign = Theme(consultation_id=other.id, name="Elsewhere", active=True)
    db.session.add(foreign)
    db.session.flush()
    login(client, world.secretariat)
    assert bulk(client, world, [filled["state_art1"].id], "tag").status_code == 400
    response = bulk(client, world, [filled["state_art1"].id], "tag", theme_id=str(foreign.id))
    assert response.status_code == 400


def test_bulk_assign_and_unassign(client, world, filled):
    login(client, world.secretariat)
    targets = sorted(ids(filled, "state_art1", "business_art3"))
    response = bulk(client, world, targets, "assign", reviewer_id=str(world.colleague.id))
    assert response.status_code == 302
    assert set(get_rows(client, world, reviewer=str(world.colleague.id))) == set(targets) | ids(
        filled, "ngo_art1"
    )
    entries = audit_entries("assign_comment")
    assert {e.object_id for e in entries} == set(targets)
    assert entries[0].after == {"assigned_to_id": world.colleague.id}
    response = bulk(client, world, targets, "assign", reviewer_id="")
    assert response.status_code == 302
    assert reload(filled["state_art1"]).assigned_to_id is None
    # Only the secretariat reviews.
    response = bulk(client, world, targets, "assign", reviewer_id=str(world.contributor.id))
    assert response.status_code == 400


def test_bulk_return_to_pending(client, world, filled):
    login(client, world.secretariat)
    response = bulk(client, world, [filled["state_art2"].id], "pending")
    assert response.status_code == 302
    comment = reload(filled["state_art2"])
    assert comment.moderation_status is ModerationStatus.PENDING
    assert comment.is_public is False


# --- bulk actions through the queue as it renders (untouched selects left as they are) -


def submit_queue(client, world: ReviewWorld, comment_ids: list[int], action: str,
                 **values: str) -> Browser:
    """Tick the comments on the rendered queue and press the button of ``action``."""
    browser = Browser(client).get(queue_url(world))
    assert browser.status == 200
    action_url = f"/review/{world.consultation.id}/queue"
    form = next(f for f in browser.forms if f.method == "post" and f.action == action_url)
    assert set(map(str, comment_ids)) <= set(form.selects["comment_ids"])
    assert ("action", action) in form.buttons, form.buttons
    browser.submit(form, comment_ids=[str(i) for i in comment_ids], action=action, **values)
    assert "could not coerce" not in browser.html
    return browser


def test_rendered_bulk_publish_pending_and_withhold_need_only_their_fields(
    client, world, filled
):
    login(client, world.secretariat)
    targets = sorted(ids(filled, "state_art1", "business_art3"))
    browser = submit_queue(client, world, targets, "publish")
    assert browser.status == 200, browser.html
    assert all(reload(filled[n]).moderation_status is ModerationStatus.PUBLISHED
               for n in ("state_art1", "business_art3"))

    browser = submit_queue(client, world, targets, "pending")
    assert browser.status == 200, browser.html
    assert all(reload(filled[n]).moderation_status is ModerationStatus.PENDING
               for n in ("state_art1", "business_art3"))

    browser = submit_queue(client, world, targets, "withhold")  # no reason chosen
    assert browser.status == 400
    assert "Choose why the comments are withheld." in browser.html
    assert reload(filled["state_art1"]).moderation_status is ModerationStatus.PENDING

    browser = submit_queue(client, world, targets, "withhold", reason="spam", note="Bot.")
    assert browser.status == 200, browser.html
    comment = reload(filled["state_art1"])
    assert comment.moderation_status is ModerationStatus.WITHHELD
    assert comment.withheld_reason == "spam"


def test_rendered_bulk_tag_untag_need_only_a_theme(client, world, filled):
    theme = filled["theme"]
    login(client, world.secretariat)
    targets = sorted(ids(filled, "state_art1", "business_art3"))
    browser = submit_queue(client, world, targets, "tag")  # no theme chosen
    assert browser.status == 400
    assert "Choose a theme." in browser.html

    browser = submit_queue(client, world, targets, "tag", theme_id=str(theme.id))
    assert browser.status == 200, browser.html
    tagged = set(db.session.scalars(
        select(comment_themes.c.comment_id).where(comment_themes.c.theme_id == theme.id)
    ))
    assert set(targets) <= tagged

    browser = submit_queue(client, world, targets, "untag", theme_id=str(theme.id))
    assert browser.status == 200, browser.html
    tagged = set(db.session.scalars(
        select(comment_themes.c.comment_id).where(comment_themes.c.theme_id == theme.id)
    ))
    assert not set(targets) & tagged


def test_rendered_bulk_assign_and_unassign_need_no_theme(client, world, filled):
    login(client, world.secretariat)
    targets = sorted(ids(filled, "state_art1", "ngo_art1"))
    browser = submit_queue(client, world, targets, "assign",
                           reviewer_id=str(world.secretariat.id))
    assert browser.status == 200, browser.html
    assert {reload(filled[n]).assigned_to_id for n in ("state_art1", "ngo_art1")} == {
        world.secretariat.id
    }

    # Unassign ignores whatever the reviewer select holds.
    browser = submit_queue(client, world, targets, "unassign",
                           reviewer_id=str(world.colleague.id))
    assert browser.status == 200, browser.html
    assert {reload(filled[n]).assigned_to_id for n in ("state_art1", "ngo_art1")} == {None}
    entries = audit_entries("assign_comment")
    assert entries[-1].after == {"assigned_to_id": None}


def test_a_stale_value_in_an_unused_select_does_not_block_another_action(
    client, world, filled
):
    login(client, world.secretariat)
    response = bulk(client, world, [filled["state_art1"].id], "publish",
                    theme_id="None", reviewer_id="None", reason="boring")
    assert response.status_code == 302
    assert reload(filled["state_art1"]).moderation_status is ModerationStatus.PUBLISHED


def test_the_single_comment_assign_form_can_unassign_as_rendered(client, world, filled):
    comment = filled["ngo_art1"]  # assigned to the colleague
    login(client, world.secretariat)
    browser = Browser(client).get(f"/review/comments/{comment.id}")
    form = browser.form(f"/review/comments/{comment.id}/assign")
    nobody = form.selects["assign-reviewer_id"][0]  # the first option, as rendered
    browser.submit(form, **{"assign-reviewer_id": nobody})
    assert browser.status == 200, browser.html
    assert reload(comment).assigned_to_id is None


# --- permissions -----------------------------------------------------------------------


def _routes(world: ReviewWorld, comment: Comment, theme: Theme) -> list[tuple[str, str]]:
    c = world.consultation.id
    p = world.provisions[0].id
    return [
        ("GET", f"/review/{c}/queue"),
        ("POST", f"/review/{c}/queue"),
        ("GET", f"/review/comments/{comment.id}"),
        ("POST", f"/review/comments/{comment.id}/publish"),
        ("POST", f"/review/comments/{comment.id}/pending"),
        ("POST", f"/review/comments/{comment.id}/withhold"),
        ("POST", f"/review/comments/{comment.id}/redact"),
        ("POST", f"/review/comments/{comment.id}/unredact"),
        ("POST", f"/review/comments/{comment.id}/themes"),
        ("POST", f"/review/comments/{comment.id}/themes/{theme.id}/remove"),
        ("POST", f"/review/comments/{comment.id}/assign"),
        ("GET", f"/review/{c}/themes"),
        ("POST", f"/review/{c}/themes"),
        ("POST", f"/review/themes/{theme.id}/rename"),
        ("POST", f"/review/themes/{theme.id}/deactivate"),
        ("POST", f"/review/themes/{theme.id}/activate"),
        ("GET", f"/review/{c}/assignments"),
        ("POST", f"/review/{c}/assignments/{p}"),
    ]


def test_contributor_gets_403_everywhere(client, world, filled):
    comment = filled["state_art1"]  # the contributor's own organisation's comment
    login(client, world.contributor)
    for method, url in _routes(world, comment, filled["theme"]):
        data = {"comment_ids": [str(comment.id)], "action": "publish", "reason": "spam",
                "redact-redacted_body": "x", "redact-reason": "y", "name": "Hack",
                f"t{filled['theme'].id}-name": "Hack"}
        response = client.open(url, method=method, data=data if method == "POST" else None)
        assert response.status_code == 403, (method, url, response.status_code)
    assert reload(comment).moderation_status is ModerationStatus.PENDING
    assert db.session.scalars(select(Theme).where(Theme.name == "Hack")).first() is None


def test_anonymous_is_sent_to_sign_in(client, world, filled):
    for method, url in _routes(world, filled["state_art1"], filled["theme"]):
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert "/accounts/login" in response.headers["Location"] or "login" in response.headers[
            "Location"
        ]


def test_admin_may_review(client, world, filled):
    admin = make_user(role=Role.ADMIN)
    login(client, admin)
    assert client.get(queue_url(world)).status_code == 200


def test_unknown_consultation_is_404(client, world):
    login(client, world.secretariat)
    assert client.get("/review/999999/queue").status_code == 404


def test_bulk_post_without_csrf_token_is_refused(csrf_app, world, filled):
    client = csrf_app.test_client()
    login(client, world.secretariat)
    response = bulk(client, world, [filled["state_art1"].id], "publish")
    assert response.status_code == 400
    assert reload(filled["state_art1"]).moderation_status is ModerationStatus.PENDING
    # With the token from the page it works.
    page = client.get(queue_url(world)).get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token
    response = client.post(
        f"/review/{world.consultation.id}/queue",
        data={"comment_ids": [str(filled["state_art1"].id)], "action": "publish",
              "csrf_token": token.group(1)},
    )
    assert response.status_code == 302


def test_consultation_page_links_for_the_secretariat_only(client, world):
    c = world.consultation.id
    login(client, world.secretariat)
    html = client.get(f"/consultations/{c}").get_data(as_text=True)
    assert f"/review/{c}/queue" in html and f"/review/{c}/themes" in html
    assert f"/review/{c}/assignments" in html
    login(client, world.contributor)
    html = client.get(f"/consultations/{c}").get_data(as_text=True)
    assert "/review/" not in html
