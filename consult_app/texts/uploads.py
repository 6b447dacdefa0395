"""Uploaded files waiting between the import preview and "Save".

The bytes stay in the instance folder under a random token, so that "Save" stores exactly
what the preview showed without a second upload; the form carries only the token. Saving
claims the token by an atomic rename, so that a double click saves one version.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app

logger = logging.getLogger(__name__)

TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")
MAX_AGE_SECONDS = 24 * 3600


@dataclass
class PendingImport:
    token: str
    user_id: int
    filename: str
    title: str
    symbol: str | None
    issued_on: date | None
    instrument_id: int | None
    language: str | None = None  # the file's language
    version_id: int | None = None  # set for a language version of this version

    def data(self) -> bytes:
        return _path(self.token, ".bin").read_bytes()


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _path(token: str, suffix: str) -> Path:
    if not TOKEN_PATTERN.match(token):
        raise ValueError("bad token")
    return _folder() / f"{token}{suffix}"


def _write_atomic(path: Path, content: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(content)
    os.replace(temporary, path)


def _remove_stale() -> None:
    limit = time.time() - MAX_AGE_SECONDS
    for path in _folder().iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            continue


def store(
    user_id: int,
    data: bytes,
    filename: str,
    title: str,
    symbol: str | None,
    issued_on: date | None,
    instrument_id: int | None,
    language: str | None = None,
    version_id: int | None = None,
) -> str:
    """Keep an uploaded file for its preview; return the token that names it."""
    _remove_stale()
    token = secrets.token_urlsafe(32)
    meta = {
        "user_id": user_id,
        "filename": filename,
        "title": title,
        "symbol": symbol,
        "issued_on": issued_on.isoformat() if issued_on else None,
        "instrument_id": instrument_id,
        "language": language,
        "version_id": version_id,
    }
    _write_atomic(_path(token, ".bin"), data)
    _write_atomic(_path(token, ".json"), json.dumps(meta).encode())
    logger.info("user %s uploaded %s for import (%s)", user_id, filename, token[:8])
    return token


def _read_meta(path: Path) -> dict[str, Any] | None:
    try:
        meta = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def load(token: str | None, user_id: int) -> PendingImport | None:
    """The pending import ``token`` of ``user_id``; None if unknown, used or someone else's."""
    if not token or not TOKEN_PATTERN.match(token):
        return None
    meta = _read_meta(_path(token, ".json"))
    if meta is None or meta.get("user_id") != user_id or not _path(token, ".bin").exists():
        return None
    issued = meta.get("issued_on")
    instrument_id = meta.get("instrument_id")
    version_id = meta.get("version_id")
    language = meta.get("language")
    return PendingImport(
        token=token,
        user_id=user_id,
        filename=str(meta.get("filename") or ""),
        title=str(meta.get("title") or ""),
        symbol=meta.get("symbol"),
        issued_on=date.fromisoformat(issued) if issued else None,
        instrument_id=int(instrument_id) if instrument_id else None,
        language=str(language) if language else None,
        version_id=int(version_id) if version_id else None,
    )


def claim(token: str) -> bool:
    """Take the token for saving; False when another request already took it."""
    try:
        os.rename(_path(token, ".json"), _path(token, ".claimed"))
    except OSError:
        return False
    return True


def release(token: str) -> None:
    """Give a claimed token back (saving failed; the user may try again)."""
    try:
        os.rename(_path(token, ".claimed"), _path(token, ".json"))
    except OSError:
        logger.warning("could not release import token %s", token[:8])


def finish(token: str, user_id: int, version_id: int) -> None:
    """Record which version the token became, and drop the uploaded bytes."""
    _write_atomic(
        _path(token, ".done"), json.dumps({"user_id": user_id, "version_id": version_id}).encode()
    )
    for suffix in (".bin", ".claimed"):
        try:
            _path(token, suffix).unlink()
        except OSError:
            continue


def saved_version(token: str | None, user_id: int) -> int | None:
    """The version that ``token`` was saved as, for its uploader."""
    if not token or not TOKEN_PATTERN.match(token):
        return None
    meta = _read_meta(_path(token, ".done"))
    if meta is None or meta.get("user_id") != user_id:
        return None
    version_id = meta.get("version_id")
    return version_id if isinstance(version_id, int) else None
