"""Pages of duplicate and campaign groups: list, detection, review, answer, permissions."""

from __future__ import annotations

import pytest
from flask_sqlalchemy.record_queries import get_recorded_queries
from sqlalchemy import func, select

from consult_app.extensions import db
from consult_app.review import grouping
from consult_app.review.models import DuplicateGroup, GroupKind, GroupStatus
from tests.conftest import login, make_consultation, make_org, make_user
from tests.review.test_grouping import (
    World,
    add_comment,
    audit,
    build_world,
    letter,
    members,
    submission_for,
)


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def detected(world: World) -> World:
    grouping.detect_duplicates(world.secretariat, world.consultation)
    db.session.commit()
    return world


def campaign_of(world: World) -> DuplicateGroup:
    db.session.expire_all()
    group = world.group_of(world.campaign[0])
    assert group is not None
    return group


def group_count() -> int:
    return int(db.session.scalar(select(func.count(DuplicateGroup.id))) or 0)


# --- the list and detection ------------------------------------------------------------


def test_list_shows_groups_with_figures(client, detected: World) -> None:
    login(client, detected.secretariat)
    response = client.get(f"/review/{detected.consultation.id}/groups")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    group = campaign_of(detected)
    assert f"/review/groups/{group.id}" in html
    assert "Campaign" in html and "Duplicates" in html
    assert "We the undersigned call on the drafters" in html  # the representative text
    assert "flask --app consult_app review duplicates" in html  # large consultations: CLI
    # Filtered by kind and status.
    html = client.get(
        f"/review/{detected.consultation.id}/groups?kind=duplicate&status=suggested"
    ).get_data(as_text=True)
    assert f"/review/groups/{group.id}\"" not in html
    pasted = detected.group_of(detected.duplicates[0])
    assert pasted is not None and f"/review/groups/{pasted.id}" in html


@pytest.mark.parametrize("query", ["kind=nonsense", "status=maybe"])
def test_list_refuses_unknown_filters(client, detected: World, query: str) -> None:
    login(client, detected.secretariat)
    response = client.get(f"/review/{detected.consultation.id}/groups?{query}")
    assert response.status_code == 400
    assert "is not a valid" in response.get_data(as_text=True)


def test_list_page_past_the_end_is_404(client, detected: World) -> None:
    login(client, detected.secretariat)
    assert client.get(f"/review/{detected.consultation.id}/groups?page=9").status_code == 404
    assert client.get(f"/review/{detected.consultation.id}/groups?page=x").status_code == 404


def test_list_query_count_does_not_grow_with_groups(app, client, detected: World) -> None:
    login(client, detected.secretariat)
    url = f"/review/{detected.consultation.id}/groups"

    def count() -> int:
        client.get(url)  # warm-up (session, user)
        before = len(get_recorded_queries())
        assert client.get(url).status_code == 200
        return len(get_recorded_queries()) - before

    few = count()
    for n in range(4):  # four more pairs of pasted texts, from new organisations
        org = make_org(f"Pair {n}")
        submission = submission_for(detected.consultation, org)
        text = f"Unique proposal number {n} " * 3 + "about the scope of article three."
        add_comment(submission, detected.articles[2], text)
        add_comment(submission, detected.articles[1], text)
    grouping.detect_duplicates(detected.secretariat, detected.consultation)
    db.session.commit()
    assert group_count() == 6
    assert count() == few


def test_detect_now_creates_suggestions(client, world: World) -> None:
    login(client, world.secretariat)
    response = client.post(f"/review/{world.consultation.id}/groups/detect", data={})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/review/{world.consultation.id}/groups")
    assert group_count() == 2
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "12 comments compared: 2 groups suggested, of which 1 campaigns." in page


@pytest.mark.parametrize("threshold", ["5", "0.1", "abc"])
def test_detect_validation_errors_change_nothing(client, world: World, threshold: str) -> None:
    login(client, world.secretariat)
    response = client.post(
        f"/review/{world.consultation.id}/groups/detect", data={"threshold": threshold}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Please correct the errors below." in html
    assert group_count() == 0
    assert audit("detect_duplicates") == []


def test_detect_with_a_threshold(client, world: World) -> None:
    login(client, world.secretariat)
    response = client.post(
        f"/review/{world.consultation.id}/groups/detect", data={"threshold": "0.7"}
    )
    assert response.status_code == 302
    [entry] = audit("detect_duplicates")
    assert entry.after is not None and entry.after["threshold"] == 0.7


# --- one group -------------------------------------------------------------------------


def test_group_page_shows_representative_and_redlines(client, detected: World) -> None:
    login(client, detected.secretariat)
    group = campaign_of(detected)
    response = client.get(f"/review/groups/{group.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Representative text" in html
    for comment in detected.campaign:
        assert f'name="comment_ids" value="{comment.id}"' in html
    # Members differ from the representative by their salutation and signature.
    assert "<del>" in html or "<ins>" in html
    assert "The representative text." in html
    assert f'action="/review/groups/{group.id}/confirm"' in html
    assert f'action="/review/groups/{group.id}/split"' in html


def test_unknown_group_is_404(client, detected: World) -> None:
    login(client, detected.secretariat)
    assert client.get("/review/groups/99999").status_code == 404
    assert client.post("/review/groups/99999/confirm").status_code == 404
    assert client.get("/review/99999/groups").status_code == 404


def test_confirm_and_dismiss(client, detected: World) -> None:
    login(client, detected.secretariat)
    group = campaign_of(detected)
    response = client.post(f"/review/groups/{group.id}/confirm")
    assert response.status_code == 302
    assert campaign_of(detected).status is GroupStatus.CONFIRMED
    pasted = detected.group_of(detected.duplicates[0])
    assert pasted is not None
    pasted_id = pasted.id
    response = client.post(f"/review/groups/{pasted_id}/dismiss")
    assert response.status_code == 302
    db.session.expire_all()
    dismissed = db.session.get(DuplicateGroup, pasted_id)
    assert dismissed is not None and dismissed.status is GroupStatus.DISMISSED
    assert detected.group_of(detected.duplicates[0]) is None
    html = client.get(f"/review/groups/{pasted_id}").get_data(as_text=True)
    assert "This group was dismissed" in html


def test_split_selected_members(client, detected: World) -> None:
    login(client, detected.secretariat)
    group = campaign_of(detected)
    taken = [detected.campaign[0].id, detected.campaign[1].id]
    response = client.post(
        f"/review/groups/{group.id}/split", data={"comment_ids": [str(i) for i in taken]}
    )
    assert response.status_code == 302
    group = db.session.get(DuplicateGroup, group.id)
    assert group is not None
    assert group.status is GroupStatus.CONFIRMED and group.size == 4
    assert members(group) == {c.id for c in detected.campaign[2:]}


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        ([], "Select the comments to take out of the group."),
        (["abc"], "Some values are not among the options."),
        (["999999"], "These comments are not in this group"),
        ("five", "At least two comments must stay in the group"),
    ],
)
def test_split_errors_change_nothing(client, detected: World, ids, message: str) -> None:
    login(client, detected.secretariat)
    group = campaign_of(detected)
    if ids == "five":
        ids = [str(c.id) for c in detected.campaign[:5]]
    response = client.post(f"/review/groups/{group.id}/split", data={"comment_ids": ids})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    group = campaign_of(detected)
    assert group.status is GroupStatus.SUGGESTED and group.size == 6
    assert members(group) == {c.id for c in detected.campaign}
    assert audit("split_duplicate_group") == []


def test_answer_the_whole_group(client, detected: World) -> None:
    pytest.importorskip("consult_app.review.dispositions")
    from consult_app.review.models import Disposition, Outcome

    login(client, detected.secretariat)
    group = campaign_of(detected)
    data = {"outcome": "noted", "public_explanation": "Noted with thanks.",
            "internal_note": "Form letter."}
    # Not yet confirmed: refused, nothing recorded.
    response = client.post(f"/review/groups/{group.id}/answer", data=data)
    assert response.status_code == 400
    assert "Confirm the group before answering" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Disposition.id))) == 0

    client.post(f"/review/groups/{group.id}/confirm")
    response = client.post(f"/review/groups/{group.id}/answer", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    stored = list(db.session.scalars(select(Disposition)))
    assert sorted(d.comment_id for d in stored) == sorted(c.id for c in detected.campaign)
    assert all(d.outcome is Outcome.NOTED and d.internal_note == "Form letter." for d in stored)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"outcome": "noted", "public_explanation": ""},
         "Write the public explanation of the disposition."),
        ({"outcome": "bogus", "public_explanation": "Text."}, "Not a valid choice"),
        ({"public_explanation": "Text."}, "Choose an outcome."),
    ],
)
def test_answer_validation_errors_change_nothing(client, detected: World, data, message) -> None:
    pytest.importorskip("consult_app.review.dispositions")
    from consult_app.review.models import Disposition

    login(client, detected.secretariat)
    group = campaign_of(detected)
    client.post(f"/review/groups/{group.id}/confirm")
    response = client.post(f"/review/groups/{group.id}/answer", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Disposition.id))) == 0


# --- permissions and CSRF --------------------------------------------------------------


def _routes(world: World, group: DuplicateGroup) -> list[tuple[str, str, dict]]:
    cid, gid = world.consultation.id, group.id
    return [
        ("GET", f"/review/{cid}/groups", {}),
        ("POST", f"/review/{cid}/groups/detect", {}),
        ("GET", f"/review/groups/{gid}", {}),
        ("POST", f"/review/groups/{gid}/confirm", {}),
        ("POST", f"/review/groups/{gid}/dismiss", {}),
        ("POST", f"/review/groups/{gid}/split", {"comment_ids": [str(world.campaign[0].id)]}),
        ("POST", f"/review/groups/{gid}/answer",
         {"outcome": "noted", "public_explanation": "Hacked."}),
    ]


def test_contributors_get_403_everywhere(client, detected: World) -> None:
    group = campaign_of(detected)
    # A contributor of an organisation that is in the campaign, even.
    insider = make_user(organisation=detected.orgs[0])
    for user in (detected.contributor, insider):
        login(client, user)
        for method, url, data in _routes(detected, group):
            response = client.open(url, method=method, data=data)
            assert response.status_code == 403, (method, url, response.status_code)
    group = campaign_of(detected)
    assert group.status is GroupStatus.SUGGESTED and group.size == 6
    assert audit("confirm_duplicate_group") == audit("dismiss_duplicate_group") == []
    assert len(audit("detect_duplicates")) == 1


def test_anonymous_is_sent_to_sign_in(client, detected: World) -> None:
    group = campaign_of(detected)
    for method, url, data in _routes(detected, group):
        response = client.open(url, method=method, data=data)
        assert response.status_code == 302, (method, url)
        assert "login" in response.headers["Location"]
    assert campaign_of(detected).status is GroupStatus.SUGGESTED


def test_posts_without_csrf_token_are_refused(csrf_app, detected: World) -> None:
    client = csrf_app.test_client()
    login(client, detected.secretariat)
    group = campaign_of(detected)
    for method, url, data in _routes(detected, group):
        if method == "POST":
            response = client.post(url, data=data)
            assert response.status_code == 400, url
    group = campaign_of(detected)
    assert group.status is GroupStatus.SUGGESTED and group.size == 6
    assert len(audit("detect_duplicates")) == 1


def test_consultation_page_links_to_groups_for_the_secretariat(client, detected: World) -> None:
    url = f"/consultations/{detected.consultation.id}"
    login(client, detected.secretariat)
    assert f"/review/{detected.consultation.id}/groups" in client.get(url).get_data(as_text=True)
    login(client, detected.contributor)
    assert f"/review/{detected.consultation.id}/groups" not in client.get(url).get_data(
        as_text=True
    )


def test_groups_of_another_consultation_do_not_mix(client, detected: World) -> None:
    other = make_consultation()
    article = other.version.provisions[0]
    for n in range(3):
        add_comment(submission_for(other, make_org(f"Elsewhere {n}")), article, letter(n))
    grouping.detect_duplicates(detected.secretariat, other)
    db.session.commit()
    login(client, detected.secretariat)
    html = client.get(f"/review/{other.id}/groups").get_data(as_text=True)
    assert html.count('href="/review/groups/') == 1
    assert (
        db.session.scalar(
            select(func.count(DuplicateGroup.id)).where(
                DuplicateGroup.consultation_id == other.id,
                DuplicateGroup.kind == GroupKind.CAMPAIGN,
            )
        )
        == 1
    )
