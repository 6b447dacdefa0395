"""Property-based tests of the sign-in and registration forms: whatever is typed, never a
500, and a refused form writes nothing."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from hypothesis import event, given
from hypothesis import strategies as st

from consult_app.accounts.models import User
from consult_app.extensions import db
from tests.conftest import make_user
from tests.properties import BOUNDED, hostile_text, row_counts

REFUSED = (400, 401, 403, 404, 409, 413, 422, 429)


@pytest.fixture
def ana() -> User:
    user = make_user(email="ana@example.org")
    db.session.commit()
    return user


@BOUNDED
@given(email=hostile_text, password=hostile_text, remember=st.sampled_from(["", "y", "\x00"]))
def test_sign_in_never_fails_and_a_refusal_writes_nothing(
    client: FlaskClient, ana: User, email: str, password: str, remember: str
) -> None:
    before = row_counts()
    response = client.post(
        "/account/login", data={"email": email, "password": password, "remember": remember}
    )
    event(f"answered {response.status_code}")
    assert response.status_code < 500
    # Not the user's password: nobody is signed in and no row appears (a failed sign-in
    # is counted on the user's row, never by adding rows).
    assert response.status_code in (200, *REFUSED), response.status_code
    assert row_counts() == before
    assert "Your profile" not in client.get("/account/profile").get_data(as_text=True)


@BOUNDED
@given(
    fields=st.fixed_dictionaries(
        {
            "name": hostile_text,
            "email": st.one_of(hostile_text, st.emails().map(str)),
            "password": hostile_text,
            "confirm": hostile_text,
            "organisation_mode": st.sampled_from(["new", "existing", "", "\x00", "x" * 300]),
            "org_name": hostile_text,
            "org_category": st.sampled_from(["member_state", "ngo", "business", "", "zz"]),
            "org_regional_group": st.sampled_from(["grulac", "weog", "", "nowhere"]),
            "organisation": st.one_of(hostile_text, st.integers().map(str)),
        }
    )
)
def test_registration_never_fails_and_a_refusal_writes_nothing(
    client: FlaskClient, fields: dict[str, str]
) -> None:
    before = row_counts()
    response = client.post("/account/register", data=fields)
    event(f"answered {response.status_code}")
    assert response.status_code < 500
    if response.status_code != 302:  # refused: the form again, or a 4xx
        assert row_counts() == before
