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


# --- a UN draft in the shapes it is written in, through the real forms ------------------------


def _un_draft_docx() -> bytes:
    from tests.texts.helpers import Numbered, Styled, Table, make_docx

    return make_docx(
        [
            Table([["United Nations", "A/HRC/WG.9/1"], ["General Assembly", "Distr.: General"]]),
            "Human Rights Council",
            "Fifty-ninth session",
            "Agenda item 3",
            Styled("Draft convention on testing", "Title"),
            Styled("Preamble", "Heading 1"),
            "The States Parties to the present Convention, Recalling the Charter,[^1] "
            "Noting the work of testers, Have agreed as follows:",
            Styled("Article 1"),
            Numbered("States shall test <early>.[^2]"),
            Numbered("States shall ensure that:"),
            Numbered("tests are written; and", ilvl=1),
            Numbered("tests are run.", ilvl=1),
            Styled("Article 2"),
            Numbered("This Convention enters into force at once."),  # Word shows "3."
            Numbered("IN WITNESS WHEREOF the undersigned have signed the present Convention."),
            Numbered("Done at Geneva, this fifteenth day of January two thousand and twenty-six."),
        ],
        {1: "Signed at San Francisco on 26 June 1945.", 2: "Early means <before release>."},
    )


def test_un_draft_preview_and_saved_version(client):
    from tests.browser import Browser

    secretariat(client)
    browser = Browser(client).get("/texts/import")
    form = browser.form("/texts/import")
    browser.submit(
        form, title="Draft convention", file=(io.BytesIO(_un_draft_docx()), "draft.docx")
    )
    assert browser.status == 200 and "/texts/import/" in browser.url
    preview = browser.html
    assert "All the text was placed; no warning." in preview
    assert "Preambular paragraphs: 2" in preview
    assert "Footnotes: 2" in preview
    assert "Title found in the file: Draft convention on testing" in preview
    assert "Chapeau: The States Parties to the present Convention," in preview
    assert "What the importer adjusted" in preview
    assert "started again at 1 in article 2" in preview
    assert "Masthead of the document (not imported)" in preview
    assert "<li>Agenda item 3</li>" in preview
    # The final clauses are shown as such, out of the last article.
    text = preview[preview.index("The text as recognised") :]
    final = text.index("<h2>Final clauses</h2>")
    assert text.index("enters into force at once") < final < text.index("IN WITNESS")

    browser.submit(browser.form("/texts/import/save"))
    assert browser.status == 200 and "/texts/versions/" in browser.url
    page = browser.html
    version = db.session.scalars(select(TextVersion)).one()
    assert version.front_matter == "Draft convention on testing"
    assert version.chapeau == "The States Parties to the present Convention,"
    assert version.proclamation == "Have agreed as follows:"
    assert version.closing.startswith("IN WITNESS WHEREOF")
    # Front matter, then the Preamble heading, then the chapeau below it.
    assert (
        page.index("Draft convention on testing")
        < page.index("<h2>Preamble</h2>")
        < page.index("The States Parties to the present Convention,")
        < page.index("Recalling the Charter,")
    )
    # Footnote calls where they stand, escaped text, and the footnotes themselves.
    notes = sorted(version.footnotes, key=lambda n: n.position)
    assert [(n.label, n.place.value, n.call_at) for n in notes] == [
        ("1", "intro", len("Recalling the Charter,")),
        ("2", "text", len("States shall test <early>.")),
    ]
    article_1 = version.provisions[2]
    assert notes[1].provision_id == article_1.id
    assert notes[1].paragraph_id == article_1.paragraphs[0].id
    assert (
        'States shall test &lt;early&gt;.<sup class="footnote-call">'
        '<a href="#footnote-2" id="footnote-call-2">2</a></sup>' in page
    )
    assert '<li id="footnote-2"><sup>2</sup> Early means &lt;before release&gt;.</li>' in page
    assert [p.label for p in version.provisions[3].paragraphs] == ["1"]


def test_version_page_loads_footnotes_without_a_query_per_provision(client):
    from flask_sqlalchemy.record_queries import get_recorded_queries

    def queries(text: str) -> int:
        version = import_text(None, parse_document(text.encode(), "x.md"), "Draft")
        db.session.commit()
        version_id = version.id
        db.session.expunge_all()  # as in a new request
        before = len(get_recorded_queries())
        assert client.get(f"/texts/versions/{version_id}").status_code == 200
        return len(get_recorded_queries()) - before

    small = "## Article 1\n\nText.[^1]\n\n[^1]: A note.\n"
    large = "".join(f"## Article {n}\n\nText {n}.[^{n}]\n\n" for n in range(1, 8)) + "".join(
        f"[^{n}]: Note {n}.\n" for n in range(1, 8)
    )
    assert queries(large) == queries(small)
