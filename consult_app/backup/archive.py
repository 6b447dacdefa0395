"""Backup and restore of the whole platform as one portable archive (``flask ops``).

The archive (a ``.tar.gz``) holds:

- ``manifest.json``: format, schema revision (Alembic), source dialect, time, the row count
  of every table and the checksum of every member;
- ``tables/<name>.jsonl``: every row of every table of the models, one JSON object a line
  (dates as ISO 8601, bytes in base64, enums by name), read in one consistent snapshot
  (PostgreSQL: one ``REPEATABLE READ`` read-only transaction; SQLite: a copy made with
  SQLite's online backup API, then read);
- ``files/<key>``: the files of the ``local`` storage (built exports, import previews);
  with ``FILE_STORAGE=database`` they are rows of ``stored_files`` and already in ``tables/``.

It is not tied to one engine: an archive of SQLite restores into PostgreSQL and back. A
restore goes into an empty database at the same schema revision (``flask db upgrade`` first),
in one transaction: all of it or nothing. The counts tables (``comment_counts``...) are not
copied but rebuilt from the restored comments, and the audit chain is verified before the
commit: a restore that would break it is refused.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import io
import json
import os
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Enum,
    LargeBinary,
    Table,
    bindparam,
    create_engine,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine

from consult_app.core.storage import LocalStorage, get_storage
from consult_app.extensions import db

FORMAT = "consult_app-backup/1"
FILE_PREFIXES = ("exports", "imports")
BATCH = 1000


class BackupError(Exception):
    """The archive cannot be written or restored (the message says why)."""


@dataclass
class Summary:
    tables: dict[str, int] = field(default_factory=dict)
    files: int = 0
    revision: str | None = None
    dialect: str = ""


def _count_tables() -> set[str]:
    from consult_app.summaries.counts import ALL_COUNT_TABLES

    return {t.name for t in ALL_COUNT_TABLES}


def _tables() -> list[Table]:
    """The tables of the models, parents before children."""
    return list(db.metadata.sorted_tables)


# --- values ------------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, enum.Enum):
        return value.name
    return value


def _decoder(table: Table) -> Any:
    """A function turning a dumped row back into values for ``insert(table)``."""
    converters: dict[str, Any] = {}
    for column in table.columns:
        kind = column.type
        impl = getattr(kind, "impl", kind)
        if isinstance(kind, Enum) and kind.enum_class is not None:
            enum_class = kind.enum_class
            converters[column.name] = lambda v, e=enum_class: e[v]
        elif isinstance(impl, DateTime):
            aware = bool(getattr(impl, "timezone", False))

            def to_datetime(v: str, aware: bool = aware) -> datetime:
                value = datetime.fromisoformat(v)
                if aware and value.tzinfo is None:
                    value = value.replace(tzinfo=UTC)
                return value

            converters[column.name] = to_datetime
        elif isinstance(impl, Date):
            converters[column.name] = date.fromisoformat
        elif isinstance(impl, LargeBinary):
            converters[column.name] = base64.b64decode
    names = {c.name for c in table.columns}

    def decode(row: dict[str, Any]) -> dict[str, Any]:
        unknown = set(row) - names
        if unknown:
            raise BackupError(f"{table.name}: unknown columns {sorted(unknown)}")
        return {
            k: (converters[k](v) if v is not None and k in converters else v)
            for k, v in row.items()
        }

    return decode


# --- backup ------------------------------------------------------------------------------


def _revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _snapshot_sqlite(engine: Engine, folder: Path) -> Engine:
    """A consistent copy of the SQLite database (SQLite's online backup API)."""
    copy = folder / "snapshot.sqlite"
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        assert isinstance(source, sqlite3.Connection)
        target = sqlite3.connect(copy)
        with target:
            source.backup(target)
        target.close()
    finally:
        raw.close()
    return create_engine(f"sqlite:///{copy}")


def _add(archive: tarfile.TarFile, name: str, data: bytes, digests: dict[str, str]) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))
    digests[name] = hashlib.sha256(data).hexdigest()


def _dump_table(conn: Connection, table: Table) -> tuple[bytes, int]:
    lines = []
    order = list(table.primary_key.columns) or list(table.columns)
    result = conn.execution_options(stream_results=True).execute(select(table).order_by(*order))
    for row in result.mappings():
        lines.append(json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False))
    data = ("\n".join(lines) + ("\n" if lines else "")).encode()
    return data, len(lines)


def _local_files() -> Iterator[tuple[str, Path]]:
    storage = get_storage()
    if not isinstance(storage, LocalStorage):
        return
    for prefix in FILE_PREFIXES:
        folder = storage.folders.get(prefix) or storage.root / prefix
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and not path.name.endswith(".tmp"):
                yield f"{prefix}/{path.name}", path


@contextmanager
def snapshot() -> Iterator[Connection]:
    """A connection reading one consistent state of the database (PostgreSQL: a
    ``REPEATABLE READ`` read-only transaction; SQLite: a copy made with the backup API)."""
    engine = db.engine
    with tempfile.TemporaryDirectory() as tmp:
        source = engine
        if engine.dialect.name == "sqlite":
            source = _snapshot_sqlite(engine, Path(tmp))
        try:
            with source.connect() as conn:
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql(
                        "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
                    )
                yield conn
                conn.rollback()
        finally:
            if source is not engine:
                source.dispose()


@contextmanager
def writing(path: Path) -> Iterator[tuple[tarfile.TarFile, dict[str, str]]]:
    """The archive being written and the checksums of its members; ``path`` is replaced
    only once the archive is complete."""
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    try:
        with tarfile.open(partial, "w:gz") as archive:
            yield archive, {}
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def add_manifest(archive: tarfile.TarFile, manifest: dict[str, Any]) -> None:
    _add(archive, "manifest.json", json.dumps(manifest, indent=1).encode(), {})


def backup(path: Path) -> Summary:
    """Write the archive to ``path`` (replaced atomically when complete)."""
    summary = Summary(dialect=db.engine.dialect.name)
    with snapshot() as conn, writing(path) as (archive, digests):
        summary.revision = _revision(conn)
        skipped = _count_tables()
        for table in _tables():
            if table.name in skipped:
                continue
            data, rows = _dump_table(conn, table)
            summary.tables[table.name] = rows
            _add(archive, f"tables/{table.name}.jsonl", data, digests)
        for key, file_path in _local_files():
            _add(archive, f"files/{key}", file_path.read_bytes(), digests)
            summary.files += 1
        add_manifest(
            archive,
            {
                "format": FORMAT,
                "revision": summary.revision,
                "dialect": summary.dialect,
                "created_at": datetime.now(UTC).isoformat(),
                "tables": summary.tables,
                "files": summary.files,
                "sha256": digests,
            },
        )
    return summary


# --- restore -----------------------------------------------------------------------------


def _read(archive: tarfile.TarFile, name: str, digests: dict[str, str]) -> bytes:
    try:
        member = archive.extractfile(name)
    except KeyError:
        member = None
    if member is None:
        raise BackupError(f"the archive has no {name}")
    data = member.read()
    if name in digests and hashlib.sha256(data).hexdigest() != digests[name]:
        raise BackupError(f"{name} does not match its checksum: the archive is damaged")
    return data


def _manifest(archive: tarfile.TarFile, kind: str = FORMAT) -> dict[str, Any]:
    try:
        manifest = json.loads(_read(archive, "manifest.json", {}))
    except (ValueError, UnicodeDecodeError) as error:
        raise BackupError(f"manifest.json is not valid JSON ({error})") from error
    if not isinstance(manifest, dict) or manifest.get("format") != kind:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise BackupError(
            f"not a {kind} archive" + (f" (it is a {found} archive)" if found else "")
        )
    return manifest


def _open(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, "r:gz")
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"cannot read {path}: {error}") from error


def _rows(data: bytes) -> Iterator[dict[str, Any]]:
    for line in io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"):
        if line.strip():
            yield json.loads(line)


def reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """PostgreSQL: make the next generated id follow the restored rows."""
    for table in tables:
        for column in table.primary_key.columns:
            if not column.autoincrement or len(table.primary_key.columns) != 1:
                continue
            sequence = conn.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"),
                {"t": table.name, "c": column.name},
            ).scalar()
            if sequence:
                highest = select(func.max(column)).scalar_subquery()
                conn.execute(select(func.setval(sequence, func.coalesce(highest, 0) + 1, False)))


def _late_columns(tables: list[Table]) -> dict[str, list[str]]:
    """Foreign keys to a table inserted later, or to the same table (users <-> organisations,
    replies to comments): inserted empty, filled once every row is in."""
    position = {t.name: i for i, t in enumerate(tables)}
    late: dict[str, list[str]] = {}
    for table in tables:
        late[table.name] = sorted(
            {
                fk.parent.name
                for fk in table.foreign_keys
                if position.get(fk.column.table.name, -1) >= position[table.name]
            }
        )
        for name in late[table.name]:
            if not table.c[name].nullable:
                raise BackupError(f"{table.name}.{name} cannot be restored in two steps")
    return late


def _fill_late_columns(conn: Connection, pending: list[tuple[Table, dict[str, Any]]]) -> None:
    by_table: dict[str, tuple[Table, list[dict[str, Any]]]] = {}
    for table, values in pending:
        by_table.setdefault(table.name, (table, []))[1].append(values)
    for table, rows in by_table.values():
        columns = [c.removeprefix("v_") for c in rows[0] if c.startswith("v_")]
        statement = (
            update(table)
            .where(*[c == bindparam(f"pk_{c.name}") for c in table.primary_key.columns])
            .values({c: bindparam(f"v_{c}") for c in columns})
        )
        for start in range(0, len(rows), BATCH):
            conn.execute(statement, rows[start : start + BATCH])


def check_target(conn: Connection, revision: str | None, tables: list[Table]) -> None:
    """Refuse a database at another schema revision than the archive's, or with rows."""
    current = _revision(conn)
    if current is not None and revision is not None and current != revision:
        raise BackupError(
            f"the archive is of schema revision {revision}, the database of "
            f"{current}: bring them to the same revision first (flask db upgrade)"
        )
    for table in tables:
        if conn.execute(select(func.count()).select_from(table)).scalar():
            raise BackupError(
                f"the database is not empty ({table.name} has rows): use an empty database"
            )


class Loader:
    """Inserts dumped rows table by table (parents first); foreign keys to later tables
    or to the same table are filled by :meth:`finish` once every row is in."""

    def __init__(self, conn: Connection, tables: list[Table]) -> None:
        self.conn = conn
        self.tables = tables
        self.late_columns = _late_columns(tables)
        self.pending: list[tuple[Table, dict[str, Any]]] = []

    def load(self, table: Table, rows: Iterable[dict[str, Any]]) -> int:
        """Insert ``rows`` (as dumped) into ``table``; return how many."""
        conn = self.conn
        decode = _decoder(table)
        late = self.late_columns[table.name]
        # Columns with an ``onupdate`` (updated_at) keep their value through the UPDATE.
        kept = [c.name for c in table.columns if c.onupdate is not None] if late else []
        pk = [c.name for c in table.primary_key.columns]
        batch: list[dict[str, Any]] = []
        count = 0
        for row in rows:
            values = decode(row)
            if late and any(values.get(c) is not None for c in late):
                self.pending.append(
                    (
                        table,
                        {
                            **{f"pk_{c}": values[c] for c in pk},
                            **{f"v_{c}": values.get(c) for c in [*late, *kept]},
                        },
                    )
                )
                values.update({c: None for c in late})
            batch.append(values)
            if len(batch) >= BATCH:
                conn.execute(insert(table), batch)
                count += len(batch)
                batch = []
        if batch:
            conn.execute(insert(table), batch)
            count += len(batch)
        return count

    def finish(self) -> None:
        _fill_late_columns(self.conn, self.pending)
        self.pending = []
        if self.conn.dialect.name == "postgresql":
            reset_sequences(self.conn, self.tables)


def load_tables(
    loader: Loader,
    archive: tarfile.TarFile,
    manifest: dict[str, Any],
    skipped: set[str],
) -> dict[str, int]:
    """Load every table of the models but ``skipped`` from the archive's ``tables/``
    members, checking each against its checksum and the manifest's row count."""
    digests = manifest.get("sha256") or {}
    counted = manifest.get("tables") or {}
    loaded = {}
    for table in loader.tables:
        if table.name in skipped:
            continue
        if table.name not in counted:
            raise BackupError(f"the archive has no rows for {table.name}")
        data = _read(archive, f"tables/{table.name}.jsonl", digests)
        rows = loader.load(table, _rows(data))
        if rows != counted[table.name]:
            raise BackupError(f"{table.name}: {rows} rows, the manifest says {counted[table.name]}")
        loaded[table.name] = rows
    return loaded


def restore(path: Path) -> Summary:
    """Load the archive into the (empty) database and the storage; one transaction."""
    from consult_app.core.audit import verify_chain
    from consult_app.summaries.counts import rebuild

    with _open(path) as archive:
        manifest = _manifest(archive)
        digests = manifest.get("sha256") or {}
        summary = Summary(revision=manifest.get("revision"), dialect=manifest.get("dialect", ""))
        conn = db.session.connection()
        tables = _tables()
        check_target(conn, summary.revision, tables)
        storage = get_storage()
        loader = Loader(conn, tables)
        summary.tables = load_tables(loader, archive, manifest, _count_tables())
        loader.finish()
        rebuild()
        problems = verify_chain()
        if problems:
            raise BackupError("the restored audit chain does not verify: " + problems[0])
        files = [m for m in archive.getmembers() if m.isfile() and m.name.startswith("files/")]
        for member in files:
            key = member.name.removeprefix("files/")
            storage.put(key, _read(archive, member.name, digests))
            summary.files += 1
    return summary
