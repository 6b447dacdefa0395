"""Benchmark of the secretariat's review queue at 100,000 comments.

    .venv/bin/python bench/review_queue.py
    .venv/bin/python bench/review_queue.py --database-url postgresql://root@127.0.0.1:5432/bench

Builds a consultation (50 provisions, ~300 organisations, one submitted submission each,
100,000 comments, 10 themes on ~30 % of the comments, a third of the comments assigned)
with multi-row Core INSERTs, then requests the queue page through the Flask test client,
signed in as the secretariat: unfiltered, filtered by provision, by free text and by theme,
on page 1 and on a deep page, several times each, and prints the median and the 95th
percentile in milliseconds. The whole response is measured: filters, count, page query,
eager loading and the rendering of 50 rows.

THE DATABASE GIVEN WITH --database-url IS EMPTIED (drop_all/create_all). Without it a
temporary SQLite file is used. Not a test; results go to docs/benchmarks.md by hand.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select, text

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
from consult_app.review.models import Theme, comment_themes
from consult_app.submissions.models import (
    Channel,
    Comment,
    CommentKind,
    ModerationStatus,
    OnBehalfKind,
    Position,
    Submission,
    SubmissionStatus,
)
from consult_app.texts.models import (
    Instrument,
    Provision,
    ProvisionKind,
    TextVersion,
    VersionStatus,
)

BATCH = 5_000
VOCABULARY = (
    "right development solidarity international cooperation states obligation measures "
    "equality participation resources people communities dignity freedom justice peace "
    "duty territory sovereignty assistance technology transfer debt trade health education "
    "food water housing environment migration women children persons disabilities "
    "indigenous peoples minorities poverty inequality finance tax access remedy "
    "accountability implementation monitoring mechanism article paragraph wording delete "
    "replace insert clarify strengthen support propose reservation concern definition "
    "scope binding voluntary customary law treaty declaration general assembly council "
    "expert consultation secretariat stakeholders civil society business academia"
)
WORDS = VOCABULARY.split()
NEEDLE = "climate"  # in ~2 % of the bodies: the free-text search term


def sentence(rng: random.Random, lo: int, hi: int) -> str:
    words = rng.choices(WORDS, k=rng.randint(lo, hi))
    return " ".join(words).capitalize() + "."


def build(comments: int, organisations: int, provisions: int, seed: int) -> dict[str, Any]:
    """Fill the (empty) database; return ids the measurements need."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    session = db.session

    def bulk(table: Any, rows: list[dict[str, Any]]) -> None:
        for start in range(0, len(rows), BATCH):
            session.execute(insert(table), rows[start : start + BATCH])

    instrument_id = session.execute(
        insert(Instrument.__table__).values(title="Draft declaration").returning(
            Instrument.__table__.c.id
        )
    ).scalar_one()
    version_id = session.execute(
        insert(TextVersion.__table__)
        .values(instrument_id=instrument_id, title="Revised draft", symbol="A/HRC/BENCH/1",
                status=VersionStatus.UNDER_CONSULTATION)
        .returning(TextVersion.__table__.c.id)
    ).scalar_one()
    preamble = max(1, provisions // 10)
    bulk(
        Provision.__table__,
        [
            {
                "version_id": version_id,
                "position": n,
                "kind": ProvisionKind.PREAMBLE if n <= preamble else ProvisionKind.ARTICLE,
                "number": str(n if n <= preamble else n - preamble),
                "title": None if n <= preamble else f"Article title {n - preamble}",
                "intro": sentence(rng, 15, 40),
            }
            for n in range(1, provisions + 1)
        ],
    )
    provision_ids = list(
        session.scalars(
            select(Provision.id).where(Provision.version_id == version_id).order_by(
                Provision.position
            )
        )
    )
    users = [
        {"email": f"reviewer{n}@example.org", "name": f"Reviewer {n}", "password_hash": "x",
         "role": Role.SECRETARIAT, "timezone": "UTC", "active": True}
        for n in range(1, 4)
    ]
    bulk(User.__table__, users)
    reviewer_ids = list(session.scalars(select(User.id).order_by(User.id)))
    consultation_id = session.execute(
        insert(Consultation.__table__)
        .values(
            version_id=version_id, title="Bench consultation", opens_at=now - timedelta(days=30),
            closes_at=now + timedelta(days=30), timezone="UTC",
            eligible_categories=[c.value for c in OrgCategory],
            publication_mode=PublicationMode.AFTER_REVIEW, publish_submissions=True,
            allow_attribution=True,
        )
        .returning(Consultation.__table__.c.id)
    ).scalar_one()
    categories = list(OrgCategory)
    groups = list(RegionalGroup)
    org_rows = []
    for n in range(organisations):
        category = OrgCategory.MEMBER_STATE if n < organisations // 3 else rng.choice(categories)
        verified = rng.random() > 0.1
        org_rows.append(
            {
                "name": f"Organisation {n:04d} {rng.choice(WORDS).title()}",
                "category": category,
                "regional_group": rng.choice(groups) if category.is_state else None,
                "ecosoc_status": False,
                "verification_status": VerificationStatus.VERIFIED
                if verified
                else VerificationStatus.PENDING,
                "verified_at": now if verified else None,
            }
        )
    bulk(Organisation.__table__, org_rows)
    org_ids = list(session.scalars(select(Organisation.id).order_by(Organisation.id)))
    bulk(
        Submission.__table__,
        [
            {
                "consultation_id": consultation_id,
                "organisation_id": org_id,
                "status": SubmissionStatus.SUBMITTED,
                "channel": Channel.ONLINE,
                "on_behalf_kind": OnBehalfKind.NONE,
                "publishable": rng.random() > 0.05,
                "receipt_number": f"SUB-{consultation_id:03d}-{n:06d}",
                "submitted_at": now - timedelta(days=10),
                "last_submitted_at": now - timedelta(days=10),
                "revision_count": 1,
                "has_unsubmitted_changes": False,
                "lock_version": 1,
            }
            for n, org_id in enumerate(org_ids, start=1)
        ],
    )
    submission_ids = list(
        session.scalars(
            select(Submission.id).where(Submission.consultation_id == consultation_id)
        )
    )
    positions = list(Position)
    kinds = list(CommentKind)
    rows = []
    for _ in range(comments):
        body = " ".join(sentence(rng, 6, 18) for _ in range(rng.randint(2, 5)))
        if rng.random() < 0.02:
            body += f" The {NEEDLE} dimension must be reflected."
        status = rng.choices(
            [ModerationStatus.PENDING, ModerationStatus.PUBLISHED, ModerationStatus.WITHHELD],
            weights=[6, 3, 1],
        )[0]
        rows.append(
            {
                "submission_id": rng.choice(submission_ids),
                "consultation_id": consultation_id,
                "provision_id": rng.choice(provision_ids),
                "position": rng.choice(positions),
                "kind": rng.choice(kinds),
                "body": body,
                "proposed_wording": sentence(rng, 10, 30) if rng.random() < 0.3 else None,
                "rationale": sentence(rng, 8, 20) if rng.random() < 0.3 else None,
                "moderation_status": status,
                "withheld_reason": "spam" if status is ModerationStatus.WITHHELD else None,
                "is_public": status is ModerationStatus.PUBLISHED,
                "assigned_to_id": rng.choice(reviewer_ids) if rng.random() < 0.33 else None,
                "lock_version": 1,
            }
        )
        if len(rows) == BATCH:
            bulk(Comment.__table__, rows)
            rows = []
    bulk(Comment.__table__, rows)
    bulk(
        Theme.__table__,
        [{"consultation_id": consultation_id, "name": f"Theme {n}", "active": True}
         for n in range(1, 11)],
    )
    theme_ids = list(session.scalars(select(Theme.id).order_by(Theme.id)))
    comment_ids = session.scalars(
        select(Comment.id).where(Comment.consultation_id == consultation_id)
    ).all()
    bulk(
        comment_themes,
        [
            {"comment_id": cid, "theme_id": rng.choice(theme_ids)}
            for cid in comment_ids
            if rng.random() < 0.3
        ],
    )
    session.commit()
    # Planner statistics and (PostgreSQL) the visibility map, as a database that autovacuum
    # maintains has them: without it no index-only scan is possible right after the load.
    engine = session.get_bind()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(
            text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
        )
    busiest_theme = session.execute(
        select(comment_themes.c.theme_id).order_by(comment_themes.c.theme_id).limit(1)
    ).scalar_one()
    return {
        "consultation_id": consultation_id,
        "provision_id": provision_ids[len(provision_ids) // 2],
        "theme_id": busiest_theme,
        "reviewer_id": reviewer_ids[0],
    }


def measure(client: Any, url: str, repeat: int) -> tuple[float, float, int]:
    response = client.get(url)  # warm-up (and check)
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, response.get_data(as_text=True).count('<tr id="comment-')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--organisations", type=int, default=300)
    parser.add_argument("--provisions", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL URL (the database is emptied); default: temporary SQLite")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        url = (
            normalise_database_url(args.database_url)
            if args.database_url
            else "sqlite:///" + str(Path(tmp) / "bench.sqlite")
        )
        app = create_app(
            "testing", SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_RECORD_QUERIES=False,
            INSTANCE_PATH=tmp,
        )
        with app.app_context():
            db.drop_all()
            db.create_all()
            started = time.perf_counter()
            ids = build(args.comments, args.organisations, args.provisions, args.seed)
            built = time.perf_counter() - started
            dialect = db.engine.dialect.name
            server = db.session.execute(
                text("SELECT version()" if dialect == "postgresql" else "SELECT sqlite_version()")
            ).scalar_one()
            provision_count = db.session.scalar(
                select(db.func.count()).select_from(Comment).where(
                    Comment.provision_id == ids["provision_id"]
                )
            )
            theme_count = db.session.scalar(
                select(db.func.count()).select_from(comment_themes).where(
                    comment_themes.c.theme_id == ids["theme_id"]
                )
            )
            text_count = db.session.scalar(
                select(db.func.count()).select_from(Comment).where(
                    Comment.body.icontains(NEEDLE)
                )
            )
            db.session.remove()

        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(ids["reviewer_id"])
            session["_fresh"] = True
        base = f"/review/{ids['consultation_id']}/queue"

        def last(total: int) -> int:
            return max(1, (total + 49) // 50)

        cases = [
            ("unfiltered, page 1", base),
            ("unfiltered, page 1000", f"{base}?page={min(1000, last(args.comments))}"),
            ("unfiltered, last page", f"{base}?page={last(args.comments)}"),
            ("provision, page 1", f"{base}?provision={ids['provision_id']}"),
            ("provision, last page",
             f"{base}?provision={ids['provision_id']}&page={last(provision_count)}"),
            ("free text, page 1", f"{base}?q={NEEDLE}"),
            ("free text, last page", f"{base}?q={NEEDLE}&page={last(text_count)}"),
            ("theme, page 1", f"{base}?theme={ids['theme_id']}"),
            ("theme, last page", f"{base}?theme={ids['theme_id']}&page={last(theme_count)}"),
            ("status pending + unassigned, page 1", f"{base}?status=pending&reviewer=unassigned"),
            ("member States, by organisation, page 1",
             f"{base}?category=member_state&sort=organisation"),
        ]
        print(f"# Review queue benchmark: {args.comments:,} comments, "
              f"{args.organisations} organisations, {args.provisions} provisions")
        print(f"database: {dialect} {server.split(',')[0]}; built in {built:.1f} s; "
              f"python {platform.python_version()}; repeat {args.repeat}")
        print(f"matches: provision {provision_count}, free text {text_count}, "
              f"theme {theme_count}")
        print()
        print("| case | median ms | p95 ms | rows |")
        print("|---|---:|---:|---:|")
        for name, case_url in cases:
            median, p95, rows = measure(client, case_url, args.repeat)
            print(f"| {name} | {median:.1f} | {p95:.1f} | {rows} |")
        if args.database_url:
            with app.app_context():
                db.drop_all()
                db.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
