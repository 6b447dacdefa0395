from __future__ import annotations

import re

import pytest
from flask import Flask
from flask_sqlalchemy.record_queries import get_recorded_queries

from consult_app.accounts.models import OrgCategory, RegionalGroup
from consult_app.extensions import db
from consult_app.submissions.models import (
    CommentKind,
    Cosigner,
    ModerationStatus,
    OnBehalfKind,
    Position,
)
from tests.conftest import make_consultation, make_org, make_version
from tests.consultations.factories import make_comment, make_submission


def _url(consultation, provision, **query) -> str:
    args = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/consultations/{consultation.id}/provisions/{provision.id}" + (
        f"?{args}" if args else ""
    )


def _html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_provision_text_and_neighbours(client):
    consultation = make_consultation()
    provisions = consultation.version.provisions
    first, article, last = provisions[0], provisions[2], provisions[-1]
    db.session.commit()

    html = _html(client, _url(consultation, article))
    assert "<h1>Article 1. Title of article 1</h1>" in html
    for paragraph in article.paragraphs:
        assert f'id="paragraph-{paragraph.id}"' in html
    assert "Everyone has the right to the thing in article 1." in html
    assert f'rel="prev" href="{_url(consultation, provisions[1])}"' in html
    assert f'rel="next" href="{_url(consultation, provisions[3])}"' in html

    assert 'rel="prev"' not in _html(client, _url(consultation, first))
    assert 'rel="next"' not in _html(client, _url(consultation, last))
    assert "Recalling the importance of preambular matter number 1," in _html(
        client, _url(consultation, first)
    )


def test_provision_of_another_version_is_404(client):
    consultation = make_consultation()
    other = make_version()
    db.session.commit()
    assert client.get(_url(consultation, other.provisions[0])).status_code == 404
    assert client.get(f"/consultations/{consultation.id}/provisions/99999").status_code == 404
    unknown_consultation = f"/consultations/99999/provisions/{other.provisions[0].id}"
    assert client.get(unknown_consultation).status_code == 404


def test_only_public_comments_are_shown(client):
    consultation = make_consultation()
    provision = consultation.version.provisions[2]
    submission = make_submission(consultation)
    make_comment(submission, provision, body="Visible comment.")
    make_comment(submission, provision, public=False, body="Pending comment.")
    make_comment(
        submission,
        provision,
        public=False,
        body="Withheld comment.",
        moderation_status=ModerationStatus.WITHHELD,
        withheld_reason="spam",
    )
    # The flag decides, whatever the moderation status says.
    make_comment(
        submission,
        provision,
        public=False,
        body="Published but not public.",
        moderation_status=ModerationStatus.PUBLISHED,
    )
    make_comment(
        make_submission(consultation),
        consultation.version.provisions[3],
        body="On another provision.",
    )
    other_round = make_consultation(version=consultation.version)
    make_comment(make_submission(other_round), provision, body="From another round.")
    db.session.commit()

    html = _html(client, _url(consultation, provision))
    assert "Visible comment." in html
    for hidden in (
        "Pending comment.",
        "Withheld comment.",
        "Published but not public.",
        "On another provision.",
        "From another round.",
    ):
        assert hidden not in html
    assert "1 published comment<" in html


def test_comment_details(client):
    consultation = make_consultation()
    provision = consultation.version.provisions[2]
    paragraph = provision.paragraphs[1]
    author = make_org("Friends of Solidarity", OrgCategory.NGO)
    submission = make_submission(
        consultation,
        author,
        on_behalf_kind=OnBehalfKind.COALITION,
        on_behalf_name="Solidarity Coalition",
    )
    db.session.add(
        Cosigner(
            submission=submission,
            organisation=make_org("University of Testing", OrgCategory.ACADEMIC),
        )
    )
    make_comment(
        submission,
        provision,
        paragraph=paragraph,
        position=Position.SUPPORT_WITH_AMENDMENTS,
        kind=CommentKind.DRAFTING,
        quoted_text="take measures",
        body="First point <script>alert(1)</script>.\n\nSecond point.",
        proposed_wording="States shall take effective measures to that end.",
        rationale="Measures must be effective.",
    )
    db.session.commit()

    html = _html(client, _url(consultation, provision))
    assert "Friends of Solidarity" in html
    assert "Civil society organisation / NGO" in html
    assert "on behalf of Solidarity Coalition" in html
    assert "University of Testing (Academic or research institution)" in html
    assert "Support with amendments" in html
    assert "Drafting / editorial" in html
    assert f'<a href="#paragraph-{paragraph.id}">paragraph 2</a>' in html
    assert '<blockquote class="quoted" dir="auto">take measures</blockquote>' in html
    assert (
        '<p dir="auto">First point &lt;script&gt;alert(1)&lt;/script&gt;.</p>'
        '<p dir="auto">Second point.</p>' in html
    )
    assert "<script>alert(1)" not in html
    assert "States shall take<ins> effective</ins> measures to that end." in html
    assert '<p dir="auto">Measures must be effective.</p>' in html


def test_redline_against_the_whole_provision(client):
    consultation = make_consultation()
    provision = consultation.version.provisions[2]
    make_comment(
        make_submission(consultation),
        provision,
        proposed_wording="1. Everyone has the right to the thing in article 1.",
    )
    db.session.commit()
    html = _html(client, _url(consultation, provision))
    redline = re.search(r'<div class="redline" dir="auto">(.*?)</div>', html, re.S)
    assert redline is not None
    assert "<del>" in redline.group(1)
    assert "States shall take measures to that end." in redline.group(1)  # deleted paragraph 2
    assert "<ins>" not in redline.group(1)


def test_attribution_off_shows_only_categories(client):
    consultation = make_consultation(allow_attribution=False)
    provision = consultation.version.provisions[2]
    submission = make_submission(
        consultation,
        make_org("Secret Name NGO", OrgCategory.NGO),
        on_behalf_kind=OnBehalfKind.COALITION,
        on_behalf_name="Named Coalition",
    )
    db.session.add(
        Cosigner(
            submission=submission, organisation=make_org("Hidden University", OrgCategory.ACADEMIC)
        )
    )
    make_comment(submission, provision, body="An anonymous view.")
    state = make_org("Republic of Testland", OrgCategory.MEMBER_STATE, RegionalGroup.AFRICAN)
    make_comment(
        make_submission(
            consultation,
            state,
            on_behalf_kind=OnBehalfKind.REGIONAL_GROUP,
            on_behalf_group=RegionalGroup.AFRICAN,
        ),
        provision,
        body="A group view.",
    )
    db.session.commit()

    html = _html(client, _url(consultation, provision))
    assert "An anonymous view." in html and "A group view." in html
    for name in ("Secret Name NGO", "Named Coalition", "Hidden University", "Republic of Testland"):
        assert name not in html
    assert "Civil society organisation / NGO" in html
    assert "Co-signed by: Academic or research institution" in html
    assert "on behalf of a group or coalition" in html
    assert "Member State" in html
    assert "on behalf of the African States" in html


def test_unpublishable_submission_is_never_named(client):
    consultation = make_consultation(allow_attribution=True)
    provision = consultation.version.provisions[2]
    make_comment(
        make_submission(
            consultation, make_org("Quiet Institute", OrgCategory.ACADEMIC), publishable=False
        ),
        provision,
        body="Counted, not named.",
    )
    make_comment(make_submission(consultation, make_org("Loud NGO")), provision)
    db.session.commit()
    html = _html(client, _url(consultation, provision))
    assert "Counted, not named." in html
    assert "Quiet Institute" not in html
    assert "Academic or research institution" in html
    assert "Loud NGO" in html


def test_comments_are_paginated_oldest_first(app: Flask, client):
    per_page = app.config["COMMENTS_PER_PAGE"]
    assert per_page == 20
    consultation = make_consultation()
    provision = consultation.version.provisions[2]
    for n in range(per_page + 5):
        make_comment(make_submission(consultation), provision, body=f"Comment number {n:03d}.")
    db.session.commit()

    first = _html(client, _url(consultation, provision))
    bodies = re.findall(r"Comment number (\d{3})\.", first)
    assert bodies == [f"{n:03d}" for n in range(per_page)]
    assert "25 published comments" in first
    assert "Page 1 of 2" in first

    second = _html(client, _url(consultation, provision, page=2))
    assert re.findall(r"Comment number (\d{3})\.", second) == [
        f"{n:03d}" for n in range(per_page, per_page + 5)
    ]
    assert client.get(_url(consultation, provision, page=3)).status_code == 404
    assert client.get(_url(consultation, provision, page="x")).status_code == 404


def test_filter_by_position(client):
    consultation = make_consultation()
    provision = consultation.version.provisions[2]
    make_comment(
        make_submission(consultation), provision, body="In favour.", position=Position.SUPPORT
    )
    make_comment(
        make_submission(consultation), provision, body="Against.", position=Position.OPPOSE
    )
    db.session.commit()

    html = _html(client, _url(consultation, provision, position="oppose"))
    assert "Against." in html
    assert "In favour." not in html
    assert '<option value="oppose" selected>' in html
    assert "1 published comment with this position" in html
    assert client.get(_url(consultation, provision, position="maybe")).status_code == 400


def _queries_for(client, url: str) -> int:
    db.session.commit()
    db.session.expire_all()
    start = len(get_recorded_queries())
    response = client.get(url)
    assert response.status_code == 200
    return len(get_recorded_queries()) - start


def _add_comments(consultation, provision, count: int) -> None:
    cosigner = make_org()
    for n in range(count):
        submission = make_submission(consultation)
        db.session.add(Cosigner(submission=submission, organisation=cosigner))
        make_comment(
            submission,
            provision,
            paragraph=provision.paragraphs[n % 2],
            body=f"Comment {n}",
            proposed_wording=f"New wording {n}",
        )


@pytest.mark.parametrize("allow_attribution", [True, False])
def test_query_count_does_not_grow_with_comments(client, allow_attribution):
    consultation = make_consultation(allow_attribution=allow_attribution)
    provision = consultation.version.provisions[2]
    url = _url(consultation, provision)

    _add_comments(consultation, provision, 5)
    with_five = _queries_for(client, url)
    _add_comments(consultation, provision, 45)
    with_fifty = _queries_for(client, url + "?page=1")
    second_page = _queries_for(client, url + "?page=2")

    assert with_fifty == with_five
    assert second_page == with_five
    assert with_five <= 12


def test_total_always_equals_the_list_even_with_the_count_cache_on(app: Flask, client):
    consultation = make_consultation()
    provision = consultation.version.provisions[2]
    url = _url(consultation, provision)
    _add_comments(consultation, provision, 3)
    app.config["API_COUNT_CACHE_SECONDS"] = 30
    try:
        assert "3 published comments" in _html(client, url)
        _add_comments(consultation, provision, 1)  # published meanwhile
        html = _html(client, url)
        assert html.count('class="comment"') == 4
        assert "4 published comments" in html
    finally:
        app.config["API_COUNT_CACHE_SECONDS"] = 0
        app.extensions.get("ttl_caches", {}).clear()


def test_total_is_counted_every_time_without_cache(client):
    consultation = make_consultation()
    provision = consultation.version.provisions[2]
    url = _url(consultation, provision)
    _add_comments(consultation, provision, 3)
    first = _queries_for(client, url)
    assert _queries_for(client, url) == first
    _add_comments(consultation, provision, 1)
    assert "4 published comments" in _html(client, url)
