"""Bulk offline import (`flask submissions import`): time to import one file of N rows.

    .venv/bin/python bench/offline_import.py --rows 20000 --shape one
    .venv/bin/python bench/offline_import.py --rows 20000 --shape many --organisations 2000
    .venv/bin/python bench/offline_import.py ... --database-url postgresql://root@127.0.0.1/bench_import
    .venv/bin/python bench/offline_import.py ... --profile     # cProfile, top 25 by cumulative

Shapes: ``one``: every row a comment of one letter of one organisation (one submission);
``many``: rows spread over ``--organisations`` organisations, every row with its own
reference (channel detail), so one submission per organisation with one revision per
reference (the case that took 39.5 s for 200 rows). The database is made fresh
(SQLite file under bench/out/, or a PostgreSQL database whose name starts with ``bench_``).
The figure is the time of ``import_offline_file`` plus the commit; the file's checks
(``plan_import``) are timed apart too.

``--again``: the same organisations sent an earlier file (imported first, not timed), so
every group of rows of the file timed is a new revision of an existing submission.

``--job``: the import as the browser starts it, a background job (``request_import``, run
inline at the commit, with its progress written), timed from the request to the outcome;
``--probe`` adds another writer that touches a row every 50 ms meanwhile and reports its
longest wait (the time the import holds SQLite's write lock) and how many of its writes
gave up (SQLite's busy timeout, 15 s, passed).
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HEADER = [
    "organisation",
    "channel",
    "channel_detail",
    "received_at",
    "provision",
    "paragraph",
    "position",
    "kind",
    "comment",
    "proposed_wording",
    "rationale",
    "publishable",
    "on_behalf",
]
POSITIONS = ["support", "oppose", "support_with_amendments", "reservation", "no_position"]


def make_file(names: list[str], rows: int, shape: str, prefix: str = "") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for n in range(rows):
        organisation = names[0] if shape == "one" else names[n % len(names)]
        reference = "Ref. ONE/1" if shape == "one" else f"Ref. {n:06d}"
        position = POSITIONS[n % len(POSITIONS)]
        wording = (
            "Everyone has the right, without distinction."
            if position.endswith("amendments")
            else ""
        )
        writer.writerow(
            [
                organisation,
                "letter",
                reference,
                "2023-01-20",
                f"Article {1 + n % 3}",
                "",
                position,
                "",
                f"{prefix}Comment number {n}: the provision should say more about it.",
                wording,
                "",
                "yes",
                "",
            ]
        )
    return buffer.getvalue().encode()


def fresh_database(url: str | None) -> str:
    if url is None:
        path = ROOT / "bench" / "out" / "offline-import.sqlite"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from consult_app.config import normalise_database_url

    parsed = make_url(normalise_database_url(url))
    if not (parsed.database or "").startswith("bench_"):
        raise SystemExit("the PostgreSQL database's name must start with bench_")
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    return parsed.render_as_string(hide_password=False)


class Probe:
    """Another writer: touches the consultation's row every 50 ms, keeps its longest wait."""

    def __init__(self, app: object, consultation_id: int) -> None:
        import threading

        self.app = app
        self.consultation_id = consultation_id
        self.longest = 0.0
        self.failures = 0  # writes given up ("database is locked" after the busy timeout)
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        from sqlalchemy import text
        from sqlalchemy.exc import OperationalError

        from consult_app.extensions import db

        with self.app.app_context():  # type: ignore[attr-defined]
            while not self.done.wait(0.05):
                started = time.perf_counter()
                try:
                    with db.engine.begin() as connection:
                        connection.execute(
                            text("UPDATE consultations SET updated_at = updated_at WHERE id = :id"),
                            {"id": self.consultation_id},
                        )
                except OperationalError:
                    self.failures += 1
                self.longest = max(self.longest, time.perf_counter() - started)

    def stop(self) -> None:
        self.done.set()
        self.thread.join()


class StatementTimer:
    """Counts and times every SQL statement run through ``engine``, grouped by its text."""

    def __init__(self, engine: object) -> None:
        from sqlalchemy import event

        self.engine = engine
        self.count = 0
        self.totals: dict[str, list[float]] = {}
        self.started: list[float] = []
        event.listen(engine, "before_cursor_execute", self.before)
        event.listen(engine, "after_cursor_execute", self.after)

    def before(self, conn, cursor, statement, parameters, context, executemany):
        self.started.append(time.perf_counter())

    def after(self, conn, cursor, statement, parameters, context, executemany):
        spent = time.perf_counter() - self.started.pop()
        self.count += 1
        key = " ".join(statement.split())[:160]
        total = self.totals.setdefault(key, [0, 0.0])
        total[0] += 1
        total[1] += spent

    def stop(self) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self.before)
        event.remove(self.engine, "after_cursor_execute", self.after)

    def report(self) -> None:
        ranked = sorted(self.totals.items(), key=lambda item: -item[1][1])
        for text, (count, spent) in ranked[:15]:
            print(f"{spent:8.3f} s {count:7d} x  {text}")


def import_result(summary: dict, dry_run: bool) -> object:
    """The figures of a finished job, shaped like an ImportResult for the report."""
    from types import SimpleNamespace

    return SimpleNamespace(submissions=[None] * summary["submissions"],
                           comment_count=summary["comments"], dry_run=dry_run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--shape", choices=["one", "many"], default="one")
    parser.add_argument("--organisations", type=int, default=2000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--job", action="store_true", help="import through a background job")
    parser.add_argument("--probe", action="store_true", help="time another writer meanwhile")
    parser.add_argument(
        "--again",
        action="store_true",
        help="import an earlier file first (not timed): every group is then a new revision",
    )
    parser.add_argument(
        "--statements",
        action="store_true",
        help="count and time the SQL statements of the import, top 15 by time",
    )
    args = parser.parse_args()

    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 40)
    from flask_migrate import upgrade

    from consult_app import create_app
    from consult_app.accounts.models import OrgCategory, Role
    from consult_app.extensions import db
    from consult_app.submissions.offline_import import import_offline_file, plan_import
    from tests.conftest import make_consultation, make_org, make_user

    url = fresh_database(args.database_url)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, MAIL_BACKEND="memory")
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        consultation = make_consultation()
        count = 1 if args.shape == "one" else args.organisations
        names = []
        for i in range(count):
            org = make_org(name=f"Bench organisation {i:05d}", category=OrgCategory.NGO)
            names.append(org.name)
        secretariat = make_user(Role.SECRETARIAT)
        db.session.commit()
        data = make_file(names, args.rows, args.shape)
        if args.again:  # the same senders wrote before, other comments
            import_offline_file(
                secretariat, consultation, make_file(names, args.rows, args.shape, "Earlier: ")
            )
            db.session.commit()

        started = time.perf_counter()
        plans = plan_import(consultation, data)
        checked = time.perf_counter() - started
        db.session.rollback()

        statements = StatementTimer(db.engine) if args.statements else None
        profile = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        if profile:
            profile.enable()
        probe = Probe(app, consultation.id) if args.probe else None
        if args.job:
            from consult_app.submissions.import_jobs import request_import

            job = request_import(secretariat, consultation, data, "bench.csv",
                                 dry_run=args.dry_run)
            job_id = job.id
            db.session.commit()  # the job runs here (EXPORTS_SYNC)
            job = db.session.get(type(job), job_id)
            assert job is not None and job.result is not None, job and job.error
            result = import_result(job.result, args.dry_run)
        else:
            result = import_offline_file(secretariat, consultation, data, dry_run=args.dry_run)
            db.session.commit()
        if probe:
            probe.stop()
        if profile:
            profile.disable()
        elapsed = time.perf_counter() - started
        if statements:
            statements.stop()
        figures = {
            "rows": args.rows,
            "shape": args.shape,
            "organisations": count,
            "submissions": len(result.submissions),
            "plans": len(plans),
            "comments": result.comment_count,
            "database": db.engine.dialect.name,
            "dry_run": args.dry_run,
            "check_seconds": round(checked, 2),
            "import_seconds": round(elapsed, 2),
            "via": "job" if args.job else "function",
        }
        if probe:
            figures["other_writer_longest_wait_seconds"] = round(probe.longest, 2)
            figures["other_writer_failures"] = probe.failures
        if statements:
            figures["statements"] = statements.count
        print(json.dumps(figures))
        if statements:
            statements.report()
        if profile:
            pstats.Stats(profile).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(25)


if __name__ == "__main__":
    main()
