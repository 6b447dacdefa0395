from __future__ import annotations

import pytest
from sqlalchemy import event, select

from consult_app.accounts.models import OrgCategory, RegionalGroup, Role, User
from consult_app.core.audit import AuditEntry
from consult_app.extensions import db
from tests.conftest import login, make_org, make_user


def _reload(user):
    db.session.expire_all()
    return db.session.get(User, user.id)


@pytest.fixture
def admin(client):
    user = make_user(role=Role.ADMIN, email="admin@example.org")
    login(client, user)
    return user


class QueryCounter:
    def __init__(self, engine):
        self.engine = engine
        self.count = 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args, **kwargs):
        self.count += 1


# --- permissions ---------------------------------------------------------------------------

ADMIN_GETS = ["/admin/users"]
ADMIN_POSTS = [
    "/admin/users/{id}/role",
    "/admin/users/{id}/deactivate",
    "/admin/users/{id}/activate",
]


@pytest.mark.parametrize("path", [*ADMIN_GETS, "/admin/organisations"])
def test_anonymous_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ADMIN_POSTS)
def test_anonymous_cannot_post(client, path):
    target = make_user(email="target@example.org")
    db.session.commit()
    response = client.post(path.format(id=target.id), data={"role": "admin"})
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]
    assert _reload(target).role is Role.CONTRIBUTOR


@pytest.mark.parametrize("role", [Role.CONTRIBUTOR, Role.SECRETARIAT])
def test_non_admins_refused_on_account_pages(client, role):
    login(client, make_user(role=role))
    assert client.get("/admin/users").status_code == 403
    target = make_user(email="target@example.org")
    db.session.commit()
    assert client.post(f"/admin/users/{target.id}/role", data={"role": "admin"}).status_code == 403
    assert client.post(f"/admin/users/{target.id}/deactivate").status_code == 403
    target = _reload(target)
    assert target.role is Role.CONTRIBUTOR and target.active


def test_contributor_refused_on_organisations(client):
    login(client, make_user())
    assert client.get("/admin/organisations").status_code == 403


# --- list ---------------------------------------------------------------------------------


def test_user_list_shows_users_with_organisation(client, admin):
    org = make_org("Solidarity Network")
    make_user(email="ana@example.org", organisation=org)
    make_user(role=Role.SECRETARIAT, email="sec@example.org")
    db.session.commit()
    response = client.get("/admin/users")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "ana@example.org" in text and "Solidarity Network" in text
    assert "sec@example.org" in text
    assert "3 accounts" in text


def test_user_list_has_no_n_plus_one(client, admin, app):
    for n in range(3):
        make_user(organisation=make_org(f"Org {n}"))
    db.session.commit()
    with app.app_context(), QueryCounter(db.engine) as few:
        client.get("/admin/users")
    for n in range(3, 15):
        make_user(organisation=make_org(f"Org {n}"))
    db.session.commit()
    with app.app_context(), QueryCounter(db.engine) as many:
        response = client.get("/admin/users")
    assert response.status_code == 200
    assert many.count == few.count


def test_user_list_filters(client, admin):
    org = make_org("Coalition for Testing")
    make_user(email="contrib@example.org", organisation=org)
    make_user(role=Role.SECRETARIAT, email="staff@example.org")
    db.session.commit()
    text = client.get("/admin/users?role=secretariat").get_data(as_text=True)
    assert "staff@example.org" in text and "contrib@example.org" not in text
    text = client.get("/admin/users?q=coalition").get_data(as_text=True)
    assert "contrib@example.org" in text and "staff@example.org" not in text
    text = client.get("/admin/users?q=STAFF@").get_data(as_text=True)
    assert "staff@example.org" in text and "contrib@example.org" not in text
    # LIKE wildcards are taken literally.
    text = client.get("/admin/users?q=%25").get_data(as_text=True)
    assert "No account matches." in text


def test_user_list_bad_filter_values(client, admin):
    response = client.get("/admin/users?role=emperor")
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert client.get("/admin/users?page=abc").status_code == 404
    assert client.get("/admin/users?page=999").status_code == 404


def test_user_list_paginates(client, admin, app):
    saved = app.config["PER_PAGE"]
    app.config["PER_PAGE"] = 2
    try:
        for n in range(4):
            make_user(email=f"u{n}@example.org")
        db.session.commit()
        first = client.get("/admin/users").get_data(as_text=True)
        assert "Page 1 of 3" in first
        assert client.get("/admin/users?page=3").status_code == 200
        assert client.get("/admin/users?page=4").status_code == 404
    finally:
        app.config["PER_PAGE"] = saved


# --- role ---------------------------------------------------------------------------------


def test_change_role(client, admin):
    target = make_user(email="target@example.org")
    db.session.commit()
    response = client.post(
        f"/admin/users/{target.id}/role",
        data={"role": "secretariat", "next": "/admin/users?q=target"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/users?q=target"
    assert _reload(target).role is Role.SECRETARIAT
    entry = db.session.scalar(select(AuditEntry))
    assert (entry.action, entry.actor_id, entry.object_id) == ("change_role", admin.id, target.id)
    assert entry.before == {"role": "contributor"} and entry.after == {"role": "secretariat"}


def test_change_role_next_must_be_local(client, admin):
    target = make_user()
    db.session.commit()
    response = client.post(
        f"/admin/users/{target.id}/role", data={"role": "admin", "next": "//evil.example.org"}
    )
    assert response.headers["Location"] == "/admin/users"


def test_contributor_role_needs_organisation(client, admin):
    target = make_user(role=Role.SECRETARIAT)
    db.session.commit()
    response = client.post(f"/admin/users/{target.id}/role", data={"role": "contributor"})
    assert response.status_code == 400
    assert b"must belong to an organisation" in response.data
    assert _reload(target).role is Role.SECRETARIAT
    assert db.session.scalar(select(AuditEntry)) is None


def test_invalid_role_refused(client, admin):
    target = make_user()
    db.session.commit()
    assert (
        client.post(f"/admin/users/{target.id}/role", data={"role": "overlord"}).status_code == 400
    )
    assert client.post(f"/admin/users/{target.id}/role", data={}).status_code == 400
    assert _reload(target).role is Role.CONTRIBUTOR


def test_unknown_user_is_404(client, admin):
    assert client.post("/admin/users/999999/role", data={"role": "admin"}).status_code == 404
    assert client.post("/admin/users/999999/deactivate").status_code == 404
    assert client.post("/admin/users/abc/deactivate").status_code == 404


def test_admin_cannot_demote_self(client, admin):
    response = client.post(f"/admin/users/{admin.id}/role", data={"role": "contributor"})
    assert response.status_code == 403
    response = client.post(f"/admin/users/{admin.id}/role", data={"role": "secretariat"})
    assert response.status_code == 403
    assert _reload(admin).role is Role.ADMIN


# --- activation ---------------------------------------------------------------------------


def test_deactivate_and_activate(client, admin):
    target = make_user()
    db.session.commit()
    assert client.post(f"/admin/users/{target.id}/deactivate").status_code == 302
    assert _reload(target).active is False
    assert client.post(f"/admin/users/{target.id}/activate").status_code == 302
    assert _reload(target).active is True
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["deactivate_user", "revoke_sessions", "activate_user"]
    assert entries[0].before == {"active": True} and entries[0].after == {"active": False}


def test_admin_cannot_deactivate_self(client, admin):
    response = client.post(f"/admin/users/{admin.id}/deactivate")
    assert response.status_code == 403
    assert _reload(admin).active is True


def test_admin_posts_need_csrf(csrf_app):
    client = csrf_app.test_client()
    admin = make_user(role=Role.ADMIN)
    target = make_user()
    login(client, admin)
    assert client.post(f"/admin/users/{target.id}/role", data={"role": "admin"}).status_code == 400
    assert client.post(f"/admin/users/{target.id}/deactivate").status_code == 400
    target = _reload(target)
    assert target.role is Role.CONTRIBUTOR and target.active


def test_admin_list_forms_carry_csrf(csrf_app):
    client = csrf_app.test_client()
    admin = make_user(role=Role.ADMIN)
    target = make_user(email="target@example.org")
    login(client, admin)
    page = client.get("/admin/users").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/admin/users/{target.id}/deactivate", data={"csrf_token": token})
    assert response.status_code == 302
    assert _reload(target).active is False


# --- organisations ------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.SECRETARIAT, Role.ADMIN])
def test_organisation_list_for_secretariat(client, role):
    login(client, make_user(role=role))
    make_org("Republic of Testland", category=OrgCategory.MEMBER_STATE, group=RegionalGroup.AFRICAN)
    make_org("Pending Coalition", verified=False)
    db.session.commit()
    response = client.get("/admin/organisations")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Republic of Testland" in text and "African States" in text and "Member State" in text
    assert "Pending Coalition" in text and "Awaiting verification" in text
    # Read-only: no form that posts.
    assert 'method="post" action="/admin' not in text


def test_organisation_list_filters(client):
    login(client, make_user(role=Role.SECRETARIAT))
    make_org("Republic of Testland", category=OrgCategory.MEMBER_STATE)
    make_org("Pending Coalition", verified=False)
    db.session.commit()
    text = client.get("/admin/organisations?status=pending").get_data(as_text=True)
    assert "Pending Coalition" in text and "Republic of Testland" not in text
    text = client.get("/admin/organisations?category=member_state").get_data(as_text=True)
    assert "Republic of Testland" in text and "Pending Coalition" not in text
    text = client.get("/admin/organisations?q=testland").get_data(as_text=True)
    assert "Republic of Testland" in text and "Pending Coalition" not in text
    response = client.get("/admin/organisations?status=sideways&category=nope")
    assert response.status_code == 200
