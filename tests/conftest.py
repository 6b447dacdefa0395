"""Fixtures: one application per test session, a clean database for every test.

The suite runs against SQLite by default and against PostgreSQL when
``TEST_DATABASE_URL`` is set (``.ci/run`` does both).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from consult_app import create_app
from consult_app.accounts.models import (
    Organisation,
    OrgCategory,
    RegionalGroup,
    Role,
    User,
    VerificationStatus,
)
from consult_app.config import normalise_database_url
from consult_app.consultations.models import Consultation, PublicationMode
from consult_app.extensions import db
from consult_app.texts.models import (
    Instrument,
    Paragraph,
    Provision,
    ProvisionKind,
    TextVersion,
    VersionStatus,
)

PASSWORD = "correct horse battery staple"


def database_url(tmp_dir: str) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return normalise_database_url(url)
    return "sqlite:///" + os.path.join(tmp_dir, "test.sqlite")


class Client(FlaskClient):
    """A test client that forgets what is cached on ``g`` between requests.

    Tests keep one application context open, so Flask-Login's per-request cache would
    otherwise return the first user (and Flask-Babel the first language) for every later
    request of the test.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        from flask import g

        g.pop("_login_user", None)
        g.pop("_flask_babel", None)  # Flask-Babel's per-request locale and time zone
        g.pop("csrf_token", None)  # Flask-WTF's token of the previous client's session
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app() -> Iterator[Flask]:
    with tempfile.TemporaryDirectory() as tmp:
        application = create_app(
            "testing",
            SQLALCHEMY_DATABASE_URI=database_url(tmp),
            INSTANCE_PATH=tmp,
        )
        application.test_client_class = Client
        with application.app_context():
            db.drop_all()
            db.create_all()
        yield application
        with application.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


def _clean(application: Flask) -> None:
    with application.app_context():
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                # organisations.verified_by_id -> users and users.organisation_id ->
                # organisations form a cycle: check foreign keys once, at commit.
                conn.execute(text("PRAGMA defer_foreign_keys=ON"))
                for table in tables:
                    conn.execute(table.delete())


@pytest.fixture(autouse=True)
def _db(app: Flask) -> Iterator[None]:
    ctx = app.app_context()
    ctx.push()
    try:
        yield
    finally:
        db.session.rollback()
        ctx.pop()
        _clean(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def csrf_app(app: Flask) -> Iterator[Flask]:
    """The same app with CSRF protection switched on (as in production)."""
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield app
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# --- factories -------------------------------------------------------------------------

_counter = iter(range(1, 10**9))


def make_org(
    name: str | None = None,
    category: OrgCategory = OrgCategory.NGO,
    group: RegionalGroup | None = None,
    verified: bool = True,
) -> Organisation:
    if category is OrgCategory.MEMBER_STATE and group is None:
        group = RegionalGroup.WEOG
    org = Organisation(
        name=name or f"Organisation {next(_counter)}",
        category=category,
        regional_group=group,
        verification_status=VerificationStatus.VERIFIED if verified else VerificationStatus.PENDING,
        verified_at=datetime.now(UTC) if verified else None,
    )
    db.session.add(org)
    db.session.flush()
    return org


def make_user(
    role: Role = Role.CONTRIBUTOR,
    organisation: Organisation | None = None,
    email: str | None = None,
    password: str = PASSWORD,
    two_factor: bool | None = None,
) -> User:
    """A user; secretariat and admin accounts have a second factor (a TOTP secret) unless
    ``two_factor=False``, since without one their sessions open nothing."""
    if role is Role.CONTRIBUTOR and organisation is None:
        organisation = make_org()
    user = User(
        email=email or f"user{next(_counter)}@example.org",
        name="Test User",
        role=role,
        organisation=organisation,
    )
    if two_factor if two_factor is not None else role is not Role.CONTRIBUTOR:
        import pyotp

        user.totp_secret = pyotp.random_base32()
        user.totp_enabled_at = datetime.now(UTC)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def make_version(articles: int = 3, preamble: int = 2) -> TextVersion:
    instrument = Instrument(title="Draft declaration on testing")
    version = TextVersion(
        instrument=instrument,
        title="Draft declaration on testing",
        symbol="A/HRC/TEST/1",
        status=VersionStatus.UNDER_CONSULTATION,
    )
    db.session.add_all([instrument, version])
    position = 0
    for n in range(1, preamble + 1):
        position += 1
        db.session.add(
            Provision(
                version=version,
                position=position,
                kind=ProvisionKind.PREAMBLE,
                number=str(n),
                intro=f"Recalling the importance of preambular matter number {n},",
            )
        )
    for n in range(1, articles + 1):
        position += 1
        provision = Provision(
            version=version,
            position=position,
            kind=ProvisionKind.ARTICLE,
            number=str(n),
            title=f"Title of article {n}",
        )
        db.session.add(provision)
        db.session.add_all(
            [
                Paragraph(
                    provision=provision,
                    position=1,
                    level=0,
                    label="1",
                    text=f"Everyone has the right to the thing in article {n}.",
                ),
                Paragraph(
                    provision=provision,
                    position=2,
                    level=0,
                    label="2",
                    text="States shall take measures to that end.",
                ),
            ]
        )
    db.session.flush()
    return version


def make_consultation(
    version: TextVersion | None = None,
    opens: timedelta = timedelta(days=-1),
    closes: timedelta = timedelta(days=30),
    categories: list[OrgCategory] | None = None,
    **kwargs: Any,
) -> Consultation:
    now = datetime.now(UTC)
    consultation = Consultation(
        version=version or make_version(),
        title="Consultation on the draft declaration",
        opens_at=now + opens,
        closes_at=now + closes,
        timezone="Europe/Zurich",
        eligible_categories=[c.value for c in (categories or list(OrgCategory))],
        publication_mode=kwargs.pop("publication_mode", PublicationMode.IMMEDIATE),
        **kwargs,
    )
    db.session.add(consultation)
    db.session.flush()
    return consultation


def login(client: FlaskClient, user: User, password: str = PASSWORD) -> None:
    """Sign ``user`` in through a server-side session, the way the sign-in page does."""
    from consult_app.accounts.sessions import start_session

    start_session(user)
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


@pytest.fixture
def factories() -> Any:
    class F:
        org = staticmethod(make_org)
        user = staticmethod(make_user)
        version = staticmethod(make_version)
        consultation = staticmethod(make_consultation)

    return F
