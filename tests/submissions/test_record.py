"""The public record on a consultation's page: written submissions and contributors."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select

from consult_app.accounts.models import OrgCategory, RegionalGroup, Role
from consult_app.consultations.models import PublicationMode
from consult_app.core.audit import AuditEntry
from consult_app.core.errors import UserError
from consult_app.extensions import db
from consult_app.review.models import WithheldReason
from consult_app.review.moderation import moderate_attachment
from consult_app.submissions import attachments as attachment_ops
from consult_app.submissions import commenting, record, submitting
from consult_app.submissions import operations as ops
from consult_app.submissions.models import Attachment, ModerationStatus, Position, Submission
from consult_app.texts.models import Provision
from tests.conftest import login, make_consultation, make_org, make_user
from tests.submissions.conftest import docx_bytes, pdf_bytes


def contribute(
    consultation,
    org,
    *,
    document: str | None = None,
    consent: bool = True,
    publishable: bool = True,
    comment: bool = True,
    submit: bool = True,
) -> Submission:
    """A submission of ``org``: one comment, optionally one attached document."""
    author = make_user(Role.CONTRIBUTOR, org)
    submission = ops.start_submission(author, consultation)
    if comment:
        provision = db.session.scalars(
            select(Provision).where(Provision.version_id == consultation.version_id)
        ).first()
        commenting.add_comment(
            author,
            submission,
            provision,
            commenting.CommentFields(position=Position.SUPPORT, body=f"{org.name} supports it."),
        )
    if document:
        attachment_ops.add_attachment(
            author, submission, document, pdf_bytes(f"{org.name}: {document}"),
            publish_consent=consent,
        )  # fmt: skip
    if not publishable:
        ops.update_submission_details(
            author, submission, ops.SubmissionDetails(publishable=False)
        )
    if submit:
        submitting.submit_submission(author, submission, submission.lock_version)
    db.session.flush()
    return submission


def page(client, consultation) -> str:
    response = client.get(f"/consultations/{consultation.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def record_part(html: str) -> str:
    start = html.index('id="record"')
    return html[start : html.index("</section>\n  </section>", start)]


def download_url(consultation, attachment) -> str:
    return f"/consultations/{consultation.id}/written-submissions/{attachment.id}"


def test_a_published_written_submission_is_listed_and_served(client):
    consultation = make_consultation()
    org = make_org("Solidarity Network", OrgCategory.NGO)
    submission = contribute(consultation, org, document="Position paper.pdf")
    attachment = submission.attachments[0]
    # Published on submission: the consultation publishes immediately and the authors agreed.
    assert attachment.moderation_status is ModerationStatus.PUBLISHED
    assert attachment.is_public
    db.session.commit()

    html = record_part(page(client, consultation))
    assert "Position paper.pdf" in html
    assert "Solidarity Network" in html
    assert "Civil society organisation / NGO" in html
    assert download_url(consultation, attachment) in html

    response = client.get(download_url(consultation, attachment))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert "attachment" in response.headers["Content-Disposition"]

    listing = client.get(f"/consultations/{consultation.id}/written-submissions")
    assert listing.status_code == 200
    assert "Position paper.pdf" in listing.get_data(as_text=True)


@pytest.mark.parametrize("case", ["not_consented", "confidential", "pending", "draft", "withdrawn"])
def test_what_is_not_published_is_neither_listed_nor_served(client, case):
    mode = PublicationMode.AFTER_REVIEW if case == "pending" else PublicationMode.IMMEDIATE
    consultation = make_consultation(publication_mode=mode)
    org = make_org("Quiet Institute", OrgCategory.ACADEMIC)
    submission = contribute(
        consultation,
        org,
        document="Internal memo.pdf",
        consent=case != "not_consented",
        submit=case != "draft",
    )
    attachment = submission.attachments[0]
    secretariat = make_user(Role.SECRETARIAT)
    if case == "confidential":
        moderate_attachment(
            secretariat, attachment, ModerationStatus.WITHHELD, WithheldReason.CONFIDENTIAL
        )
    if case == "withdrawn":
        attachment_ops.withdraw_attachment(make_user(Role.CONTRIBUTOR, org), attachment)
    db.session.commit()
    assert not attachment.is_public

    html = record_part(page(client, consultation))
    assert "Internal memo.pdf" not in html
    assert download_url(consultation, attachment) not in html
    assert "No written submission is published yet." in html
    assert client.get(download_url(consultation, attachment)).status_code == 404
    listing = client.get(f"/consultations/{consultation.id}/written-submissions")
    assert "Internal memo.pdf" not in listing.get_data(as_text=True)


def test_the_secretariat_publishes_a_pending_document(client):
    consultation = make_consultation(publication_mode=PublicationMode.AFTER_REVIEW)
    submission = contribute(consultation, make_org("Coalition A"), document="Brief.pdf")
    attachment = submission.attachments[0]
    assert attachment.moderation_status is ModerationStatus.PENDING
    secretariat = make_user(Role.SECRETARIAT)
    db.session.commit()
    login(client, secretariat)

    shown = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "awaiting review by the secretariat" in shown
    response = client.post(
        f"/review/attachments/{attachment.id}/moderate",
        data={f"attachment-{attachment.id}-action": "publish"},
    )
    assert response.status_code == 302
    db.session.refresh(attachment)
    assert attachment.moderation_status is ModerationStatus.PUBLISHED
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "publish_attachment"
    assert entry.object_type == "Attachment"
    # Comments of a consultation published after review are still pending: the organisation
    # is a contributor for its published document.
    html = record_part(page(client, consultation))
    assert "Brief.pdf" in html and "Coalition A" in html

    # Withheld as confidential, it leaves the record.
    response = client.post(
        f"/review/attachments/{attachment.id}/moderate",
        data={
            f"attachment-{attachment.id}-action": "withhold",
            f"attachment-{attachment.id}-reason": "confidential",
        },
    )
    assert response.status_code == 302
    db.session.refresh(attachment)
    assert attachment.withheld_reason == "confidential"
    assert client.get(download_url(consultation, attachment)).status_code == 404


def test_moderation_refuses_bad_requests_and_changes_nothing(client):
    consultation = make_consultation(publication_mode=PublicationMode.AFTER_REVIEW)
    org = make_org("Careful NGO")
    submission = contribute(consultation, org, document="Paper.pdf", consent=False)
    attachment = submission.attachments[0]
    secretariat = make_user(Role.SECRETARIAT)
    db.session.commit()
    url = f"/review/attachments/{attachment.id}/moderate"
    prefix = f"attachment-{attachment.id}-"

    login(client, make_user(Role.CONTRIBUTOR, org))
    assert client.post(url, data={prefix + "action": "publish"}).status_code == 403

    login(client, secretariat)
    # No consent: it cannot be published.
    response = client.post(url, data={prefix + "action": "publish"})
    assert response.status_code == 400
    assert "did not agree" in response.get_data(as_text=True)
    # Withheld without a reason; an unknown action; an unknown attachment.
    assert client.post(url, data={prefix + "action": "withhold"}).status_code == 400
    assert client.post(url, data={prefix + "action": "delete"}).status_code == 400
    assert client.post("/review/attachments/999999/moderate", data={}).status_code == 404
    db.session.refresh(attachment)
    assert attachment.moderation_status is ModerationStatus.PENDING
    assert attachment.withheld_reason is None

    with pytest.raises(UserError):
        moderate_attachment(secretariat, attachment, ModerationStatus.PUBLISHED)


def test_an_organisation_that_opted_out_does_not_appear(client):
    consultation = make_consultation()
    make_org_ = make_org
    public = make_org_("Open Academy", OrgCategory.ACADEMIC)
    private = make_org_("Discreet Producers", OrgCategory.BUSINESS)
    contribute(consultation, public, document="Open paper.pdf")
    hidden = contribute(consultation, private, document="Discreet paper.pdf", publishable=False)
    db.session.commit()

    html = record_part(page(client, consultation))
    assert "Open Academy" in html and "Open paper.pdf" in html
    assert "Discreet Producers" not in html
    assert "Discreet paper.pdf" not in html
    assert "Business enterprises" not in html  # not even counted under its heading
    attachment = hidden.attachments[0]
    assert client.get(download_url(consultation, attachment)).status_code == 404


def test_a_contributor_needs_something_published(client):
    consultation = make_consultation(publication_mode=PublicationMode.AFTER_REVIEW)
    contribute(consultation, make_org("Waiting NGO"))  # its comment awaits review
    contribute(consultation, make_org("Drafting NGO"), submit=False)
    db.session.commit()
    html = record_part(page(client, consultation))
    assert "Waiting NGO" not in html
    assert "Drafting NGO" not in html
    assert "No contribution is published yet." in html


def test_contributors_are_listed_in_the_order_of_united_nations_lists(client):
    consultation = make_consultation()
    # Created out of order, and names out of alphabetical order.
    specs = [
        ("Dr. Example", OrgCategory.INDIVIDUAL, False),
        ("Medicine Forum", OrgCategory.BUSINESS, False),
        ("University Institute", OrgCategory.ACADEMIC, False),
        ("Local Voices", OrgCategory.NGO, False),
        ("Zeta Rights Watch", OrgCategory.NGO, True),
        ("Alpha Rights Watch", OrgCategory.NGO, True),
        ("National Commission", OrgCategory.NHRI, False),
        ("Regional Cooperation Organisation", OrgCategory.IGO, False),
        ("UN Office", OrgCategory.UN_ENTITY, False),
        ("State of Observers", OrgCategory.OBSERVER_STATE, False),
        ("Republic of Zed", OrgCategory.MEMBER_STATE, False),
        ("Kingdom of Aland", OrgCategory.MEMBER_STATE, False),
    ]
    for name, category, ecosoc in specs:
        org = make_org(
            name, category, RegionalGroup.AFRICAN if category is OrgCategory.MEMBER_STATE else None
        )
        org.ecosoc_status = ecosoc
        contribute(consultation, org)
    db.session.commit()

    lists = record.contributors(consultation)
    assert [group.key for group in lists] == [
        "member_state",
        "observer_state",
        "un_entity",
        "igo",
        "nhri",
        "ngo_ecosoc",
        "ngo",
        "academic",
        "business",
        "individual",
    ]
    assert lists[0].names == ["Kingdom of Aland", "Republic of Zed"]
    assert lists[5].names == ["Alpha Rights Watch", "Zeta Rights Watch"]

    html = record_part(page(client, consultation))
    headings = re.findall(r'<h4 id="contributors-([a-z_]+)">', html)
    assert headings == [group.key for group in lists]
    assert html.index("Kingdom of Aland") < html.index("Republic of Zed")
    assert "States Members of the United Nations" in html


def test_contributors_in_one_query_and_bounded(app):
    consultation = make_consultation()
    for n in range(5):
        contribute(consultation, make_org(f"NGO {n}"))
    cosigned = contribute(consultation, make_org("Lead NGO"))
    cosigner = make_org("Cosigning Institute", OrgCategory.ACADEMIC)
    ops.update_submission_details(
        make_user(Role.CONTRIBUTOR, cosigned.organisation),
        cosigned,
        ops.SubmissionDetails(cosigner_ids=[cosigner.id]),
    )
    db.session.commit()
    assert consultation.publish_submissions  # loaded before counting

    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        lists = record.contributors(consultation, per_heading=3)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1
    ngos = next(group for group in lists if group.key == "ngo")
    assert ngos.total == 6
    assert ngos.names == ["Lead NGO", "NGO 0", "NGO 1"]
    assert ngos.others == 3
    academics = next(group for group in lists if group.key == "academic")
    assert academics.names == ["Cosigning Institute"]


def test_without_attribution_contributors_are_counted_not_named(client):
    consultation = make_consultation(allow_attribution=False)
    contribute(consultation, make_org("Named Nowhere", OrgCategory.NGO), document="Paper.docx")
    contribute(consultation, make_org("Dr. Private", OrgCategory.INDIVIDUAL))
    db.session.commit()
    html = record_part(page(client, consultation))
    assert "Named Nowhere" not in html
    assert "Dr. Private" not in html
    assert "1 contributor (not named" in html
    assert "Individuals" in html


def test_nothing_is_listed_when_the_consultation_publishes_no_submissions(client):
    consultation = make_consultation(publish_submissions=False)
    submission = contribute(consultation, make_org("Hidden NGO"), document="Paper.pdf")
    db.session.commit()
    html = record_part(page(client, consultation))
    assert "Hidden NGO" not in html and "Paper.pdf" not in html
    assert client.get(download_url(consultation, submission.attachments[0])).status_code == 404


def test_written_submissions_are_paged(client, app):
    app.config["PER_PAGE"], per_page = 2, app.config["PER_PAGE"]
    try:
        consultation = make_consultation()
        org = make_org("Prolific NGO")
        author = make_user(Role.CONTRIBUTOR, org)
        submission = ops.start_submission(author, consultation)
        for n in range(3):
            attachment_ops.add_attachment(
                author, submission, f"Paper {n}.docx", docx_bytes(f"Paper {n}"),
                publish_consent=True,
            )  # fmt: skip
        submitting.submit_submission(author, submission, submission.lock_version)
        db.session.commit()
        url = f"/consultations/{consultation.id}/written-submissions"
        first = client.get(url).get_data(as_text=True)
        second = client.get(url + "?page=2").get_data(as_text=True)
        assert "Paper 0.docx" in first and "Paper 1.docx" in first
        assert "Paper 2.docx" in second and "Paper 0.docx" not in second
        assert client.get(url + "?page=3").status_code == 404
        assert client.get(url + "?page=abc").status_code == 404
        assert db.session.scalar(select(Attachment.id).limit(1)) is not None
    finally:
        app.config["PER_PAGE"] = per_page
