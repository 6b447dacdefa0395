"""Files the platform keeps between requests: built exports and import previews.

Two backends behind one small interface, chosen by ``FILE_STORAGE``:

- ``local`` (the default, one machine): files under ``FILE_STORAGE_DIR``, by default the
  instance folder (exports keep ``EXPORTS_DIR`` when it is set).
- ``database``: the ``stored_files`` table, bytes in the database, so that every host behind
  the load balancer sees the same files (a preview uploaded through one host is saved through
  another, an export built by the worker is downloaded from any host).

Keys are relative names such as ``exports/job-3-1f2e.xlsx`` or ``imports/<token>.bin``;
nothing a user typed becomes a key. Writes through the database backend belong to the
current session's transaction: the request's commit (or the job's) makes them visible, and a
rollback undoes them. Attachments are not here: they have always been rows (``attachments``).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from flask import Flask, current_app
from sqlalchemy import LargeBinary, String, delete, func, select, update
from sqlalchemy.orm import Mapped, deferred, mapped_column

from consult_app.config import ConfigError
from consult_app.core.models import Model, utcnow
from consult_app.extensions import db

KEY_PATTERN = re.compile(r"^[a-z]+/[A-Za-z0-9_.-]{1,200}$")
BACKENDS = ("local", "database")


class StoredFile(Model):
    """One file of the database backend."""

    __tablename__ = "stored_files"

    key: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    size: Mapped[int] = mapped_column(nullable=False)
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))


def _check_key(key: str) -> str:
    if not KEY_PATTERN.match(key) or ".." in key:
        raise ValueError(f"bad storage key {key!r}")
    return key


class Storage(Protocol):
    name: str

    def put(self, key: str, data: bytes) -> None: ...
    def put_file(self, key: str, path: Path) -> int: ...
    def get(self, key: str) -> bytes | None: ...
    def size(self, key: str) -> int | None: ...
    def local_path(self, key: str) -> Path | None: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def rename(self, key: str, new_key: str) -> bool: ...
    def remove_older_than(self, prefix: str, seconds: float) -> int: ...
    def scratch_dir(self) -> Path: ...


class LocalStorage:
    """Files in a folder of this machine (``<root>/<key>``); writes are atomic renames."""

    name = "local"

    def __init__(self, root: Path, folders: dict[str, Path] | None = None) -> None:
        self.root = root
        self.folders = folders or {}

    def _path(self, key: str) -> Path:
        prefix, name = _check_key(key).split("/", 1)
        folder = self.folders.get(prefix) or self.root / prefix
        folder.mkdir(parents=True, exist_ok=True)
        return folder / name

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)

    def put_file(self, key: str, path: Path) -> int:
        target = self._path(key)
        shutil.move(str(path), str(target))
        return target.stat().st_size

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except OSError:
            return None

    def size(self, key: str) -> int | None:
        try:
            return self._path(key).stat().st_size
        except OSError:
            return None

    def local_path(self, key: str) -> Path | None:
        path = self._path(key)
        return path if path.is_file() else None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def rename(self, key: str, new_key: str) -> bool:
        """Atomic: of two callers, one gets True."""
        try:
            os.rename(self._path(key), self._path(new_key))
        except OSError:
            return False
        return True

    def remove_older_than(self, prefix: str, seconds: float) -> int:
        folder = self._path(f"{prefix}/x").parent
        limit = time.time() - seconds
        removed = 0
        for path in folder.iterdir():
            try:
                if path.stat().st_mtime < limit:
                    path.unlink()
                    removed += 1
            except OSError:
                continue
        return removed

    def scratch_dir(self) -> Path:
        folder = self.root / "tmp"
        folder.mkdir(parents=True, exist_ok=True)
        return folder


class DatabaseStorage:
    """Files as rows of ``stored_files``, in the current session's transaction."""

    name = "database"

    def put(self, key: str, data: bytes) -> None:
        _check_key(key)
        db.session.execute(delete(StoredFile).where(StoredFile.key == key))
        db.session.add(StoredFile(key=key, size=len(data), data=data))
        db.session.flush()

    def put_file(self, key: str, path: Path) -> int:
        data = path.read_bytes()
        self.put(key, data)
        path.unlink(missing_ok=True)
        return len(data)

    def get(self, key: str) -> bytes | None:
        _check_key(key)
        return db.session.scalar(select(StoredFile.data).where(StoredFile.key == key))

    def size(self, key: str) -> int | None:
        _check_key(key)
        return db.session.scalar(select(StoredFile.size).where(StoredFile.key == key))

    def local_path(self, key: str) -> Path | None:
        return None

    def exists(self, key: str) -> bool:
        return self.size(key) is not None

    def delete(self, key: str) -> None:
        db.session.execute(delete(StoredFile).where(StoredFile.key == _check_key(key)))

    def rename(self, key: str, new_key: str) -> bool:
        """One UPDATE: of two transactions, the second waits for the first and finds no row."""
        _check_key(key)
        _check_key(new_key)
        result = db.session.execute(
            update(StoredFile)
            .where(StoredFile.key == key)
            .values(key=new_key, updated_at=func.now())
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def remove_older_than(self, prefix: str, seconds: float) -> int:
        limit = utcnow() - timedelta(seconds=seconds)
        result = db.session.execute(
            delete(StoredFile)
            .where(StoredFile.key.startswith(prefix + "/"), StoredFile.updated_at < limit)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def scratch_dir(self) -> Path:
        return Path(tempfile.gettempdir())


def make_storage(app: Flask) -> Storage:
    backend = (app.config.get("FILE_STORAGE") or "local").strip().lower()
    if backend == "database":
        return DatabaseStorage()
    if backend != "local":
        raise ConfigError(f"FILE_STORAGE must be one of {', '.join(BACKENDS)}, not {backend!r}.")
    root = Path(app.config.get("FILE_STORAGE_DIR") or app.instance_path)
    folders = {}
    if app.config.get("EXPORTS_DIR"):
        folders["exports"] = Path(app.config["EXPORTS_DIR"])
    return LocalStorage(root, folders)


def get_storage(app: Flask | None = None) -> Storage:
    """The application's storage (made once per application)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    storage = app.extensions.get("file_storage")
    if storage is None:
        storage = app.extensions["file_storage"] = make_storage(app)
    return storage
