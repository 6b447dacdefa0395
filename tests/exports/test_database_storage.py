"""FILE_STORAGE=database: a built export is a row every host can serve, not a local file."""

from __future__ import annotations

import io

from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select

from consult_app.core.storage import DatabaseStorage, StoredFile
from consult_app.exports import jobs
from consult_app.exports.models import JobStatus
from consult_app.extensions import db
from tests.conftest import login
from tests.exports.conftest import ExportWorld
from tests.exports.test_jobs import latest_job, start


def test_export_is_stored_in_the_database_and_downloaded_from_it(
    app, monkeypatch, client: FlaskClient, world: ExportWorld
) -> None:
    monkeypatch.setitem(app.extensions, "file_storage", DatabaseStorage())
    login(client, world.secretariat)
    assert start(client, world, "compilation-xlsx").status_code == 302
    job = latest_job()
    assert job.status is JobStatus.DONE
    stored = db.session.scalars(select(StoredFile)).one()
    assert stored.key == f"exports/{job.file_path}"
    assert stored.size == job.size
    assert not list(jobs.exports_dir().glob(f"job-{job.id}-*"))

    download = client.get(f"/exports/jobs/{job.id}/download")
    assert download.status_code == 200
    assert download.data == stored.data
    rows = list(load_workbook(io.BytesIO(download.data)).worksheets[0].iter_rows())
    assert len(rows) == 4
    download.close()

    # Gone from the storage: a clear 404, not a 500.
    db.session.delete(stored)
    db.session.commit()
    assert client.get(f"/exports/jobs/{job.id}/download").status_code == 404
