"""File storage: the local folder (one machine) and the database (every host)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from consult_app.config import ConfigError
from consult_app.core.models import utcnow
from consult_app.core.storage import (
    DatabaseStorage,
    LocalStorage,
    StoredFile,
    get_storage,
    make_storage,
)
from consult_app.extensions import db


@pytest.fixture(params=["local", "database"])
def storage(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path)
    return DatabaseStorage()


def test_put_get_rename_delete(storage):
    assert storage.get("imports/a.bin") is None
    assert not storage.exists("imports/a.bin")
    storage.put("imports/a.bin", b"first")
    storage.put("imports/a.bin", b"second")  # replaces
    assert storage.get("imports/a.bin") == b"second"
    assert storage.size("imports/a.bin") == 6
    # A claim by rename succeeds once.
    assert storage.rename("imports/a.bin", "imports/a.claimed") is True
    assert storage.rename("imports/a.bin", "imports/a.claimed") is False
    assert storage.get("imports/a.claimed") == b"second"
    storage.delete("imports/a.claimed")
    assert not storage.exists("imports/a.claimed")


def test_put_file_moves_a_built_file(storage, tmp_path):
    built = tmp_path / "built.part"
    built.write_bytes(b"x" * 100)
    assert storage.put_file("exports/job-1-ab.csv", built) == 100
    assert not built.exists()
    assert storage.get("exports/job-1-ab.csv") == b"x" * 100


def test_keys_never_leave_their_folder(storage):
    for bad in ("../etc/passwd", "imports/../x", "imports/a/b", "/abs", "imports/"):
        with pytest.raises(ValueError):
            storage.get(bad)


def test_old_files_are_removed(storage, tmp_path):
    storage.put("imports/old.bin", b"1")
    storage.put("exports/keep.bin", b"1")
    if isinstance(storage, LocalStorage):
        import os

        os.utime(tmp_path / "imports" / "old.bin", (0, 0))
    else:
        db.session.execute(
            update(StoredFile)
            .where(StoredFile.key == "imports/old.bin")
            .values(updated_at=utcnow().replace(year=2000))
        )
    storage.put("imports/new.bin", b"1")
    assert storage.remove_older_than("imports", 3600) == 1
    assert not storage.exists("imports/old.bin")
    assert storage.exists("imports/new.bin")
    assert storage.exists("exports/keep.bin")


def test_database_files_are_rows_of_the_transaction():
    storage = DatabaseStorage()
    storage.put("exports/job-2-cd.xlsx", b"data")
    db.session.rollback()
    assert storage.get("exports/job-2-cd.xlsx") is None
    storage.put("exports/job-2-cd.xlsx", b"data")
    db.session.commit()
    assert db.session.scalar(select(StoredFile.size)) == 4


def test_backend_chosen_by_configuration(app, monkeypatch):
    assert isinstance(get_storage(), LocalStorage)
    monkeypatch.setitem(app.config, "FILE_STORAGE", "database")
    assert isinstance(make_storage(app), DatabaseStorage)
    monkeypatch.setitem(app.config, "FILE_STORAGE", "s3")
    with pytest.raises(ConfigError):
        make_storage(app)
