"""Themes: the controlled list per consultation, counts, tagging."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from consult_app.core.audit import AuditEntry
from consult_app.core.errors import UserError
from consult_app.extensions import db
from consult_app.review import themes
from consult_app.review.models import Theme
from consult_app.submissions.models import Comment
from tests.conftest import login, make_consultation
from tests.review.queue_world import ReviewWorld, audit_entries, build_world, make_comment


@pytest.fixture
def world() -> ReviewWorld:
    return build_world()


def all_themes() -> list[Theme]:
    db.session.expire_all()
    return list(db.session.scalars(select(Theme).order_by(Theme.id)))


def test_create_list_and_count(client, world):
    login(client, world.secretariat)
    url = f"/review/{world.consultation.id}/themes"
    response = client.post(url, data={"name": "  Right to   development ", "description": "RTD"})
    assert response.status_code == 302
    (theme,) = all_themes()
    assert theme.name == "Right to development"
    assert theme.consultation_id == world.consultation.id
    assert audit_entries("create_theme")[0].after["name"] == "Right to development"

    comments = [make_comment(world.submissions["state"], world.provisions[2]) for _ in range(3)]
    themes.tag_comments(world.secretariat, comments[:2], theme)
    db.session.commit()
    html = client.get(url).get_data(as_text=True)
    assert "Right to development" in html
    count = re.search(rf'theme={theme.id}">(\d+)</a>', html)
    assert count and count.group(1) == "2"
    assert themes.theme_counts(world.consultation) == {theme.id: 2}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Give the theme a name."),
        ("   ", "Give the theme a name."),
        ("CLIMATE", "already exists"),
        ("x" * 121, "at most 120"),
    ],
)
def test_create_errors(client, world, name, message):
    db.session.add(Theme(consultation_id=world.consultation.id, name="Climate", active=True))
    login(client, world.secretariat)
    response = client.post(f"/review/{world.consultation.id}/themes", data={"name": name})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert [t.name for t in all_themes()] == ["Climate"]


def test_same_name_allowed_in_another_consultation(world):
    other = make_consultation(version=world.consultation.version)
    themes.create_theme(world.secretariat, world.consultation, "Climate")
    themes.create_theme(world.secretariat, other, "Climate")
    assert len(all_themes()) == 2


def test_rename(client, world):
    climate = themes.create_theme(world.secretariat, world.consultation, "Climate")
    themes.create_theme(world.secretariat, world.consultation, "Gender")
    login(client, world.secretariat)
    url = f"/review/themes/{climate.id}/rename"
    response = client.post(url, data={f"t{climate.id}-name": "Climate change"})
    assert response.status_code == 302
    assert all_themes()[0].name == "Climate change"
    (entry,) = audit_entries("rename_theme")
    assert entry.before == {"name": "Climate"} and entry.after == {"name": "Climate change"}

    response = client.post(url, data={f"t{climate.id}-name": "gender"})
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)
    response = client.post(url, data={f"t{climate.id}-name": ""})
    assert response.status_code == 400
    assert all_themes()[0].name == "Climate change"


def test_deactivate_and_reactivate(client, world):
    theme = themes.create_theme(world.secretariat, world.consultation, "Climate")
    comment = make_comment(world.submissions["state"], world.provisions[2])
    themes.tag_comments(world.secretariat, [comment], theme)
    login(client, world.secretariat)
    assert client.post(f"/review/themes/{theme.id}/deactivate").status_code == 302
    theme = all_themes()[0]
    assert theme.active is False
    # Comments keep it; no new tags with it.
    comment = db.session.get(Comment, comment.id)
    assert [t.name for t in comment.themes] == ["Climate"]
    other = make_comment(world.submissions["ngo"], world.provisions[2])
    with pytest.raises(UserError):
        themes.tag_comments(world.secretariat, [other], theme)
    response = client.post(
        f"/review/{world.consultation.id}/queue",
        data={"comment_ids": [str(other.id)], "action": "tag", "theme_id": str(theme.id)},
    )
    assert response.status_code == 400
    assert "no longer in use" in response.get_data(as_text=True)
    # Untagging still works with a deactivated theme.
    response = client.post(
        f"/review/{world.consultation.id}/queue",
        data={"comment_ids": [str(comment.id)], "action": "untag", "theme_id": str(theme.id)},
    )
    assert response.status_code == 302
    assert client.post(f"/review/themes/{theme.id}/activate").status_code == 302
    assert all_themes()[0].active is True
    assert [e.action for e in audit_entries("deactivate_theme")] == ["deactivate_theme"]


def test_unknown_theme_is_404(client, world):
    login(client, world.secretariat)
    assert client.post("/review/themes/999999/rename").status_code == 404


def test_contributor_cannot_manage_themes(client, world):
    theme = themes.create_theme(world.secretariat, world.consultation, "Climate")
    login(client, world.contributor)
    assert client.get(f"/review/{world.consultation.id}/themes").status_code == 403
    assert client.post(
        f"/review/{world.consultation.id}/themes", data={"name": "Mine"}
    ).status_code == 403
    assert client.post(f"/review/themes/{theme.id}/deactivate").status_code == 403
    assert [t.name for t in all_themes()] == ["Climate"] and all_themes()[0].active


def test_theme_post_without_csrf_is_refused(csrf_app, world):
    client = csrf_app.test_client()
    login(client, world.secretariat)
    response = client.post(f"/review/{world.consultation.id}/themes", data={"name": "Climate"})
    assert response.status_code == 400
    assert all_themes() == []


def test_a_theme_is_internal_unless_marked_public_in_the_theme_forms(client, world):
    from tests.browser import Browser

    login(client, world.secretariat)
    url = f"/review/{world.consultation.id}/themes"
    browser = Browser(client).get(url)
    form = browser.form(url)
    browser.submit(form, name="Working label")
    browser.get(url)
    browser.submit(browser.form(url), name="Right to development", public="y")
    assert browser.status == 200, browser.html[:2000]
    themes = {t.name: t for t in db.session.scalars(select(Theme))}
    assert themes["Working label"].public is False
    assert themes["Right to development"].public is True

    # The theme's own form makes it public, and back (audited).
    label = themes["Working label"]
    browser.get(url)
    form = browser.form(f"/review/themes/{label.id}/rename")
    assert f"t{label.id}-public" not in form.fields  # unticked as rendered
    browser.submit(form, **{f"t{label.id}-public": "y"})
    assert browser.status == 200, browser.html[:2000]
    db.session.expire_all()
    assert db.session.get(Theme, label.id).public is True
    browser.get(url)
    form = browser.form(f"/review/themes/{label.id}/rename")
    form.fields.pop(f"t{label.id}-public")  # untick
    browser.submit(form)
    db.session.expire_all()
    assert db.session.get(Theme, label.id).public is False
    actions = [e.action for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_id == label.id).order_by(AuditEntry.id))]
    assert actions.count("set_theme_public") == 2
