"""The number of queries of a list does not grow with the number of rows."""

from __future__ import annotations

from flask.testing import FlaskClient
from flask_sqlalchemy.record_queries import get_recorded_queries

from consult_app.accounts.models import OrgCategory, RegionalGroup
from consult_app.consultations.models import Consultation
from consult_app.extensions import db
from consult_app.submissions.models import Cosigner, OnBehalfKind
from consult_app.texts.models import Provision
from tests.api.conftest import add_comment, add_disposition
from tests.conftest import Role, make_consultation, make_org, make_user, make_version
from tests.consultations.factories import make_submission


def queries_for(client: FlaskClient, url: str) -> int:
    # Each request of a real server starts with an empty session.
    db.session.expunge_all()
    start = len(get_recorded_queries())
    response = client.get(url)
    assert response.status_code == 200, response.data[:300]
    return len(get_recorded_queries()) - start


def add_comments(consultation: Consultation, provision: Provision, count: int) -> None:
    """``count`` public comments, each of its own submission with co-signers and a disposition."""
    decider = make_user(role=Role.SECRETARIAT)
    for n in range(count):
        organisation = make_org(category=OrgCategory.MEMBER_STATE, group=list(RegionalGroup)[n % 5])
        submission = make_submission(
            consultation,
            organisation,
            on_behalf_kind=OnBehalfKind.COALITION,
            on_behalf_name=f"Coalition {n}",
        )
        for _ in range(2):
            db.session.add(Cosigner(submission=submission, organisation=make_org()))
        comment = add_comment(
            submission,
            provision,
            f"Comment {n}.",
            is_public=True,
            paragraph=provision.paragraphs[0],
        )
        add_disposition(comment, decider)
    db.session.commit()


def test_comment_lists_make_a_constant_number_of_queries(client):
    consultation = make_consultation()
    provision = consultation.version.provisions[2]
    cid = consultation.id
    urls = [
        f"/api/v1/consultations/{cid}/comments",
        f"/api/v1/consultations/{cid}/comments?category=member_state&per_page=100",
        f"/api/v1/consultations/{cid}/provisions/{provision.id}/comments",
        f"/api/v1/consultations/{cid}/dispositions",
        f"/api/v1/consultations/{cid}",
        f"/api/v1/consultations/{cid}/figures",
    ]
    pid = provision.id
    add_comments(consultation, provision, 2)
    few = [queries_for(client, url) for url in urls]
    add_comments(db.session.get(Consultation, cid), db.session.get(Provision, pid), 30)
    many = [queries_for(client, url) for url in urls]
    assert many == few
    # consultation + count + page + co-signers (+ the provision check on a provision list)
    assert few[0] <= 4
    assert few[2] <= 5


def test_text_lists_make_a_constant_number_of_queries(client):
    make_consultation(version=make_version(articles=1, preamble=0))
    big = make_version(articles=12, preamble=4).id
    small = make_version(articles=1, preamble=0).id
    db.session.commit()
    urls = ["/api/v1/instruments", "/api/v1/consultations"]
    few = [queries_for(client, url) for url in urls]
    for _ in range(5):
        make_consultation()
    db.session.commit()
    assert [queries_for(client, url) for url in urls] == few
    assert queries_for(client, f"/api/v1/versions/{big}") == queries_for(
        client, f"/api/v1/versions/{small}"
    )
