"""Redaction: every part the secretariat marks (body, proposed wording, rationale) is read
redacted wherever the public looks; the secretariat still reads the originals."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from consult_app.core.audit import verify_chain
from consult_app.exports.compilation import build_compilation, build_dispositions
from consult_app.exports.models import ExportFormat
from consult_app.exports.report import build_report
from consult_app.extensions import db
from consult_app.review import moderation
from consult_app.review.models import Disposition, Outcome
from consult_app.submissions.models import Comment, ModerationStatus, Position
from tests.browser import Browser
from tests.conftest import login
from tests.review.queue_world import ReviewWorld, audit_entries, build_world, make_comment

NAME = "ZQXMINISTER"
BODY = f"Our minister {NAME} supports this article."
WORDING = f"Everyone, as minister {NAME} says, has the right to the thing in article 1."
RATIONALE = f"Minister {NAME} asked for it."

PUBLIC_BODY = "Our minister [name withheld] supports this article."
PUBLIC_WORDING = "Everyone has the right to the thing in article 1, and to more."


@pytest.fixture
def world() -> ReviewWorld:
    return build_world()


@pytest.fixture
def comment(world: ReviewWorld) -> Comment:
    """A published comment of a State with every part, and a published disposition."""
    article = world.provisions[2]
    comment = make_comment(
        world.submissions["state"],
        article,
        BODY,
        position=Position.SUPPORT_WITH_AMENDMENTS,
        status=ModerationStatus.PUBLISHED,
        proposed_wording=WORDING,
        rationale=RATIONALE,
    )
    comment.paragraph_id = article.paragraphs[0].id
    now = comment.created_at
    db.session.add(
        Disposition(
            comment_id=comment.id,
            outcome=Outcome.ACCEPTED_IN_PART,
            public_explanation="Partly retained.",
            decided_by_id=world.secretariat.id,
            decided_at=now,
            published_at=now,
        )
    )
    db.session.flush()
    assert comment.is_public
    return comment


def reload(comment: Comment) -> Comment:
    db.session.expire_all()
    found = db.session.get(Comment, comment.id)
    assert found is not None
    return found


def redact_form(client: FlaskClient, comment: Comment) -> tuple[Browser, object]:
    browser = Browser(client).get(f"/review/comments/{comment.id}")
    assert browser.status == 200
    return browser, browser.form(f"/review/comments/{comment.id}/redact")


def redact_through_the_form(client: FlaskClient, world: ReviewWorld, comment: Comment) -> None:
    login(client, world.secretariat)
    browser, form = redact_form(client, comment)
    # Every part with text is marked by default, prefilled with its text.
    for part, text in (("body", BODY), ("proposed_wording", WORDING), ("rationale", RATIONALE)):
        assert form.fields[f"redact-redact_{part}"] == ["y"], part  # type: ignore[attr-defined]
        assert form.fields[f"redact-redacted_{part}"][0].strip() == text  # type: ignore[attr-defined]
    browser.submit(
        form,  # type: ignore[arg-type]
        **{
            "redact-redacted_body": PUBLIC_BODY,
            "redact-redacted_proposed_wording": PUBLIC_WORDING,
            "redact-redacted_rationale": "",  # the public reads no rationale
            "redact-reason": "Personal data",
        },
    )
    assert browser.status == 200, browser.html
    assert "The comment was redacted" in browser.html


def _xlsx_text(path: Path) -> str:
    workbook = load_workbook(path, read_only=True)
    text = "\n".join(
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )
    workbook.close()
    return text


def public_surfaces(app: Flask, world: ReviewWorld, tmp_path: Path) -> dict[str, str]:
    """What an anonymous visitor can read about the consultation, surface by surface."""
    anonymous = app.test_client()
    cid, pid = world.consultation.id, world.provisions[2].id
    pages = {
        "provision page": f"/consultations/{cid}/provisions/{pid}",
        "API": f"/api/v1/consultations/{cid}/comments",
        "API provision": f"/api/v1/consultations/{cid}/provisions/{pid}/comments",
        "figures": f"/consultations/{cid}/figures/{pid}",
        "dispositions": f"/dispositions/{cid}",
        "provision dispositions": f"/dispositions/{cid}/provisions/{pid}",
    }
    result = {}
    for surface, url in pages.items():
        response = anonymous.get(url)
        assert response.status_code == 200, (surface, response.status_code)
        result[surface] = response.get_data(as_text=True)
    for fmt in (ExportFormat.CSV, ExportFormat.XLSX):
        for name, build in (
            ("compilation", build_compilation),
            ("disposition table", build_dispositions),
        ):
            path = tmp_path / f"{name}.{fmt.value}"
            build(world.consultation, fmt, path)
            result[f"{name} {fmt.value}"] = (
                path.read_bytes().decode("utf-8-sig")
                if fmt is ExportFormat.CSV
                else _xlsx_text(path)
            )
    report = tmp_path / "report.html"
    build_report(world.consultation, ExportFormat.HTML, report)
    result["report html"] = report.read_text(encoding="utf-8")
    return result


def test_every_public_surface_reads_every_redacted_part_redacted(
    app: Flask, client: FlaskClient, world: ReviewWorld, comment: Comment, tmp_path: Path
) -> None:
    before = public_surfaces(app, world, tmp_path)
    assert all(
        NAME in before[s]
        for s in (
            "provision page",
            "API",
            "figures",
            "report html",
            "compilation csv",
            "disposition table xlsx",
        )
    )

    redact_through_the_form(client, world, comment)
    comment = reload(comment)
    assert (comment.body, comment.proposed_wording, comment.rationale) == (BODY, WORDING, RATIONALE)
    assert comment.redacted_body == PUBLIC_BODY
    assert comment.redacted_proposed_wording == PUBLIC_WORDING
    assert comment.redacted_rationale == ""
    (entry,) = audit_entries("redact_comment")
    assert entry.after["redacted_rationale"] == "" and entry.after["redaction_reason"]
    assert verify_chain() == []

    surfaces = public_surfaces(app, world, tmp_path)
    for surface, text in surfaces.items():
        assert NAME not in text, surface
    # ...and each surface does show the comment, as redacted.
    for surface in (
        "provision page",
        "API",
        "dispositions",
        "compilation csv",
        "compilation xlsx",
        "disposition table csv",
    ):
        assert PUBLIC_BODY in surfaces[surface], surface
    for surface in (
        "API",
        "figures",
        "compilation csv",
        "compilation xlsx",
        "disposition table xlsx",
    ):
        assert PUBLIC_WORDING in surfaces[surface], surface
    assert "and to more" in surfaces["report html"]
    assert "Part of this comment was redacted by the secretariat." in surfaces["provision page"]
    assert "Rationale" not in surfaces["provision page"].split(PUBLIC_BODY, 1)[1]
    api = app.test_client().get(f"/api/v1/consultations/{world.consultation.id}/comments")
    (item,) = api.get_json()["data"]
    assert item["redacted"] is True
    assert (item["body"], item["proposed_wording"], item["rationale"]) == (
        PUBLIC_BODY,
        PUBLIC_WORDING,
        None,
    )

    # The secretariat still reads the originals, next to what the public reads.
    review = client.get(f"/review/comments/{comment.id}").get_data(as_text=True)
    for text in (BODY, RATIONALE, PUBLIC_BODY, PUBLIC_WORDING, "Personal data"):
        assert text in review
    internal = tmp_path / "internal.csv"
    build_compilation(world.consultation, ExportFormat.CSV, internal, internal=True)
    assert WORDING in internal.read_text(encoding="utf-8-sig")
    secretariat_figures = client.get(
        f"/consultations/{world.consultation.id}/figures/{world.provisions[2].id}"
    ).get_data(as_text=True)
    assert NAME in secretariat_figures


def test_unmarked_parts_stay_as_written_and_the_redaction_can_be_removed(
    app: Flask, client: FlaskClient, world: ReviewWorld, comment: Comment, tmp_path: Path
) -> None:
    login(client, world.secretariat)
    browser, form = redact_form(client, comment)
    for part in ("proposed_wording", "rationale"):
        del form.fields[f"redact-redact_{part}"]  # type: ignore[attr-defined]
    browser.submit(
        form,  # type: ignore[arg-type]
        **{"redact-redacted_body": PUBLIC_BODY, "redact-reason": "Personal data"},
    )
    assert browser.status == 200 and "The comment was redacted" in browser.html
    comment = reload(comment)
    assert comment.redacted_body == PUBLIC_BODY
    assert comment.redacted_proposed_wording is None and comment.redacted_rationale is None
    page = public_surfaces(app, world, tmp_path)["provision page"]
    assert PUBLIC_BODY in page and BODY not in page and RATIONALE in page

    # A redacted comment's form marks only the redacted parts, prefilled as redacted.
    browser, form = redact_form(client, comment)
    assert form.fields["redact-redact_body"] == ["y"]  # type: ignore[attr-defined]
    assert form.fields["redact-redacted_body"][0].strip() == PUBLIC_BODY  # type: ignore[attr-defined]
    assert "redact-redact_rationale" not in form.fields  # type: ignore[attr-defined]

    browser.submit(browser.form(f"/review/comments/{comment.id}/unredact"))
    assert browser.status == 200
    comment = reload(comment)
    assert not comment.is_redacted and comment.redaction_reason is None
    assert BODY in public_surfaces(app, world, tmp_path)["provision page"]
    (entry,) = audit_entries("remove_redaction")
    assert entry.before["redacted_body"] == PUBLIC_BODY


@pytest.mark.parametrize(
    ("unmark", "values", "message"),
    [
        (
            ("body", "proposed_wording", "rationale"),
            {},
            "Choose at least one part of the comment to redact.",
        ),
        ((), {"redact-redacted_body": ""}, "Write the redacted text that the public will read."),
        (
            (),
            {"redact-redacted_body": PUBLIC_BODY, "redact-redacted_proposed_wording": ""},
            "This text is the same as the original",
        ),  # the rationale, unchanged
        (("proposed_wording", "rationale"), {}, "nothing to redact"),  # the body, unchanged
        (
            ("proposed_wording", "rationale"),
            {"redact-redacted_body": PUBLIC_BODY, "redact-reason": ""},
            "Say why the comment is redacted.",
        ),
        (
            ("proposed_wording", "rationale"),
            {"redact-redacted_body": PUBLIC_BODY, "redact-reason": "x" * 301},
            "Field cannot be",
        ),
    ],
)
def test_redaction_errors_change_nothing(
    client: FlaskClient,
    world: ReviewWorld,
    comment: Comment,
    unmark: tuple[str, ...],
    values: dict[str, str],
    message: str,
) -> None:
    login(client, world.secretariat)
    browser, form = redact_form(client, comment)
    for part in unmark:
        del form.fields[f"redact-redact_{part}"]  # type: ignore[attr-defined]
    values = {"redact-reason": "Personal data", **values}
    browser.submit(form, **values)  # type: ignore[arg-type]
    assert browser.status == 400
    assert message in browser.html
    comment = reload(comment)
    assert not comment.is_redacted
    assert audit_entries("redact_comment") == []


def test_redact_operation_rules(world: ReviewWorld, comment: Comment) -> None:
    with pytest.raises(moderation.RedactionError, match="no such part"):
        bare = make_comment(world.submissions["ngo"], world.provisions[2], "Plain.")
        moderation.redact_comment(world.secretariat, bare, {"rationale": "x"}, "why")
    with pytest.raises(moderation.RedactionError, match="Unknown part"):
        moderation.redact_comment(world.secretariat, comment, {"quoted_text": "x"}, "why")
    moderation.redact_comment(world.secretariat, comment, {"rationale": "Asked for it."}, "why")
    assert comment.public_rationale == "Asked for it."
    assert comment.public_body == BODY and comment.public_proposed_wording == WORDING
    assert comment.redacted_parts == ["rationale"]
