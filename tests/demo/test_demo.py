from __future__ import annotations

from sqlalchemy import func, select

from consult_app.accounts.models import Organisation, OrgCategory, RegionalGroup, Role, User
from consult_app.consultations.models import Consultation
from consult_app.demo.loader import DEMO_ACCOUNTS
from consult_app.extensions import db
from consult_app.submissions.models import Comment, Submission, SubmissionStatus
from consult_app.texts.models import Provision, ProvisionKind


def _load(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return result


def test_demo_covers_every_category_group_and_role(app):
    result = _load(app)
    for email, password in DEMO_ACCOUNTS.values():
        assert email in result.output and password in result.output
    categories = set(db.session.scalars(select(Organisation.category)))
    assert categories == set(OrgCategory)
    groups = set(db.session.scalars(select(Organisation.regional_group)).all()) - {None}
    assert groups == set(RegionalGroup)
    roles = {u.role for u in db.session.scalars(select(User).where(User.email.in_(
        [email for email, _ in DEMO_ACCOUNTS.values()])))}
    assert roles == {Role.CONTRIBUTOR, Role.SECRETARIAT, Role.ADMIN}


def test_demo_text_and_submissions(app):
    _load(app)
    consultation = db.session.scalars(select(Consultation)).one()
    assert consultation.is_open()
    kinds = db.session.execute(
        select(Provision.kind, func.count()).where(
            Provision.version_id == consultation.version_id).group_by(Provision.kind)
    ).all()
    assert dict(kinds) == {ProvisionKind.PREAMBLE: 7, ProvisionKind.ARTICLE: 10}
    submitted = db.session.scalar(select(func.count()).select_from(Submission).where(
        Submission.status == SubmissionStatus.SUBMITTED))
    assert submitted >= 20
    amendments = db.session.scalar(select(func.count()).select_from(Comment).where(
        Comment.proposed_wording.is_not(None)))
    assert amendments >= 5
    # The demo contributor's organisation is left for the user to try the workflow.
    email, _ = DEMO_ACCOUNTS[Role.CONTRIBUTOR]
    contributor = db.session.scalars(select(User).where(User.email == email)).one()
    assert db.session.scalar(select(func.count()).select_from(Submission).where(
        Submission.organisation_id == contributor.organisation_id)) == 0


def test_demo_accounts_can_sign_in(app, client):
    _load(app)
    for role, (email, password) in DEMO_ACCOUNTS.items():
        response = client.post("/account/login", data={"email": email, "password": password})
        assert response.status_code == 302, email
        # The secretariat and the administrator set up a second factor at first sign-in.
        expected = "/" if role is Role.CONTRIBUTOR else "/account/two-step/setup"
        assert response.headers["Location"] == expected, email
        client.post("/account/logout")


def test_every_public_page_of_the_demo_shows_something(app, client):
    _load(app)
    consultation = db.session.scalars(select(Consultation)).one()
    page = client.get(f"/consultations/{consultation.id}")
    assert page.status_code == 200
    assert b"Article 4" in page.data
    provisions = db.session.scalars(
        select(Provision).where(Provision.version_id == consultation.version_id)).all()
    with_comments = 0
    for provision in provisions:
        response = client.get(f"/consultations/{consultation.id}/provisions/{provision.id}")
        assert response.status_code == 200
        # The submission that asked not to be published is never named.
        assert b"Forum of Medicine Producers" not in response.data
        with_comments += b'class="comment' in response.data
    assert with_comments >= len(provisions) // 2


def test_load_if_empty_does_nothing_the_second_time(app):
    _load(app)
    before = db.session.scalar(select(func.count()).select_from(Comment))
    again = app.test_cli_runner().invoke(args=["demo", "load", "--if-empty"])
    assert again.exit_code == 0 and "not loaded" in again.output
    refused = app.test_cli_runner().invoke(args=["demo", "load"])
    assert refused.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(Comment)) == before


def test_demo_text_in_french_and_arabic_with_english_fallback(app, client):
    _load(app)
    consultation = db.session.scalars(select(Consultation)).one()
    version = consultation.version
    assert version.languages == ["en", "ar", "fr"]
    provisions = {p.label: p for p in version.provisions}
    url = f"/consultations/{consultation.id}/provisions/"
    french = client.get(url + f"{provisions['PP2'].id}?lang=fr").get_data(as_text=True)
    assert "Rappelant la Déclaration universelle" in french
    assert "language-fallback" not in french
    arabic = client.get(url + f"{provisions['Article 3'].id}?lang=ar").get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in arabic
    assert "الحق في التضامن الدولي" in arabic
    fallback = client.get(url + f"{provisions['Article 5'].id}?lang=ar").get_data(as_text=True)
    assert "language-fallback" in fallback
    assert "Equitable access to essential goods" in fallback


def test_demo_fills_every_capability(app, client):
    """A newcomer sees every capability at work: the consensus levels spread over the
    provisions, dispositions and summaries published (some work left waiting), a confirmed
    campaign and a suggested pair of duplicates, and the public record."""
    from consult_app.review.models import Disposition, DuplicateGroup, GroupKind, GroupStatus
    from consult_app.submissions.models import Attachment
    from consult_app.summaries.aggregation import provision_figures
    from consult_app.summaries.consensus import ConsensusLevel, classify
    from consult_app.summaries.models import SummaryDraft

    _load(app)
    consultation = db.session.scalars(select(Consultation)).one()
    levels = {
        figures.label: classify(figures).level
        for figures in provision_figures(consultation, details=False)
    }
    spread = {level: sum(1 for lv in levels.values() if lv is level) for level in ConsensusLevel}
    assert all(spread[level] >= 2 for level in ConsensusLevel), spread
    assert spread[ConsensusLevel.NO_BASIS] <= 3, spread
    assert levels["Article 1"] is ConsensusLevel.AGREED
    assert levels["Article 4"] is ConsensusLevel.BRACKETED  # one paragraph objected to
    assert levels["PP3"] is ConsensusLevel.NO_OBJECTION

    # Only the planned groups: the campaign confirmed (and answered), the pair suggested.
    groups = db.session.scalars(select(DuplicateGroup)).all()
    assert {(g.kind, g.status) for g in groups} == {
        (GroupKind.CAMPAIGN, GroupStatus.CONFIRMED),
        (GroupKind.DUPLICATE, GroupStatus.SUGGESTED),
    }
    assert len(groups) == 2
    campaign = next(g for g in groups if g.kind is GroupKind.CAMPAIGN)
    assert campaign.size == 4

    dispositions = db.session.scalar(select(func.count()).select_from(Disposition))
    published = db.session.scalar(
        select(func.count()).select_from(Disposition).where(Disposition.published_at.is_not(None))
    )
    comments = db.session.scalar(select(func.count()).select_from(Comment))
    assert published == dispositions >= comments * 2 // 3
    assert dispositions < comments  # some comments still await an answer

    drafts = db.session.scalars(select(SummaryDraft)).all()
    assert len([d for d in drafts if d.published_text]) >= len(levels) - 2
    assert len([d for d in drafts if not d.published_text]) == 2  # work waiting

    public = [a for a in db.session.scalars(select(Attachment)) if a.is_public]
    assert len(public) == 4
    page = client.get(f"/consultations/{consultation.id}").get_data(as_text=True)
    record = page[page.index('id="record"') :]
    for name in ("Statement of the African Group.pdf", "Joint NGO submission.pdf"):
        assert name in record
    for hidden in ("Note verbale of Velinia.pdf", "Research note", "Industry views.pdf"):
        assert hidden not in record
    assert "Forum of Medicine Producers" not in record
    assert record.index("States Members of the United Nations") < record.index(
        "Intergovernmental organizations"
    )
    for attachment in public:
        url = f"/consultations/{consultation.id}/written-submissions/{attachment.id}"
        assert client.get(url).status_code == 200


def test_demo_consultation_title_and_description_in_french_and_arabic(app, client):
    _load(app)
    consultation = db.session.scalars(select(Consultation)).one()
    url = f"/consultations/{consultation.id}"
    french = client.get(url + "?lang=fr").get_data(as_text=True)
    assert "Consultation mondiale sur le projet révisé de déclaration" in french
    assert "sont invités à commenter le projet" in french
    # The instructions have no French version: the English original, marked.
    assert "Comment on each provision separately." in french
    assert 'class="hint content-fallback"' in french
    arabic = client.get(url + "?lang=ar").get_data(as_text=True)
    assert "المشاورة العالمية بشأن مشروع الإعلان المنقح" in arabic
    assert '<div class="description" lang="ar" dir="rtl">' in arabic
