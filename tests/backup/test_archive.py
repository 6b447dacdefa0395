"""`flask ops backup` / `flask ops restore`: the whole platform in one portable archive.

Back up the demo consultation (with a stored file), destroy everything, restore, and find
every row, the same figures, an intact audit chain and the file again; the archive made on
one engine restores into the other (PostgreSQL -> SQLite -> PostgreSQL when a
PostgreSQL ``TEST_DATABASE_URL`` is given, SQLite -> SQLite -> SQLite otherwise); a damaged
archive or a database that is not empty is refused with a clear message, nothing changed.
"""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from consult_app import create_app
from consult_app.backup.archive import _encode
from consult_app.config import normalise_database_url
from consult_app.core.audit import verify_chain
from consult_app.core.storage import get_storage
from consult_app.demo.loader import load_demo
from consult_app.extensions import db
from consult_app.summaries.counts import ALL_COUNT_TABLES, compare
from tests.conftest import _clean, make_org


def _fingerprint(portable: bool = False) -> dict[str, list[Any]]:
    """Every row of every table (counts included), as the archive encodes values.

    ``portable``: without ``amendment_counts.wording_key``, which each engine makes its own
    way (an md5 on PostgreSQL, the text on SQLite).
    """
    rows = {}
    for table in db.metadata.sorted_tables:
        order = [c for c in table.primary_key.columns if not (portable and c.name == "wording_key")]
        found = [
            {k: _encode(v) for k, v in row.items() if not (portable and k == "wording_key")}
            for row in db.session.execute(select(table)).mappings()
        ]
        rows[table.name] = sorted(found, key=lambda r: [str(r[c.name]) for c in order])
    return rows


def _load(app: Flask) -> None:
    app.config["MAIL_BACKEND"] = "memory"
    load_demo()
    get_storage().put("imports/backup-test.bin", b"\x00preview bytes\xff")
    db.session.commit()


def _run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["ops", *args])


def test_backup_destroy_restore_finds_everything(app: Flask, tmp_path: Path) -> None:
    _load(app)
    before = _fingerprint()
    assert before["comments"] and before["audit_entries"] and before["users"]
    archive = tmp_path / "backup.tar.gz"

    result = _run(app, "backup", str(archive))
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.output

    # Destroy: every row and the stored file.
    db.session.remove()
    _clean(app)
    get_storage().delete("imports/backup-test.bin")
    assert not _fingerprint()["comments"]

    result = _run(app, "restore", str(archive))
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert _fingerprint() == before
    assert verify_chain() == []
    assert compare() == []
    assert get_storage().get("imports/backup-test.bin") == b"\x00preview bytes\xff"

    # New rows get new ids after a restore (sequences follow the restored rows).
    highest = max(o["id"] for o in before["organisations"])
    organisation = make_org(name="Joined after the restore")
    db.session.commit()
    assert organisation.id > highest


def test_restore_refuses_a_database_with_rows_and_a_damaged_archive(
    app: Flask, tmp_path: Path
) -> None:
    _load(app)
    archive = tmp_path / "backup.tar.gz"
    assert _run(app, "backup", str(archive)).exit_code == 0
    before = _fingerprint()

    result = _run(app, "restore", str(archive))
    assert result.exit_code != 0
    assert "not empty" in result.output
    db.session.remove()
    assert _fingerprint() == before

    # A member changed after the backup: its checksum no longer matches.
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "tables/comments.jsonl":
                data = data.replace(b"a", b"b", 1)
            target.addfile(member, io.BytesIO(data))
    db.session.remove()
    _clean(app)
    result = _run(app, "restore", str(damaged))
    assert result.exit_code != 0
    assert "checksum" in result.output
    db.session.remove()
    assert not _fingerprint()["users"]

    not_an_archive = tmp_path / "notes.txt"
    not_an_archive.write_text("hello")
    result = _run(app, "restore", str(not_an_archive))
    assert result.exit_code != 0
    assert "cannot read" in result.output


def _other_database(tmp_path: Path, name: str) -> str:
    """A fresh database: PostgreSQL (when ``TEST_DATABASE_URL`` gives one) or SQLite."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url and name == "postgresql":
        parsed = make_url(normalise_database_url(url))
        database = f"{parsed.database}_restore"
        admin = create_engine(parsed, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        admin.dispose()
        return parsed.set(database=database).render_as_string(hide_password=False)
    return "sqlite:///" + str(tmp_path / f"{name}.sqlite")


def _fresh_app(url: str, instance: Path) -> Flask:
    instance.mkdir(exist_ok=True)
    other = create_app("testing", SQLALCHEMY_DATABASE_URI=url, INSTANCE_PATH=str(instance))
    with other.app_context():
        db.create_all()
    return other


def test_archive_moves_between_engines(app: Flask, tmp_path: Path) -> None:
    """The suite's engine -> the other engine -> the first again, the same rows all along."""
    _load(app)
    before = _fingerprint(portable=True)
    first = tmp_path / "first.tar.gz"
    assert _run(app, "backup", str(first)).exit_code == 0
    if db.engine.dialect.name == "postgresql":  # PostgreSQL -> SQLite -> PostgreSQL
        kinds = ["sqlite", "postgresql"]
    else:  # SQLite -> PostgreSQL (SQLite without a TEST_DATABASE_URL) -> SQLite
        kinds = ["postgresql", "sqlite"]
    hops = [(kinds[0], tmp_path / "second.tar.gz"), (kinds[1], None)]
    archive = first
    for kind, out in hops:
        other = _fresh_app(_other_database(tmp_path, kind), tmp_path / kind)
        with other.app_context():
            result = _run(other, "restore", str(archive))
            assert result.exit_code == 0, result.output
            db.session.remove()
            assert _fingerprint(portable=True) == before, kind
            assert verify_chain() == []
            assert compare() == []
            assert get_storage().get("imports/backup-test.bin") == b"\x00preview bytes\xff"
            if out is not None:
                assert _run(other, "backup", str(out)).exit_code == 0
                archive = out
            db.session.remove()
            db.engine.dispose()
    assert {t.name for t in ALL_COUNT_TABLES} <= set(before)
