"""Generate a benchmark consultation: 50 provisions, 300 organisations (or --organisations),
N comments.

    .venv/bin/python bench/generate.py                                 # SQLite, 100,000
    .venv/bin/python bench/generate.py --comments 1000000 \\
        --database-url sqlite:///bench/out/bench-1m.sqlite
    createdb -h 127.0.0.1 bench_load
    .venv/bin/python bench/generate.py \\
        --database-url postgresql://root@127.0.0.1:5432/bench_load

The schema is made by the application's migrations (``flask db upgrade``), so the data sits
in the real tables with their real indexes; tables that models declare but no migration
creates yet are created from the models (and named in the output). Rows are written with
bulk Core inserts in chunks, never one ORM object at a time.

The consultation is open (so the load test can post comments), publishes on submission,
allows attribution, and invites every category. One provision (Article 1) carries
``--big`` comments (10,000), the last article exactly 100 (the small page of the query-count
comparison), the rest share the remainder with a skew. 95 % of comments are published,
2 % withheld, 3 % pending; 5 % of submissions asked not to be published; 1 % of comments were
withdrawn; ``is_public`` is set as the application computes it.

The target database must be new or a SQLite file / ``bench_*`` PostgreSQL database, which
``--reset`` (the default) empties first. A JSON description of what was made goes to
``bench/out/dataset-<name>.json``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from sqlalchemy import JSON, Table, func, inspect, select, text  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

PASSWORD = "bench-password-1"
CHUNK = 5_000

# Organisations per category (300 in all); Member States spread over the five groups.
ORG_PLAN: list[tuple[str, int]] = [
    ("member_state", 125),
    ("observer_state", 5),
    ("igo", 15),
    ("un_entity", 15),
    ("nhri", 20),
    ("ngo", 80),
    ("academic", 20),
    ("business", 10),
    ("individual", 10),
]
GROUPS = ["african", "asia_pacific", "eastern_european", "grulac", "weog"]
# How often organisations of a category comment, relative to an NGO.
ACTIVITY = {
    "member_state": 3.0,
    "observer_state": 1.5,
    "igo": 1.0,
    "un_entity": 1.0,
    "nhri": 1.2,
    "ngo": 1.0,
    "academic": 0.7,
    "business": 0.6,
    "individual": 0.4,
}
POSITIONS = [
    "support",
    "support_with_amendments",
    "oppose",
    "reservation",
    "propose_deletion",
    "no_position",
]
BASE_POSITION_WEIGHTS = [30, 25, 10, 8, 5, 22]
KINDS = ["general", "substantive", "drafting"]
KIND_WEIGHTS = [20, 60, 20]
WITHHELD_REASONS = ["spam", "off_topic", "duplicate", "offensive", "confidential"]

SUBJECTS = [
    "The right to international solidarity",
    "International cooperation",
    "The duty to cooperate",
    "Preventive solidarity",
    "Reactive solidarity",
    "The right to development",
    "Access to medicines and vaccines",
    "Climate finance",
    "Debt relief",
    "Technology transfer",
    "The participation of civil society",
    "Non-discrimination in assistance",
    "Humanitarian assistance",
    "Indigenous peoples",
    "Persons with disabilities",
    "Migrants and refugees",
    "Extraterritorial obligations",
    "Corporate responsibility",
    "Monitoring and follow-up",
    "Remedies",
]
VERBS = [
    "should be read together with",
    "must be consistent with",
    "goes beyond",
    "does not reflect",
    "adds value to",
    "repeats",
    "is broader than",
    "should refer explicitly to",
    "weakens",
    "strengthens",
]
OBJECTS = [
    "the Charter of the United Nations",
    "the Universal Declaration of Human Rights",
    "the Declaration on the Right to Development",
    "agreed language of the Human Rights Council",
    "the 2030 Agenda for Sustainable Development",
    "the Paris Agreement",
    "existing obligations under international law",
    "the principle of common but differentiated responsibilities",
    "General Assembly resolution 60/1",
    "the Vienna Declaration and Programme of Action",
]
OPENERS = [
    "Our delegation welcomes the revised text.",
    "We thank the Independent Expert for the revised draft.",
    "We note the efforts made to take earlier comments into account.",
    "This provision raises a number of concerns.",
    "We broadly support this provision.",
    "We are not in a position to accept this wording.",
    "We reserve our position on this paragraph.",
    "The drafting can be simplified.",
    "The provision should be kept as it stands.",
    "Clarity is needed on the scope of this provision.",
]
CLOSERS = [
    "We stand ready to engage constructively in further consultations.",
    "We propose that the Independent Expert consider alternative wording.",
    "We request that this comment be reflected in the report.",
    "Further discussion is needed before the text can be adopted.",
    "We would favour language already agreed by consensus.",
    "The concept is not defined in international law.",
    "The obligations of States should not be confused with voluntary commitments.",
    "Implementation should respect national circumstances and priorities.",
]
ARTICLE_TITLES = [
    "Purpose",
    "Definitions",
    "General principles",
    "The right to international solidarity",
    "Duty to cooperate",
    "Preventive solidarity",
    "Reactive solidarity",
    "Non-discrimination",
    "Participation",
    "Development",
]


def org_plan(total: int) -> list[tuple[str, int]]:
    """Organisations per category for ``total`` organisations: ORG_PLAN at 300; otherwise
    States stay within the real numbers (193 Member States, a few observers) and the other
    categories share the rest in ORG_PLAN's proportions."""
    if total == sum(n for _c, n in ORG_PLAN):
        return ORG_PLAN
    plan = dict(ORG_PLAN)
    states = {"member_state": min(193, round(total * plan["member_state"] / 300)),
              "observer_state": min(5, max(1, round(total * plan["observer_state"] / 300)))}
    rest = total - sum(states.values())
    others = [(c, n) for c, n in ORG_PLAN if c not in states]
    weight = sum(n for _c, n in others)
    counts = {c: rest * n // weight for c, n in others}
    counts["ngo"] += rest - sum(counts.values())
    return [(c, states.get(c, counts.get(c, 0))) for c, _n in ORG_PLAN]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def sentence(rng: random.Random) -> str:
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}."


def comment_body(rng: random.Random) -> str:
    parts = [rng.choice(OPENERS)]
    parts += [sentence(rng) for _ in range(rng.randint(1, 4))]
    if rng.random() < 0.6:
        parts.append(rng.choice(CLOSERS))
    body = " ".join(parts)
    if rng.random() < 0.25:  # a second paragraph
        body += "\n\n" + " ".join(sentence(rng) for _ in range(rng.randint(1, 3)))
    return body


def amend(base: str, rng: random.Random) -> str:
    """A plausible amendment: a few words of one line replaced, inserted or deleted."""
    lines = base.split("\n")
    index = rng.randrange(len(lines))
    words = lines[index].split(" ")
    if len(words) < 4:
        lines[index] = lines[index] + " " + rng.choice(OBJECTS)
        return "\n".join(lines)
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(words))
        choice = rng.random()
        if choice < 0.4:
            words[i] = rng.choice(["shall", "should", "may", "all", "effective", "national"])
        elif choice < 0.7:
            words.insert(i, rng.choice(["in accordance with international law,", "progressively",
                                        "where appropriate,", "and peoples"]))
        elif len(words) > 6:
            del words[i]
    lines[index] = " ".join(words)
    return "\n".join(lines)


def paragraph_text(rng: random.Random) -> str:
    return (
        f"States shall {rng.choice(['cooperate', 'take steps', 'act jointly', 'ensure'])} "
        f"to realize {rng.choice(SUBJECTS).lower()}, in conformity with "
        f"{rng.choice(OBJECTS)}, "
        f"{rng.choice(['individually', 'collectively', 'through international assistance'])}."
    )


# --- database ---------------------------------------------------------------------------


def sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite:///"):
        return None
    return Path(url[len("sqlite:///") :])


def reset_database(url: str) -> None:
    """Empty the target (a SQLite file, or a PostgreSQL database whose name starts bench_)."""
    path = sqlite_path(url)
    if path is not None:
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    name = urlsplit(url).path.lstrip("/")
    if not name.startswith("bench_"):
        raise SystemExit(f"refusing to reset {name!r}: use a database named bench_*")
    from sqlalchemy import create_engine

    from consult_app.config import normalise_database_url

    engine = create_engine(normalise_database_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def build_schema(app: Any) -> list[str]:
    """Run the migrations, then add what models declare and no migration has yet."""
    from flask_migrate import upgrade

    from consult_app.extensions import db

    upgrade()
    inspector = inspect(db.engine)
    existing = set(inspector.get_table_names())
    missing = [t for t in db.metadata.sorted_tables if t.name not in existing]
    if missing:
        db.metadata.create_all(db.engine, tables=missing)
    added = [t.name for t in missing]
    for table in db.metadata.sorted_tables:
        if table.name in {t.name for t in missing}:
            continue
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in columns:
                continue
            # Declared by a model, not yet by a migration: add it (nullable) so the
            # application can run; the output names it.
            kind = column.type.compile(dialect=db.engine.dialect)
            with db.engine.begin() as connection:
                connection.execute(
                    text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}')
                )
            added.append(f"{table.name}.{column.name}")
    return added


def insert_rows(
    connection: Any, table: Table, rows: Iterator[dict[str, Any]] | Sequence[dict[str, Any]],
) -> int:
    """Insert rows in chunks with executemany (COPY on PostgreSQL); returns how many."""
    if connection.dialect.name == "postgresql" and not any(
        isinstance(c.type, JSON) for c in table.columns
    ):
        return _copy_rows(connection, table, rows)
    count = 0
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            connection.execute(table.insert(), chunk)
            count += len(chunk)
            chunk = []
    if chunk:
        connection.execute(table.insert(), chunk)
        count += len(chunk)
    return count


def _copy_rows(
    connection: Any, table: Table, rows: Iterator[dict[str, Any]] | Sequence[dict[str, Any]],
) -> int:
    """PostgreSQL: stream the rows with COPY (psycopg executemany runs one INSERT a row)."""
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return 0
    names = list(first)
    columns = ", ".join(f'"{name}"' for name in names)
    cursor = connection.connection.driver_connection.cursor()
    count = 0
    with cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
        for row in itertools.chain([first], iterator):
            copy.write_row([row[name] for name in names])
            count += 1
    return count


def fix_sequences(connection: Any, tables: Sequence[Table]) -> None:
    """Explicit ids leave PostgreSQL sequences behind; move them past the data."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        if "id" not in table.c:
            continue
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
            )
        )


# --- the data set ------------------------------------------------------------------------


def comment_counts(total: int, provisions: int, big: int, small: int,
                   rng: random.Random) -> list[int]:
    """Comments per provision: Article 1 (index 10) gets ``big``, the last ``small``."""
    big_index, small_index = min(10, provisions - 1), provisions - 1
    rest = total - big - small
    if rest < 0:
        raise SystemExit(f"--comments must be at least {big + small}")
    others = [i for i in range(provisions) if i not in (big_index, small_index)]
    weights = [rng.paretovariate(1.5) for _ in others]
    scale = rest / sum(weights)
    counts = [0] * provisions
    for i, w in zip(others, weights, strict=True):
        counts[i] = int(w * scale)
    counts[others[0]] += rest - sum(counts)
    # Keep every other provision below the big one, so "the 10,000-comment page" is unique:
    # what is above the cap is spread over the provisions below it.
    # (At 1,000,000 comments that cannot hold: provisions then carry about 20,000 each.)
    cap = big - 1 if rest <= (big - 1) * len(others) else rest
    excess = sum(max(0, counts[i] - cap) for i in others)
    for i in others:
        counts[i] = min(counts[i], cap)
    while excess:
        below = [i for i in others if counts[i] < cap]
        share = max(1, excess // len(below))
        for i in below:
            add = min(share, cap - counts[i], excess)
            counts[i] += add
            excess -= add
            if not excess:
                break
    counts[big_index] = big
    counts[small_index] = small
    assert sum(counts) == total
    return counts


def generate(args: argparse.Namespace) -> dict[str, Any]:
    from consult_app import create_app
    from consult_app.extensions import db

    url = args.database_url
    if args.reset:
        reset_database(url)
    app = create_app(
        "production",
        SECRET_KEY="bench-generate-" + os.urandom(24).hex(),
        PUBLIC_URL="http://127.0.0.1",
        SQLALCHEMY_DATABASE_URI=_normalised(url),
    )
    rng = random.Random(args.seed)
    started = time.perf_counter()
    with app.app_context():
        created = build_schema(app)
        if created:
            log(f"added from the models (no migration yet): {', '.join(created)}")
        tables = db.metadata.tables
        with db.engine.begin() as connection:
            if connection.execute(select(func.count()).select_from(tables["comments"])).scalar():
                raise SystemExit("the database already holds comments; use --reset")
        now = datetime.now(UTC).replace(microsecond=0)
        opens = now - timedelta(days=30)
        closes = now + timedelta(days=60)
        info: dict[str, Any] = {"database_url": url, "seed": args.seed,
                                "schema_added_outside_migrations": created}
        with db.engine.begin() as connection:
            info.update(_static_rows(connection, tables, rng, now, opens, closes, args))
        t_static = time.perf_counter()
        counts = comment_counts(args.comments, args.provisions, args.big, args.small, rng)
        with db.engine.begin() as connection:
            written = _comments(connection, tables, rng, info, counts, opens, now)
            fix_sequences(connection, list(db.metadata.sorted_tables))
        t_comments = time.perf_counter()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM ANALYZE"))
        else:
            with db.engine.begin() as c:
                c.execute(text("ANALYZE"))
        t_end = time.perf_counter()
        info.update(
            comments=written,
            public_comments=info.pop("_public"),
            comments_per_provision=counts,
            seconds={
                "schema_and_static": round(t_static - started, 2),
                "comments": round(t_comments - t_static, 2),
                "analyze": round(t_end - t_comments, 2),
                "total": round(t_end - started, 2),
            },
            comments_per_second=round(written / max(t_comments - t_static, 1e-9)),
            dialect=db.engine.dialect.name,
        )
    return info


def _normalised(url: str) -> str:
    from consult_app.config import normalise_database_url

    return normalise_database_url(url)


def _static_rows(
    connection: Any,
    tables: Any,
    rng: random.Random,
    now: datetime,
    opens: datetime,
    closes: datetime,
    args: argparse.Namespace,
) -> dict[str, Any]:
    password_hash = generate_password_hash(PASSWORD)
    stamp = {"created_at": opens - timedelta(days=10), "updated_at": opens - timedelta(days=10)}
    # Secretariat.
    insert_rows(connection, tables["users"], [{
        "id": 1, "email": "secretariat@bench.example", "name": "Bench Secretariat",
        "password_hash": password_hash, "role": "secretariat", "timezone": "Europe/Zurich",
        "active": True, **stamp,
    }])
    # Organisations and one contributor each.
    orgs: list[dict[str, Any]] = []
    org_id = 0
    for category, n in org_plan(args.organisations):
        for i in range(n):
            org_id += 1
            group = GROUPS[i % len(GROUPS)] if category in ("member_state", "observer_state") \
                else None
            if category == "observer_state" and i >= 2:
                group = None
            orgs.append({
                "id": org_id,
                "name": f"{category.replace('_', ' ').title()} {i + 1:03d}",
                "acronym": f"{category[:3].upper()}{i + 1}" if rng.random() < 0.3 else None,
                "category": category,
                "regional_group": group,
                "country": f"Country {org_id}" if category != "individual" else None,
                "ecosoc_status": category == "ngo" and rng.random() < 0.6,
                "verification_status": "verified",
                "verified_at": opens - timedelta(days=5),
                "verified_by_id": 1,
                **stamp,
            })
    insert_rows(connection, tables["organisations"], orgs)
    users = [{
        "id": o["id"] + 1, "email": f"contributor{o['id']}@bench.example",
        "name": f"Focal point {o['id']}", "password_hash": password_hash,
        "role": "contributor", "organisation_id": o["id"], "timezone": "UTC",
        "active": True, **stamp,
    } for o in orgs]
    insert_rows(connection, tables["users"], users)
    # Text: instrument, version, 10 preambular paragraphs and 40 articles.
    insert_rows(connection, tables["instruments"], [{
        "id": 1, "title": "Draft declaration on the right to international solidarity",
        **stamp}])
    insert_rows(connection, tables["text_versions"], [{
        "id": 1, "instrument_id": 1, "title": "Revised draft declaration (benchmark)",
        "symbol": "A/HRC/BENCH/1", "status": "under_consultation", **stamp}])
    provisions, paragraphs = [], []
    paragraph_id = 0
    preambles = min(10, args.provisions // 5)
    provision_paragraphs: dict[int, list[tuple[int, str]]] = {}
    provision_texts: dict[int, str] = {}
    lines: list[str]
    for position in range(args.provisions):
        pid = position + 1
        is_pp = position < preambles
        number = str(position + 1 if is_pp else position + 1 - preambles)
        provisions.append({
            "id": pid, "version_id": 1, "position": position,
            "kind": "preamble" if is_pp else "article", "number": number,
            "title": None if is_pp else ARTICLE_TITLES[(position - preambles) % 10],
            "intro": paragraph_text(rng) if is_pp else None, **stamp,
        })
        provision_paragraphs[pid] = []
        lines = [str(provisions[-1]["intro"])] if is_pp else []
        if not is_pp:
            for p in range(rng.randint(2, 4)):
                paragraph_id += 1
                body = paragraph_text(rng)
                paragraphs.append({
                    "id": paragraph_id, "provision_id": pid, "position": p * 10, "level": 0,
                    "label": str(p + 1), "text": body, "parent_id": None, **stamp})
                provision_paragraphs[pid].append((paragraph_id, body))
                lines.append(f"{p + 1}. {body}")
                if rng.random() < 0.3:
                    parent = paragraph_id
                    for s in range(rng.randint(2, 3)):
                        paragraph_id += 1
                        sub = paragraph_text(rng)
                        paragraphs.append({
                            "id": paragraph_id, "provision_id": pid, "position": p * 10 + s + 1,
                            "level": 1, "label": f"({'abc'[s]})", "text": sub,
                            "parent_id": parent, **stamp})
                        provision_paragraphs[pid].append((paragraph_id, sub))
                        lines.append(f"({'abc'[s]}) {sub}")
        provision_texts[pid] = "\n".join(lines)
    insert_rows(connection, tables["provisions"], provisions)
    insert_rows(connection, tables["paragraphs"], paragraphs)
    insert_rows(connection, tables["consultations"], [{
        "id": 1, "version_id": 1,
        "title": "Global consultation on the revised draft declaration (benchmark)",
        "description": "Generated by bench/generate.py.",
        "opens_at": opens, "closes_at": closes, "timezone": "Europe/Zurich",
        "eligible_categories": [c for c, _ in ORG_PLAN], "publication_mode": "immediate",
        "publish_submissions": True, "allow_attribution": True, "created_by_id": 1,
        "lock_version": 1, **stamp,
    }])
    # One submitted submission per organisation.
    submissions, revisions, cosigners = [], [], []
    publishable: dict[int, bool] = {}
    for org in orgs:
        sid = org["id"]
        submitted = opens + timedelta(seconds=rng.randrange(int((now - opens).total_seconds())))
        kind, group, name = "none", None, None
        if org["category"] == "member_state" and rng.random() < 0.04:
            kind, group = "regional_group", org["regional_group"]
        elif org["category"] == "ngo" and rng.random() < 0.1:
            kind, name = "coalition", f"Coalition for solidarity {sid}"
        publishable[sid] = rng.random() >= 0.05
        submissions.append({
            "id": sid, "consultation_id": 1, "organisation_id": org["id"],
            "created_by_id": org["id"] + 1, "status": "submitted", "channel": "online",
            "general_remarks": comment_body(rng), "on_behalf_kind": kind,
            "on_behalf_group": group, "on_behalf_name": name,
            "publishable": publishable[sid], "receipt_number": f"SUB-001-{sid:06d}",
            "submitted_at": submitted, "last_submitted_at": submitted, "revision_count": 1,
            "has_unsubmitted_changes": False, "lock_version": 2,
            "created_at": submitted - timedelta(hours=2), "updated_at": submitted,
        })
        revisions.append({
            "submission_id": sid, "number": 1, "submitted_at": submitted,
            "submitted_by_id": org["id"] + 1,
            "snapshot": {"generated": True, "receipt_number": f"SUB-001-{sid:06d}"},
            "created_at": submitted, "updated_at": submitted,
        })
        if rng.random() < 0.07:
            for other in rng.sample(orgs, rng.randint(1, 3)):
                if other["id"] != sid:
                    cosigners.append({"submission_id": sid, "organisation_id": other["id"],
                                      "created_at": submitted, "updated_at": submitted})
    insert_rows(connection, tables["submissions"], submissions)
    insert_rows(connection, tables["submission_revisions"], revisions)
    insert_rows(connection, tables["submission_cosigners"], cosigners)
    weights = [ACTIVITY[o["category"]] for o in orgs]
    return {
        "consultation_id": 1,
        "organisations": len(orgs),
        "users_password": PASSWORD,
        "_orgs": [(o["id"], s["submitted_at"]) for o, s in zip(orgs, submissions, strict=True)],
        "_weights": weights,
        "_publishable": publishable,
        "_paragraphs": provision_paragraphs,
        "_texts": provision_texts,
        "provisions": len(provisions),
    }


def _comments(
    connection: Any,
    tables: Any,
    rng: random.Random,
    info: dict[str, Any],
    counts: list[int],
    opens: datetime,
    now: datetime,
) -> int:
    orgs: list[tuple[int, datetime]] = info.pop("_orgs")
    weights: list[float] = info.pop("_weights")
    publishable: dict[int, bool] = info.pop("_publishable")
    paragraphs: dict[int, list[tuple[int, str]]] = info.pop("_paragraphs")
    texts: dict[int, str] = info.pop("_texts")
    cumulative = []
    acc = 0.0
    for w in weights:
        acc += w
        cumulative.append(acc)
    # A pool of bodies keeps generation cheap at 1,000,000 comments; each body also gets a
    # short unique tail so that no two comments are byte-identical.
    bodies = [comment_body(rng) for _ in range(4_000)]
    rationales = [" ".join(sentence(rng) for _ in range(2)) for _ in range(500)]
    span = int((now - opens).total_seconds())
    public = 0
    next_id = 0

    def rows() -> Iterator[dict[str, Any]]:
        nonlocal public, next_id
        for index, count in enumerate(counts):
            pid = index + 1
            position_weights = [w * rng.uniform(0.3, 1.7) for w in BASE_POSITION_WEIGHTS]
            choices = rng.choices(POSITIONS, position_weights, k=count)
            kinds = rng.choices(KINDS, KIND_WEIGHTS, k=count)
            submitters = rng.choices(orgs, cum_weights=cumulative, k=count)
            targets = paragraphs[pid]
            for i in range(count):
                next_id += 1
                sid, submitted = submitters[i]
                position = choices[i]
                paragraph = rng.choice(targets) if targets and rng.random() < 0.5 else None
                proposed = None
                if position == "support_with_amendments" or (
                    position in ("oppose", "reservation") and rng.random() < 0.2
                ):
                    proposed = amend(paragraph[1] if paragraph else texts[pid], rng)
                roll = rng.random()
                if roll < 0.95:
                    status, reason = "published", None
                elif roll < 0.97:
                    status, reason = "withheld", rng.choice(WITHHELD_REASONS)
                else:
                    status, reason = "pending", None
                withdrawn = submitted if rng.random() < 0.01 else None
                is_public = status == "published" and publishable[sid] and withdrawn is None
                public += is_public
                created = opens + timedelta(seconds=rng.randrange(span))
                if created > submitted:
                    created = submitted
                yield {
                    "id": next_id,
                    "created_at": created,
                    "updated_at": created,
                    "submission_id": sid,
                    "consultation_id": 1,
                    "provision_id": pid,
                    "paragraph_id": paragraph[0] if paragraph else None,
                    "quoted_text": paragraph[1][:60] if paragraph and rng.random() < 0.1
                    else None,
                    "position": position,
                    "kind": kinds[i],
                    "body": f"{rng.choice(bodies)} [ref. {next_id}]",
                    "proposed_wording": proposed,
                    "rationale": rng.choice(rationales) if rng.random() < 0.3 else None,
                    "moderation_status": status,
                    "withheld_reason": reason,
                    "withdrawn_at": withdrawn,
                    "is_public": is_public,
                    "lock_version": 1,
                    "created_by_id": sid + 1,
                    "moderated_by_id": 1 if status != "pending" else None,
                    "moderated_at": submitted if status != "pending" else None,
                }
                if next_id % 100_000 == 0:
                    log(f"  {next_id:,} comments")

    written = insert_rows(connection, tables["comments"], rows())
    info["_public"] = public
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", f"sqlite:///{OUT / 'bench.sqlite'}"))
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--big", type=int, default=10_000,
                        help="comments on Article 1 (default 10,000)")
    parser.add_argument("--small", type=int, default=100,
                        help="comments on the last article (default 100)")
    parser.add_argument("--provisions", type=int, default=50)
    parser.add_argument("--organisations", type=int, default=300,
                        help="organisations, one submission each (default 300)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-reset", dest="reset", action="store_false",
                        help="do not empty the database first")
    parser.add_argument("--name", default=None, help="name of the JSON description")
    args = parser.parse_args(argv)
    if args.provisions < 12:
        parser.error("--provisions must be at least 12")
    if args.organisations < 50:
        parser.error("--organisations must be at least 50")
    OUT.mkdir(parents=True, exist_ok=True)
    info = generate(args)
    info["big_provision_id"] = min(10, args.provisions - 1) + 1
    info["small_provision_id"] = args.provisions
    name = args.name or _default_name(args.database_url, args.comments)
    path = OUT / f"dataset-{name}.json"
    path.write_text(json.dumps(info, indent=2, default=str))
    log(
        f"{info['comments']:,} comments ({info['public_comments']:,} public) on "
        f"{info['provisions']} provisions by {info['organisations']} organisations in "
        f"{info['seconds']['total']} s ({info['comments_per_second']:,} comments/s); "
        f"described in {path.relative_to(ROOT)}"
    )
    return 0


def _default_name(url: str, comments: int) -> str:
    path = sqlite_path(url)
    base = path.stem if path is not None else urlsplit(url).path.lstrip("/")
    return f"{base}-{comments}"


if __name__ == "__main__":
    raise SystemExit(main())
