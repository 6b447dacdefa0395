from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from consult_app.accounts.models import OrgCategory, Role
from consult_app.extensions import db
from consult_app.texts.models import Paragraph, Provision, ProvisionKind
from tests.conftest import login, make_consultation, make_org, make_user, make_version
from tests.consultations.factories import make_comment, make_submission


def _titled(title: str, **kwargs):
    consultation = make_consultation(**kwargs)
    consultation.title = title
    return consultation


def test_list_shows_phase_and_dates(client):
    open_one = _titled("Open round")
    _titled("Later round", opens=timedelta(days=10), closes=timedelta(days=40))
    _titled("Past round", opens=timedelta(days=-60), closes=timedelta(days=-30))
    open_one.opens_at = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)
    db.session.commit()

    html = client.get("/consultations/").get_data(as_text=True)
    assert "Open round" in html and "Later round" in html and "Past round" in html
    assert "Upcoming" in html and "Closed" in html
    assert "10 January 2026, 08:00 UTC" in html
    assert f'href="/consultations/{open_one.id}"' in html


def test_list_filters_by_phase(client):
    _titled("Open round")
    _titled("Past round", opens=timedelta(days=-60), closes=timedelta(days=-30))
    db.session.commit()
    html = client.get("/consultations/?phase=closed").get_data(as_text=True)
    assert "Past round" in html
    assert "Open round" not in html
    assert client.get("/consultations/?phase=bogus").status_code == 400


def test_list_is_paginated(app: Flask, client):
    version = make_version(articles=1, preamble=0)
    for n in range(app.config["PER_PAGE"] + 3):
        _titled(f"Round number {n:03d}", version=version, opens=timedelta(days=-n - 1))
    db.session.commit()
    first = client.get("/consultations/").get_data(as_text=True)
    assert "Round number 000" in first
    assert "Round number 027" not in first
    assert "Page 1 of 2" in first
    second = client.get("/consultations/?page=2").get_data(as_text=True)
    assert "Round number 027" in second
    assert "Round number 000" not in second
    assert client.get("/consultations/?page=3").status_code == 404
    assert client.get("/consultations/?page=abc").status_code == 404


def test_show_page(client):
    consultation = make_consultation(
        categories=[OrgCategory.MEMBER_STATE, OrgCategory.NHRI],
        description="Comments are welcome.\n\n<b>Second</b> paragraph.",
        allow_attribution=False,
        publish_submissions=True,
    )
    consultation.opens_at = datetime(2030, 1, 15, 8, 0, tzinfo=UTC)
    consultation.closes_at = datetime(2030, 7, 1, 16, 0, tzinfo=UTC)
    version = consultation.version
    version.chapeau = "The Human Rights Council,"
    version.proclamation = "Proclaims the following declaration:"
    db.session.commit()

    response = client.get(f"/consultations/{consultation.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>Consultation on the draft declaration</h1>" in html
    assert (
        '<p dir="auto">Comments are welcome.</p>'
        '<p dir="auto">&lt;b&gt;Second&lt;/b&gt; paragraph.</p>' in html
    )
    # Reader's zone (UTC for a visitor) and the consultation's own zone, with UTC.
    assert "15 January 2030, 08:00 UTC" in html
    assert (
        "15 January 2030, 09:00 (Europe/Zurich) · 15 January 2030, 08:00 UTC" in html
    )
    assert "1 July 2030, 18:00 (Europe/Zurich)" in html
    assert "<li>Member State</li>" in html
    assert "<li>National human rights institution</li>" in html
    assert "<li>Business</li>" not in html
    assert "Published on submission" in html
    assert "do not name the organisation" in html
    # The text: chapeau, preamble, proclamation, articles with their paragraphs.
    assert (
        html.index("The Human Rights Council,")
        < html.index("PP1")
        < html.index("Proclaims the following declaration:")
        < html.index("Article 1. Title of article 1")
    )
    provision = version.provisions[2]
    paragraph = provision.paragraphs[0]
    assert f'id="paragraph-{paragraph.id}"' in html
    assert "Everyone has the right to the thing in article 1." in html
    assert f'href="/consultations/{consultation.id}/provisions/{provision.id}"' in html


def test_show_renders_parts_and_sub_paragraphs(client):
    consultation = make_consultation()
    version = consultation.version
    article = version.provisions[-1]
    article.part_heading = "Part II. Final provisions"
    article.intro = "States shall:"
    parent = article.paragraphs[0]
    db.session.add(
        Paragraph(
            provision=article,
            position=3,
            level=1,
            label="(a)",
            text="Cooperate;",
            parent_id=parent.id,
        )
    )
    db.session.commit()
    html = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert '<h3 class="part-heading">Part II. Final provisions</h3>' in html
    assert f'<h4 id="provision-{article.id}-heading">' in html
    assert '<span class="paragraph-label">(a)</span> Cooperate;' in html
    assert 'class="paragraph level-1"' in html
    assert '<p dir="auto">States shall:</p>' in html


def test_show_counts_only_published_comments_of_this_consultation(client):
    consultation = make_consultation()
    provisions = consultation.version.provisions
    first, second = provisions[2], provisions[3]
    submission = make_submission(consultation)
    for _ in range(3):
        make_comment(submission, first)
    make_comment(submission, first, public=False)
    make_comment(make_submission(consultation), second)
    make_comment(make_submission(consultation), second, public=False)
    # A second round on the same version: its comments belong to it, not to this one.
    other_round = make_consultation(version=consultation.version)
    make_comment(make_submission(other_round), second)
    db.session.commit()

    html = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert "3 published comments" in html
    assert "1 published comment<" in html
    assert "No published comment yet" in html


def test_show_counts_in_one_query(client):
    from flask_sqlalchemy.record_queries import get_recorded_queries

    consultation = make_consultation()
    submission = make_submission(consultation)
    for provision in consultation.version.provisions:
        make_comment(submission, provision)
    db.session.commit()
    start = len(get_recorded_queries())
    assert client.get(f"/consultations/{consultation.id}").status_code == 200
    statements = [q.statement or "" for q in get_recorded_queries()[start:]]
    # The public record (written submissions, contributors) counts apart, in its own queries.
    statements = [s for s in statements if "attachments" not in s.lower()]
    assert sum("count(" in s.lower() for s in statements) == 1
    assert sum("group by" in s.lower() for s in statements) == 1


def test_show_unknown_consultation_is_404(client):
    assert client.get("/consultations/999").status_code == 404


def test_take_part_link_only_when_the_participation_page_exists(app: Flask, client):
    consultation = make_consultation(categories=[OrgCategory.NGO])
    contributor = make_user(Role.CONTRIBUTOR, organisation=make_org(category=OrgCategory.NGO))
    login(client, contributor)
    html = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    if "submissions.participate" in app.view_functions:
        assert f"/{consultation.id}" in html and "Take part" in html
    else:
        assert "Take part" not in html


def test_take_part_link_for_eligible_contributor(monkeypatch, client):
    # Point the link at a page that exists, whatever the state of the submissions package.
    monkeypatch.setattr(
        "consult_app.submissions.public_views.PARTICIPATE_ENDPOINT",
        "consultations.list_consultations",
    )
    consultation = make_consultation(categories=[OrgCategory.NGO])
    contributor = make_user(Role.CONTRIBUTOR, organisation=make_org(category=OrgCategory.NGO))
    login(client, contributor)
    html = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert f'href="/consultations/?consultation_id={consultation.id}">Take part</a>' in html
    provision = consultation.version.provisions[0]
    html = client.get(f"/consultations/{consultation.id}/provisions/{provision.id}").get_data(
        as_text=True
    )
    assert "Take part" in html


@pytest.mark.parametrize(
    ("category", "opens", "closes", "note"),
    [
        (OrgCategory.BUSINESS, -1, 30, "are not invited"),
        (OrgCategory.NGO, 5, 30, "not open yet"),
        (OrgCategory.NGO, -30, -1, "is closed"),
    ],
)
def test_no_take_part_link_for_those_who_cannot(monkeypatch, client, category, opens, closes, note):
    monkeypatch.setattr(
        "consult_app.submissions.public_views.PARTICIPATE_ENDPOINT",
        "consultations.list_consultations",
    )
    consultation = make_consultation(
        categories=[OrgCategory.NGO], opens=timedelta(days=opens), closes=timedelta(days=closes)
    )
    login(client, make_user(Role.CONTRIBUTOR, organisation=make_org(category=category)))
    html = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert "Take part" not in html
    assert note in html


def test_secretariat_sees_edit_link(client):
    consultation = make_consultation()
    login(client, make_user(Role.SECRETARIAT))
    html = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert f'href="/consultations/{consultation.id}/edit"' in html


def test_visitor_sees_no_edit_link(client):
    consultation = make_consultation()
    db.session.commit()
    html = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert "/edit" not in html
    assert "Sign in as a contributor" in html


def test_empty_version(client):
    version = make_version(articles=0, preamble=0)
    consultation = make_consultation(version=version)
    db.session.commit()
    html = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    assert "no provisions yet" in html
    assert not db.session.query(Provision).filter_by(kind=ProvisionKind.ARTICLE).count()
