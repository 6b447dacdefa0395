from __future__ import annotations

from sqlalchemy import func, select

from consult_app.accounts.models import Role, User
from consult_app.core.audit import AuditEntry
from consult_app.extensions import db
from tests.conftest import make_org, make_user

PASSWORD = "command line password"


def _users():
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(User))


def _invoke(app, *args, **kwargs):
    return app.test_cli_runner().invoke(args=["users", *args], **kwargs)


def test_create_admin_with_password(app):
    result = _invoke(
        app,
        "create",
        "--email",
        "Boss@Example.org",
        "--name",
        "The Boss",
        "--role",
        "admin",
        "--password",
        PASSWORD,
    )
    assert result.exit_code == 0, result.output
    assert "Created admin boss@example.org" in result.output
    db.session.expire_all()
    user = db.session.scalar(select(User))
    assert user.role is Role.ADMIN and user.organisation_id is None
    assert user.check_password(PASSWORD) and PASSWORD not in user.password_hash
    assert db.session.scalar(select(AuditEntry.action)) == "create_user"


def test_create_contributor_for_existing_organisation(app):
    org = make_org("Network of Testers")
    db.session.commit()
    result = _invoke(
        app,
        "create",
        "--email",
        "c@example.org",
        "--name",
        "C",
        "--role",
        "contributor",
        "--organisation",
        "network of testers",
        "--password",
        PASSWORD,
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(select(User)).organisation_id == org.id


def test_create_prompts_for_password_twice(app):
    result = _invoke(
        app,
        "create",
        "--email",
        "p@example.org",
        "--name",
        "P",
        "--role",
        "secretariat",
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(select(User)).check_password(PASSWORD)


def test_create_prompt_mismatch_asks_again(app):
    result = _invoke(
        app,
        "create",
        "--email",
        "p@example.org",
        "--name",
        "P",
        "--role",
        "secretariat",
        input=f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "The two entered values do not match." in result.output


def test_contributor_needs_organisation(app):
    result = _invoke(
        app,
        "create",
        "--email",
        "c@example.org",
        "--name",
        "C",
        "--role",
        "contributor",
        "--password",
        PASSWORD,
    )
    assert result.exit_code != 0
    assert "needs --organisation" in result.output
    assert _users() == 0


def test_unknown_organisation(app):
    result = _invoke(
        app,
        "create",
        "--email",
        "c@example.org",
        "--name",
        "C",
        "--organisation",
        "Nowhere",
        "--password",
        PASSWORD,
    )
    assert result.exit_code != 0
    assert "No organisation is named 'Nowhere'" in result.output
    assert _users() == 0


def test_duplicate_email(app):
    make_user(role=Role.ADMIN, email="dup@example.org")
    db.session.commit()
    result = _invoke(
        app,
        "create",
        "--email",
        "DUP@example.org",
        "--name",
        "D",
        "--role",
        "admin",
        "--password",
        PASSWORD,
    )
    assert result.exit_code != 0
    assert "already exists" in result.output
    assert _users() == 1


def test_bad_role_email_and_password(app):
    result = _invoke(
        app,
        "create",
        "--email",
        "x@example.org",
        "--name",
        "X",
        "--role",
        "king",
        "--password",
        PASSWORD,
    )
    assert result.exit_code != 0 and "Invalid value for '--role'" in result.output
    result = _invoke(
        app,
        "create",
        "--email",
        "not an email",
        "--name",
        "X",
        "--role",
        "admin",
        "--password",
        PASSWORD,
    )
    assert result.exit_code != 0 and "not a valid e-mail address" in result.output
    result = _invoke(
        app,
        "create",
        "--email",
        "x@example.org",
        "--name",
        "X",
        "--role",
        "admin",
        "--password",
        "short",
    )
    assert result.exit_code != 0 and "10 to 200 characters" in result.output
    assert _users() == 0


def test_list(app):
    org = make_org("Listed Org")
    make_user(email="a@example.org", organisation=org)
    inactive = make_user(role=Role.SECRETARIAT, email="b@example.org")
    inactive.active = False
    db.session.commit()
    result = _invoke(app, "list")
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert lines == [
        "a@example.org\tcontributor\tListed Org\tactive",
        "b@example.org\tsecretariat\t-\tinactive",
    ]
    result = _invoke(app, "list", "--role", "secretariat")
    assert result.output.strip() == "b@example.org\tsecretariat\t-\tinactive"


def test_list_empty(app):
    result = _invoke(app, "list")
    assert result.exit_code == 0 and "No accounts." in result.output
