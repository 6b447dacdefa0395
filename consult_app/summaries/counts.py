"""Comment counts kept exact by the database itself, read by the figures.

The dashboard and the per-provision figures must not scan a consultation's comments (a
million of them take seconds), so three small tables hold what the figures add up, and
triggers on ``comments`` and ``comment_themes`` keep them exact whatever writes the rows:
the ORM, bulk SQL, offline imports, moderation, withdrawal, edits, deletions.

* ``comment_counts``: per (consultation, provision, submission), the comments of each
  position in two classes;
* ``amendment_counts``: per (consultation, provision, proposed wording, submission), the
  comments proposing that wording and the first of them;
* ``theme_counts``: per (consultation, provision, theme, submission), the themed comments;
* ``paragraph_counts``: per (consultation, provision, paragraph, submission), the comments
  of each position on that paragraph (comments that name a paragraph only).

The two classes follow :func:`counted.counted_comment_conditions`, less the submission
status (joined when the figures are read, a few hundred rows):

* **counted** (the secretariat's view): not withdrawn, and not withheld unless withheld as
  confidential;
* **published** (the public view): not withdrawn and published (always also counted).

A comment in neither class is in no table; a row whose counts all fall to zero is deleted,
so each table holds exactly what :func:`expected_rows` computes from the comments.
``flask summaries recount`` compares the two and rebuilds the tables if they ever differ
(a restore that skipped triggers, ``TRUNCATE comments``, ``session_replication_role =
replica`` on PostgreSQL; on SQLite, a later migration that rebuilds ``comments`` in batch
mode drops its triggers and must create them again).

SQLite gets row triggers (``INSERT ... ON CONFLICT DO UPDATE``; an UPDATE trigger fires
only when a column the counts depend on changes). PostgreSQL gets plpgsql statement
triggers with transition tables: a statement's changes are added up per key and applied
with one UPSERT in key order, so a bulk write costs one grouped write per table, and two
transactions lock the count rows they share in the same order (no deadlock between two
reviewers publishing different comments of the same submissions). An UPDATE that changes
no counted column (``is_public`` refreshes, review assignments) stops after one grouping
of its rows. The same DDL is run by the migration and, for ``db.create_all()``, by the
metadata's ``after_create`` event.

``wording_key`` identifies a proposed wording: its MD5 on PostgreSQL (a B-tree key cannot
hold a 20,000-character text), the text itself on SQLite (no MD5 there; its indexes hold
long keys). The first comment of a wording is recomputed from the comments table when the
current first one leaves the class; counts are exact under concurrent writers (each change
adds or subtracts), and ``recount --check`` also compares the first ids.
"""

# The trigger DDL below is assembled from this module's constants only (table, column and
# enum value names), never from anything a user sends: S608 does not apply.
# ruff: noqa: S608
from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    DDL,
    Column,
    ColumnElement,
    ForeignKey,
    Integer,
    Select,
    Table,
    Text,
    and_,
    case,
    delete,
    event,
    except_,
    func,
    insert,
    or_,
    select,
    text,
)

from consult_app.core.audit import log_action
from consult_app.extensions import db
from consult_app.review.models import WithheldReason, comment_themes
from consult_app.submissions.models import Comment, ModerationStatus, Position
from consult_app.submissions.signals import comments_bulk_insert_ends, comments_bulk_insert_starts

if TYPE_CHECKING:
    from consult_app.accounts.models import User
    from consult_app.consultations.models import Consultation

logger = logging.getLogger(__name__)

#: Withheld comments that still count in the secretariat's figures.
COUNTED_WITHHELD_REASONS: tuple[str, ...] = (WithheldReason.CONFIDENTIAL.value,)
CLASSES = ("published", "counted")
POSITIONS: tuple[str, ...] = tuple(p.value for p in Position)


def count_column(klass: str, position: Position | str) -> str:
    """Name of the ``comment_counts`` column of one class and position."""
    value = position.value if isinstance(position, Position) else position
    return f"{klass}_{value}"


def _key_columns(*extra: Column[Any]) -> list[Column[Any]]:
    return [
        Column("consultation_id", Integer, ForeignKey("consultations.id"), primary_key=True),
        Column("provision_id", Integer, ForeignKey("provisions.id"), primary_key=True),
        *extra,
        Column("submission_id", Integer, ForeignKey("submissions.id"), primary_key=True),
    ]


def _count(name: str) -> Column[int]:
    return Column(name, Integer, nullable=False, server_default=text("0"))


comment_counts = Table(
    "comment_counts",
    db.metadata,
    *_key_columns(),
    *[_count(count_column(k, p)) for k in CLASSES for p in POSITIONS],
)

amendment_counts = Table(
    "amendment_counts",
    db.metadata,
    *_key_columns(Column("wording_key", Text, primary_key=True)),
    _count("published"),
    _count("counted"),
    # The first (lowest id) comment of the class with this wording: it orders wordings
    # proposed equally often and gives the wording's text.
    Column("published_first_id", Integer),
    Column("counted_first_id", Integer),
)

theme_counts = Table(
    "theme_counts",
    db.metadata,
    *_key_columns(Column("theme_id", Integer, ForeignKey("themes.id"), primary_key=True)),
    _count("published"),
    _count("counted"),
)

#: Comments on one paragraph or sub-paragraph (``paragraph_id`` set), by position: the
#: consensus indicator reads a State's position paragraph by paragraph. A comment on the
#: provision as a whole is in ``comment_counts`` only, so the provision-wide figures are
#: unchanged and the "whole provision" positions are ``comment_counts`` less these rows.
paragraph_counts = Table(
    "paragraph_counts",
    db.metadata,
    *_key_columns(Column("paragraph_id", Integer, ForeignKey("paragraphs.id"),
                         primary_key=True)),
    *[_count(count_column(k, p)) for k in CLASSES for p in POSITIONS],
)

#: The tables of revision 4ab289ad87b4, whose triggers :func:`create_triggers_sql` makes
#: (that revision calls it: it must keep making exactly these).
COUNT_TABLES = (comment_counts, amendment_counts, theme_counts)
#: Every counts table: what ``flask summaries recount`` compares and rebuilds.
ALL_COUNT_TABLES = (*COUNT_TABLES, paragraph_counts)


# --- the classes, as SQLAlchemy expressions (recount, figures) ------------------------------


def class_condition(klass: str, table: Table | None = None) -> ColumnElement[bool]:
    """Does a comment of ``table`` (the comments table, or an alias) fall in ``klass``?"""
    c = (table if table is not None else Comment.__table__).c
    if klass == "published":
        return and_(c.withdrawn_at.is_(None), c.moderation_status == ModerationStatus.PUBLISHED)
    return and_(
        c.withdrawn_at.is_(None),
        or_(
            c.moderation_status != ModerationStatus.WITHHELD,
            c.withheld_reason.in_(COUNTED_WITHHELD_REASONS),
        ),
    )


def comment_total(klass: str) -> ColumnElement[int]:
    """All comments of ``klass`` in a ``comment_counts`` row."""
    columns = [comment_counts.c[count_column(klass, p)] for p in POSITIONS]
    total: ColumnElement[int] = columns[0]
    for column in columns[1:]:
        total = total + column
    return total


def wording_key(dialect: str, wording: ColumnElement[str]) -> ColumnElement[str]:
    """The ``wording_key`` of a proposed wording (see the module docstring)."""
    return func.md5(wording) if dialect == "postgresql" else wording


# --- the classes, as SQL text (triggers) --------------------------------------------------


def _quoted(values: Iterable[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def _counted_sql(row: str) -> str:
    return (
        f"({row}.withdrawn_at IS NULL AND ({row}.moderation_status <> "
        f"'{ModerationStatus.WITHHELD.value}' OR {row}.withheld_reason IN "
        f"({_quoted(COUNTED_WITHHELD_REASONS)})))"
    )


def _published_sql(row: str) -> str:
    return (
        f"({row}.withdrawn_at IS NULL AND "
        f"{row}.moderation_status = '{ModerationStatus.PUBLISHED.value}')"
    )


def _flag(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def _wording_key_sql(dialect: str, row: str) -> str:
    return f"md5({row}.proposed_wording)" if dialect == "postgresql" else f"{row}.proposed_wording"


def _least(dialect: str, a: str, b: str) -> str:
    if dialect == "postgresql":
        return f"LEAST({a}, {b})"  # ignores NULLs
    return f"min(coalesce({a}, {b}), coalesce({b}, {a}))"


KEY = ("consultation_id", "provision_id", "submission_id")
AMENDMENT_KEY = ("consultation_id", "provision_id", "wording_key", "submission_id")
THEME_KEY = ("consultation_id", "provision_id", "theme_id", "submission_id")
#: Columns of ``comments`` the counts depend on (an UPDATE of others changes nothing): the
#: key, the class, and the position (comment_counts) or the wording (amendment_counts).
KEY_SOURCE = KEY
CLASS_SOURCE = ("moderation_status", "withheld_reason", "withdrawn_at")
POSITION_COLUMNS = [count_column(k, p) for k in CLASSES for p in POSITIONS]
ZERO_COUNTS = " AND ".join(f"{count_column('counted', p)} = 0" for p in POSITIONS)


def _position_values(row: str) -> list[str]:
    """Per-position increments (in ``POSITION_COLUMNS`` order) of one comment row already
    known to be counted."""
    values = []
    for klass in CLASSES:
        for p in POSITIONS:
            condition = f"{row}.position = '{p}'"
            if klass == "published":
                condition += f" AND {_published_sql(row)}"
            values.append(_flag(condition))
    return values


def _match(columns: Sequence[str], values: Sequence[str], table: str | None = None) -> str:
    prefix = f"{table}." if table else ""
    return " AND ".join(f"{prefix}{c} = {v}" for c, v in zip(columns, values, strict=True))


def _changed(columns: Iterable[str], dialect: str) -> str:
    op = "IS DISTINCT FROM" if dialect == "postgresql" else "IS NOT"
    return " OR ".join(f"OLD.{c} {op} NEW.{c}" for c in columns)


# SQLite: one trigger per table and event, each a few statements on one row. -----------------


def _sqlite_statements() -> list[str]:
    counted_new, counted_old = _counted_sql("NEW"), _counted_sql("OLD")
    cc_cols = ", ".join([*KEY, *POSITION_COLUMNS])
    cc_upsert_set = ", ".join(f"{c} = {c} + excluded.{c}" for c in POSITION_COLUMNS)
    old_key = [f"OLD.{c}" for c in KEY]
    new_key = [f"NEW.{c}" for c in KEY]

    def cc_add(where: str) -> str:
        values = ", ".join([*new_key, *_position_values("NEW")])
        return (
            f"INSERT INTO comment_counts ({cc_cols}) SELECT {values} WHERE {where} "
            f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET {cc_upsert_set};"
        )

    cc_remove = (
        "UPDATE comment_counts SET "
        + ", ".join(
            f"{c} = {c} - {v}"
            for c, v in zip(POSITION_COLUMNS, _position_values("OLD"), strict=True)
        )
        + f" WHERE {_match(KEY, old_key)} AND {counted_old};"
        + f" DELETE FROM comment_counts WHERE {_match(KEY, old_key)} AND {ZERO_COUNTS};"
    )

    ak_new = [_wording_key_sql("sqlite", "NEW") if k == "wording_key" else f"NEW.{k}"
              for k in AMENDMENT_KEY]
    ak_old = [_wording_key_sql("sqlite", "OLD") if k == "wording_key" else f"OLD.{k}"
              for k in AMENDMENT_KEY]
    amend_new = f"NEW.proposed_wording IS NOT NULL AND {counted_new}"
    amend_old = f"OLD.proposed_wording IS NOT NULL AND {counted_old}"

    def first_id(klass: str) -> str:
        column = f"{klass}_first_id"
        return f"{column} = {_least('sqlite', column, f'excluded.{column}')}"

    def ac_add(where: str) -> str:
        published = _published_sql("NEW")
        return (
            f"INSERT INTO amendment_counts ({', '.join(AMENDMENT_KEY)}, published, counted, "
            f"published_first_id, counted_first_id) SELECT {', '.join(ak_new)}, "
            f"{_flag(published)}, 1, CASE WHEN {published} THEN NEW.id END, NEW.id "
            f"WHERE {where} ON CONFLICT ({', '.join(AMENDMENT_KEY)}) DO UPDATE SET "
            f"published = published + excluded.published, counted = counted + 1, "
            f"{first_id('published')}, {first_id('counted')};"
        )

    def recompute(klass: str) -> str:
        # SET sees the row as it was: "left" is the count once this comment is gone.
        condition = _published_sql("c") if klass == "published" else _counted_sql("c")
        left = f"published - {_flag(_published_sql('OLD'))}" if klass == "published" else (
            "counted - 1"
        )
        return (
            f"{klass}_first_id = CASE WHEN {klass}_first_id = OLD.id THEN CASE WHEN {left} = 0 "
            f"THEN NULL ELSE (SELECT c.id FROM comments c WHERE "
            f"c.consultation_id = OLD.consultation_id AND c.provision_id = OLD.provision_id "
            f"AND c.submission_id = OLD.submission_id AND "
            f"c.proposed_wording = OLD.proposed_wording AND {condition} ORDER BY c.id LIMIT 1) "
            f"END ELSE {klass}_first_id END"
        )

    ac_remove = (
        f"UPDATE amendment_counts SET published = published - {_flag(_published_sql('OLD'))}, "
        f"counted = counted - 1, {recompute('published')}, {recompute('counted')} "
        f"WHERE {_match(AMENDMENT_KEY, ak_old)} AND {amend_old};"
        f" DELETE FROM amendment_counts WHERE {_match(AMENDMENT_KEY, ak_old)} AND counted = 0;"
    )

    tk_set = "published = published + excluded.published, counted = counted + excluded.counted"
    themes_of_old = (
        "theme_id IN (SELECT ct.theme_id FROM comment_themes ct WHERE ct.comment_id = OLD.id)"
    )
    tc_remove_comment = (
        f"UPDATE theme_counts SET published = published - {_flag(_published_sql('OLD'))}, "
        f"counted = counted - 1 WHERE {_match(KEY, old_key)} AND {themes_of_old} "
        f"AND {counted_old};"
        f" DELETE FROM theme_counts WHERE {_match(KEY, old_key)} AND {themes_of_old} "
        f"AND counted = 0;"
    )
    tc_add_comment = (
        f"INSERT INTO theme_counts ({', '.join(THEME_KEY)}, published, counted) "
        f"SELECT NEW.consultation_id, NEW.provision_id, ct.theme_id, NEW.submission_id, "
        f"{_flag(_published_sql('NEW'))}, 1 FROM comment_themes ct WHERE ct.comment_id = NEW.id "
        f"AND {counted_new} ON CONFLICT ({', '.join(THEME_KEY)}) DO UPDATE SET {tk_set};"
    )
    # A theme added to or removed from a comment (row of comment_themes NEW / OLD).
    tc_add_tag = (
        f"INSERT INTO theme_counts ({', '.join(THEME_KEY)}, published, counted) "
        f"SELECT c.consultation_id, c.provision_id, NEW.theme_id, c.submission_id, "
        f"{_flag(_published_sql('c'))}, 1 FROM comments c WHERE c.id = NEW.comment_id "
        f"AND {_counted_sql('c')} ON CONFLICT ({', '.join(THEME_KEY)}) DO UPDATE SET {tk_set};"
    )
    tag_key = (
        "(consultation_id, provision_id, theme_id, submission_id) = (SELECT c.consultation_id, "
        "c.provision_id, OLD.theme_id, c.submission_id FROM comments c WHERE c.id = "
        f"OLD.comment_id AND {_counted_sql('c')})"
    )
    tc_remove_tag = (
        "UPDATE theme_counts SET published = published - (SELECT "
        f"{_flag(_published_sql('c'))} FROM comments c WHERE c.id = OLD.comment_id), "
        f"counted = counted - 1 WHERE {tag_key};"
        f" DELETE FROM theme_counts WHERE {tag_key} AND counted = 0;"
    )

    position_changed = _changed([*KEY_SOURCE, *CLASS_SOURCE, "position"], "sqlite")
    class_changed = _changed([*KEY_SOURCE, *CLASS_SOURCE], "sqlite")
    wording_changed = _changed([*KEY_SOURCE, *CLASS_SOURCE, "proposed_wording"], "sqlite")
    of = ", ".join
    return [
        *[f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS],
        f"CREATE TRIGGER comment_counts_insert AFTER INSERT ON comments WHEN {counted_new} "
        f"BEGIN {cc_add('true')} END",
        f"CREATE TRIGGER comment_counts_delete AFTER DELETE ON comments WHEN {counted_old} "
        f"BEGIN {cc_remove} END",
        f"CREATE TRIGGER comment_counts_update AFTER UPDATE OF "
        f"{of([*KEY_SOURCE, *CLASS_SOURCE, 'position'])} ON comments WHEN {position_changed} "
        f"BEGIN {cc_remove} {cc_add(counted_new)} END",
        f"CREATE TRIGGER amendment_counts_insert AFTER INSERT ON comments WHEN {amend_new} "
        f"BEGIN {ac_add('true')} END",
        f"CREATE TRIGGER amendment_counts_delete AFTER DELETE ON comments WHEN {amend_old} "
        f"BEGIN {ac_remove} END",
        f"CREATE TRIGGER amendment_counts_update AFTER UPDATE OF "
        f"{of([*KEY_SOURCE, *CLASS_SOURCE, 'proposed_wording'])} ON comments "
        f"WHEN {wording_changed} BEGIN {ac_remove} {ac_add(amend_new)} END",
        f"CREATE TRIGGER theme_counts_comment_update AFTER UPDATE OF "
        f"{of([*KEY_SOURCE, *CLASS_SOURCE])} ON comments WHEN {class_changed} "
        f"BEGIN {tc_remove_comment} {tc_add_comment} END",
        # Only reachable with foreign keys off: comment_themes rows normally go first.
        f"CREATE TRIGGER theme_counts_comment_delete AFTER DELETE ON comments "
        f"WHEN {counted_old} BEGIN {tc_remove_comment} END",
        f"CREATE TRIGGER theme_counts_tag_insert AFTER INSERT ON comment_themes "
        f"BEGIN {tc_add_tag} END",
        f"CREATE TRIGGER theme_counts_tag_delete AFTER DELETE ON comment_themes "
        f"BEGIN {tc_remove_tag} END",
        f"CREATE TRIGGER theme_counts_tag_update AFTER UPDATE ON comment_themes "
        f"BEGIN {tc_remove_tag} {tc_add_tag} END",
    ]


SQLITE_TRIGGERS = (
    "comment_counts_insert", "comment_counts_delete", "comment_counts_update",
    "amendment_counts_insert", "amendment_counts_delete", "amendment_counts_update",
    "theme_counts_comment_update", "theme_counts_comment_delete",
    "theme_counts_tag_insert", "theme_counts_tag_delete", "theme_counts_tag_update",
)


# PostgreSQL: statement triggers with transition tables. Each statement's changes become
# signed rows (+1 for a row's new share, -1 for its old one), added up per key and applied
# with one UPSERT in key order: a bulk statement costs one grouped write per table, and two
# transactions lock the count rows they share in the same order (no deadlock between, say,
# two reviewers publishing different comments of the same submissions). -------------------

WATCHED = (*KEY_SOURCE, *CLASS_SOURCE, "position", "proposed_wording")


def _pg_signed(plus: str | None, minus: str | None, columns: str, where: str,
               join: str = "") -> str:
    """Rows of ``plus`` (sign 1) and of ``minus`` (sign -1): ``columns``, ``join`` and
    ``where`` are written for the alias ``r``."""
    parts = []
    if plus:
        parts.append(f"SELECT 1 AS s, {columns} FROM {plus} r {join} WHERE {where}")
    if minus:
        parts.append(f"SELECT -1 AS s, {columns} FROM {minus} r {join} WHERE {where}")
    return " UNION ALL ".join(parts)


def _pg_apply(table: str, key: Sequence[str], sums: dict[str, str], signed: str,
              extra_set: Sequence[str] = ()) -> str:
    """UPSERT the summed deltas of ``signed`` (alias ``d``) into ``table``, in key order."""
    additive = [c for c in sums if not c.endswith("_first_id")]
    order = ", ".join(str(i + 1) for i in range(len(key)))
    changed = " OR ".join(
        f"{expr} <> 0" if column in additive else f"{expr} IS NOT NULL"
        for column, expr in sums.items()
    )
    sets = [f"{c} = {table}.{c} + excluded.{c}" for c in additive] + list(extra_set)
    return (
        f"INSERT INTO {table} ({', '.join([*key, *sums])}) "
        f"SELECT {', '.join(f'd.{k}' for k in key)}, {', '.join(sums.values())} "
        f"FROM ({signed}) d GROUP BY {order} HAVING {changed} ORDER BY {order} "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {', '.join(sets)}"
    )


def _pg_drop_empty(table: str, key: Sequence[str], minus: str | None, zero: str,
                   keys_of_minus: str | None = None) -> list[str]:
    """Delete the rows of keys that lost comments and now count none."""
    if not minus:
        return []
    source = keys_of_minus or f"SELECT DISTINCT {', '.join(f'r.{k}' for k in key)} FROM {minus} r"
    return [
        f"DELETE FROM {table} t USING ({source}) AS k ({', '.join(key)}) "
        f"WHERE {_match(key, [f'k.{c}' for c in key], 't')} AND {zero}"
    ]


def _pg_first_ids(is_removed: str) -> str:
    """SET clause recomputing the first ids (of amendment_counts ``a``, already counted
    down) that ``is_removed`` (a format string taking the column) says left the class: none
    if the class is now empty, else the first remaining comment, read in id order from
    ``ix_comments_figures`` and stopped at the first with the wording."""

    def first(klass: str) -> str:
        condition = _published_sql("c") if klass == "published" else _counted_sql("c")
        column = f"a.{klass}_first_id"
        return (
            f"{klass}_first_id = CASE WHEN {is_removed.format(column)} THEN CASE WHEN "
            f"a.{klass} = 0 THEN NULL ELSE (SELECT c.id FROM comments c WHERE "
            f"c.consultation_id = a.consultation_id AND c.provision_id = a.provision_id AND "
            f"c.submission_id = a.submission_id AND c.proposed_wording IS NOT NULL AND "
            f"md5(c.proposed_wording) = a.wording_key AND {condition} ORDER BY c.id LIMIT 1) "
            f"END ELSE {column} END"
        )

    return f"{first('published')}, {first('counted')}"


def _pg_comment_counts(plus: str | None, minus: str | None) -> list[str]:
    columns = ", ".join(
        [*(f"r.{k}" for k in KEY)]
        + [f"{v} AS {c}" for c, v in zip(POSITION_COLUMNS, _position_values("r"), strict=True)]
    )
    signed = _pg_signed(plus, minus, columns, _counted_sql("r"))
    sums = {c: f"sum(d.s * d.{c})" for c in POSITION_COLUMNS}
    zero = ZERO_COUNTS.replace("counted_", "t.counted_")
    return [
        _pg_apply("comment_counts", KEY, sums, signed),
        *_pg_drop_empty("comment_counts", KEY, minus, zero),
    ]


def _pg_amendment_counts(plus: str | None, minus: str | None) -> list[str]:
    key = list(AMENDMENT_KEY)
    published = _published_sql("r")
    columns = (
        f"r.consultation_id, r.provision_id, {_wording_key_sql('postgresql', 'r')} AS "
        f"wording_key, r.submission_id, r.id, {_flag(published)} AS pub"
    )
    where = f"r.proposed_wording IS NOT NULL AND {_counted_sql('r')}"
    signed = _pg_signed(plus, minus, columns, where)
    sums = {
        "published": "sum(d.s * d.pub)",
        "counted": "sum(d.s)",
        "published_first_id": "min(CASE WHEN d.s = 1 AND d.pub = 1 THEN d.id END)",
        "counted_first_id": "min(CASE WHEN d.s = 1 THEN d.id END)",
    }
    first_set = [
        f"{k}_first_id = LEAST(amendment_counts.{k}_first_id, excluded.{k}_first_id)"
        for k in CLASSES
    ]
    statements = [_pg_apply("amendment_counts", key, sums, signed, first_set)]
    if minus:
        # A removed comment may have been the first of its wording: take the first of those
        # that remain (the comments table already shows the statement's result).
        # Removed ids gathered per key (an array of one or a few), not "IN (SELECT ...)":
        # a subquery PostgreSQL expects to be large is rescanned for every row.
        wording_key = _wording_key_sql("postgresql", "r")
        removed = "{} = ANY (k.ids)"
        removed_by_key = (
            f"SELECT r.consultation_id, r.provision_id, {wording_key}, r.submission_id, "
            f"array_agg(r.id) FROM {minus} r WHERE {where} GROUP BY 1, 2, 3, 4"
        )
        statements.append(
            f"UPDATE amendment_counts a SET {_pg_first_ids(removed)} FROM ({removed_by_key}) "
            f"AS k ({', '.join(key)}, ids) WHERE {_match(key, [f'k.{c}' for c in key], 'a')} "
            f"AND ({removed.format('a.published_first_id')} OR "
            f"{removed.format('a.counted_first_id')})"
        )
        keys = (
            f"SELECT DISTINCT r.consultation_id, r.provision_id, {wording_key}, "
            f"r.submission_id FROM {minus} r WHERE {where}"
        )
        statements += _pg_drop_empty("amendment_counts", key, minus, "t.counted = 0", keys)
    return statements


def _pg_theme_counts_of_comments(plus: str | None, minus: str | None) -> list[str]:
    """Themed comments whose key or class changed: their tags move with them."""
    columns = (
        "r.id, r.consultation_id, r.provision_id, r.submission_id, "
        f"{_flag(_published_sql('r'))} AS pub"
    )
    signed = (
        f"SELECT x.s, x.consultation_id, x.provision_id, ct.theme_id, x.submission_id, x.pub "
        f"FROM ({_pg_signed(plus, minus, columns, _counted_sql('r'))}) x "
        f"JOIN comment_themes ct ON ct.comment_id = x.id"
    )
    sums = {"published": "sum(d.s * d.pub)", "counted": "sum(d.s)"}
    keys = (
        f"SELECT DISTINCT r.consultation_id, r.provision_id, ct.theme_id, r.submission_id "
        f"FROM {minus} r JOIN comment_themes ct ON ct.comment_id = r.id"
    ) if minus else None
    return [
        _pg_apply("theme_counts", THEME_KEY, sums, signed),
        *_pg_drop_empty("theme_counts", THEME_KEY, minus, "t.counted = 0", keys),
    ]


def _pg_theme_counts_of_tags(plus: str | None, minus: str | None) -> list[str]:
    """Tags added (``plus``) or removed (``minus``): rows of comment_themes."""
    columns = (
        "c.consultation_id, c.provision_id, r.theme_id, c.submission_id, "
        f"{_flag(_published_sql('c'))} AS pub"
    )
    signed = _pg_signed(plus, minus, columns, _counted_sql("c"),
                        "JOIN comments c ON c.id = r.comment_id")
    sums = {"published": "sum(d.s * d.pub)", "counted": "sum(d.s)"}
    keys = (
        f"SELECT DISTINCT c.consultation_id, c.provision_id, r.theme_id, c.submission_id "
        f"FROM {minus} r JOIN comments c ON c.id = r.comment_id"
    ) if minus else None
    return [
        _pg_apply("theme_counts", THEME_KEY, sums, signed),
        *_pg_drop_empty("theme_counts", THEME_KEY, minus, "t.counted = 0", keys),
    ]


def _pg_function(name: str, statements: Sequence[str], unless: str | None = None) -> str:
    """A trigger function running ``statements``.

    Without ``unless``, they are plain SQL, planned once per session: none joins two
    transition tables, so a plan made for one row stays linear for a million. With
    ``unless`` (UPDATE), nothing runs when that query counts no row, and the statements,
    which join the old and new rows, run through EXECUTE: planned for the rows at hand (a
    plan cached for one row would join 100,000 rows to 100,000 in a nested loop).
    """
    if unless is None:
        body = "".join(f"{sql}; " for sql in statements)
    else:
        body = (
            f"SELECT count(*) > 0 FROM ({unless}) u INTO needed; "
            "IF NOT needed THEN RETURN NULL; END IF; "
            + "".join(f"EXECUTE $q${sql}$q$; " for sql in statements)
        )
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"DECLARE needed boolean; BEGIN {body}RETURN NULL; END $$"
    )


def _pg_functions(paragraphs: bool) -> list[str]:
    """The trigger functions; with ``paragraphs``, those on comments keep
    ``paragraph_counts`` too (one function per statement and event, whatever the tables)."""
    watched_columns = (*WATCHED, "paragraph_id") if paragraphs else WATCHED
    changed = " OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in watched_columns)
    plus = f"(SELECT n.* FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {changed})"
    minus = f"(SELECT o.* FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE {changed})"
    # Rows whose watched columns changed, found by grouping (no join, so no plan can make it
    # quadratic): an unchanged row's old and new versions fall in one group.
    watched = ", ".join(("id", *watched_columns))
    any_changed = (
        f"SELECT 1 FROM (SELECT {watched} FROM old_rows UNION ALL SELECT {watched} "
        f"FROM new_rows) x GROUP BY {watched} HAVING count(*) = 1"
    )

    def on_paragraphs(plus_rows: str | None, minus_rows: str | None) -> list[str]:
        return _pg_paragraph_counts(plus_rows, minus_rows) if paragraphs else []

    return [
        _pg_function(
            "comment_counts_after_insert",
            _pg_comment_counts("new_rows", None) + _pg_amendment_counts("new_rows", None)
            + on_paragraphs("new_rows", None),
        ),
        # Comments leave with their tags already gone (foreign key), so no theme counts.
        _pg_function(
            "comment_counts_after_delete",
            _pg_comment_counts(None, "old_rows") + _pg_amendment_counts(None, "old_rows")
            + on_paragraphs(None, "old_rows"),
        ),
        # Most UPDATEs of comments (public flags, assignments, redactions) change no count.
        _pg_function(
            "comment_counts_after_update",
            _pg_comment_counts(plus, minus) + _pg_amendment_counts(plus, minus)
            + _pg_theme_counts_of_comments(plus, minus) + on_paragraphs(plus, minus),
            unless=any_changed,
        ),
        _pg_function("theme_counts_after_tag_insert", _pg_theme_counts_of_tags("new_rows", None)),
        _pg_function("theme_counts_after_tag_delete", _pg_theme_counts_of_tags(None, "old_rows")),
        _pg_function("theme_counts_after_tag_update",
                     _pg_theme_counts_of_tags("new_rows", "old_rows")),
    ]


#: The functions on comments (the first three of :func:`_pg_functions`).
_PG_COMMENT_FUNCTIONS = 3


def _pg_statements() -> list[str]:
    statement = "FOR EACH STATEMENT EXECUTE FUNCTION"
    return [
        *_pg_functions(paragraphs=False),
        *[f"DROP TRIGGER IF EXISTS {name} ON {table}" for table, name in PG_TRIGGERS],
        "CREATE TRIGGER comment_counts_insert AFTER INSERT ON comments "
        f"REFERENCING NEW TABLE AS new_rows {statement} comment_counts_after_insert()",
        "CREATE TRIGGER comment_counts_delete AFTER DELETE ON comments "
        f"REFERENCING OLD TABLE AS old_rows {statement} comment_counts_after_delete()",
        "CREATE TRIGGER comment_counts_update AFTER UPDATE ON comments "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        f"{statement} comment_counts_after_update()",
        "CREATE TRIGGER theme_counts_tag_insert AFTER INSERT ON comment_themes "
        f"REFERENCING NEW TABLE AS new_rows {statement} theme_counts_after_tag_insert()",
        "CREATE TRIGGER theme_counts_tag_delete AFTER DELETE ON comment_themes "
        f"REFERENCING OLD TABLE AS old_rows {statement} theme_counts_after_tag_delete()",
        "CREATE TRIGGER theme_counts_tag_update AFTER UPDATE ON comment_themes "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        f"{statement} theme_counts_after_tag_update()",
    ]


PG_TRIGGERS = (
    ("comments", "comment_counts_insert"), ("comments", "comment_counts_delete"),
    ("comments", "comment_counts_update"), ("comment_themes", "theme_counts_tag_insert"),
    ("comment_themes", "theme_counts_tag_delete"), ("comment_themes", "theme_counts_tag_update"),
)
PG_FUNCTIONS = (
    "comment_counts_after_insert", "comment_counts_after_delete", "comment_counts_after_update",
    "theme_counts_after_tag_insert", "theme_counts_after_tag_delete",
    "theme_counts_after_tag_update",
)


# Paragraph counts (a later revision than the others), the same shape as comment_counts,
# for comments that name a paragraph: row triggers of their own on SQLite, statements added
# to the functions of the statement triggers on PostgreSQL. ---------------------------------

PARAGRAPH_KEY = ("consultation_id", "provision_id", "paragraph_id", "submission_id")
PARAGRAPH_WATCHED = (*KEY_SOURCE, *CLASS_SOURCE, "position", "paragraph_id")


def _sqlite_paragraph_statements() -> list[str]:
    counted_new = f"NEW.paragraph_id IS NOT NULL AND {_counted_sql('NEW')}"
    counted_old = f"OLD.paragraph_id IS NOT NULL AND {_counted_sql('OLD')}"
    columns = ", ".join([*PARAGRAPH_KEY, *POSITION_COLUMNS])
    upsert_set = ", ".join(f"{c} = {c} + excluded.{c}" for c in POSITION_COLUMNS)
    old_key = [f"OLD.{c}" for c in PARAGRAPH_KEY]
    new_key = [f"NEW.{c}" for c in PARAGRAPH_KEY]

    def add(where: str) -> str:
        values = ", ".join([*new_key, *_position_values("NEW")])
        return (
            f"INSERT INTO paragraph_counts ({columns}) SELECT {values} WHERE {where} "
            f"ON CONFLICT ({', '.join(PARAGRAPH_KEY)}) DO UPDATE SET {upsert_set};"
        )

    remove = (
        "UPDATE paragraph_counts SET "
        + ", ".join(
            f"{c} = {c} - {v}"
            for c, v in zip(POSITION_COLUMNS, _position_values("OLD"), strict=True)
        )
        + f" WHERE {_match(PARAGRAPH_KEY, old_key)} AND {counted_old};"
        + f" DELETE FROM paragraph_counts WHERE {_match(PARAGRAPH_KEY, old_key)} "
        f"AND {ZERO_COUNTS};"
    )
    changed = _changed(PARAGRAPH_WATCHED, "sqlite")
    return [
        *[f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_PARAGRAPH_TRIGGERS],
        f"CREATE TRIGGER paragraph_counts_insert AFTER INSERT ON comments WHEN {counted_new} "
        f"BEGIN {add('true')} END",
        f"CREATE TRIGGER paragraph_counts_delete AFTER DELETE ON comments WHEN {counted_old} "
        f"BEGIN {remove} END",
        f"CREATE TRIGGER paragraph_counts_update AFTER UPDATE OF "
        f"{', '.join(PARAGRAPH_WATCHED)} ON comments WHEN {changed} "
        f"BEGIN {remove} {add(counted_new)} END",
    ]


SQLITE_PARAGRAPH_TRIGGERS = (
    "paragraph_counts_insert", "paragraph_counts_delete", "paragraph_counts_update",
)


def _pg_paragraph_counts(plus: str | None, minus: str | None) -> list[str]:
    key = list(PARAGRAPH_KEY)
    columns = ", ".join(
        [*(f"r.{k}" for k in key)]
        + [f"{v} AS {c}" for c, v in zip(POSITION_COLUMNS, _position_values("r"), strict=True)]
    )
    where = f"r.paragraph_id IS NOT NULL AND {_counted_sql('r')}"
    signed = _pg_signed(plus, minus, columns, where)
    sums = {c: f"sum(d.s * d.{c})" for c in POSITION_COLUMNS}
    zero = ZERO_COUNTS.replace("counted_", "t.counted_")
    keys = (
        f"SELECT DISTINCT {', '.join(f'r.{k}' for k in key)} FROM {minus} r "
        "WHERE r.paragraph_id IS NOT NULL"
    ) if minus else None
    return [
        _pg_apply("paragraph_counts", key, sums, signed),
        *_pg_drop_empty("paragraph_counts", key, minus, zero, keys),
    ]


def create_paragraph_triggers_sql(dialect: str) -> list[str]:
    """The statements that make the triggers keep ``paragraph_counts`` on ``dialect``:
    row triggers of their own on SQLite; on PostgreSQL, the functions of the statement
    triggers on comments, replaced by versions that keep it too (one trigger call per
    statement, as before)."""
    if dialect == "postgresql":
        return _pg_functions(paragraphs=True)[:_PG_COMMENT_FUNCTIONS]
    if dialect == "sqlite":
        return _sqlite_paragraph_statements()
    raise NotImplementedError(f"paragraph counts have no triggers for {dialect}")


def drop_paragraph_triggers_sql(dialect: str) -> list[str]:
    """The statements that stop keeping ``paragraph_counts`` (the functions of revision
    4ab289ad87b4 again, on PostgreSQL)."""
    if dialect == "postgresql":
        return _pg_functions(paragraphs=False)[:_PG_COMMENT_FUNCTIONS]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_PARAGRAPH_TRIGGERS]


def create_triggers_sql(dialect: str) -> list[str]:
    """The statements that create the triggers (and functions) on ``dialect``."""
    if dialect == "postgresql":
        return _pg_statements()
    if dialect == "sqlite":
        return _sqlite_statements()
    raise NotImplementedError(f"comment counts have no triggers for {dialect}")


def drop_triggers_sql(dialect: str) -> list[str]:
    """The statements that drop them again."""
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {name} ON {table}" for table, name in PG_TRIGGERS] + [
            f"DROP FUNCTION IF EXISTS {name}()" for name in PG_FUNCTIONS
        ]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]


# The schema made from the models (tests, ``db.create_all()``) gets the triggers too, once
# every table exists.
for _dialect in ("sqlite", "postgresql"):
    for _statement in [*create_triggers_sql(_dialect), *create_paragraph_triggers_sql(_dialect)]:
        event.listen(db.metadata, "after_create", DDL(_statement).execute_if(dialect=_dialect))


# --- expected contents, check and rebuild -------------------------------------------------


def expected_rows(dialect: str, table: Table, consultation_id: int | None = None) -> Select:
    """What ``table`` must hold, computed from the comments (``consultation_id``: one only)."""
    comments = Comment.__table__
    c = comments.c
    published = class_condition("published", comments)
    counted = class_condition("counted", comments)

    def flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return case((condition, 1), else_=0)

    where: list[ColumnElement[bool]] = [counted]
    if consultation_id is not None:
        where.append(c.consultation_id == consultation_id)
    if table is comment_counts:
        sums = [
            func.sum(
                flag(and_(c.position == p, published) if k == "published" else c.position == p)
            ).label(count_column(k, p))
            for k in CLASSES
            for p in POSITIONS
        ]
        return (
            select(c.consultation_id, c.provision_id, c.submission_id, *sums)
            .where(*where)
            .group_by(c.consultation_id, c.provision_id, c.submission_id)
        )
    if table is paragraph_counts:
        sums = [
            func.sum(
                flag(and_(c.position == p, published) if k == "published" else c.position == p)
            ).label(count_column(k, p))
            for k in CLASSES
            for p in POSITIONS
        ]
        return (
            select(c.consultation_id, c.provision_id, c.paragraph_id, c.submission_id, *sums)
            .where(*where, c.paragraph_id.is_not(None))
            .group_by(c.consultation_id, c.provision_id, c.paragraph_id, c.submission_id)
        )
    if table is amendment_counts:
        key = wording_key(dialect, c.proposed_wording)
        return (
            select(
                c.consultation_id,
                c.provision_id,
                key.label("wording_key"),
                c.submission_id,
                func.sum(flag(published)).label("published"),
                func.count().label("counted"),
                func.min(case((published, c.id))).label("published_first_id"),
                func.min(c.id).label("counted_first_id"),
            )
            .where(*where, c.proposed_wording.is_not(None))
            .group_by(c.consultation_id, c.provision_id, key, c.submission_id)
        )
    if table is theme_counts:
        return (
            select(
                c.consultation_id,
                c.provision_id,
                comment_themes.c.theme_id,
                c.submission_id,
                func.sum(flag(published)).label("published"),
                func.count().label("counted"),
            )
            .select_from(comments)
            .join(comment_themes, comment_themes.c.comment_id == c.id)
            .where(*where)
            .group_by(c.consultation_id, c.provision_id, comment_themes.c.theme_id,
                      c.submission_id)
        )
    raise ValueError(f"not a counts table: {table.name}")


def _actual_rows(table: Table, consultation_id: int | None) -> Select:
    query = select(*table.c)
    if consultation_id is not None:
        query = query.where(table.c.consultation_id == consultation_id)
    return query


@dataclass(frozen=True)
class Difference:
    """Rows of one counts table that differ from what the comments give."""

    table: str
    #: Rows the table should hold and does not (as stored) / holds and should not.
    missing: int
    unexpected: int
    examples: tuple[str, ...]

    @property
    def rows(self) -> int:
        return self.missing + self.unexpected


EXAMPLES = 5


def compare(consultation_id: int | None = None) -> list[Difference]:
    """Differences between each counts table and a recount from the comments (read only)."""
    dialect = db.session.get_bind().dialect.name
    result = []
    for table in ALL_COUNT_TABLES:
        expected = expected_rows(dialect, table, consultation_id)
        actual = _actual_rows(table, consultation_id)
        found = []
        for label, query in (("missing", except_(expected, actual)),
                             ("unexpected", except_(actual, expected))):
            sub = query.subquery()
            n = int(db.session.execute(select(func.count()).select_from(sub)).scalar_one())
            rows = db.session.execute(select(sub).limit(EXAMPLES)).all() if n else []
            found.append((label, n, rows))
        missing, unexpected = found[0][1], found[1][1]
        if missing or unexpected:
            examples = tuple(
                f"{label}: " + ", ".join(f"{k}={v!r}"[:80] for k, v in row._mapping.items())
                for label, _n, rows in found
                for row in rows
            )
            result.append(Difference(table.name, missing, unexpected, examples))
    return result


def lock_comments() -> None:
    """Keep writers of comments and tags out until the end of the transaction (PostgreSQL;
    SQLite serialises writers already)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("LOCK TABLE comments, comment_themes IN SHARE MODE"))


@dataclass(frozen=True)
class Recount:
    """What a recount of one consultation found and wrote."""

    consultation_id: int
    differences: list[Difference]
    written: dict[str, int]


def recount_figures(actor: User | None, consultation: Consultation) -> Recount:
    """Rebuild the counts of ``consultation`` from its comments and audit it (with what
    differed before); flushes, does not commit."""
    lock_comments()
    differences = compare(consultation.id)
    written = rebuild(consultation.id)
    log_action(
        actor,
        "recount_figures",
        consultation,
        before={d.table: {"missing": d.missing, "unexpected": d.unexpected}
                for d in differences},
        after={"rows": written},
    )
    if differences:
        logger.warning(
            "figures counts of consultation %s differed from the comments (%s); rebuilt",
            consultation.id, ", ".join(f"{d.table}: {d.rows} rows" for d in differences),
        )
    return Recount(consultation.id, differences, written)


def rebuild(consultation_id: int | None = None) -> dict[str, int]:
    """Replace the counts (of one consultation, or all) by a recount from the comments.

    Flushes, does not commit; returns the rows written per table.
    """
    db.session.flush()
    lock_comments()
    dialect = db.session.get_bind().dialect.name
    written = {}
    for table in ALL_COUNT_TABLES:
        kept = [] if consultation_id is None else [table.c.consultation_id == consultation_id]
        _replace_rows(dialect, table, kept, consultation_id=consultation_id)
        count = select(func.count()).select_from(table)
        if consultation_id is not None:
            count = count.where(table.c.consultation_id == consultation_id)
        written[table.name] = int(db.session.execute(count).scalar_one())
    return written


def _replace_rows(
    dialect: str,
    table: Table,
    rows: Sequence[ColumnElement[bool]],
    *,
    consultation_id: int | None = None,
    comments: Sequence[ColumnElement[bool]] = (),
) -> None:
    """Replace the ``rows`` of ``table`` (all when none is given) by a recount of the
    comments (of ``consultation_id``, and matching ``comments``)."""
    db.session.execute(delete(table).where(*rows))
    expected = expected_rows(dialect, table, consultation_id).where(*comments)
    db.session.execute(insert(table).from_select([c.name for c in table.c], expected))


# --- a bulk insert of comments (SQLite): counted once for all the rows ----------------------

#: The counts' triggers that fire on an INSERT into comments (SQLite: one a row).
_SQLITE_INSERT_TRIGGERS = ("comment_counts_insert", "amendment_counts_insert",
                           "paragraph_counts_insert")
_SUSPENDED = "consult_app.suspended_count_triggers"


def _suspend_insert_triggers(sender: Any, **_: Any) -> None:
    """SQLite: drop the counts' INSERT triggers on comments until the bulk insert ends
    (:func:`_count_bulk_insert`), keeping their SQL to make them again. In the insert's
    transaction: no one else sees them gone, and a rollback brings them back."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return  # PostgreSQL's triggers run once a statement already
    marks = ", ".join("?" for _ in _SQLITE_INSERT_TRIGGERS)
    saved = connection.exec_driver_sql(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})",
        _SQLITE_INSERT_TRIGGERS,
    ).all()
    for name, _sql in saved:
        connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
    db.session.info[_SUSPENDED] = [sql for _name, sql in saved]


def _count_bulk_insert(sender: Any, *, ids: tuple[int, int] | None, **_: Any) -> None:
    """Make the suspended triggers again, then (the insert done) count the comments of the
    submissions it added to, as ``flask summaries recount`` would: all their rows in the
    tables the triggers keep, with one DELETE and one INSERT ... SELECT each."""
    saved: list[str] | None = db.session.info.pop(_SUSPENDED, None)
    if saved is None:
        return
    connection = db.session.connection()
    for sql in saved:
        connection.exec_driver_sql(sql)
    if ids is None:
        return  # the insert failed
    c = Comment.__table__.c
    submissions = (
        select(c.submission_id).where(c.id.between(ids[0], ids[1])).distinct().scalar_subquery()
    )
    for table in (comment_counts, amendment_counts, paragraph_counts):
        _replace_rows(
            "sqlite",
            table,
            [table.c.submission_id.in_(submissions)],
            comments=[c.submission_id.in_(submissions)],
        )


def connect_signals() -> None:
    """Receive what submissions announce (called by the app factory; connecting twice is
    harmless)."""
    comments_bulk_insert_starts.connect(_suspend_insert_triggers)
    comments_bulk_insert_ends.connect(_count_bulk_insert)
