"""FILE_STORAGE=database: an import preview uploaded through one host is saved by another."""

from __future__ import annotations

from sqlalchemy import func, select

from consult_app.core.storage import DatabaseStorage, StoredFile
from consult_app.extensions import db
from consult_app.texts.models import TextVersion
from tests.texts.test_views import count, secretariat, token_of, upload


def test_preview_and_save_through_the_database(app, monkeypatch, client, tmp_path):
    monkeypatch.setitem(app.extensions, "file_storage", DatabaseStorage())
    secretariat(client)
    token = token_of(upload(client))
    keys = set(db.session.scalars(select(StoredFile.key)))
    assert keys == {f"imports/{token}.bin", f"imports/{token}.json"}
    # Another host: only the database is shared (a fresh storage object, no local folder).
    monkeypatch.setitem(app.extensions, "file_storage", DatabaseStorage())
    assert client.get(f"/texts/import/{token}").status_code == 200
    saved = client.post("/texts/import/save", data={"token": token})
    assert saved.status_code == 302
    assert count(TextVersion) == 1
    db.session.expire_all()
    assert set(db.session.scalars(select(StoredFile.key))) == {f"imports/{token}.done"}
    # A double click leads to the same version and saves nothing more.
    again = client.post("/texts/import/save", data={"token": token})
    assert again.headers["Location"] == saved.headers["Location"]
    assert db.session.scalar(select(func.count(TextVersion.id))) == 1
