"""Public text pages and the secretariat's import: upload -> preview -> save."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask import g
from sqlalchemy import func, select

from consult_app.accounts.models import Role
from consult_app.extensions import db
from consult_app.texts.importer import parse_document
from consult_app.texts.models import Instrument, Provision, TextVersion
from consult_app.texts.operations import import_text
from tests.conftest import login, make_user, make_version

SMALL = (
    "Declaration on testing\n\nPreamble\n\n(a) Recalling the past,\n\n"
    "Have agreed as follows:\n\nPart I\n\nArticle 1\nScope\n\n1. States shall:\n"
    "(a) test <b>early</b>:\n(i) first;\n(ii) second.\n\n12\n"
)


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(model.id)))


def secretariat(client):
    user = make_user(Role.SECRETARIAT)
    login(client, user)
    # The tests share one application context: forget the user Flask-Login cached in g.
    g.pop("_login_user", None)
    return user


def upload(client, content: bytes = SMALL.encode(), filename: str = "draft.txt", **fields):
    data = {"title": "Draft 1", "symbol": "A/HRC/T/1", "issued_on": "2023-01-24", "instrument": "0"}
    data.update(fields)
    data["file"] = (io.BytesIO(content), filename)
    return client.post("/texts/import", data=data, content_type="multipart/form-data")


def token_of(response) -> str:
    return response.headers["Location"].rsplit("/", 1)[-1]


# --- public pages ------------------------------------------------------------------------


def test_list_shows_instruments_and_versions(client):
    version = make_version()
    db.session.commit()
    response = client.get("/texts/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Draft declaration on testing" in page
    assert f"/texts/versions/{version.id}" in page
    assert "A/HRC/TEST/1" in page


def test_list_empty_and_pagination(app, client):
    assert "No text has been imported yet." in client.get("/texts/").get_data(as_text=True)
    for n in range(app.config["PER_PAGE"] + 1):
        db.session.add(Instrument(title=f"Instrument {n:03d}"))
    db.session.commit()
    assert "Instrument 000" in client.get("/texts/").get_data(as_text=True)
    second = client.get("/texts/?page=2")
    assert second.status_code == 200
    assert f"Instrument {app.config['PER_PAGE']:03d}" in second.get_data(as_text=True)
    assert client.get("/texts/?page=3").status_code == 404
    assert client.get("/texts/?page=abc").status_code == 404


def test_list_has_no_n_plus_one(client):
    from flask_sqlalchemy.record_queries import get_recorded_queries

    def queries_for_list() -> int:
        before = len(get_recorded_queries())
        assert client.get("/texts/").status_code == 200
        return len(get_recorded_queries()) - before

    make_version()
    db.session.commit()
    one = queries_for_list()
    for _n in range(5):
        make_version()
    db.session.commit()
    assert queries_for_list() == one


def test_version_page_shows_full_text_with_anchors(client):
    result = parse_document(SMALL.encode(), "s.txt")
    version = import_text(None, result, "Draft 1")
    db.session.commit()
    response = client.get(f"/texts/versions/{version.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    provisions = db.session.scalars(
        select(Provision).where(Provision.version_id == version.id)
    ).all()
    for provision in provisions:
        assert f'id="provision-{provision.id}"' in page
    assert "Declaration on testing" in page  # chapeau
    assert "Have agreed as follows:" in page
    assert "Part I" in page
    assert "Article 1. Scope" in page
    assert "Preambular paragraph 1 (a)" in page
    assert "test &lt;b&gt;early&lt;/b&gt;:" in page  # escaped
    assert (
        page.index("Recalling the past")
        < page.index("Have agreed")
        < page.index("<h3>Article 1. Scope")
    )
    assert 'class="paragraph level-2"' in page


def test_unknown_version_is_404(client):
    assert client.get("/texts/versions/999").status_code == 404


# --- import: permissions ---------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client):
    for response in (
        client.get("/texts/import"),
        upload(client),
        client.post("/texts/import/save", data={"token": "x" * 43}),
        client.get("/texts/import/" + "x" * 43),
    ):
        assert response.status_code == 302
        assert "/account/login" in response.headers["Location"]
    assert count(TextVersion) == 0


def test_contributor_is_refused(client):
    login(client, make_user(Role.CONTRIBUTOR))
    assert client.get("/texts/import").status_code == 403
    assert upload(client).status_code == 403
    assert client.post("/texts/import/save", data={"token": "x" * 43}).status_code == 403
    assert count(TextVersion) == 0


# --- import: the flow ------------------------------------------------------------------------


def test_upload_preview_save(app, client):
    user = secretariat(client)
    assert client.get("/texts/import").status_code == 200
    response = upload(client)
    assert response.status_code == 302
    token = token_of(response)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    assert count(TextVersion) == 0  # the upload alone saves nothing

    preview = client.get(f"/texts/import/{token}")
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "Preambular paragraphs: 1" in page
    assert "Articles: 1" in page
    assert "Sub-paragraphs: 3" in page
    assert "1 warning" in page and "&#34;12&#34;" in page
    assert f'value="{token}"' in page
    assert count(TextVersion) == 0

    saved = client.post("/texts/import/save", data={"token": token})
    assert saved.status_code == 302
    version = db.session.scalars(select(TextVersion)).one()
    assert saved.headers["Location"].endswith(f"/texts/versions/{version.id}")
    assert (version.title, version.symbol, str(version.issued_on)) == (
        "Draft 1",
        "A/HRC/T/1",
        "2023-01-24",
    )
    assert version.source_filename == "draft.txt"
    assert count(Provision) == 2
    assert not (Path(app.instance_path) / "imports" / f"{token}.bin").exists()

    # A double click saves nothing more and leads to the same version.
    again = client.post("/texts/import/save", data={"token": token})
    assert again.status_code == 302
    assert again.headers["Location"].endswith(f"/texts/versions/{version.id}")
    assert count(TextVersion) == 1
    assert user.id is not None


def test_new_version_of_existing_instrument(client):
    secretariat(client)
    first = make_version()
    db.session.commit()
    response = upload(client, instrument=str(first.instrument_id), title="Draft 2")
    client.post("/texts/import/save", data={"token": token_of(response)})
    second = db.session.scalars(select(TextVersion).where(TextVersion.title == "Draft 2")).one()
    assert second.instrument_id == first.instrument_id
    assert second.previous_id == first.id


def test_docx_upload(client):
    from tests.texts.helpers import docx_typed

    secretariat(client)
    response = upload(client, docx_typed(SMALL, join_wrapped=False), filename="draft.docx")
    assert response.status_code == 302
    page = client.get(f"/texts/import/{token_of(response)}").get_data(as_text=True)
    assert "draft.docx (docx)" in page


@pytest.mark.parametrize(
    ("fields", "content", "message"),
    [
        ({"title": ""}, SMALL.encode(), "Give the version a title."),
        ({"issued_on": "24/01/2023"}, SMALL.encode(), "Not a valid date"),
        ({"instrument": "999"}, SMALL.encode(), "Not a valid choice"),
        ({"instrument": "abc"}, SMALL.encode(), "This value is not one of the options."),
        ({}, b"%PDF-1.4 something", "PDF files cannot be imported"),
        ({}, b"\x00\x01\x02\x03", "neither a Word document"),
        ({}, b"", "The file is empty."),
    ],
)
def test_upload_validation_errors(client, fields, content, message):
    secretariat(client)
    response = upload(client, content, **fields)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count(TextVersion) == 0


def test_upload_without_file(client):
    secretariat(client)
    response = client.post("/texts/import", data={"title": "T", "instrument": "0"})
    assert response.status_code == 200
    assert "Choose the file to import." in response.get_data(as_text=True)
    assert count(TextVersion) == 0


def test_upload_too_large(app, client):
    secretariat(client)
    app.config["MAX_IMPORT_BYTES"] = 100
    try:
        response = upload(client, SMALL.encode() * 10)
    finally:
        app.config["MAX_IMPORT_BYTES"] = 5 * 1024 * 1024
    assert response.status_code == 200
    assert "The file is too large" in response.get_data(as_text=True)


def test_bad_or_foreign_token_is_404(client):
    other = make_user(Role.SECRETARIAT)
    login(client, other)
    token = token_of(upload(client))
    secretariat(client)  # a different secretariat member
    assert client.get(f"/texts/import/{token}").status_code == 404
    assert client.post("/texts/import/save", data={"token": token}).status_code == 404
    for bad in ("../../etc/passwd", "short", "x" * 43, "a" * 42 + "!"):
        assert client.post("/texts/import/save", data={"token": bad}).status_code == 404
    assert client.get("/texts/import/" + "y" * 43).status_code == 404
    assert count(TextVersion) == 0


# --- CSRF ------------------------------------------------------------------------------------


def test_posts_without_csrf_token_are_refused(csrf_app):
    client = csrf_app.test_client()
    secretariat(client)
    response = upload(client)
    assert response.status_code == 400
    token = "x" * 43
    assert client.post("/texts/import/save", data={"token": token}).status_code == 400
    assert count(TextVersion) == 0


def test_full_flow_with_csrf(csrf_app):
    client = csrf_app.test_client()
    secretariat(client)
    form = client.get("/texts/import").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = upload(client, csrf_token=csrf)
    assert response.status_code == 302
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', preview).group(1)
    saved = client.post(
        "/texts/import/save", data={"token": token_of(response), "csrf_token": csrf}
    )
    assert saved.status_code == 302
    assert count(TextVersion) == 1
