"""One consultation as a portable archive (``flask ops export-consultation|import-consultation``).

The archive (a ``.tar.gz``, the same members as the platform's backup, ``archive.py``) holds:

- ``tables/<name>.jsonl``: the consultation's rows and the rows they need, nothing else:

  * its *family*: the rows that belong to it, found by following non-nullable foreign keys
    down from the consultation (translations, settings, themes, submissions, cosigners,
    revisions, attachments with their bytes, comments, dispositions, duplicate groups,
    assignments, summaries, export jobs...);
  * the rows they refer to, recursively (the text's version, organisations, accounts...),
    and with a text the whole text: every version of the instrument and what belongs to
    them (provisions, paragraphs, footnotes, translations, changes). Nothing is taken
    *down* from a shared row (an organisation, an account, a provision) into another
    consultation;
  * accounts without their secrets: the password is replaced by an unusable value (people
    set a new one with "forgot password") and the second factor is removed; sign-ins,
    recovery codes and pending registrations are left out;

- the audit chain: the entries about the archived rows in full, and of every other entry
  up to the chain's head only its link (id, previous hash, hash: ``tables/audit_links``),
  so that the chain verifies from the genesis hash without other consultations' content;
- ``files/exports/...``: the built files of its export jobs;
- ``figures.json``: the consultation's figures (its counts rows, as the comments give them);
- ``manifest.json``: format, schema revision, source engine, the consultation, the head of
  the audit chain, row counts and checksums.

The import goes into an empty database at the same schema revision, in one transaction:
the rows keep their ids, an ``import_consultation`` entry is appended after the chain's
head, the counts are rebuilt and must equal the archive's figures, and the chain must
verify; otherwise nothing is kept.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, select

from consult_app.backup.archive import (
    BackupError,
    Loader,
    _add,
    _count_tables,
    _encode,
    _manifest,
    _open,
    _read,
    _revision,
    _tables,
    add_manifest,
    check_target,
    load_tables,
    snapshot,
    writing,
)
from consult_app.consultations.models import Consultation
from consult_app.core.audit import AuditEntry, AuditLink, append_at_head, chain_head, verify_chain
from consult_app.core.storage import get_storage
from consult_app.exports.jobs import file_key
from consult_app.extensions import db
from consult_app.summaries.counts import ALL_COUNT_TABLES, expected_rows, rebuild

FORMAT = "consult_app-consultation/1"
#: Tables whose rows own others, in order of precedence: a table reachable from both
#: belongs to the first (a comment refers to a provision but is the consultation's).
ROOTS = ("consultations", "instruments")
#: Not carried: sign-ins and recovery codes (secrets), requests to register (not accounts
#: yet), the storage's files (an export job's file travels under ``files/``).
NOT_CARRIED = frozenset(
    {"user_sessions", "recovery_codes", "pending_registrations", "stored_files"}
)
AUDIT_TABLES = frozenset({"audit_entries", "audit_links"})
# Not a hash of any password ("method$salt$hash"): checking any password against it fails.
UNUSABLE_PASSWORD = "!unusable"  # noqa: S105  (a marker, not a secret)
#: Values replacing secrets in the archive, by table and column.
SECRETS: dict[str, dict[str, Any]] = {
    "users": {
        "password_hash": UNUSABLE_PASSWORD,
        "totp_secret": None,
        "totp_enabled_at": None,
        "totp_last_step": None,
    }
}
CHUNK = 500


@dataclass
class ConsultationSummary:
    consultation_id: int
    title: str = ""
    tables: dict[str, int] = field(default_factory=dict)
    files: int = 0
    entries: int = 0
    links: int = 0
    revision: str | None = None
    dialect: str = ""

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    @property
    def accounts(self) -> int:
        return self.tables.get("users", 0)


def _left_out() -> set[str]:
    return _count_tables() | NOT_CARRIED


def families(tables: list[Table]) -> dict[str, list[Table]]:
    """For each root, the tables (parents first) whose rows belong to one of its rows: those
    reached from it by non-nullable foreign keys, the root itself first."""
    left_out = _left_out() | AUDIT_TABLES
    taken = set(ROOTS)
    found: dict[str, list[Table]] = {}
    for root in ROOTS:
        members = {root}
        changed = True
        while changed:
            changed = False
            for table in tables:
                if table.name in taken or table.name in left_out:
                    continue
                if any(
                    not fk.parent.nullable and fk.column.table.name in members
                    for fk in table.foreign_keys
                ):
                    members.add(table.name)
                    taken.add(table.name)
                    changed = True
        found[root] = [t for t in tables if t.name in members]
    return found


class Selection:
    """The rows of one consultation's archive, read through ``conn`` (a snapshot)."""

    def __init__(self, conn: Connection, tables: list[Table]) -> None:
        self.conn = conn
        self.tables = {t.name: t for t in tables}
        self.families = families(tables)
        self.rows: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {t.name: {} for t in tables}

    def values(self, table: str, column: str) -> set[Any]:
        return {row[column] for row in self.rows[table].values()}

    def fetch(self, table: Table, column: str, values: Iterable[Any]) -> int:
        """Add the rows of ``table`` whose ``column`` is one of ``values``; return how many
        were new."""
        wanted = sorted({v for v in values if v is not None})
        rows = self.rows[table.name]
        key_columns = [c.name for c in table.primary_key.columns]
        added = 0
        for start in range(0, len(wanted), CHUNK):
            query = select(table).where(table.c[column].in_(wanted[start : start + CHUNK]))
            for row in self.conn.execute(query).mappings():
                key = tuple(row[c] for c in key_columns)
                if key not in rows:
                    rows[key] = dict(row)
                    added += 1
        return added

    def descend(self, root: str) -> None:
        """Add the family rows of the selected rows of ``root``."""
        family = self.families[root]
        names = {t.name for t in family}
        for table in family:
            if table.name == root:
                continue
            for fk in table.foreign_keys:
                target = fk.column.table.name
                if not fk.parent.nullable and target in names and target != table.name:
                    self.fetch(table, fk.parent.name, self.values(target, fk.column.name))

    def ascend(self) -> None:
        """Add the rows the selected rows refer to (and, for a root such as a text, its
        family), until every reference is in."""
        while True:
            roots: set[str] = set()
            added = 0
            for name, rows in self.rows.items():
                if not rows:
                    continue
                table = self.tables[name]
                for fk in table.foreign_keys:
                    target = fk.column.table
                    wanted = {r[fk.parent.name] for r in rows.values()}
                    wanted -= self.values(target.name, fk.column.name)
                    wanted.discard(None)
                    new = self.fetch(target, fk.column.name, wanted) if wanted else 0
                    if new:
                        added += new
                        roots.add(target.name)
            if not added:
                return
            for root in roots & set(ROOTS[1:]):
                self.descend(root)


def _audited() -> dict[str, str]:
    """Audit entries' ``object_type`` (a model class's name) -> its table's name."""
    found = {}
    for mapper in db.Model.registry.mappers:  # type: ignore[attr-defined]
        table = mapper.local_table
        if isinstance(table, Table):
            found[mapper.class_.__name__] = table.name
    return found


def _select_entries(selection: Selection) -> set[int]:
    """The ids of the audit entries about selected rows; their actors join the selection
    (with what they refer to), and so on until nothing is added."""
    audited = _audited()
    entries = AuditEntry.__table__
    query = select(entries.c.id, entries.c.object_type, entries.c.object_id, entries.c.actor_id)
    users = selection.tables["users"]
    while True:
        ids: dict[str, set[Any]] = {}
        for name, table in selection.tables.items():
            if len(table.primary_key.columns) == 1:
                column = next(iter(table.primary_key.columns)).name
                ids[name] = selection.values(name, column)
        chosen: set[int] = set()
        actors: set[int] = set()
        for entry in selection.conn.execute(query):
            table_name = audited.get(entry.object_type)
            if table_name is not None and entry.object_id in ids.get(table_name, ()):
                chosen.add(entry.id)
                if entry.actor_id is not None:
                    actors.add(entry.actor_id)
        if not selection.fetch(users, "id", actors - ids["users"]):
            return chosen
        selection.ascend()


def _jsonl(rows: Iterable[dict[str, Any]]) -> tuple[bytes, int]:
    lines = [json.dumps({k: _encode(v) for k, v in r.items()}, ensure_ascii=False) for r in rows]
    return ("\n".join(lines) + ("\n" if lines else "")).encode(), len(lines)


def _figure_rows(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Counts rows comparable across engines: without ``wording_key`` (an md5 on PostgreSQL,
    the wording on SQLite), in one order."""
    found = [{k: _encode(v) for k, v in r.items() if k != "wording_key"} for r in rows]
    return sorted(found, key=lambda r: json.dumps(r, sort_keys=True))


def _figures(conn: Connection, consultation_id: int) -> dict[str, list[dict[str, Any]]]:
    """The consultation's counts as a recount from its comments gives them."""
    figures = {}
    for table in ALL_COUNT_TABLES:
        names = [c.name for c in table.columns]
        query = expected_rows(conn.dialect.name, table, consultation_id)
        rows = (dict(zip(names, row, strict=True)) for row in conn.execute(query))
        figures[table.name] = _figure_rows(rows)
    return figures


def _stored_figures(consultation_id: int) -> dict[str, list[dict[str, Any]]]:
    return {
        table.name: _figure_rows(
            dict(row)
            for row in db.session.execute(
                select(table).where(table.c.consultation_id == consultation_id)
            ).mappings()
        )
        for table in ALL_COUNT_TABLES
    }


def export_consultation(consultation_id: int, path: Path) -> ConsultationSummary:
    """Write the archive of one consultation to ``path`` (replaced when complete)."""
    summary = ConsultationSummary(consultation_id, dialect=db.engine.dialect.name)
    tables = _tables()
    left_out = _left_out()
    with snapshot() as conn:
        selection = Selection(conn, tables)
        if not selection.fetch(selection.tables["consultations"], "id", [consultation_id]):
            raise BackupError(f"there is no consultation {consultation_id}")
        selection.descend("consultations")
        selection.ascend()
        chosen = _select_entries(selection)
        consultation = next(iter(selection.rows["consultations"].values()))
        summary.title = consultation["title"]
        summary.revision = _revision(conn)
        head = chain_head(conn)
        with writing(path) as (archive, digests):
            for table in tables:
                if table.name in left_out or table.name in AUDIT_TABLES:
                    continue
                secrets = SECRETS.get(table.name, {})
                rows = [
                    {**row, **secrets} for _key, row in sorted(selection.rows[table.name].items())
                ]
                data, summary.tables[table.name] = _jsonl(rows)
                _add(archive, f"tables/{table.name}.jsonl", data, digests)
            entries, links = _audit_rows(conn, chosen)
            data, summary.entries = _jsonl(entries)
            _add(archive, "tables/audit_entries.jsonl", data, digests)
            data, summary.links = _jsonl(links)
            _add(archive, "tables/audit_links.jsonl", data, digests)
            storage = get_storage()
            for job in selection.rows["export_jobs"].values():
                key = file_key(job["file_path"]) if job["file_path"] else None
                content = storage.get(key) if key else None
                if content is not None:
                    _add(archive, f"files/{key}", content, digests)
                    summary.files += 1
            figures = _figures(conn, consultation_id)
            _add(archive, "figures.json", json.dumps(figures, indent=1).encode(), digests)
            add_manifest(
                archive,
                {
                    "format": FORMAT,
                    "revision": summary.revision,
                    "dialect": summary.dialect,
                    "created_at": datetime.now(UTC).isoformat(),
                    "consultation": {"id": consultation_id, "title": summary.title},
                    "audit_head": {"id": head[0], "hash": head[1]} if head else None,
                    "tables": {
                        **summary.tables,
                        "audit_entries": summary.entries,
                        "audit_links": summary.links,
                    },
                    "figures": {name: len(rows) for name, rows in figures.items()},
                    "files": summary.files,
                    "sha256": digests,
                },
            )
    return summary


def _audit_rows(
    conn: Connection, chosen: set[int]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The chosen entries in full; every other entry, and every stored link, as a link."""
    entries = AuditEntry.__table__
    links_table = AuditLink.__table__
    full: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    for row in conn.execute(select(entries).order_by(entries.c.id)).mappings():
        if row["id"] in chosen:
            full.append(dict(row))
        else:
            links.append({"id": row["id"], "prev_hash": row["prev_hash"], "hash": row["hash"]})
    links.extend(dict(r) for r in conn.execute(select(links_table)).mappings())
    links.sort(key=lambda r: r["id"])
    return full, links


def import_consultation(path: Path) -> ConsultationSummary:
    """Load a consultation's archive into the (empty) database and the storage; one
    transaction, refused (:class:`BackupError`) unless the audit chain verifies and the
    figures equal the archive's. Flushes, does not commit."""
    with _open(path) as archive:
        manifest = _manifest(archive, FORMAT)
        digests = manifest.get("sha256") or {}
        about = manifest.get("consultation") or {}
        if not isinstance(about.get("id"), int):
            raise BackupError("the manifest names no consultation")
        summary = ConsultationSummary(
            about["id"],
            title=str(about.get("title") or ""),
            revision=manifest.get("revision"),
            dialect=str(manifest.get("dialect") or ""),
        )
        try:
            figures = json.loads(_read(archive, "figures.json", digests))
        except (ValueError, UnicodeDecodeError) as error:
            raise BackupError(f"figures.json is not valid JSON ({error})") from error
        conn = db.session.connection()
        tables = _tables()
        check_target(conn, summary.revision, tables)
        loader = Loader(conn, tables)
        summary.tables = load_tables(loader, archive, manifest, _left_out())
        summary.entries = summary.tables.pop("audit_entries")
        summary.links = summary.tables.pop("audit_links")
        loader.finish()
        consultation = db.session.get(Consultation, summary.consultation_id)
        if consultation is None:
            raise BackupError(f"the archive has no consultation {summary.consultation_id}")
        head = chain_head(conn)
        expected_head = manifest.get("audit_head")
        if (list(head) if head else None) != (
            [expected_head.get("id"), expected_head.get("hash")] if expected_head else None
        ):
            raise BackupError("the audit chain does not end where the manifest says")
        append_at_head(
            None,
            "import_consultation",
            consultation,
            after={
                "archive": path.name,
                "exported_at": manifest.get("created_at"),
                "source": summary.dialect,
                "rows": summary.rows,
                "passwords": "reset",
            },
        )
        problems = verify_chain()
        if problems:
            raise BackupError("the imported audit chain does not verify: " + problems[0])
        rebuild()
        stored = _stored_figures(summary.consultation_id)
        for name, rows in stored.items():
            if rows != figures.get(name):
                raise BackupError(
                    f"the figures differ from the archive's ({name}: {len(rows)} rows, the "
                    f"archive has {len(figures.get(name) or [])})"
                )
        # Last, once everything else is checked (the local storage is no transaction).
        storage = get_storage()
        for member in archive.getmembers():
            if member.isfile() and member.name.startswith("files/"):
                key = member.name.removeprefix("files/")
                storage.put(key, _read(archive, member.name, digests))
                summary.files += 1
    return summary
