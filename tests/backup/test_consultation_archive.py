"""`flask ops export-consultation` / `import-consultation`: one consultation, portable.

A database holds the demo consultation and another one (its own text, organisation, author
and comment, audited in the middle of the chain). The demo consultation's archive imports
into an empty database: its rows with the same ids, not the other's; accounts without a
usable password or second factor; its export file back in storage; the audit chain verifies
(the other consultation's entries as links only), also after a new action; the figures are
those of the source. The archive moves between engines and back (PostgreSQL -> SQLite ->
PostgreSQL when ``TEST_DATABASE_URL`` gives PostgreSQL, SQLite -> PostgreSQL -> SQLite when
the suite runs on SQLite and ``BACKUP_POSTGRES_URL`` gives PostgreSQL, SQLite only
otherwise). A damaged, foreign or tampered archive and a database with rows are refused,
nothing changed.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from consult_app.accounts import operations as account_ops
from consult_app.accounts.models import User
from consult_app.backup.archive import _encode
from consult_app.backup.consultation import UNUSABLE_PASSWORD
from consult_app.config import normalise_database_url
from consult_app.core.audit import AuditEntry, AuditLink, log_action, verify_chain
from consult_app.core.storage import get_storage
from consult_app.demo.loader import load_demo
from consult_app.exports.jobs import file_key
from consult_app.exports.models import ExportFormat, ExportJob, ExportKind, JobStatus
from consult_app.extensions import db
from consult_app.submissions import commenting
from consult_app.submissions import operations as submission_ops
from consult_app.submissions.models import Position
from consult_app.summaries.counts import ALL_COUNT_TABLES, compare, recount_figures
from tests.conftest import PASSWORD, _clean, make_consultation, make_org, make_user

EXPORT_FILE = "job-consultation-archive.xlsx"
EXPORT_BYTES = b"PK\x03\x04 an export"
COUNT_TABLES = {t.name for t in ALL_COUNT_TABLES}


def _rows(table_name: str, where: Callable[[dict[str, Any]], bool] | None = None) -> list[Any]:
    table = db.metadata.tables[table_name]
    found = [
        {k: _encode(v) for k, v in row.items() if k != "wording_key"}
        for row in db.session.execute(select(table)).mappings()
    ]
    found = [r for r in found if where is None or where(r)]
    return sorted(found, key=lambda r: json.dumps(r, sort_keys=True))


def _load(app: Flask) -> tuple[int, dict[str, Any]]:
    """The demo consultation and another; return the demo's id and what the other holds."""
    app.config["MAIL_BACKEND"] = "memory"
    demo = load_demo().consultation
    db.session.commit()
    job = ExportJob(
        consultation=demo,
        kind=ExportKind.COMPILATION,
        format=ExportFormat.XLSX,
        status=JobStatus.DONE,
        file_path=EXPORT_FILE,
        filename="compilation.xlsx",
        finished_at=datetime.now(UTC),
    )
    db.session.add(job)
    get_storage().put(file_key(EXPORT_FILE), EXPORT_BYTES)

    other = make_consultation()
    other.title = "The other consultation"
    organisation = make_org(name="Only in the other consultation")
    author = make_user(organisation=organisation)
    provision = other.version.provisions[0]
    submission = submission_ops.compose_submission(
        author,
        other,
        comments=[(provision, commenting.CommentFields(position=Position.SUPPORT, body="Secret."))],
    )
    db.session.commit()
    # The demo's entries continue after the other's: the other's are in the middle.
    recount_figures(None, demo)
    db.session.commit()
    return demo.id, {
        "consultation": other.id,
        "instrument": other.version.instrument_id,
        "organisation": organisation.id,
        "author": author.id,
        "submission": submission.id,
    }


def _expected(consultation_id: int) -> dict[str, list[Any]]:
    """The source rows the archive must carry (as the tests read them, not as the export
    selects them): the consultation's own rows and its text's."""
    submissions = {
        r["id"] for r in _rows("submissions", lambda r: r["consultation_id"] == consultation_id)
    }
    consultation = _rows("consultations", lambda r: r["id"] == consultation_id)[0]
    version = _rows("text_versions", lambda r: r["id"] == consultation["version_id"])[0]
    versions = {
        r["id"]
        for r in _rows("text_versions", lambda r: r["instrument_id"] == version["instrument_id"])
    }
    expected = {
        "consultations": [consultation],
        "text_versions": _rows("text_versions", lambda r: r["id"] in versions),
        "provisions": _rows("provisions", lambda r: r["version_id"] in versions),
    }
    for table in db.metadata.sorted_tables:
        if table.name in COUNT_TABLES:
            continue
        if "consultation_id" in table.c:
            expected[table.name] = _rows(
                table.name, lambda r: r["consultation_id"] == consultation_id
            )
        elif "submission_id" in table.c:
            expected[table.name] = _rows(table.name, lambda r: r["submission_id"] in submissions)
    return expected


def _figures(consultation_id: int) -> dict[str, list[Any]]:
    return {
        name: _rows(name, lambda r: r["consultation_id"] == consultation_id)
        for name in COUNT_TABLES
    }


def _chain() -> dict[int, tuple[str, str]]:
    """Every element of the chain, entry or link: id -> (previous hash, hash)."""
    chain = {e.id: (e.prev_hash, e.hash) for e in db.session.scalars(select(AuditEntry))}
    chain.update({e.id: (e.prev_hash, e.hash) for e in db.session.scalars(select(AuditLink))})
    return chain


def _run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["ops", *args])


def _fresh_app(url: str, instance: Path) -> Flask:
    from consult_app import create_app

    instance.mkdir(exist_ok=True)
    other = create_app("testing", SQLALCHEMY_DATABASE_URI=url, INSTANCE_PATH=str(instance))
    other.config["MAIL_BACKEND"] = "memory"
    with other.app_context():
        db.drop_all()
        db.create_all()
    return other


def _database(tmp_path: Path, kind: str) -> str:
    """An empty database of ``kind``: PostgreSQL when a URL of one is given, else SQLite."""
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("BACKUP_POSTGRES_URL")
    if kind == "postgresql" and url and url.startswith("postgres"):
        parsed = make_url(normalise_database_url(url))
        database = f"{parsed.database}_consultation"
        admin = create_engine(parsed, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        admin.dispose()
        return parsed.set(database=database).render_as_string(hide_password=False)
    return "sqlite:///" + str(tmp_path / f"{kind}.sqlite")


def test_a_consultation_moves_alone_into_an_empty_database(app: Flask, tmp_path: Path) -> None:
    demo_id, other = _load(app)
    expected = _expected(demo_id)
    figures = _figures(demo_id)
    assert expected["comments"] and expected["attachments"] and any(figures.values())
    source_chain = _chain()
    source_entries = {
        e.id: e.hash
        for e in db.session.scalars(select(AuditEntry).where(AuditEntry.object_id.is_not(None)))
    }
    other_entry = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.object_type == "Submission", AuditEntry.object_id == other["submission"]
        )
    ).first()
    assert other_entry is not None
    archive = tmp_path / "consultation.tar.gz"

    result = _run(app, "export-consultation", str(demo_id), str(archive))
    assert result.exit_code == 0, result.output
    assert "without their passwords" in result.output

    target = _fresh_app(_database(tmp_path, "postgresql"), tmp_path / "target")
    with target.app_context():
        result = _run(target, "import-consultation", str(archive))
        assert result.exit_code == 0, result.output
        assert "no usable password" in result.output
        db.session.remove()

        for name, rows in expected.items():
            assert _rows(name) == rows, name
        assert [r["id"] for r in _rows("consultations")] == [demo_id]
        assert not _rows("organisations", lambda r: r["id"] == other["organisation"])
        assert not _rows("users", lambda r: r["id"] == other["author"])
        assert not _rows("instruments", lambda r: r["id"] == other["instrument"])
        assert not _rows("user_sessions") and not _rows("recovery_codes")

        users = db.session.scalars(select(User)).all()
        assert users
        for user in users:
            assert user.password_hash == UNUSABLE_PASSWORD
            assert not user.check_password(PASSWORD)
            assert user.totp_secret is None and user.totp_enabled_at is None

        assert get_storage().get(file_key(EXPORT_FILE)) == EXPORT_BYTES
        assert _figures(demo_id) == figures
        assert compare() == []

        # The chain: the same elements up to the source's head, then the import's entry.
        chain = _chain()
        head = max(source_chain)
        assert {i: chain[i] for i in source_chain} == source_chain
        assert sorted(chain) == [*sorted(source_chain), head + 1]
        assert chain[head + 1][0] == source_chain[head][1]
        # The other consultation's entry is a link only; the demo's are entries.
        assert db.session.get(AuditEntry, other_entry.id) is None
        assert db.session.get(AuditLink, other_entry.id) is not None
        kept = set(db.session.scalars(select(AuditEntry.id)))
        assert kept and kept <= {*source_entries, head + 1}
        assert verify_chain() == []

        # Life goes on: a new action chains after the import's entry.
        entry = log_action(None, "touch", db.session.get(User, users[0].id))
        db.session.commit()
        assert entry.id == head + 2
        assert entry.prev_hash == chain[head + 1][1]
        assert verify_chain() == []
        assert target.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0
        # A person sets a new password through the reset link and signs in with it.
        token = account_ops.make_reset_token(users[0])
        person = account_ops.user_for_reset_token(token)
        assert person is not None
        account_ops.reset_password(person, "a brand new passphrase")
        db.session.commit()
        assert person.check_password("a brand new passphrase")
        assert verify_chain() == []

        # New rows get new ids (PostgreSQL's sequences follow the imported rows).
        highest = max(r["id"] for r in _rows("organisations"))
        organisation = make_org(name="Joined after the import")
        db.session.commit()
        assert organisation.id > highest
        db.session.remove()
        db.engine.dispose()


def test_a_consultation_moves_between_engines_and_back(app: Flask, tmp_path: Path) -> None:
    demo_id, _other = _load(app)
    expected = _expected(demo_id)
    figures = _figures(demo_id)
    first = tmp_path / "first.tar.gz"
    assert _run(app, "export-consultation", str(demo_id), str(first)).exit_code == 0
    if db.engine.dialect.name == "postgresql":
        kinds = ["sqlite", "postgresql"]
    else:
        kinds = ["postgresql", "sqlite"]
    archive = first
    seen: list[dict[str, list[Any]]] = []
    for hop, kind in enumerate(kinds):
        other = _fresh_app(_database(tmp_path, f"{kind}-{hop}"), tmp_path / f"{kind}-{hop}")
        with other.app_context():
            result = _run(other, "import-consultation", str(archive))
            assert result.exit_code == 0, result.output
            db.session.remove()
            for name, rows in expected.items():
                assert _rows(name) == rows, (kind, name)
            assert _figures(demo_id) == figures
            assert verify_chain() == []
            assert get_storage().get(file_key(EXPORT_FILE)) == EXPORT_BYTES
            seen.append(
                {
                    t.name: _rows(t.name)
                    for t in db.metadata.sorted_tables
                    if t.name not in {"audit_entries", "audit_links"}
                }
            )
            if hop == 0:
                archive = tmp_path / "second.tar.gz"
                result = _run(other, "export-consultation", str(demo_id), str(archive))
                assert result.exit_code == 0, result.output
            else:
                # Each import appended its entry: two after the source's head.
                actions = db.session.scalars(
                    select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(2)
                ).all()
                assert actions == ["import_consultation", "import_consultation"]
            db.session.remove()
            db.engine.dispose()
    assert seen[0] == seen[1]


def _rewrite(
    source: Path, target: Path, change: Callable[[str, bytes], bytes], *, sign: bool
) -> None:
    """Copy an archive, changing members; ``sign``: with the manifest's checksums updated."""
    with tarfile.open(source) as archive:
        members = {
            m.name: archive.extractfile(m).read()  # type: ignore[union-attr]
            for m in archive.getmembers()
        }
    members = {name: change(name, data) for name, data in members.items()}
    if sign:
        manifest = json.loads(members["manifest.json"])
        for name in manifest["sha256"]:
            manifest["sha256"][name] = hashlib.sha256(members[name]).hexdigest()
        members["manifest.json"] = json.dumps(manifest).encode()
    with tarfile.open(target, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def _tamper_entry(name: str, data: bytes) -> bytes:
    if name != "tables/audit_entries.jsonl":
        return data
    lines = data.decode().splitlines()
    entry = json.loads(lines[0])
    entry["after"] = {"forged": True}
    lines[0] = json.dumps(entry)
    return ("\n".join(lines) + "\n").encode()


def _tamper_figures(name: str, data: bytes) -> bytes:
    if name != "figures.json":
        return data
    figures = json.loads(data)
    figures["comment_counts"] = figures["comment_counts"][1:]
    return json.dumps(figures).encode()


def _damage(name: str, data: bytes) -> bytes:
    return data.replace(b"a", b"b", 1) if name == "tables/comments.jsonl" else data


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda src, dst: _rewrite(src, dst, _damage, sign=False), "checksum"),
        (lambda src, dst: _rewrite(src, dst, _tamper_entry, sign=True), "does not verify"),
        (lambda src, dst: _rewrite(src, dst, _tamper_figures, sign=True), "figures differ"),
        (None, "not a consult_app-consultation/1 archive"),
        (lambda src, dst: dst.write_text("hello"), "cannot read"),
    ],
    ids=["damaged", "tampered-entry", "tampered-figures", "platform-backup", "not-an-archive"],
)
def test_a_bad_archive_is_refused_and_nothing_changes(
    app: Flask, tmp_path: Path, make: Any, message: str
) -> None:
    demo_id, _other = _load(app)
    archive = tmp_path / "consultation.tar.gz"
    assert _run(app, "export-consultation", str(demo_id), str(archive)).exit_code == 0
    bad = tmp_path / "bad.tar.gz"
    if make is None:
        assert _run(app, "backup", str(bad)).exit_code == 0
    else:
        make(archive, bad)
    target = _fresh_app(_database(tmp_path, "postgresql"), tmp_path / "target")
    with target.app_context():
        result = _run(target, "import-consultation", str(bad))
        assert result.exit_code != 0
        assert message in result.output
        db.session.remove()
        assert not any(_rows(t.name) for t in db.metadata.sorted_tables)
        assert get_storage().get(file_key(EXPORT_FILE)) is None
        db.session.remove()
        db.engine.dispose()


def test_a_database_with_rows_is_refused_and_an_unknown_consultation_named(
    app: Flask, tmp_path: Path
) -> None:
    demo_id, _other = _load(app)
    archive = tmp_path / "consultation.tar.gz"
    result = _run(app, "export-consultation", "999999", str(archive))
    assert result.exit_code != 0
    assert "no consultation 999999" in result.output
    assert not archive.exists()

    assert _run(app, "export-consultation", str(demo_id), str(archive)).exit_code == 0
    db.session.remove()
    before = {t.name: _rows(t.name) for t in db.metadata.sorted_tables}
    result = _run(app, "import-consultation", str(archive))
    assert result.exit_code != 0
    assert "not empty" in result.output
    db.session.remove()
    assert {t.name: _rows(t.name) for t in db.metadata.sorted_tables} == before


def test_a_platform_backup_after_an_import_keeps_the_links(app: Flask, tmp_path: Path) -> None:
    """The platform's backup carries ``audit_links`` like any table: restored, the chain of
    an imported consultation still verifies."""
    demo_id, _other = _load(app)
    archive = tmp_path / "consultation.tar.gz"
    assert _run(app, "export-consultation", str(demo_id), str(archive)).exit_code == 0
    target = _fresh_app(_database(tmp_path, "postgresql"), tmp_path / "target")
    with target.app_context():
        assert _run(target, "import-consultation", str(archive)).exit_code == 0
        db.session.remove()
        chain = _chain()
        assert db.session.scalars(select(AuditLink)).first() is not None
        backup = tmp_path / "platform.tar.gz"
        assert _run(target, "backup", str(backup)).exit_code == 0
        db.session.remove()
        _clean(target)
        assert not _chain()
        result = _run(target, "restore", str(backup))
        assert result.exit_code == 0, result.output
        db.session.remove()
        assert _chain() == chain
        assert verify_chain() == []
        db.session.remove()
        db.engine.dispose()


def test_which_rows_belong_to_a_consultation_and_to_a_text(app: Flask) -> None:
    """The families the foreign keys give (a new table lands in one: check it belongs)."""
    from consult_app.backup.consultation import families

    found = {
        root: {t.name for t in tables}
        for root, tables in families(db.metadata.sorted_tables).items()
    }
    assert found["consultations"] == {
        "consultations", "consultation_translations", "consensus_settings", "report_settings",
        "themes", "theme_translations", "submissions", "submission_cosigners",
        "submission_revisions", "attachments", "comments", "comment_themes", "change_comments",
        "dispositions", "duplicate_groups", "provision_assignments", "summary_drafts",
        "summary_translations", "export_jobs", "import_jobs",
    }  # fmt: skip
    assert found["instruments"] == {
        "instruments", "text_versions", "text_version_translations", "text_changes",
        "provisions", "provision_sources", "provision_translations", "provision_update_flags",
        "paragraphs", "paragraph_sources", "paragraph_translations", "footnotes",
    }  # fmt: skip
