"""Small counts in public figures (docs/security.md, F9).

A business that asked not to be published is the only business commenting on an article:
"business: 1 organisation, 1 reservation" would name it to anyone who knows which company
took part. The public figures page, the dashboard and the API withhold every slice of fewer
than PUBLIC_MIN_CELL_SIZE organisations, with a note; the secretariat sees every figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from consult_app.accounts.models import OrgCategory, Role
from consult_app.accounts.models import RegionalGroup as G
from consult_app.consultations.models import Consultation
from consult_app.extensions import db
from consult_app.submissions.models import Position as P
from consult_app.summaries.aggregation import provision_figures
from consult_app.summaries.disclosure import (
    SmallCount,
    SuppressedGroup,
    public_figures,
    public_participation,
)
from consult_app.summaries.participation import participation
from consult_app.texts.models import Provision
from tests.conftest import login, make_consultation, make_org, make_user
from tests.summaries.helpers import provisions, state, submit


@dataclass
class Small:
    consultation: Consultation
    article: Provision


@pytest.fixture
def small(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Small:
    monkeypatch.setitem(app.config, "PUBLIC_MIN_CELL_SIZE", 3)  # the production default
    consultation = make_consultation()
    article = provisions(consultation)[2]
    for name, group in (
        ("Kenya", G.AFRICAN),
        ("Ghana", G.AFRICAN),
        ("Senegal", G.AFRICAN),
        ("Norway", G.WEOG),
    ):
        submit(consultation, state(name, group), [(article, P.SUPPORT)])
    for n in range(3):
        submit(consultation, make_org(f"NGO {n}"), [(article, P.SUPPORT)])
    for n in range(3):
        submit(
            consultation,
            make_org(f"Institute {n}", category=OrgCategory.ACADEMIC),
            [(article, P.SUPPORT)],
        )
    # The only business, which asked not to be published.
    business = make_org("Quiet Mining Ltd", category=OrgCategory.BUSINESS)
    submit(consultation, business, [(article, P.RESERVATION)], publishable=False)
    db.session.commit()
    return Small(consultation, article)


def _row(html: str, label: str) -> str:
    match = re.search(
        r"<tr>\s*<th scope=\"row\">" + re.escape(label) + r"</th>(.*?)</tr>", html, re.S
    )
    assert match, label
    return match.group(1)


def test_public_figures_page_withholds_the_lone_business(client: FlaskClient, small: Small):
    url = f"/consultations/{small.consultation.id}/figures/{small.article.id}"
    html = client.get(url).get_data(as_text=True)
    business = _row(html, "Business")
    assert "Fewer than 3 organisations" in business
    assert "<td>1</td>" not in business
    # Withheld alone it could be worked out from the others: the next smallest goes too.
    assert "Fewer than 3 organisations" in _row(
        html, "Academic or research institution"
    ) or "Fewer than 3 organisations" in _row(html, "Civil society organisation / NGO")
    assert "<td>4</td>" in _row(html, "Member State")
    assert "figures about fewer than 3 organisations are not shown" in html
    # Its reservation is listed unnamed, without its category.
    assert "Quiet Mining" not in html
    reservations = html.split("Reservations and explanations of position")[1].split("<h2>")[0]
    assert "Business" not in reservations


def test_secretariat_sees_every_figure(client: FlaskClient, small: Small):
    login(client, make_user(role=Role.SECRETARIAT))
    url = f"/consultations/{small.consultation.id}/figures/{small.article.id}"
    html = client.get(url).get_data(as_text=True)
    assert "<td>1</td>" in _row(html, "Business")
    assert "Fewer than" not in html


def test_api_figures_suppress_small_slices(client: FlaskClient, small: Small):
    body = client.get(f"/api/v1/consultations/{small.consultation.id}/figures").get_json()
    item = next(i for i in body["data"] if i["provision_id"] == small.article.id)
    business = item["by_category"]["business"]
    assert business["suppressed"] is True
    assert business["fewer_than"] == 3
    assert business["organisations"] is None and business["stances"] is None
    assert item["by_category"]["member_state"]["organisations"] == 4
    assert item["by_category"]["member_state"]["suppressed"] is False
    # WEOG has one State: withheld too (and the next smallest group with it).
    assert item["by_regional_group"]["weog"]["suppressed"] is True
    assert item["min_cell_size"] == 3
    # The reservation is still counted in the total (nobody is named by it).
    assert item["total"]["comment_positions"]["reservation"] == 1


def test_dashboard_withholds_small_categories(client: FlaskClient, small: Small):
    html = client.get(f"/consultations/{small.consultation.id}/dashboard").get_data(as_text=True)
    table = html.split("Organisations per category</caption>")[1].split("</table>")[0]
    assert "fewer than 3" in _row(table, "Business")
    assert "figures about fewer than 3 organisations are not shown" in html


def test_setting_one_shows_everything(app: Flask, small: Small):
    (figures,) = provision_figures(small.consultation, [small.article.id], public_only=True)
    assert not isinstance(
        public_figures(figures, 1).by_category[OrgCategory.BUSINESS], SuppressedGroup
    )
    shown = public_figures(figures, 3)
    assert isinstance(shown.by_category[OrgCategory.BUSINESS], SuppressedGroup)
    assert shown.by_category[OrgCategory.MEMBER_STATE].organisations == 4
    people = public_participation(participation(small.consultation, public_only=True), 3)
    assert isinstance(people.by_category[OrgCategory.BUSINESS], SmallCount)
    assert people.by_category[OrgCategory.MEMBER_STATE] == 4


def test_public_report_withholds_small_slices(small: Small, tmp_path) -> None:
    from consult_app.exports.models import ExportFormat
    from consult_app.exports.report import build_report, gather_report
    from consult_app.exports.report_data import table_rows

    public = gather_report(small.consultation)
    (section,) = [s for s in public.sections if s.provision_id == small.article.id]
    # WEOG: one State -> withheld, in the table of regional groups.
    groups = dict(zip(public.group_headers, section.groups, strict=True))
    assert any(cell.withheld == 3 for cell in groups.values())
    row = next(r for r in table_rows(public)["groups"] if r[0] == section.label)
    assert "fewer than 3" in row
    # The lone business's reservation is listed without its category.
    assert [note.who for note in section.reservations] == ["A participant"]
    path = tmp_path / "report.html"
    build_report(small.consultation, ExportFormat.HTML, path)
    html = path.read_text(encoding="utf-8")
    assert "fewer than 3" in html and "A participant: Business" not in html

    internal = gather_report(small.consultation, internal=True)
    (section,) = [s for s in internal.sections if s.provision_id == small.article.id]
    assert not any(cell.withheld for cell in section.groups)
    assert "Business" in section.reservations[0].who or "Quiet Mining" in (
        section.reservations[0].who
    )
