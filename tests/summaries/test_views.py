"""Dashboard, figures and summary pages: rendering, permissions, edits, CSRF."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy.record_queries import get_recorded_queries
from sqlalchemy import select

from consult_app.accounts.models import OrgCategory, Role
from consult_app.accounts.models import RegionalGroup as G
from consult_app.core.audit import AuditEntry
from consult_app.extensions import db
from consult_app.submissions.models import ModerationStatus
from consult_app.submissions.models import Position as P
from consult_app.summaries.models import ConsensusSettings, SummaryDraft
from consult_app.summaries.operations import current_summary, generate_summaries
from tests.browser import Browser
from tests.conftest import login, make_consultation, make_org, make_user
from tests.summaries.conftest import SECRET, World
from tests.summaries.helpers import provisions, state, submit


def _summary_url(world: World, path: str = "") -> str:
    return f"/consultations/{world.consultation.id}/summary{path}"


def test_dashboard_renders_svg_with_tables(world: World, client: FlaskClient) -> None:
    db.session.commit()
    response = client.get(f"/consultations/{world.consultation.id}/dashboard")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('role="img"') == 4
    assert html.count("<desc id=") == 4
    assert html.count('class="data-table') >= 5
    assert "<script" not in html
    assert "African States" in html and "Positions by provision" in html
    assert SECRET not in html
    # Public view: the pending academic comment does not count.
    assert "Academic or research institution" not in html


def test_secretariat_dashboard_counts_pending(world: World, client: FlaskClient) -> None:
    login(client, world.secretariat)
    html = client.get(f"/consultations/{world.consultation.id}/dashboard").get_data(
        as_text=True)
    assert "Academic or research institution" in html
    assert "pending review" in html


def test_figures_page(world: World, client: FlaskClient) -> None:
    db.session.commit()
    url = f"/consultations/{world.consultation.id}/figures/{world.article.id}"
    html = client.get(url).get_data(as_text=True)
    assert "Consensus indicator" in html and "Other stakeholders" in html
    assert "Canada" in html and SECRET not in html and "(not named)" in html
    assert "Gender equality" in html
    assert "A campaign: 3 items from one text" in html
    other_version_provision = provisions(make_consultation())[0]
    db.session.commit()
    assert client.get(
        f"/consultations/{world.consultation.id}/figures/{other_version_provision.id}"
    ).status_code == 404
    assert client.get("/consultations/999/dashboard").status_code == 404


def test_dashboard_query_count_is_constant(app: Flask, client: FlaskClient) -> None:
    consultation = make_consultation()
    ps = provisions(consultation)
    db.session.commit()

    def count_queries() -> int:
        db.session.commit()
        before = len(get_recorded_queries())
        assert client.get(f"/consultations/{consultation.id}/dashboard").status_code == 200
        return len(get_recorded_queries()) - before

    submit(consultation, state("A", G.AFRICAN), [(ps[0], P.SUPPORT)])
    small = count_queries()
    for n in range(15):
        org = make_org(f"Org {n}", category=OrgCategory.NGO if n % 2 else OrgCategory.NHRI)
        submit(consultation, org, [(p, P.OPPOSE) for p in ps], cosigners=[make_org()])
        submit(consultation, state(f"S{n}", list(G)[n % 5]), [(p, P.SUPPORT) for p in ps])
    assert count_queries() == small


def test_summary_flow_keeps_edits_until_choice(world: World, client: FlaskClient) -> None:
    login(client, world.secretariat)
    assert client.post(_summary_url(world, "/generate")).status_code == 302
    drafts = db.session.scalars(select(SummaryDraft)).all()
    assert len(drafts) == len(provisions(world.consultation)) + 1
    draft = db.session.scalar(select(SummaryDraft).where(
        SummaryDraft.provision_id == world.article.id))
    assert draft is not None
    edit_url = _summary_url(world, f"/provisions/{world.article.id}/edit")
    assert client.get(edit_url).status_code == 200
    response = client.post(edit_url, data={"text": "Our own careful wording.",
                                           "lock_version": draft.lock_version})
    assert response.status_code == 302
    db.session.expire_all()
    assert current_summary(world.consultation, world.article) == "Our own careful wording."
    old_generated = draft.generated_text

    # New comments, then regeneration: the edits stay, the new draft waits for a choice.
    for n in range(4):
        submit(world.consultation, state(f"New {n}", G.ASIA_PACIFIC), [(world.article, P.OPPOSE)])
    db.session.commit()
    assert client.post(_summary_url(world, "/generate")).status_code == 302
    db.session.expire_all()
    assert draft.awaiting_choice and draft.previous_generated_text == old_generated
    assert draft.generated_text != old_generated
    assert current_summary(world.consultation, world.article) == "Our own careful wording."
    page = client.get(edit_url).get_data(as_text=True)
    assert "A new draft was generated after your edits" in page and "<ins>" in page
    assert "Keep my edits" in page

    resolve_url = _summary_url(world, f"/provisions/{world.article.id}/resolve")
    assert client.post(resolve_url, data={"lock_version": draft.lock_version}).status_code == 400
    response = client.post(resolve_url, data={"choice": "keep",
                                              "lock_version": draft.lock_version})
    assert response.status_code == 302
    db.session.expire_all()
    assert not draft.awaiting_choice and draft.edited_text == "Our own careful wording."

    # Regenerate again and take the new draft this time.
    submit(world.consultation, state("Later", G.EASTERN_EUROPEAN), [(world.article, P.OPPOSE)])
    db.session.commit()
    client.post(_summary_url(world, "/generate"))
    db.session.expire_all()
    assert draft.awaiting_choice
    client.post(resolve_url, data={"choice": "take", "lock_version": draft.lock_version})
    db.session.expire_all()
    assert draft.edited_text is None
    assert current_summary(world.consultation, world.article) == draft.generated_text
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert {"generate_summary", "edit_summary", "regenerate_summary",
            "resolve_summary"} <= set(actions)
    assert SECRET not in client.get(_summary_url(world)).get_data(as_text=True)


def test_stale_edit_is_409_with_text_shown_back(world: World, client: FlaskClient) -> None:
    generate_summaries(world.secretariat, world.consultation)
    login(client, world.secretariat)
    draft = db.session.scalar(select(SummaryDraft).where(SummaryDraft.provision_id.is_(None)))
    assert draft is not None
    stale = draft.lock_version
    assert client.post(_summary_url(world, "/edit"), data={
        "text": "First edit.", "lock_version": stale}).status_code == 302
    response = client.post(_summary_url(world, "/edit"), data={
        "text": "Second <b>edit</b> from an old tab.", "lock_version": stale})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Second &lt;b&gt;edit&lt;/b&gt; from an old tab." in html
    assert "First edit." in html
    db.session.expire_all()
    assert draft.edited_text == "First edit."


def test_validation_error_changes_nothing(world: World, client: FlaskClient) -> None:
    generate_summaries(world.secretariat, world.consultation)
    login(client, world.secretariat)
    draft = db.session.scalar(select(SummaryDraft).where(SummaryDraft.provision_id.is_(None)))
    assert draft is not None
    before = draft.generated_text
    response = client.post(_summary_url(world, "/edit"),
                           data={"text": "  ", "lock_version": draft.lock_version})
    assert response.status_code == 400
    assert "Write the summary." in response.get_data(as_text=True)
    db.session.expire_all()
    assert draft.edited_text is None and draft.generated_text == before


def test_permissions(world: World, client: FlaskClient) -> None:
    generate_summaries(world.secretariat, world.consultation)
    db.session.commit()
    edit_url = _summary_url(world, "/edit")
    # Anonymous: sign in first.
    response = client.get(edit_url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post(_summary_url(world, "/generate")).status_code == 302
    # Contributor: not allowed.
    login(client, world.contributor)
    assert client.get(edit_url).status_code == 403
    assert client.post(edit_url, data={"text": "x", "lock_version": 1}).status_code == 403
    assert client.post(_summary_url(world, "/generate")).status_code == 403
    assert client.post(_summary_url(world, "/resolve"),
                       data={"choice": "keep", "lock_version": 1}).status_code == 403
    # Unknown provision: 404. Public summary page: readable.
    login(client, world.secretariat)
    assert client.get(_summary_url(world, "/provisions/9999/edit")).status_code == 404
    client.get("/")
    client2 = client.application.test_client()
    assert client2.get(_summary_url(world)).status_code == 200


def test_csrf_required(world: World, csrf_app: Flask) -> None:
    generate_summaries(world.secretariat, world.consultation)
    client = csrf_app.test_client()
    login(client, world.secretariat)
    draft = db.session.scalar(select(SummaryDraft).where(SummaryDraft.provision_id.is_(None)))
    assert draft is not None
    assert client.post(_summary_url(world, "/generate")).status_code == 400
    assert client.post(_summary_url(world, "/edit"),
                       data={"text": "x", "lock_version": draft.lock_version}).status_code == 400
    page = client.get(_summary_url(world, "/edit")).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token is not None
    response = client.post(_summary_url(world, "/edit"), data={
        "text": "With a token.", "lock_version": draft.lock_version,
        "csrf_token": token.group(1)})
    assert response.status_code == 302


def test_consultation_page_links_dashboard_and_summary(world: World,
                                                       client: FlaskClient) -> None:
    db.session.commit()
    html = client.get(f"/consultations/{world.consultation.id}").get_data(as_text=True)
    assert f"/consultations/{world.consultation.id}/dashboard" in html
    assert f"/consultations/{world.consultation.id}/summary" in html


def test_pending_only_is_not_in_public_summary(app: Flask, client: FlaskClient) -> None:
    consultation = make_consultation()
    article = provisions(consultation)[2]
    submit(consultation, make_org("Pending Org"), [(article, P.OPPOSE)],
           moderation=ModerationStatus.PENDING)
    secretariat = make_user(role=Role.SECRETARIAT)
    generate_summaries(secretariat, consultation)
    assert current_summary(consultation, article) == "No comments were received on Article 1."


# --- the consensus indicator on the pages, and its settings ----------------------------------


def test_figures_page_shows_each_part_and_who_holds_it_back(app: Flask,
                                                           client: FlaskClient) -> None:
    consultation = make_consultation()
    article = provisions(consultation)[2]
    two = next(p for p in article.paragraphs if p.label == "2")
    for n, group in enumerate(G):
        submit(consultation, state(f"Supporter {n}", group), [(article, P.SUPPORT)])
    submit(consultation, state("Objectland", G.GRULAC),
           [(article, P.SUPPORT), (article, P.OPPOSE, {"paragraph_id": two.id})])
    db.session.commit()
    html = client.get(f"/consultations/{consultation.id}/figures/{article.id}").get_data(
        as_text=True)
    assert "Bracketed (1 objection, 1 regional group)" in html
    assert ("Bracketed: paragraph 2 remains in square brackets; paragraph 2: objection by 1 "
            "State of 1 regional group (Objectland).") in html
    assert "holds the provision back" in html
    assert "the provision as a whole" in html and "no objection" in html
    section = html.split('id="consensus-heading"')[1].split("</section>")[0]
    assert "%" not in section  # words and counts, never a percentage of States

    dashboard = client.get(f"/consultations/{consultation.id}/dashboard").get_data(
        as_text=True)
    assert "Provisions that drew objections" in dashboard
    assert "Bracketed (1 objection, 1 regional group)" in dashboard
    assert "Consensus settings" not in dashboard  # public view: no settings link


def test_consensus_settings_through_the_form(world: World, client: FlaskClient) -> None:
    db.session.commit()
    login(client, world.secretariat)
    browser = Browser(client).get(f"/consultations/{world.consultation.id}/dashboard")
    browser.follow("Consensus settings")
    assert browser.status == 200 and "uses the default settings" in browser.html
    form = browser.form("consensus-settings")
    assert form.fields["bracket_objections"] == ["1"]
    assert form.fields["attribution"] == ["named"]

    # Norway's lone objection brackets Article 1; with two needed, it no longer does.
    url = f"/consultations/{world.consultation.id}/figures/{world.article.id}"
    assert "Bracketed: objection by 1 State of 1 regional group (Norway)." in client.get(
        url).get_data(as_text=True)
    browser.submit(form, bracket_objections="2", attribution="unattributed")
    assert browser.status == 200 and "The consensus settings were saved" in browser.html
    assert "has its own settings" in browser.html
    page = client.get(url).get_data(as_text=True)
    assert "Bracketed: objection" not in page
    assert "below the 2 State positions that bracket a text" in page
    assert "Norway" not in page.split('id="consensus-heading"')[1].split("</section>")[0]
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "update_consensus_settings")).one()
    assert entry.before == {"attribution": "named", "bracket_objections": 1}
    assert entry.after == {"attribution": "unattributed", "bracket_objections": 2}


def test_consensus_settings_bad_input_and_stale_form(world: World, client: FlaskClient) -> None:
    db.session.commit()
    login(client, world.secretariat)
    url = f"/consultations/{world.consultation.id}/consensus-settings"
    browser = Browser(client).get(url)
    form = browser.form("consensus-settings")
    browser.submit(form, few_max="6", some_max="4", min_groups="9")
    assert browser.status == 400
    assert "must reach at least as far" in browser.html and "Number must be" in browser.html
    assert db.session.scalars(select(ConsensusSettings)).first() is None

    browser.submit(form, min_states="7")  # the first save of this page's form: accepted
    assert browser.status == 200
    browser.submit(form, min_states="8")  # the same (now stale) form again: refused
    assert browser.status == 409 and "changed these settings meanwhile" in browser.html
    db.session.expire_all()
    settings = db.session.scalars(select(ConsensusSettings)).one()
    assert settings.min_states == 7


def test_consensus_settings_are_for_the_secretariat(world: World, client: FlaskClient) -> None:
    db.session.commit()
    url = f"/consultations/{world.consultation.id}/consensus-settings"
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(client, world.contributor)
    assert client.get(url).status_code == 403
    assert client.post(url, data={"bracket_objections": 5, "lock_version": 0}).status_code == 403
    assert db.session.scalars(select(ConsensusSettings)).first() is None

# --- publication: drafts stay internal until published; themes internal unless public -


def _anonymous_summary(app: Flask, world: World) -> str:
    response = app.test_client().get(_summary_url(world))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_summary_is_public_only_once_published_and_stays_as_published(
    app: Flask, world: World, client: FlaskClient
) -> None:
    from tests.browser import Browser

    login(client, world.secretariat)
    browser = Browser(client).get(_summary_url(world))
    browser.submit(browser.form("/summary/generate"))
    assert browser.status == 200
    whole = db.session.scalar(select(SummaryDraft).where(SummaryDraft.provision_id.is_(None)))
    assert whole is not None
    drafted = whole.generated_text
    public = _anonymous_summary(app, world)
    assert "No summary has been published yet." in public
    assert drafted.split("\n")[0] not in public

    # "Publish the summary" on the whole consultation's summary, as the page renders it.
    browser.get(_summary_url(world))
    assert "Not published: only the secretariat sees it" in browser.html
    browser.submit(browser.form(_summary_url(world, "/publish")))
    assert browser.status == 200, browser.html[:2000]
    assert "The summary was published" in browser.html
    db.session.expire_all()
    assert whole.published_text == drafted and whole.published_by_id == world.secretariat.id
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "publish_summary")
    ).one()
    assert entry.after["published_text"] == drafted
    public = _anonymous_summary(app, world)
    assert drafted.split("\n")[0] in public
    # Only the whole summary was published; the provisions' drafts stay internal.
    article = db.session.scalar(select(SummaryDraft).where(
        SummaryDraft.provision_id == world.article.id))
    assert article is not None and article.published_text is None

    # Edited afterwards: the public keeps reading the published text until published again.
    browser.get(_summary_url(world, "/edit"))
    browser.submit(browser.form(_summary_url(world, "/edit")), text="A new careful wording.")
    assert browser.status == 200
    public = _anonymous_summary(app, world)
    assert "A new careful wording." not in public
    assert drafted.split("\n")[0] in public
    assert "the public still reads the published text" in browser.html
    browser.submit(browser.form(_summary_url(world, "/publish")))
    assert "A new careful wording." in _anonymous_summary(app, world)


def test_publishing_waits_for_the_choice_after_a_new_draft(world: World) -> None:
    import pytest

    from consult_app.core.errors import UserError
    from consult_app.summaries.operations import edit_summary, publish_summary

    generate_summaries(world.secretariat, world.consultation)
    draft = db.session.scalar(select(SummaryDraft).where(
        SummaryDraft.provision_id == world.article.id))
    assert draft is not None
    edit_summary(world.secretariat, draft, "Edited.", draft.lock_version)
    for n in range(4):
        submit(world.consultation, state(f"New {n}", G.ASIA_PACIFIC), [(world.article, P.OPPOSE)])
    generate_summaries(world.secretariat, world.consultation)
    assert draft.awaiting_choice
    with pytest.raises(UserError):
        publish_summary(world.secretariat, draft, draft.lock_version)
    assert draft.published_text is None


def test_internal_themes_are_never_named_to_the_public(
    app: Flask, world: World, client: FlaskClient
) -> None:
    from consult_app.review.models import Theme

    gender = db.session.scalars(select(Theme).where(Theme.name == "Gender equality")).one()
    gender.public = False
    db.session.commit()
    figures_url = f"/consultations/{world.consultation.id}/figures/{world.article.id}"
    assert "Gender equality" not in app.test_client().get(figures_url).get_data(as_text=True)
    generate_summaries(world.secretariat, world.consultation)
    texts = db.session.scalars(select(SummaryDraft.generated_text)).all()
    assert not any("Gender equality" in text for text in texts)
    # The secretariat still sees its working labels on the figures.
    login(client, world.secretariat)
    assert "Gender equality" in client.get(figures_url).get_data(as_text=True)


def test_public_report_carries_only_published_summaries(world: World) -> None:
    from consult_app.exports.report import gather_report
    from consult_app.summaries.operations import publish_summary

    generate_summaries(world.secretariat, world.consultation)
    whole = db.session.scalar(select(SummaryDraft).where(SummaryDraft.provision_id.is_(None)))
    assert whole is not None
    public = gather_report(world.consultation, internal=False)
    assert public.overall_summary == "No summary of the consultation has been published yet."
    sections = {s.provision_id: s.summary for s in public.sections}
    assert sections[world.article.id].startswith("No summary of views")
    # The secretariat's own report drafts what is not published, from the current figures.
    internal = gather_report(world.consultation, internal=True).overall_summary
    assert internal.startswith("Submissions were received from")
    publish_summary(world.secretariat, whole, whole.lock_version)
    assert gather_report(world.consultation, internal=False).overall_summary == whole.current_text
