"""`flask review duplicates`: JSON shape, saving or not, errors and exit codes."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from consult_app.extensions import db
from consult_app.review import grouping
from consult_app.review.models import DuplicateGroup, GroupStatus
from tests.review.test_grouping import World, audit, build_world


@pytest.fixture
def world() -> World:
    return build_world()


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=["review", "duplicates", *args])


def stored_groups() -> list[DuplicateGroup]:
    db.session.expire_all()
    return list(db.session.scalars(select(DuplicateGroup).order_by(DuplicateGroup.id)))


def test_json_output_and_groups_saved(app, world: World) -> None:
    result = run(app, "--consultation", str(world.consultation.id), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"consultation", "threshold", "groups", "comments_scanned"}
    assert data["consultation"] == world.consultation.id
    assert data["threshold"] == 0.6
    assert data["comments_scanned"] == 12
    campaign, pasted = data["groups"]
    assert set(campaign) == {
        "id", "kind", "status", "size", "organisations", "similarity",
        "representative_comment_id", "comment_ids",
    }
    assert campaign["kind"] == "campaign" and campaign["status"] == "suggested"
    assert campaign["size"] == 6 and campaign["organisations"] == 6
    assert campaign["comment_ids"] == sorted(c.id for c in world.campaign)
    assert campaign["representative_comment_id"] == world.campaign[-1].id
    assert 0.6 <= campaign["similarity"] <= 1.0
    assert pasted["kind"] == "duplicate" and pasted["organisations"] == 1
    # Saved (committed by the command): visible from the test's own session.
    assert sorted(g.id for g in stored_groups()) == sorted([campaign["id"], pasted["id"]])
    [entry] = audit("detect_duplicates")
    assert entry.actor_id is None


def test_no_save_prints_but_stores_nothing(app, world: World) -> None:
    result = run(app, "--consultation", str(world.consultation.id), "--json", "--no-save")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [g["size"] for g in data["groups"]] == [6, 2]
    assert all(g["id"] is None for g in data["groups"])  # never stored: no id
    assert stored_groups() == []
    assert audit("detect_duplicates") == []


def test_reviewed_groups_are_kept_and_printed(app, world: World) -> None:
    grouping.detect_duplicates(world.secretariat, world.consultation)
    campaign = world.group_of(world.campaign[0])
    assert campaign is not None
    grouping.confirm_group(world.secretariat, campaign)
    db.session.commit()
    result = run(app, "--consultation", str(world.consultation.id), "--json", "--no-save")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    confirmed = [g for g in data["groups"] if g["status"] == "confirmed"]
    assert [g["id"] for g in confirmed] == [campaign.id]  # an existing group keeps its id
    assert data["comments_scanned"] == 6  # members of the confirmed group are not read


def test_text_output(app, world: World) -> None:
    result = run(app, "--consultation", str(world.consultation.id), "--threshold", "0.7")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 3
    assert "campaign" in lines[0] and "6 comments" in lines[0]
    assert "12 comments scanned at threshold 0.7" in lines[-1]
    assert len(stored_groups()) == 2
    assert all(g.status is GroupStatus.SUGGESTED for g in stored_groups())


def test_unknown_consultation_is_a_clear_error(app, world: World) -> None:
    result = run(app, "--consultation", "99999", "--json")
    assert result.exit_code == 1
    assert "Consultation 99999 does not exist." in result.output
    assert int(db.session.scalar(select(func.count(DuplicateGroup.id))) or 0) == 0


@pytest.mark.parametrize(
    "args",
    [
        ["--consultation", "abc"],
        [],
        ["--consultation", "1", "--threshold", "0"],
        ["--consultation", "1", "--threshold", "1.5"],
        ["--consultation", "1", "--threshold", "x"],
    ],
)
def test_bad_arguments_exit_with_usage_error(app, world: World, args: list[str]) -> None:
    result = run(app, *args)
    assert result.exit_code == 2
    assert stored_groups() == []
