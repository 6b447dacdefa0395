"""Hostile input gets a clear 4xx and changes nothing: ids beyond 64 bits in URLs, NUL bytes
in forms and query strings, control characters in form fields."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from consult_app.accounts.models import Role, User
from consult_app.core.audit import AuditEntry
from consult_app.core.guards import (
    MAX_ID,
    BoundedIntegerConverter,
    parse_id,
    strip_control_characters,
)
from consult_app.extensions import db
from consult_app.review.models import Theme
from consult_app.submissions.models import Comment, ModerationStatus
from tests.browser import Browser
from tests.conftest import PASSWORD, login, make_consultation, make_org, make_user
from tests.consultations.factories import make_comment, make_submission

NUL = "\x00"


def _routes_with_int_args(app: Flask) -> list[tuple[str, str, list[str]]]:
    """(endpoint, method, int argument names) of every route that takes an id."""
    result = []
    for rule in app.url_map.iter_rules():
        ints = [
            name
            for name, converter in rule._converters.items()
            if isinstance(converter, BoundedIntegerConverter)
        ]
        if not ints:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            result.append((rule.rule, method, ints))
    return result


def _url(rule: str, value: int) -> str:
    """The rule's path with ``value`` for every int argument and "x" for any other."""
    path = re.sub(r"<int(\([^)]*\))?:[a-z_]+>", str(value), rule)
    return re.sub(r"<[^>]+>", "x", path)


def test_every_int_converter_is_bounded(app: Flask) -> None:
    routes = _routes_with_int_args(app)
    assert len(routes) > 60  # every route that takes an id (GET and POST)
    for rule in app.url_map.iter_rules():
        for converter in rule._converters.values():
            if converter.regex == r"\d+":
                assert isinstance(converter, BoundedIntegerConverter), rule.rule


@pytest.mark.parametrize("value", [MAX_ID + 1, 2**63, 2**64, 10**30])
def test_ids_beyond_64_bits_are_not_found(app: Flask, client: FlaskClient, value: int) -> None:
    login(client, make_user(role=Role.ADMIN))
    db.session.commit()
    for rule, method, _names in _routes_with_int_args(app):
        response = client.open(_url(rule, value), method=method)
        # No route matches: 404 (405 for another method where werkzeug's matcher first
        # tried a rule of the same path with a different method).
        expected = (404,) if method == "GET" else (404, 405)
        assert response.status_code in expected, (method, rule, response.status_code)


def test_the_largest_id_is_an_ordinary_missing_object(app: Flask, client: FlaskClient) -> None:
    login(client, make_user(role=Role.ADMIN))
    db.session.commit()
    for rule, method, _names in _routes_with_int_args(app):
        if method != "GET":
            continue
        response = client.get(_url(rule, MAX_ID))
        assert response.status_code in (302, 400, 403, 404), (rule, response.status_code)


def test_converter_keeps_a_smaller_maximum(app: Flask) -> None:
    converter = BoundedIntegerConverter(app.url_map, max=10)
    assert converter.max == 10
    assert BoundedIntegerConverter(app.url_map, max=2**70).max == MAX_ID


# --- NUL bytes --------------------------------------------------------------------------


def _counts() -> tuple[int, int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(User)) or 0,
        db.session.scalar(select(func.count()).select_from(Theme)) or 0,
        db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
    )


def _refused(browser: Browser) -> None:
    assert browser.status == 400, (browser.url, browser.status)
    assert "not allowed" in browser.html


def test_nul_in_sign_in_and_reset_forms_is_refused(client: FlaskClient) -> None:
    user = make_user(email="ana@example.org")
    db.session.commit()
    before = _counts()
    browser = Browser(client).get("/account/login")
    browser.submit(browser.form("/account/login"), email=f"ana@example.org{NUL}", password=PASSWORD)
    _refused(browser)
    browser.get("/account/login")
    browser.submit(browser.form("/account/login"), email="ana@example.org", password=f"{NUL}x")
    _refused(browser)
    assert "Your profile" not in Browser(client).get("/account/profile").html
    browser.get("/account/password/reset")
    browser.submit(browser.form("/account/password/reset"), email=f"{NUL}@example.org")
    _refused(browser)
    assert _counts() == before
    assert user.active


def test_nul_in_registration_is_refused_and_nobody_registered(client: FlaskClient) -> None:
    before = _counts()
    browser = Browser(client).get("/account/register")
    browser.submit(
        browser.form("/account/register"),
        name=f"Ana{NUL}Delegate",
        email="ana@mission.example",
        password="a long enough password",
        confirm="a long enough password",
        organisation_mode="new",
        org_name="Permanent Mission of Testland",
        org_category="member_state",
        org_regional_group="grulac",
    )
    _refused(browser)
    assert _counts() == before
    assert db.session.scalar(select(User).where(User.email == "ana@mission.example")) is None


def test_nul_in_profile_is_refused_and_nothing_changed(client: FlaskClient) -> None:
    user = make_user(email="bo@example.org")
    user.name = "Bo Before"
    db.session.commit()
    login(client, user)
    before = _counts()
    browser = Browser(client).get("/account/profile")
    browser.submit(browser.form("/account/profile"), name=f"Bo{NUL}After", job_title=NUL)
    _refused(browser)
    db.session.expire_all()
    assert db.session.get(User, user.id).name == "Bo Before"  # type: ignore[union-attr]
    assert _counts() == before


def _review_world() -> tuple[User, int, Comment]:
    secretariat = make_user(role=Role.SECRETARIAT)
    consultation = make_consultation()
    article = consultation.version.provisions[2]
    submission = make_submission(consultation, make_org())
    comment = make_comment(
        submission, article, body="We support it.", moderation_status=ModerationStatus.PUBLISHED
    )
    db.session.commit()
    return secretariat, consultation.id, comment


def test_nul_in_theme_redaction_and_queue_search_is_refused(client: FlaskClient) -> None:
    secretariat, consultation_id, comment = _review_world()
    login(client, secretariat)
    before = _counts()

    browser = Browser(client).get(f"/review/{consultation_id}/themes")
    browser.submit(
        browser.form(f"/review/{consultation_id}/themes"), name=f"Health{NUL}", description=NUL
    )
    _refused(browser)

    browser.get(f"/review/comments/{comment.id}")
    browser.submit(
        browser.form("/redact"), **{"redact-redacted_body": f"x{NUL}", "redact-reason": "why"}
    )
    _refused(browser)

    browser.get(f"/review/{consultation_id}/queue")
    browser.submit(browser.form(f"/review/{consultation_id}/queue"), q=f"support{NUL}")
    _refused(browser)
    response = client.get(f"/review/{consultation_id}/queue?q=%00")
    assert response.status_code == 400

    assert _counts() == before
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).redacted_body is None  # type: ignore[union-attr]


def test_nul_in_a_path_or_a_public_query_is_refused(client: FlaskClient) -> None:
    assert client.get("/account/password/reset/abc%00def").status_code == 400  # a bad token
    assert client.get("/texts/import/abc%00def").status_code in (302, 404)
    assert client.get("/consultations/?q=%00").status_code == 400
    assert client.get("/api/v1/consultations?x=%00").status_code == 400
    assert client.get("/consultations/", query_string={f"a{NUL}": "b"}).status_code == 400


# --- other control characters -------------------------------------------------------------


def test_control_characters_are_taken_out_of_form_texts(client: FlaskClient) -> None:
    secretariat, consultation_id, _comment = _review_world()
    login(client, secretariat)
    browser = Browser(client).get(f"/review/{consultation_id}/themes")
    browser.submit(
        browser.form(f"/review/{consultation_id}/themes"),
        name="Heal\x07th\x1b",
        description="Line one\r\nline\ttwo\x0b\x0c\x7f",
    )
    assert browser.status == 200, browser.html[:500]
    theme = db.session.scalars(select(Theme)).one()
    assert theme.name == "Health"
    assert theme.description is not None and "\x0b" not in theme.description
    assert "\t" in theme.description and "Line one" in theme.description


def test_strip_control_characters() -> None:
    assert strip_control_characters("a\x00b\x01c\td\ne\rf\x1f") == "abc\td\ne\rf"
    assert strip_control_characters(7) == 7
    assert strip_control_characters(None) is None
    text = "plain text"
    assert strip_control_characters(text) is text


# --- ids in query strings and forms ---------------------------------------------------------

HOSTILE_NUMBERS = [str(MAX_ID + 1), "9" * 30, "\u00b2", "\u0663"]  # "²" and Arabic-Indic 3


def test_ids_in_query_strings_and_forms_are_refused_or_ignored(client: FlaskClient) -> None:
    secretariat, consultation_id, comment = _review_world()
    login(client, secretariat)
    c = consultation_id
    for raw in HOSTILE_NUMBERS:
        for url, expected in (
            (f"/review/{c}/queue?provision={raw}", 400),
            (f"/review/{c}/queue?theme={raw}", 400),
            (f"/review/{c}/queue?reviewer={raw}", 400),
            (f"/review/{c}/queue?page={raw}", 400),
            (f"/dispositions/{c}?provision={raw}", 400),
            (f"/consultations/?page={raw}", 404),
            (f"/audit/?actor={raw}", 200),  # nobody
            (f"/audit/?object_id={raw}", 400),  # a form error
            (f"/audit/export.csv?object_id={raw}", 400),
            (f"/secretariat/submissions/{c}/new?rows={raw}", 200),  # the default
        ):
            response = client.get(url)
            assert response.status_code == expected, (url, response.status_code)
        response = client.post(
            "/dispositions/bulk", data={"comment_ids": [str(comment.id), raw], "outcome": "noted"}
        )
        assert response.status_code == 400, (raw, response.status_code)


def test_parse_id() -> None:
    assert parse_id("42") == 42
    assert parse_id(str(MAX_ID)) == MAX_ID
    for raw in (None, "", "0", "-1", "1.5", " 1", str(MAX_ID + 1), "9" * 30, "\u00b2", "\u0663"):
        assert parse_id(raw) is None, raw
