"""Assignment of provisions and comments to reviewers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from consult_app.core.errors import UserError
from consult_app.extensions import db
from consult_app.review import assignment
from consult_app.review.models import ProvisionAssignment
from consult_app.submissions.models import Comment
from tests.conftest import login, make_consultation, make_user
from tests.review.queue_world import (
    ReviewWorld,
    audit_entries,
    build_world,
    make_comment,
    make_submission,
)


@pytest.fixture
def world() -> ReviewWorld:
    return build_world()


def rows() -> list[ProvisionAssignment]:
    db.session.expire_all()
    return list(db.session.scalars(select(ProvisionAssignment)))


def assigned(comment: Comment) -> int | None:
    db.session.expire_all()
    return db.session.get(Comment, comment.id).assigned_to_id


def test_assign_provision_with_its_unassigned_comments(client, world):
    art1, art2 = world.provisions[2], world.provisions[3]
    free = make_comment(world.submissions["state"], art1)
    taken = make_comment(world.submissions["ngo"], art1, assigned_to=world.secretariat)
    elsewhere = make_comment(world.submissions["business"], art2)
    draft = make_submission(world.consultation, make_user().organisation, submitted=False)
    draft_comment = make_comment(draft, art1)
    login(client, world.secretariat)
    url = f"/review/{world.consultation.id}/assignments/{art1.id}"
    response = client.post(
        url, data={f"p{art1.id}-reviewer_id": str(world.colleague.id),
                   f"p{art1.id}-include_comments": "y"}
    )
    assert response.status_code == 302
    (row,) = rows()
    assert (row.provision_id, row.reviewer_id) == (art1.id, world.colleague.id)
    assert assigned(free) == world.colleague.id
    assert assigned(taken) == world.secretariat.id  # already someone's: kept
    assert assigned(elsewhere) is None
    assert assigned(draft_comment) is None
    assert [e.object_id for e in audit_entries("assign_comment")] == [free.id]
    assert audit_entries("assign_provision")[0].after["reviewer_id"] == world.colleague.id

    page = client.get(f"/review/{world.consultation.id}/assignments").get_data(as_text=True)
    assert "Bob Reviewer" in page


def test_one_reviewer_per_provision(client, world):
    art1 = world.provisions[2]
    comment = make_comment(world.submissions["state"], art1)
    login(client, world.secretariat)
    url = f"/review/{world.consultation.id}/assignments/{art1.id}"
    client.post(url, data={f"p{art1.id}-reviewer_id": str(world.colleague.id)})
    client.post(url, data={f"p{art1.id}-reviewer_id": str(world.secretariat.id)})
    (row,) = rows()
    assert row.reviewer_id == world.secretariat.id
    # Without the box ticked, comments are left as they were.
    assert assigned(comment) is None
    # Nobody: the assignment goes, the audit log remembers it.
    assert client.post(url, data={f"p{art1.id}-reviewer_id": ""}).status_code == 302
    assert rows() == []
    assert len(audit_entries("unassign_provision")) == 1


def test_assign_provision_errors(client, world):
    art1 = world.provisions[2]
    login(client, world.secretariat)
    url = f"/review/{world.consultation.id}/assignments/{art1.id}"
    response = client.post(url, data={f"p{art1.id}-reviewer_id": "nobody"})
    assert response.status_code == 400
    response = client.post(url, data={f"p{art1.id}-reviewer_id": str(world.contributor.id)})
    assert response.status_code == 400
    assert rows() == []
    other = make_consultation()
    foreign = other.version.provisions[0]
    response = client.post(
        f"/review/{world.consultation.id}/assignments/{foreign.id}",
        data={f"p{foreign.id}-reviewer_id": str(world.colleague.id)},
    )
    assert response.status_code == 404


def test_reviewers_are_active_secretariat_members(world):
    inactive = make_user(role=world.secretariat.role)
    inactive.active = False
    names = {u.id for u in assignment.reviewers()}
    assert world.secretariat.id in names and world.colleague.id in names
    assert world.contributor.id not in names and inactive.id not in names
    with pytest.raises(UserError):
        assignment.get_reviewer(world.contributor.id)


def test_assign_comments_operation(world):
    comments = [make_comment(world.submissions["state"], world.provisions[2]) for _ in range(3)]
    assert assignment.assign_comments(world.secretariat, comments, world.colleague) == 3
    assert assignment.assign_comments(world.secretariat, comments, world.colleague) == 0
    assert all(assigned(c) == world.colleague.id for c in comments)
    with pytest.raises(UserError):
        assignment.assign_comments(world.secretariat, comments, world.contributor)


def test_mine_filter_after_assignment(client, world):
    comment = make_comment(world.submissions["state"], world.provisions[2])
    other = make_comment(world.submissions["ngo"], world.provisions[2])
    assignment.assign_comments(world.secretariat, [comment], world.secretariat)
    login(client, world.secretariat)
    html = client.get(
        f"/review/{world.consultation.id}/queue?reviewer=mine"
    ).get_data(as_text=True)
    assert f'id="comment-{comment.id}"' in html and f'id="comment-{other.id}"' not in html


def test_assignments_page_counts(client, world):
    art1 = world.provisions[2]
    make_comment(world.submissions["state"], art1)
    make_comment(world.submissions["ngo"], art1, assigned_to=world.colleague)
    assert assignment.provision_comment_counts(world.consultation) == {art1.id: (2, 1)}


def test_contributor_cannot_assign(client, world):
    art1 = world.provisions[2]
    login(client, world.contributor)
    assert client.get(f"/review/{world.consultation.id}/assignments").status_code == 403
    response = client.post(
        f"/review/{world.consultation.id}/assignments/{art1.id}",
        data={f"p{art1.id}-reviewer_id": str(world.colleague.id)},
    )
    assert response.status_code == 403
    assert rows() == []


def test_assignment_post_without_csrf_is_refused(csrf_app, world):
    art1 = world.provisions[2]
    client = csrf_app.test_client()
    login(client, world.secretariat)
    response = client.post(
        f"/review/{world.consultation.id}/assignments/{art1.id}",
        data={f"p{art1.id}-reviewer_id": str(world.colleague.id)},
    )
    assert response.status_code == 400
    assert rows() == []
