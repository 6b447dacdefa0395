"""Sign-in limits count failures, per account and per address, and never lock a delegate out
of their own browser or a shared network by successful sign-ins (issue 8 #7, issue 13 #7).

The ``rate_limited`` fixture sets 3 failures a minute per account, 5 per address."""

from __future__ import annotations

from consult_app.extensions import db
from tests.accounts.helpers import reset_link
from tests.conftest import PASSWORD, make_user


def _login(client, email, password=PASSWORD):
    return client.post("/account/login", data={"email": email, "password": password})


def _logout(client):
    client.post("/account/logout")


def test_many_successful_sign_ins_from_one_address_are_never_limited(app, rate_limited):
    users = [make_user() for _ in range(12)]
    db.session.commit()
    for _ in range(5):  # 60 sign-ins from one address: a mission's shared network
        for user in users:
            client = app.test_client()
            assert _login(client, user.email).status_code == 302


def test_failures_lock_the_account_until_a_reset_by_email(app, rate_limited, mail):
    make_user(email="target@example.org")
    db.session.commit()
    attacker = app.test_client()
    for _ in range(3):
        assert _login(attacker, "target@example.org", "wrong guess 1234").status_code == 200
    # Locked: even the right password from a browser never used by the owner.
    delegate = app.test_client()
    response = _login(delegate, "target@example.org")
    assert response.status_code == 429
    assert b"Reset your password by e-mail" in response.data
    # The way out: a reset by e-mail signs in from that browser at once.
    delegate.post("/account/password/reset", data={"email": "target@example.org"})
    link = reset_link(mail[-1])
    new = "a fresh password for 2026"
    assert delegate.post(link, data={"password": new, "confirm": new}).status_code == 302
    assert _login(delegate, "target@example.org", new).status_code == 302


def test_an_attacker_cannot_lock_the_owner_out_of_their_own_browser(app, rate_limited):
    user = make_user(email="owner@example.org")
    db.session.commit()
    owner = app.test_client()
    assert _login(owner, user.email).status_code == 302  # this browser is now known
    _logout(owner)
    attacker = app.test_client()
    for _ in range(4):
        _login(attacker, user.email, "wrong guess 5678")
    assert _login(attacker, user.email).status_code == 429
    assert _login(owner, user.email).status_code == 302


def test_password_spraying_from_one_address_is_stopped(app, rate_limited):
    victims = [make_user() for _ in range(6)]
    db.session.commit()
    attacker = app.test_client()
    for victim in victims[:5]:  # one guess per account: no account lock, 5 failures
        assert _login(attacker, victim.email, "Summer2026!").status_code == 200
    response = _login(attacker, victims[5].email, "Summer2026!")
    assert response.status_code == 429
    assert b"from your network" in response.data


def test_unknown_addresses_lock_like_known_ones(app, rate_limited):
    client = app.test_client()
    for _ in range(3):
        assert _login(client, "nobody@example.org", "whatever 12345").status_code == 200
    # The same answer as for an existing account: nothing tells which addresses exist.
    assert _login(client, "nobody@example.org", "whatever 12345").status_code == 429


def test_a_successful_sign_in_clears_the_account_failures(app, rate_limited):
    user = make_user()
    db.session.commit()
    client = app.test_client()
    for _ in range(2):
        _login(client, user.email, "wrong guess 0000")
    assert _login(client, user.email).status_code == 302
    _logout(client)
    other = app.test_client()
    for _ in range(2):
        assert _login(other, user.email, "wrong guess 0000").status_code == 200
    assert _login(other, user.email).status_code == 302
