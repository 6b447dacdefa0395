"""The secretariat's day in Chromium: the review queue filtered, every bulk action, one
comment moderated, an organisation verified, dispositions, a duplicate group, a summary and
every export, through the pages as they render."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from consult_app.accounts.models import Organisation, OrgCategory, VerificationStatus
from consult_app.exports.models import ExportJob, JobStatus
from consult_app.extensions import db
from consult_app.review.models import DuplicateGroup, GroupStatus, Outcome, Theme
from consult_app.submissions import commenting, submitting
from consult_app.submissions import operations as submission_ops
from consult_app.submissions.models import (
    Comment,
    ModerationStatus,
    Position,
    Submission,
    SubmissionStatus,
)
from consult_app.summaries.models import SummaryDraft
from tests.browser_journeys.journey import Journey
from tests.browser_journeys.worlds import World, busy_world
from tests.conftest import PASSWORD, make_org, make_user

pytestmark = pytest.mark.browser


def _signed_in(new_journey: Callable[..., Journey], world: World) -> Journey:
    journey = new_journey()
    journey.sign_in(world.secretariat.email, PASSWORD, world.secretariat.totp_secret)
    return journey


def _comments(ids: list[int]) -> list[Comment]:
    db.session.expire_all()
    return [db.session.get_one(Comment, i) for i in ids]


def test_secretariat_starts_on_the_work_waiting_and_follows_a_number_into_the_queue(
    new_journey: Callable[..., Journey],
) -> None:
    world = busy_world()
    # Two comments back in moderation, assigned to the officer.
    mine = [world.submitted.comments[0], world.comment]
    for comment in mine:
        comment.moderation_status = ModerationStatus.PENDING
        comment.assigned_to_id = world.secretariat.id
    db.session.commit()
    journey = _signed_in(new_journey, world)
    page = journey.page

    # Signing in lands on the work waiting of the open consultation.
    expect(page.get_by_role("heading", level=1)).to_have_text("Work waiting")
    assert page.url.endswith("/review/")
    tiles = page.locator(".work-tiles")
    expect(tiles).to_contain_text("2 comments to moderate")
    # Both of them are answered already: 12 comments, 2 answered.
    expect(tiles).to_contain_text("10 comments without a disposition")
    expect(page.locator(".work-deadline")).to_contain_text("left")

    # "2 assigned to you", under the comments to moderate: exactly those two, filtered.
    journey.click(tiles.locator("li").first.locator(".work-mine a"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Review queue")
    expect(page.locator("#results")).to_have_text("2 comments")
    expect(page.get_by_label("Status")).to_have_value("pending")
    expect(page.get_by_label("Reviewer", exact=True).first).to_have_value("mine")
    listed = page.locator("table.queue tbody tr input[type=checkbox]")
    assert sorted(int(listed.nth(n).get_attribute("value") or 0) for n in range(2)) == sorted(
        c.id for c in mine
    )

    # Back home, a figure of the table by provision opens that provision's comments.
    journey.link("Work waiting", exact=True)
    article = world.articles[0]
    row = page.locator(f"#work-{article.id}")
    cell = row.locator("td").nth(3)  # without a disposition
    number = int(cell.inner_text().split()[0])
    journey.click(cell.get_by_role("link"))
    expect(page.locator("#results")).to_have_text(f"{number} comments")
    expect(page.get_by_label("Disposition", exact=True)).to_have_value("none")
    expect(page.locator("table.queue tbody")).not_to_contain_text("Accepted in part")


def test_queue_filters_beside_the_results_folded_on_a_phone_and_the_bulk_bar_at_hand(
    new_journey: Callable[..., Journey],
) -> None:
    world = busy_world()
    journey = _signed_in(new_journey, world)
    page = journey.goto(f"/review/{world.id}/queue?sort=oldest")
    category = page.get_by_label("Organisation category")
    bulk = page.locator("fieldset.bulk-actions")

    # A desktop: the filters in a column beside the results, always open.
    expect(category).to_be_visible()
    panel = page.locator(".filter-panel").bounding_box()
    results = page.locator(".queue-results").bounding_box()
    assert panel and results and panel["x"] + panel["width"] <= results["x"]
    # The bulk actions stay in view while the rows scroll under them.
    page.locator("table.queue tbody tr").last.scroll_into_view_if_needed()
    box = bulk.bounding_box()
    assert box is not None and -1 <= box["y"] <= 1
    expect(bulk.get_by_role("button", name="Publish", exact=True)).to_be_in_viewport()

    # A phone: the filters folded above the results, opened on demand, no JavaScript needed.
    page.set_viewport_size({"width": 390, "height": 800})
    page = journey.goto(f"/review/{world.id}/queue?category=member_state")
    expect(page.locator(".filter-panel summary")).to_contain_text("1 in use")
    expect(category).to_be_hidden()
    page.locator(".filter-panel summary").click()
    expect(category).to_be_visible()
    expect(category).to_have_value("member_state")
    expect(page.locator("#results")).to_have_text("10 comments")


def test_secretariat_filters_the_queue_and_runs_every_bulk_action(
    new_journey: Callable[..., Journey],
) -> None:
    world = busy_world()
    theme = Theme(consultation_id=world.id, name="Financing of cooperation")
    db.session.add(theme)
    db.session.commit()
    journey = _signed_in(new_journey, world)
    page = journey.goto(f"/review/{world.id}/queue")

    # Submitted comments are published at once here; the queue can take them back.
    assert {c.moderation_status for c in world.submitted.comments} == {ModerationStatus.PUBLISHED}

    # Filter: the comments of Member States only.
    page.get_by_label("Organisation category").select_option(label=OrgCategory.MEMBER_STATE.label)
    journey.button("Show", exact=True)
    expect(page.locator("#results")).to_have_text("10 comments")
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(10)
    expect(page.locator("table.queue tbody")).not_to_contain_text("United Nations entity")
    values = [rows.nth(n).locator("input[type=checkbox]").get_attribute("value") for n in (0, 1)]
    ids = [int(v or 0) for v in values]
    bulk = page.locator("fieldset.bulk-actions")

    def run(button: str, expected: str = "2 comments changed.") -> Page:
        for comment_id in ids:
            page.get_by_label(f"Select comment {comment_id}", exact=True).check()
        journey.click(bulk.get_by_role("button", name=button, exact=True))
        expect(page.locator(".flashes")).to_contain_text(expected)
        # The filters stay.
        expect(page.locator("#results")).to_have_text("10 comments")
        return page

    run("Back to pending")
    assert {c.moderation_status for c in _comments(ids)} == {ModerationStatus.PENDING}

    run("Publish")
    assert {c.moderation_status for c in _comments(ids)} == {ModerationStatus.PUBLISHED}

    bulk.get_by_label("Reason").select_option(label="Off-topic")
    bulk.get_by_label("Note (internal, optional)").fill("Not about the text.")
    run("Withhold")
    comments = _comments(ids)
    assert {c.moderation_status for c in comments} == {ModerationStatus.WITHHELD}
    assert {c.withheld_reason for c in comments} == {"off_topic"}

    bulk.get_by_label("Theme").select_option(label="Financing of cooperation")
    run("Add the theme")
    assert all([t.name for t in c.themes] == ["Financing of cooperation"] for c in _comments(ids))
    for comment_id in ids:
        expect(page.locator(f"#comment-{comment_id}")).to_contain_text("Financing of cooperation")

    officer = world.secretariat
    bulk.get_by_label("Reviewer").select_option(label=f"{officer.name} <{officer.email}>")
    run("Assign")
    assert {c.assigned_to_id for c in _comments(ids)} == {world.secretariat.id}

    run("Unassign")
    assert {c.assigned_to_id for c in _comments(ids)} == {None}
    for comment_id in ids:
        expect(page.locator(f"#comment-{comment_id}")).to_contain_text("nobody")

    # Moderate one comment on its own page: publish the first, withheld above.
    journey.link(f"Comment {ids[0]}", exact=True)
    journey.click(page.locator("main").get_by_role("button", name="Publish", exact=True))
    comment = _comments(ids[:1])[0]
    assert comment.moderation_status is ModerationStatus.PUBLISHED
    expect(page.locator("main")).to_contain_text("Published")


def _unanswered(world: World) -> list[Comment]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Comment)
            .join(Submission)
            .where(
                Submission.consultation_id == world.id,
                Submission.status == SubmissionStatus.SUBMITTED,
                ~Comment.disposition.has(),
            )
            .order_by(Comment.id)
        )
    )


def test_secretariat_verifies_an_organisation_and_records_dispositions(
    new_journey: Callable[..., Journey],
) -> None:
    world = busy_world()
    grassroots = make_org("Grassroots solidarity network", OrgCategory.NGO, verified=False)
    make_user(organisation=grassroots, email="grassroots@example.org")
    db.session.commit()
    journey = _signed_in(new_journey, world)

    # Verify the organisation from the verification page.
    page = journey.goto("/")
    journey.link("Verification", exact=True)
    card = page.locator("section", has_text="Grassroots solidarity network")
    card.get_by_label("Note (required to reject; shown to the secretariat only)").fill(
        "Registered charity, checked in the national register."
    )
    journey.click(card.get_by_role("button", name="Verify", exact=True))
    expect(page.locator(".flashes")).to_contain_text("Grassroots solidarity network is verified.")
    db.session.expire_all()
    assert db.session.get_one(Organisation, grassroots.id).verification_status is (
        VerificationStatus.VERIFIED
    )

    # One disposition on the comment's review page, saved on the first Save.
    first, second, third, fourth, *_ = _unanswered(world)
    journey.goto(f"/review/{world.id}/queue")
    journey.link(f"Comment {first.id}", exact=True)
    page.get_by_label("Noted", exact=True).check()
    page.get_by_label("Public explanation").fill("The secretariat takes note of the comment.")
    journey.button("Save the disposition")
    expect(page.locator(".flashes")).to_contain_text(
        f"The disposition of the comment on {first.provision.label} was saved."
    )
    # Another on the disposition page of a comment.
    page = journey.goto(f"/dispositions/comments/{second.id}")
    page.get_by_label("Not accepted", exact=True).check()
    page.get_by_label("Public explanation").fill("The article keeps its present wording.")
    page.get_by_label("Internal note (never published)").fill("Discussed on Monday.")
    journey.button("Save the disposition")
    expect(page.locator(".flashes")).to_contain_text("was saved.")
    db.session.expire_all()
    assert db.session.get_one(Comment, first.id).disposition.outcome is Outcome.NOTED  # type: ignore[union-attr]
    answered = db.session.get_one(Comment, second.id).disposition
    assert answered is not None and answered.outcome is Outcome.NOT_ACCEPTED
    assert answered.public_explanation == "The article keeps its present wording."

    # Two more in bulk, from the queue, on the first Save.
    page = journey.goto(f"/review/{world.id}/queue")
    for comment in (third, fourth):
        page.get_by_label(f"Select comment {comment.id}", exact=True).check()
    journey.button("Answer the selected comments the same way")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Answer these 2 comments the same way"
    )
    page.get_by_label("Out of scope", exact=True).check()
    page.get_by_label("Public explanation").fill("The question is outside the scope of the text.")
    journey.button("Answer these comments")
    expect(page.locator(".flashes")).to_contain_text("2 comments were answered.")
    db.session.expire_all()
    for comment in (third, fourth):
        disposition = db.session.get_one(Comment, comment.id).disposition
        assert disposition is not None and disposition.outcome is Outcome.OUT_OF_SCOPE
        assert disposition.public_explanation == "The question is outside the scope of the text."


SIGNATURES = {"docx": b"PK", "xlsx": b"PK", "pdf": b"%PDF"}


def test_secretariat_builds_every_export_and_downloads_it(
    new_journey: Callable[..., Journey], tmp_path: Path
) -> None:
    world = busy_world()
    journey = _signed_in(new_journey, world)
    page = journey.goto(f"/exports/{world.id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Exports")
    choices = page.get_by_label("Export", exact=True).locator("option").all_inner_texts()
    assert len(choices) >= 6, choices
    built = []
    for label in choices:
        page = journey.goto(f"/exports/{world.id}")
        page.get_by_label("Export", exact=True).select_option(label=label)
        journey.button("Build the export")
        expect(page.locator(".flashes")).to_contain_text("The export has been queued")
        download_link = page.locator("main").get_by_role("link", name="Download")
        expect(download_link).to_be_visible()  # EXPORTS_SYNC: built at once
        with page.expect_download() as info:
            download_link.click()
        download = info.value
        path = tmp_path / download.suggested_filename
        download.save_as(path)
        content = path.read_bytes()
        extension = path.suffix.lstrip(".")
        assert content, f"{label}: empty file"
        if extension in SIGNATURES:
            assert content.startswith(SIGNATURES[extension]), label
        elif extension == "html":
            assert b"<html" in content[:500].lower(), label
        else:
            assert extension == "csv", label
            assert content.decode("utf-8-sig").count("\n") > 1, label
        built.append(extension)

    db.session.expire_all()
    jobs = db.session.scalars(select(ExportJob).where(ExportJob.consultation_id == world.id)).all()
    assert len(jobs) == len(choices)
    assert {job.status for job in jobs} == {JobStatus.DONE}
    pairs = {(job.kind.value, job.format.value) for job in jobs}
    assert len(pairs) == len(choices)  # one file of each
    assert pairs >= {
        ("report", "docx"),
        ("report", "pdf"),
        ("report", "html"),
        ("compilation", "xlsx"),
        ("compilation", "csv"),
    }
    assert any(kind == "dispositions" for kind, _ in pairs)


CAMPAIGN_TEXT = (
    "We the undersigned call on the drafters to strengthen this article so that international "
    "solidarity reaches every community, and to add a clear duty of cooperation for all States "
    "without conditions of any kind, as our members have asked in their letters."
)


def test_secretariat_confirms_a_duplicate_group_and_publishes_a_summary(
    new_journey: Callable[..., Journey],
) -> None:
    world = busy_world()
    article = world.articles[2]
    for n in range(3):
        author = make_user(organisation=make_org(f"Campaign member {n + 1}", OrgCategory.NGO))
        submission = submission_ops.start_submission(author, world.consultation)
        commenting.add_comment(
            author,
            submission,
            article,
            commenting.CommentFields(
                position=Position.SUPPORT_WITH_AMENDMENTS, body=CAMPAIGN_TEXT
            ),
        )
        submitting.submit_submission(author, submission, submission.lock_version)
    db.session.commit()
    journey = _signed_in(new_journey, world)

    # Detect duplicates with the default threshold, open the group, confirm it.
    page = journey.goto(f"/review/{world.id}/groups")
    journey.button("Detect duplicates now")
    expect(page.locator(".flashes")).to_contain_text("comments compared")
    row = page.locator("table.duplicate-groups tbody tr", has_text="We the undersigned").first
    journey.click(row.get_by_role("link", name=re.compile(r"^Group \d+$")))
    journey.button("Confirm: these comments are near-identical")
    expect(page.locator(".flashes")).to_contain_text("The group was confirmed.")
    db.session.expire_all()
    groups = db.session.scalars(
        select(DuplicateGroup).where(
            DuplicateGroup.consultation_id == world.id,
            DuplicateGroup.status == GroupStatus.CONFIRMED,
        )
    ).all()
    assert len(groups) == 1 and groups[0].size >= 3
    assert groups[0].reviewed_by_id == world.secretariat.id

    # The summary: draft it, edit it and save it, then publish it.
    page = journey.goto(f"/consultations/{world.id}/summary")
    journey.button("Draft the summaries again from the latest figures")
    journey.click(page.locator("main").get_by_role("link", name=re.compile(r"^Edit ")).first)
    summary = page.get_by_label("Summary", exact=True)
    expect(summary).not_to_be_empty()
    summary.fill("Most delegations support the draft; some ask for a duty of cooperation.")
    journey.button("Save the summary")
    expect(page.locator(".flashes")).to_contain_text("The summary was saved.")
    db.session.expire_all()
    edited = db.session.scalars(
        select(SummaryDraft).where(
            SummaryDraft.consultation_id == world.id, SummaryDraft.edited_text.is_not(None)
        )
    ).all()
    assert [d.edited_text for d in edited] == [
        "Most delegations support the draft; some ask for a duty of cooperation."
    ]
    expect(page.locator("main")).to_contain_text("some ask for a duty of cooperation")

    # Publish it: until then the public reads nothing of it.
    whole = page.locator("#summary-consultation")
    expect(whole).to_contain_text("Not published: only the secretariat sees it")
    journey.click(whole.get_by_role("button", name="Publish the summary"))
    expect(page.locator(".flashes")).to_contain_text("The summary was published")
    expect(page.locator("#summary-consultation")).to_contain_text("Published on")
    db.session.expire_all()
    published = db.session.scalars(
        select(SummaryDraft).where(
            SummaryDraft.consultation_id == world.id, SummaryDraft.published_text.is_not(None)
        )
    ).all()
    assert [d.provision_id for d in published] == [None]

    # The public reads the published summary, from the consultation's page; the provisions'
    # summaries, drafted but not published, stay with the secretariat.
    reader = new_journey()
    public = reader.goto(f"/consultations/{world.id}")
    reader.link("Summary of the consultation")
    expect(public.get_by_role("heading", level=1)).to_have_text("Summary of the consultation")
    expect(public.locator("main")).to_contain_text(
        "Most delegations support the draft; some ask for a duty of cooperation."
    )
    expect(public.locator("main")).not_to_contain_text("Not published")
    expect(public.locator("main form")).to_have_count(0)
    assert public.locator("section.summary-draft").count() == 1
