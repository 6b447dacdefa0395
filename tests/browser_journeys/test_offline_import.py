"""The secretariat imports a file of submissions received outside the platform, in Chromium:
the real form, the job's page while it runs (progress, refreshing itself without
JavaScript), then what was imported; a wrong file's problems, line by line."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from consult_app.accounts.models import Organisation, OrgCategory, RegionalGroup
from consult_app.extensions import db
from consult_app.submissions import import_jobs, offline_import
from consult_app.submissions.models import Comment, ImportStage, Submission
from tests.browser_journeys.conftest import ARTIFACTS, LiveServer
from tests.browser_journeys.journey import Journey
from tests.browser_journeys.worlds import busy_world
from tests.conftest import PASSWORD, make_org

pytestmark = pytest.mark.browser

HEADER = [
    "organisation",
    "channel",
    "channel_detail",
    "received_at",
    "provision",
    "position",
    "comment",
]
ROWS = 1000
PAUSE_AT = 400  # rows checked when the job waits for the test to look at its page


def letters(names: list[str], rows: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for n in range(rows):
        name = names[n % len(names)]
        writer.writerow(
            [
                name,
                "letter",
                f"Ref. {names.index(name) + 1}/2023",
                "2023-01-20",
                f"Article {1 + n % 2}",
                "support",
                f"Comment {n} sent by letter.",
            ]
        )
    return buffer.getvalue().encode()


def test_secretariat_imports_a_file_in_the_background_and_follows_its_progress(
    new_journey: Callable[..., Journey],
    live_server: LiveServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    world = busy_world()
    names = ["Offline Republic One", "Offline Republic Two"]
    for name, group in zip(names, [RegionalGroup.WEOG, RegionalGroup.AFRICAN], strict=True):
        make_org(name, OrgCategory.MEMBER_STATE, group)
    db.session.commit()
    # A thread of the server runs the job (as without Redis), which waits once PAUSE_AT rows
    # are checked until the test has looked at the page.
    monkeypatch.setitem(live_server.app.config, "EXPORTS_SYNC", False)
    monkeypatch.setattr(offline_import, "PROGRESS_EVERY", 100)
    paused, release = threading.Event(), threading.Event()
    real_import = import_jobs.import_offline_file

    def import_pausing(*args: Any, progress: Any = None, **kwargs: Any) -> Any:
        def report(stage: ImportStage, done: int, total: int) -> None:
            progress(stage, done, total)
            if stage is ImportStage.CHECKING and done == PAUSE_AT:
                paused.set()
                release.wait(60)

        return real_import(*args, progress=report, **kwargs)

    monkeypatch.setattr(import_jobs, "import_offline_file", import_pausing)
    try:
        journey = new_journey()
        journey.sign_in(world.secretariat.email, PASSWORD, world.secretariat.totp_secret)
        page = journey.goto(f"/secretariat/submissions/{world.consultation.id}/import")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Import submissions received outside the platform"
        )
        upload = tmp_path / "letters-2023.csv"
        upload.write_bytes(letters(names, ROWS))
        page.get_by_label("File (.csv in UTF-8, or .xlsx)").set_input_files(str(upload))
        journey.button("Import", exact=True)
        expect(page.get_by_role("heading", level=1)).to_have_text("Import of letters-2023.csv")
        assert "/imports/" in page.url
        job_url = page.url

        # While it runs: the stage, a progress bar, n of N rows; the page refreshes itself.
        assert paused.wait(30), "the job did not start"
        journey.goto(job_url)
        expect(page.locator(".job-status")).to_have_text("Running · Checking the rows")
        progress = page.locator("progress#import-progress")
        expect(progress).to_have_attribute("value", "23")  # 5 % + 45 % of 400 / 1,000 rows
        expect(page.locator("#import-rows")).to_have_text("· 400 of 1,000 rows")
        expect(page.locator("main")).to_contain_text("This page refreshes itself every 2 seconds")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "import-job-running.png"), full_page=True)

        # Let it finish: the page (refreshing itself) shows what was imported.
        release.set()
        expect(page.get_by_role("heading", name="Imported")).to_be_visible(timeout=30_000)
        journey.check()
        expect(page.locator(".job-status")).to_have_text("Finished")
        expect(progress).to_have_attribute("value", "100")
        expect(page.locator("main")).to_contain_text(
            "Imported 2 submissions (2 new, 0 added to existing submissions) with "
            "1,000 comments."
        )
        expect(page.locator("main")).not_to_contain_text("refreshes itself")
        page.screenshot(path=str(ARTIFACTS / "import-job-done.png"), full_page=True)
        db.session.expire_all()
        imported = db.session.scalars(
            select(Submission)
            .join(Submission.organisation)
            .where(
                Submission.consultation_id == world.consultation.id,
                Submission.receipt_number.is_not(None),
            )
            .order_by(Submission.id)
        ).all()
        receipts = [s.receipt_number for s in imported if s.organisation.name in names]
        assert len(receipts) == 2
        for receipt in receipts:
            expect(page.locator("table.import-receipts")).to_contain_text(receipt or "")
        assert (
            db.session.scalar(
                select(func.count(Comment.id)).where(
                    Comment.submission_id.in_(
                        [s.id for s in imported if s.organisation.name in names]
                    )
                )
            )
            == ROWS
        )

        # The import page lists the job; a wrong file is refused whole, line by line.
        journey.link("Import another file")
        expect(page.locator("table.import-jobs")).to_contain_text("letters-2023.csv")
        wrong = tmp_path / "wrong.csv"
        wrong.write_bytes(letters(["Nobody at all", *names], 6))
        page.get_by_label("File (.csv in UTF-8, or .xlsx)").set_input_files(str(wrong))
        journey.button("Import", exact=True)
        expect(page.get_by_role("heading", name="Nothing was imported")).to_be_visible(
            timeout=30_000
        )
        journey.check()
        expect(page.locator("table.import-errors tbody tr")).to_have_count(2)
        expect(page.locator("table.import-errors tbody tr").first).to_contain_text(
            "No registered organisation is called “Nobody at all”."
        )
        page.screenshot(path=str(ARTIFACTS / "import-job-rejected.png"), full_page=True)
    finally:
        release.set()


def test_a_file_larger_than_the_usual_request_limit_is_uploaded_and_imported(
    new_journey: Callable[..., Journey],
    live_server: LiveServer,
    tmp_path: Path,
) -> None:
    """20,000 rows of long comments (about 20 MB, more than the 14.6 MB file of the issue): above
    the 12 MB every other page accepts, within the import page's own limit."""
    world = busy_world()
    names = ["Large File Republic One", "Large File Republic Two"]
    for name, group in zip(names, [RegionalGroup.WEOG, RegionalGroup.AFRICAN], strict=True):
        make_org(name, OrgCategory.MEMBER_STATE, group)
    db.session.commit()
    rows = 20_000
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    filler = (
        "The delegation recalls the agreed language of earlier resolutions on "
        "international solidarity and asks that the paragraph be read together with it, "
        "in particular as regards cooperation among States and the duty to cooperate. "
    ) * 4
    for n in range(rows):
        name = names[n % 2]
        writer.writerow(
            [
                name,
                "letter",
                f"Ref. {n % 2 + 1}/2023",
                "2023-01-20",
                f"Article {1 + n % 2}",
                "support",
                f"Comment {n}. {filler}",
            ]
        )
    upload = tmp_path / "letters-large.csv"
    upload.write_bytes(buffer.getvalue().encode())
    size = upload.stat().st_size
    app_config = live_server.app.config
    assert app_config["MAX_CONTENT_LENGTH"] < size < app_config["MAX_SUBMISSIONS_IMPORT_BYTES"]

    journey = new_journey()
    journey.sign_in(world.secretariat.email, PASSWORD, world.secretariat.totp_secret)
    page = journey.goto(f"/secretariat/submissions/{world.consultation.id}/import")
    page.get_by_label("File (.csv in UTF-8, or .xlsx)").set_input_files(str(upload))
    journey.button("Import", exact=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("Import of letters-large.csv")
    expect(page.get_by_role("heading", name="Imported")).to_be_visible(timeout=180_000)
    journey.check()
    expect(page.locator("main")).to_contain_text(
        "Imported 2 submissions (2 new, 0 added to existing submissions) with "
        "20,000 comments."
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "import-large-done.png"), full_page=True)
    db.session.expire_all()
    stored = db.session.scalar(
        select(func.count(Comment.id))
        .join(Submission, Submission.id == Comment.submission_id)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .where(Organisation.name.in_(names))
    )
    assert stored == rows
