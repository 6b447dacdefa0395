"""Append-only audit log: who did what to which object, with before and after.

Each entry carries a SHA-256 hash over its content and the previous entry's hash, so
that changing or removing an entry breaks the chain (see :func:`verify_chain`).
"""

from __future__ import annotations

import hashlib
import heapq
import json
import logging
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import (
    DDL,
    JSON,
    Connection,
    ForeignKey,
    String,
    Table,
    bindparam,
    event,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.orm import (
    Mapped,
    Mapper,
    ORMExecuteState,
    Session,
    make_transient_to_detached,
    mapped_column,
)

from consult_app.core.models import UTCDateTime
from consult_app.extensions import db

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64


class Actor(Protocol):
    """Who acts: an account (accounts.User); the log keeps its id (``users.id``)."""

    @property
    def id(self) -> int: ...


class AuditEntry(db.Model):  # type: ignore[name-defined]
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    object_type: Mapped[str] = mapped_column(String(64), nullable=False)
    object_id: Mapped[int | None] = mapped_column()
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)

    __table_args__ = (db.Index("ix_audit_entries_object", "object_type", "object_id"),)

    def payload(self) -> str:
        return _payload(
            at=self.at,
            actor_id=self.actor_id,
            action=self.action,
            object_type=self.object_type,
            object_id=self.object_id,
            before=self.before,
            after=self.after,
            prev_hash=self.prev_hash,
        )

    def compute_hash(self) -> str:
        return hashlib.sha256(self.payload().encode()).hexdigest()


def _payload(
    *,
    at: datetime,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    prev_hash: str,
) -> str:
    """The text an entry's hash covers: its content and the previous entry's hash.

    Keys are sorted, so ``prev_hash`` comes last (:func:`_payload_parts` relies on it).
    """
    return json.dumps(
        {
            "at": at.astimezone(UTC).isoformat(),
            "actor_id": actor_id,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "before": before,
            "after": after,
            "prev_hash": prev_hash,
        },
        sort_keys=True,
        default=str,
    )


class AuditLink(db.Model):  # type: ignore[name-defined]
    """An entry of the chain known only by its link: id, previous hash and hash.

    A consultation archive (``flask ops export-consultation``) carries the entries of its
    own objects in full and only these three values of every other entry, so that the chain
    still verifies from the genesis hash without revealing other consultations' content.
    The import stores them here; :func:`verify_chain` walks entries and links merged by id,
    checking a link's continuity only. The import appends an entry after the last link
    (:func:`append_at_head`), so the chain always ends with an entry and ``log_action``'s
    last hash (the last entry's) is the chain's head.
    """

    __tablename__ = "audit_links"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)


class AuditLogAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit entry."""


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditLink, "before_update")
def _refuse_update(mapper: Mapper[Any], connection: Any, entry: AuditEntry | AuditLink) -> None:
    raise AuditLogAppendOnly(f"audit entry {entry.id} cannot be changed: the log is append-only")


@event.listens_for(AuditEntry, "before_delete")
@event.listens_for(AuditLink, "before_delete")
def _refuse_delete(mapper: Mapper[Any], connection: Any, entry: AuditEntry | AuditLink) -> None:
    raise AuditLogAppendOnly(f"audit entry {entry.id} cannot be deleted: the log is append-only")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    # ``session.execute(update(AuditEntry))`` bypasses the mapper events above.
    if (state.is_update or state.is_delete) and any(
        m.class_ is AuditEntry or m.class_ is AuditLink for m in state.all_mappers
    ):
        raise AuditLogAppendOnly("audit entries cannot be changed or deleted: append-only")


def _jsonable(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str))


CHAIN_LOCK = 727274  # PostgreSQL advisory lock taken by each writer of the chain
_table = AuditEntry.__table__
_links = AuditLink.__table__
_LAST_HASH = select(_table.c.hash).order_by(_table.c.id.desc()).limit(1)


def _lock_chain() -> Connection:
    """Serialise writers of the chain until the transaction ends; return its connection.

    PostgreSQL: a transaction-scoped advisory lock, taken in its own statement so that the
    next statement reads the last hash after the lock is held (a statement's snapshot is
    taken when it starts). SQLite serialises writers, but pysqlite begins the transaction
    only at the first write: a transaction that has not written yet takes the write lock
    now (``BEGIN IMMEDIATE``), so that the last hash is not read before another process
    appends its entry.
    """
    connection = db.session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({CHAIN_LOCK})")
    elif dialect == "sqlite":
        raw = connection.connection.dbapi_connection
        if not getattr(raw, "in_transaction", True):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    return connection


#: PostgreSQL: one call appends an entry: takes the chain's lock, then reads the time and
#: the last hash and inserts the entry with its hash, ``sha256(head || at || middle ||
#: previous hash || tail)``, the three parts being :func:`_payload` around ``at`` and an empty
#: ``prev_hash``. A VOLATILE function runs each statement on a snapshot of its own, so the
#: last hash is read after the lock is held (one round trip, where a lock in a statement of
#: its own and then the INSERT took two); the time is read then too, so that entries' times
#: follow the chain's order. ``at`` is formatted as Python's ``isoformat`` writes it.
#: The last hash is read through the primary key whatever the table's size: the function's
#: plans are kept for a connection's life, and one made while the table was small (a new
#: database, a connection opened on the first day) read every entry and sorted them on
#: each call, ever slower as the chain grew (``enable_seqscan`` off for this function only).
APPEND_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION audit_append(
    p_actor_id integer, p_action varchar, p_object_type varchar, p_object_id integer,
    p_before json, p_after json, p_head text, p_middle text, p_tail text)
RETURNS TABLE (entry_id integer, entry_at timestamptz, entry_prev_hash varchar,
               entry_hash varchar)
LANGUAGE plpgsql VOLATILE SET enable_seqscan = off AS $$
DECLARE
    previous varchar;
    now_at timestamptz;
BEGIN
    PERFORM pg_advisory_xact_lock({CHAIN_LOCK});
    now_at := date_trunc('second', clock_timestamp());
    SELECT a.hash INTO previous FROM audit_entries a ORDER BY a.id DESC LIMIT 1;
    previous := coalesce(previous, '{GENESIS_HASH}');
    RETURN QUERY
    INSERT INTO audit_entries AS e
        (at, actor_id, action, object_type, object_id, before, after, prev_hash, hash)
    VALUES (
        now_at, p_actor_id, p_action, p_object_type, p_object_id, p_before, p_after, previous,
        encode(sha256(convert_to(
            p_head
            || to_char(now_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || '+00:00'
            || p_middle || previous || p_tail, 'UTF8')), 'hex'))
    RETURNING e.id, e.at, e.prev_hash, e.hash;
END $$
"""  # noqa: S608 (formatted with two constants of this module, no outside value)
#: The signature of ``audit_append`` (to alter or drop it).
APPEND_FUNCTION = "audit_append(integer, varchar, varchar, integer, json, json, text, text, text)"
DROP_APPEND_FUNCTION_SQL = f"DROP FUNCTION IF EXISTS {APPEND_FUNCTION}"

# The schema made from the models (tests, ``db.create_all()``) gets the function too.
event.listen(
    AuditEntry.__table__,
    "after_create",
    DDL(APPEND_FUNCTION_SQL).execute_if(dialect="postgresql"),
)

_APPEND = (
    text(
        "SELECT entry_id, entry_at, entry_prev_hash, entry_hash FROM audit_append("
        ":actor_id, :action, :object_type, :object_id, :before, :after, :head, :middle, :tail)"
    )
    .bindparams(
        bindparam("before", type_=JSON()),
        bindparam("after", type_=JSON()),
    )
    .columns(
        entry_id=_table.c.id.type,
        entry_at=_table.c.at.type,
        entry_prev_hash=_table.c.prev_hash.type,
        entry_hash=_table.c.hash.type,
    )
)


def _append_in_database(connection: Connection, fields: dict[str, Any]) -> AuditEntry:
    """PostgreSQL: lock, read the last hash and append the entry in one call of
    ``audit_append``; the chain's lock is then held for that call and the COMMIT only."""
    head, middle = _payload_parts(**fields)
    # The function writes the time and the previous hash without their quotes.
    head, middle, tail = f'{head}"', f'"{middle}"', '"}'
    row = connection.execute(
        _APPEND, {**fields, "head": head, "middle": middle, "tail": tail}
    ).one()
    return _stored(
        id=row.entry_id, at=row.entry_at, prev_hash=row.entry_prev_hash, hash=row.entry_hash,
        **fields,
    )


def _stored(**columns: Any) -> AuditEntry:
    """The entry whose row was just inserted with ``columns``: it joins the session as if
    loaded (not as a new object), and the log says it."""
    entry = AuditEntry(**columns)
    make_transient_to_detached(entry)
    db.session.add(entry)
    logger.info(
        "audit %s by %s on %s %s", entry.action, entry.actor_id, entry.object_type,
        entry.object_id,
    )
    return entry


def _entry_fields(
    actor: Actor | None,
    action: str,
    object_type: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> dict[str, Any]:
    """An entry's columns that its writer gives (not its id, time and hashes)."""
    return {
        "actor_id": actor.id if actor is not None else None,
        "action": action,
        "object_type": object_type,
        "before": _jsonable(before),
        "after": _jsonable(after),
    }


@dataclass(frozen=True)
class EntryToAppend:
    """PostgreSQL: an audit entry appended by ``audit_append`` within another statement, which
    gives the object's id (a row that statement inserts): :meth:`call_sql` is the SQL of the call
    given the SQL of the id, :attr:`params` its values."""

    fields: dict[str, Any]
    params: dict[str, Any]

    @staticmethod
    def call_sql(object_id_sql: str) -> str:
        return (
            "audit_append(:a_actor_id, :a_action, :a_object_type, "
            f"{object_id_sql}, :a_before, :a_after, :a_head, "
            f":a_before_id || ({object_id_sql})::text || :a_after_id, :a_tail)"
        )


#: The values of :meth:`EntryToAppend.call_sql`, typed (the states are JSON).
APPEND_CALL_PARAMS = (
    bindparam("a_before", type_=JSON()),
    bindparam("a_after", type_=JSON()),
)


def entry_to_append(
    actor: Actor | None,
    action: str,
    object_type: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> EntryToAppend:
    """What :func:`log_action` appends for ``action`` on an object of ``object_type`` whose id
    the database gives in the statement that appends it (PostgreSQL)."""
    fields = _entry_fields(actor, action, object_type, before, after)
    head, before_id, after_id = _payload_parts_around_id(**fields)
    # As _append_in_database: the function writes the time and the hash without quotes.
    params = {f"a_{key}": value for key, value in fields.items()}
    params.update(
        a_head=f'{head}"', a_before_id=f'"{before_id}', a_after_id=f'{after_id}"', a_tail='"}'
    )
    return EntryToAppend(fields, params)


def entry_appended(
    entry: EntryToAppend, object_id: int, at: datetime, prev_hash: str, hash_: str, id_: int
) -> AuditEntry:
    """The entry :meth:`EntryToAppend.call_sql` appended, from what the call returned; it joins
    the session as if loaded."""
    return _stored(
        id=id_, at=at, prev_hash=prev_hash, hash=hash_, object_id=object_id, **entry.fields
    )


def log_action(
    actor: Actor | None,
    action: str,
    obj: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append an audit entry for ``action`` on ``obj`` (flushed, not committed).

    The chain's lock is held until the transaction ends, so operations log last, just
    before the request commits.
    """
    db.session.flush()
    fields = _entry_fields(actor, action, type(obj).__name__, before, after)
    fields["object_id"] = getattr(obj, "id", None)
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        return _append_in_database(connection, fields)  # locks the chain itself
    _lock_chain()
    fields["at"] = datetime.now(UTC).replace(microsecond=0)  # in chain order
    # The last hash is one lookup on the primary key index; the row goes in with one
    # INSERT (not through the unit of work) and joins the session as if loaded.
    last = connection.execute(_LAST_HASH).scalar_one_or_none()
    fields["prev_hash"] = last or GENESIS_HASH
    fields["hash"] = hashlib.sha256(_payload(**fields).encode()).hexdigest()
    key = connection.execute(insert(_table), fields).inserted_primary_key
    assert key is not None
    return _stored(id=key[0], **fields)


@dataclass(frozen=True)
class BoundRows:
    """Rows of one table bound for the driver (:func:`bind_rows`): the columns, and each
    row's values already through the columns' types, so that inserting them
    (:func:`insert_bound`) is the driver's work only, and can follow a lock taken later."""

    table: Table
    names: tuple[str, ...]
    values: list[tuple[Any, ...]]


def bind_rows(
    table: Table, rows: Sequence[dict[str, Any]], *, json_text: Collection[str] = ()
) -> BoundRows:
    """The values ``rows`` (all with the same keys) give, as an INSERT of the rows would
    bind them: the column defaults of the model for the columns not given, each value
    through its column's type (SQLite: the text, integers and numbers sqlite3 stores).

    ``json_text``: JSON columns whose values are given serialised already (the text
    ``json.dumps`` makes of them, as the column's type would), or None.
    """
    if not rows:
        return BoundRows(table, (), [])
    dialect = db.session.get_bind().dialect
    given = list(rows[0])
    defaults = {
        c.name: c.default.arg  # type: ignore[attr-defined]
        for c in table.columns
        if c.name not in given and c.default is not None and c.default.is_scalar
    }
    names = (*given, *defaults)
    extra = tuple(defaults.values())
    if dialect.name == "postgresql":
        # COPY: None is NULL; the driver adapts the rest once the types have made it.
        postgresql = [
            None if name in json_text else table.c[name].type._cached_bind_processor(dialect)
            for name in names
        ]
        values = [
            tuple(
                p(v) if p is not None and v is not None else v
                for p, v in zip(postgresql, (*(row[n] for n in given), *extra), strict=True)
            )
            for row in rows
        ]
        return BoundRows(table, names, values)
    # As SQLAlchemy binds an INSERT: every value through its type's processor (None too);
    # JSON given as text is bound as text, None as the JSON type stores it (JSON null).
    processors: list[Any] = []
    for name in names:
        column_type = table.c[name].type
        if name in json_text:
            null = column_type._cached_bind_processor(dialect)(None)  # type: ignore[misc]
            processors.append(lambda v, null=null: null if v is None else v)
        else:
            processors.append(column_type._cached_bind_processor(dialect))
    if all(p is None for p in processors):
        values = [(*(row[n] for n in given), *extra) for row in rows]
    else:
        steps = [(i, p) for i, p in enumerate(processors) if p is not None]
        values = []
        for row in rows:
            value = [*(row[n] for n in given), *extra]
            for i, p in steps:
                value[i] = p(value[i])
            values.append(tuple(value))
    return BoundRows(table, names, values)


def insert_bound(rows: BoundRows) -> None:
    """INSERT rows bound by :func:`bind_rows`, in their order, with one statement.

    SQLite: one ``executemany`` of the driver (without RETURNING, which would make one
    statement a row). PostgreSQL: one ``COPY`` (psycopg's ``executemany`` is one INSERT a
    row, each firing the counts' statement triggers; multi-row INSERTs of thousands of
    values cost more to build than to run). The counts' triggers fire as for any insert.
    """
    if not rows.values:
        return
    connection = db.session.connection()
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    quoted = ", ".join(quote(name) for name in rows.names)
    table = dialect.identifier_preparer.format_table(rows.table)
    if dialect.name != "postgresql":
        assert dialect.paramstyle == "qmark", dialect.paramstyle
        marks = ", ".join("?" for _ in rows.names)
        sql = f"INSERT INTO {table} ({quoted}) VALUES ({marks})"  # noqa: S608 (quoted names)
        connection.exec_driver_sql(sql, rows.values)
        return
    raw = connection.connection.driver_connection
    copy_sql = f"COPY {table} ({quoted}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:  # type: ignore[union-attr]
        for value in rows.values:
            copy.write_row(value)


def insert_rows(
    table: Table, rows: Sequence[dict[str, Any]], *, json_text: Collection[str] = ()
) -> None:
    """INSERT ``rows`` (all with the same keys) in list order, with one statement
    (:func:`bind_rows`, then :func:`insert_bound`: the binding can also be done before a
    lock is taken, and the insert after)."""
    insert_bound(bind_rows(table, rows, json_text=json_text))


@dataclass(frozen=True)
class AuditRecord:
    """An entry to append, made ready before the chain's lock is taken: its content as JSON
    (``before``/``after`` as stored) and the text its hash covers, less ``at`` and
    ``prev_hash``, known only once the lock is held (:func:`append_records`)."""

    action: str
    object_type: str
    object_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    head: str  # the payload up to the value of "at"
    middle: str  # the payload between "at" and the value of "prev_hash"
    before_text: str | None  # ``before`` and ``after`` as the JSON column stores them
    after_text: str | None


def audit_record(
    actor: Actor | None,
    action: str,
    object_type: str,
    object_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditRecord:
    """The entry ``actor`` appends for ``action`` on an object named by its type and id."""
    before, after = _jsonable(before), _jsonable(after)
    actor_id = actor.id if actor is not None else None
    head, middle = _payload_parts(
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
    )
    return AuditRecord(
        action,
        object_type,
        object_id,
        before,
        after,
        head,
        middle,
        None if before is None else json.dumps(before),
        None if after is None else json.dumps(after),
    )


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _payload_parts(
    *,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> tuple[str, str]:
    """:func:`_payload`'s text before the time and between it and the previous hash (both
    written as JSON strings there): ``head + at + middle + prev_hash + "}"``.

    Keys sorted (action, actor_id, after, at, before, object_id, object_type, prev_hash);
    json.dumps of each part gives the same text as within the whole (sort_keys applies at
    every level).
    """
    head, before_id, after_id = _payload_parts_around_id(
        actor_id=actor_id, action=action, object_type=object_type, before=before, after=after
    )
    return head, before_id + _dump(object_id) + after_id


def _payload_parts_around_id(
    *,
    actor_id: int | None,
    action: str,
    object_type: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> tuple[str, str, str]:
    """:func:`_payload_parts` with the middle part cut where the object's id goes (an id
    known only to the database when the entry is written): ``head, before_id, after_id``."""
    dump = _dump
    head = (
        f'{{"action": {dump(action)}, "actor_id": {dump(actor_id)}, "after": {dump(after)}, "at": '
    )
    before_id = f', "before": {dump(before)}, "object_id": '
    after_id = f', "object_type": {dump(object_type)}, "prev_hash": '
    return head, before_id, after_id


def log_actions(
    actor: Actor | None,
    items: Sequence[tuple[str, Any, dict[str, Any] | None, dict[str, Any] | None]],
) -> int:
    """Append one entry per ``(action, obj, before, after)``, in order, with one INSERT.

    The same entries :func:`log_action` would append one by one (bulk imports log thousands
    at once): the chain's lock is taken once, the hashes are chained here, and the rows go in
    with one multi-row INSERT in chain order. Flushed, not committed; returns the count.
    """
    return append_records(
        actor,
        [
            audit_record(actor, action, type(obj).__name__, getattr(obj, "id", None), b, a)
            for action, obj, b, a in items
        ],
    )


@dataclass(frozen=True)
class ChainDraft:
    """Entries chained before the chain's lock is taken (:func:`draft_chain`): bound for
    the driver after the head read then, with the time then. :func:`append_records` uses
    them if the head is still the same once it holds the lock."""

    records: Sequence[AuditRecord]
    actor_id: int | None
    previous: str  # the head the entries follow
    rows: BoundRows


def _chained(
    actor_id: int | None, records: Sequence[AuditRecord], previous: str
) -> list[dict[str, Any]]:
    """The rows of ``records`` after the entry whose hash is ``previous``, at this second."""
    at = datetime.now(UTC).replace(microsecond=0)
    at_text = _dump(at.astimezone(UTC).isoformat())
    rows = []
    for record in records:
        payload = f'{record.head}{at_text}{record.middle}"{previous}"}}'
        digest = hashlib.sha256(payload.encode()).hexdigest()
        rows.append(
            {
                "at": at,
                "actor_id": actor_id,
                "action": record.action,
                "object_type": record.object_type,
                "object_id": record.object_id,
                "before": record.before_text,
                "after": record.after_text,
                "prev_hash": previous,
                "hash": digest,
            }
        )
        previous = digest
    return rows


def draft_chain(actor: Actor | None, records: Sequence[AuditRecord]) -> ChainDraft:
    """``records`` chained after the head read now, without the chain's lock, and bound
    for the driver: once the lock is held, :func:`append_records` only checks the head.

    The entries' time is now: if the head is still the same then, no entry was appended
    meanwhile, so times still follow the chain's order.
    """
    actor_id = actor.id if actor is not None else None
    previous = db.session.execute(_LAST_HASH).scalar_one_or_none() or GENESIS_HASH
    rows = bind_rows(_table, _chained(actor_id, records, previous), json_text=_JSON_TEXT)
    return ChainDraft(records, actor_id, previous, rows)


_JSON_TEXT = ("before", "after")


def append_records(
    actor: Actor | None, records: Sequence[AuditRecord], *, draft: ChainDraft | None = None
) -> int:
    """Append ``records`` (made by :func:`audit_record` for ``actor``) in order, with one
    INSERT: under the chain's lock only their time, previous hashes and hashes are added,
    or nothing when ``draft`` (the same records, :func:`draft_chain`) follows the head."""
    if not records:
        return 0
    db.session.flush()
    connection = _lock_chain()
    previous = connection.execute(_LAST_HASH).scalar_one_or_none() or GENESIS_HASH
    actor_id = actor.id if actor is not None else None
    if (
        draft is not None
        and draft.previous == previous
        and draft.actor_id == actor_id
        and len(draft.records) == len(records)
        and all(a is b for a, b in zip(draft.records, records, strict=True))
    ):
        rows = draft.rows
    else:
        if draft is not None:
            logger.info("audit: entries appended meanwhile, %d chained again", len(records))
        rows = bind_rows(_table, _chained(actor_id, records, previous), json_text=_JSON_TEXT)
    insert_bound(rows)
    logger.info("audit: %d entries by %s", len(rows.values), actor_id)
    return len(rows.values)


def chain_head(connection: Connection) -> tuple[int, str] | None:
    """The id and hash of the chain's last element, entry or link (None: empty chain)."""
    heads = [
        connection.execute(select(t.c.id, t.c.hash).order_by(t.c.id.desc()).limit(1)).first()
        for t in (_table, _links)
    ]
    found = [(row.id, row.hash) for row in heads if row is not None]
    return max(found) if found else None


def append_at_head(
    actor: Actor | None,
    action: str,
    obj: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append an entry after the chain's head even when the head is a link (stored links
    have ids of their own: the entry takes the next id). Flushed, not committed."""
    db.session.flush()
    connection = _lock_chain()
    head = chain_head(connection)
    entry = AuditEntry(
        id=head[0] + 1 if head else None,
        at=datetime.now(UTC).replace(microsecond=0),
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=type(obj).__name__,
        object_id=getattr(obj, "id", None),
        before=_jsonable(before),
        after=_jsonable(after),
        prev_hash=head[1] if head else GENESIS_HASH,
    )
    entry.hash = entry.compute_hash()
    db.session.add(entry)
    db.session.flush()
    if connection.dialect.name == "postgresql" and head is not None:
        # The id was given: the next generated one must follow it.
        sequence = func.pg_get_serial_sequence(_table.name, "id")
        connection.execute(select(func.setval(sequence, entry.id)))
    return entry


def _id(item: AuditEntry | AuditLink) -> int:
    return item.id


def verify_chain() -> list[str]:
    """Return the problems found in the chain; an empty list means it is intact.

    Entries and links (:class:`AuditLink`) are walked together in id order: each must
    follow the previous one's hash; an entry's content must also give its hash.
    """
    problems: list[str] = []
    previous = GENESIS_HASH
    links: list[AuditEntry | AuditLink] = list(
        db.session.execute(select(AuditLink).order_by(AuditLink.id)).scalars()
    )
    entries: Iterable[AuditEntry | AuditLink] = db.session.execute(
        select(AuditEntry).order_by(AuditEntry.id)
    ).scalars()
    last_id: int | None = None
    for item in heapq.merge(entries, links, key=_id):
        if item.id == last_id:
            problems.append(f"entry {item.id}: stored both as an entry and as a link")
        if item.prev_hash != previous:
            problems.append(f"entry {item.id}: previous hash does not match")
        if isinstance(item, AuditEntry) and item.compute_hash() != item.hash:
            problems.append(f"entry {item.id}: content does not match its hash")
        previous = item.hash
        last_id = item.id
    return problems
