from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from consult_app.accounts.models import Role
from consult_app.consultations.models import Consultation, PublicationMode
from consult_app.core.audit import AuditEntry
from consult_app.extensions import db
from consult_app.texts.models import VersionStatus
from tests.conftest import login, make_consultation, make_user, make_version


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Consultation)) or 0


def _valid_data(version: int, /, **overrides) -> dict:
    data = {
        "version_id": str(version),
        "title": "Consultation on the revised draft",
        "description": "First line.\n\nSecond paragraph.",
        "timezone": "Europe/Zurich",
        "opens_date": "2030-01-15",
        "opens_time": "09:00",
        "closes_date": "2030-03-31",
        "closes_time": "18:00",
        "categories": ["member_state", "ngo"],
        "publication_mode": "after_review",
        "publish_submissions": "y",
        "allow_attribution": "y",
        "save": "Save",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def secretariat(client):
    user = make_user(Role.SECRETARIAT)
    login(client, user)
    return user


@pytest.fixture
def draft_version():
    version = make_version()
    version.status = VersionStatus.DRAFT
    db.session.commit()
    return version


# --- opening ---------------------------------------------------------------------------


def test_new_form_renders(client, secretariat, draft_version):
    response = client.get("/consultations/new")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Draft declaration on testing (A/HRC/TEST/1)" in html
    assert '<option selected value="Europe/Zurich">' in html
    assert 'value="Pacific/Auckland"' in html
    assert "Member State" in html and "National human rights institution" in html
    # Every category, all ticked by default.
    assert len(re.findall(r'<input checked [^>]*name="categories" type="checkbox"', html)) == 9


def test_open_consultation_through_the_form(client, secretariat, draft_version):
    response = client.post("/consultations/new", data=_valid_data(draft_version.id))
    assert response.status_code == 302
    consultation = db.session.scalars(select(Consultation)).one()
    assert response.headers["Location"].endswith(f"/consultations/{consultation.id}")
    # 09:00 in Zurich in winter is 08:00 UTC; 18:00 in summer time is 16:00 UTC.
    assert consultation.opens_at == datetime(2030, 1, 15, 8, 0, tzinfo=UTC)
    assert consultation.closes_at == datetime(2030, 3, 31, 16, 0, tzinfo=UTC)
    assert consultation.timezone == "Europe/Zurich"
    assert consultation.eligible_categories == ["member_state", "ngo"]
    assert consultation.publication_mode is PublicationMode.AFTER_REVIEW
    assert consultation.publish_submissions is True
    assert consultation.allow_attribution is True
    assert consultation.version.status is VersionStatus.UNDER_CONSULTATION
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "open_consultation")
    ).one()
    assert entry.actor_id == secretariat.id

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The consultation was opened." in page
    assert "Consultation on the revised draft" in page


def test_unticked_boxes_are_false(client, secretariat, draft_version):
    data = _valid_data(
        draft_version.id,
        publish_submissions=None,
        allow_attribution=None,
        publication_mode="immediate",
        timezone="America/New_York",
    )
    assert client.post("/consultations/new", data=data).status_code == 302
    consultation = db.session.scalars(select(Consultation)).one()
    assert consultation.publish_submissions is False
    assert consultation.allow_attribution is False
    assert consultation.publication_mode is PublicationMode.IMMEDIATE
    assert consultation.opens_at == datetime(2030, 1, 15, 14, 0, tzinfo=UTC)


def test_check_button_shows_dates_in_zone_and_utc_without_saving(
    client, secretariat, draft_version
):
    data = _valid_data(draft_version.id, save=None, check="Check the dates")
    response = client.post("/consultations/new", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "(Europe/Zurich)" in html
    assert (
        "15 January 2030, 09:00 (Europe/Zurich) · 15 January 2030, 08:00 UTC" in html
    )
    assert _count() == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"closes_date": "2030-01-10"}, "The consultation must close after it opens."),
        (
            {"closes_date": "2030-01-15", "closes_time": "09:00"},
            "The consultation must close after it opens.",
        ),
        ({"timezone": "Mars/Olympus_Mons"}, "Unknown time zone"),
        ({"categories": None}, "Choose at least one category of stakeholder."),
        ({"categories": ["pirates"]}, "Unknown category of stakeholder."),
        ({"version_id": "999999"}, "This text version does not exist."),
        ({"version_id": "abc"}, "This text version does not exist."),
        ({"version_id": ""}, "Choose the text version to consult on."),
        ({"title": ""}, "This field is required."),
        ({"opens_date": "15/01/2030"}, "Not a valid date value."),
        ({"opens_time": "25:00"}, "Not a valid time value."),
        ({"publication_mode": "whenever"}, "Choose how comments are published."),
        # Clocks go forward at 02:00 on 31 March 2030 in Zurich: 02:30 never happens.
        (
            {"opens_date": "2030-03-31", "opens_time": "02:30", "closes_date": "2030-04-30"},
            "This time does not exist in that time zone",
        ),
    ],
)
def test_invalid_input_is_refused_with_a_message(
    client, secretariat, draft_version, overrides, message
):
    response = client.post("/consultations/new", data=_valid_data(draft_version.id, **overrides))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Please correct the errors below." in html
    assert message in html
    assert _count() == 0
    db.session.refresh(draft_version)
    assert draft_version.status is VersionStatus.DRAFT


def test_new_requires_sign_in(client, draft_version):
    response = client.get("/consultations/new")
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]
    response = client.post("/consultations/new", data=_valid_data(draft_version.id))
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]
    assert _count() == 0


def test_contributor_cannot_open_consultations(client, draft_version):
    login(client, make_user(Role.CONTRIBUTOR))
    assert client.get("/consultations/new").status_code == 403
    response = client.post("/consultations/new", data=_valid_data(draft_version.id))
    assert response.status_code == 403
    assert _count() == 0


def test_new_without_any_version_says_so(client, secretariat):
    html = client.get("/consultations/new").get_data(as_text=True)
    assert "import a text first" in html


def _csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token in the form"
    return match.group(1)


def test_csrf_is_required(csrf_app, client, secretariat, draft_version):
    response = client.post("/consultations/new", data=_valid_data(draft_version.id))
    assert response.status_code == 400
    assert _count() == 0

    token = _csrf_token(client.get("/consultations/new").get_data(as_text=True))
    data = _valid_data(draft_version.id, csrf_token=token)
    assert client.post("/consultations/new", data=data).status_code == 302
    assert _count() == 1


# --- editing ---------------------------------------------------------------------------


def _edit_data(consultation: Consultation, **overrides) -> dict:
    data = _valid_data(consultation.version_id, **overrides)
    data["lock_version"] = str(consultation.lock_version)
    return data


def test_edit_form_shows_stored_dates_in_the_consultation_zone(client, secretariat):
    consultation = make_consultation(opens=timedelta(days=5))
    consultation.opens_at = datetime(2030, 1, 15, 8, 0, tzinfo=UTC)
    consultation.closes_at = datetime(2030, 7, 1, 16, 0, tzinfo=UTC)
    db.session.commit()
    html = client.get(f"/consultations/{consultation.id}/edit").get_data(as_text=True)
    assert 'value="2030-01-15"' in html
    assert 'value="09:00"' in html
    assert 'value="18:00"' in html
    assert "(Europe/Zurich) · " in html
    assert 'name="version_id"' in html  # not opened yet: the version may still change


def test_edit_consultation(client, secretariat):
    consultation = make_consultation(opens=timedelta(days=5))
    other = make_version()
    db.session.commit()
    data = _edit_data(
        consultation,
        version_id=str(other.id),
        title="Renamed",
        categories=["academic"],
        allow_attribution=None,
    )
    response = client.post(f"/consultations/{consultation.id}/edit", data=data)
    assert response.status_code == 302
    db.session.refresh(consultation)
    assert consultation.title == "Renamed"
    assert consultation.version_id == other.id
    assert consultation.eligible_categories == ["academic"]
    assert consultation.allow_attribution is False
    assert consultation.opens_at == datetime(2030, 1, 15, 8, 0, tzinfo=UTC)
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "update_consultation")
    ).one()
    assert entry.before["title"] == "Consultation on the draft declaration"
    assert entry.after["title"] == "Renamed"


def test_version_cannot_change_once_opened(client, secretariat):
    consultation = make_consultation(opens=timedelta(days=-1))
    original = consultation.version_id
    other = make_version()
    db.session.commit()
    html = client.get(f"/consultations/{consultation.id}/edit").get_data(as_text=True)
    assert 'name="version_id"' not in html
    assert "can no longer change" in html

    data = _edit_data(consultation, version_id=str(other.id), title="Still the same text")
    response = client.post(f"/consultations/{consultation.id}/edit", data=data)
    assert response.status_code == 302
    db.session.refresh(consultation)
    assert consultation.version_id == original
    assert consultation.title == "Still the same text"


def test_edit_validation_error_changes_nothing(client, secretariat):
    consultation = make_consultation(opens=timedelta(days=5))
    db.session.commit()
    before = (consultation.title, consultation.closes_at, list(consultation.eligible_categories))
    data = _edit_data(consultation, title="Changed", closes_date="2029-01-01", categories=None)
    response = client.post(f"/consultations/{consultation.id}/edit", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "The consultation must close after it opens." in html
    assert "Choose at least one category of stakeholder." in html
    db.session.refresh(consultation)
    assert (consultation.title, consultation.closes_at, consultation.eligible_categories) == before


def test_stale_edit_is_refused(client, secretariat):
    consultation = make_consultation(opens=timedelta(days=5))
    db.session.commit()
    stale = _edit_data(consultation, title="From a stale form")
    fresh = _edit_data(consultation, title="From the first form")
    assert client.post(f"/consultations/{consultation.id}/edit", data=fresh).status_code == 302
    response = client.post(f"/consultations/{consultation.id}/edit", data=stale)
    assert response.status_code == 409
    db.session.refresh(consultation)
    assert consultation.title == "From the first form"


def test_edit_requires_sign_in(client):
    consultation = make_consultation()
    db.session.commit()
    url = f"/consultations/{consultation.id}/edit"
    response = client.get(url)
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]
    response = client.post(url, data=_edit_data(consultation, title="Anonymous"))
    assert response.status_code == 302
    db.session.refresh(consultation)
    assert consultation.title == "Consultation on the draft declaration"


def test_contributor_cannot_edit(client):
    consultation = make_consultation()
    db.session.commit()
    url = f"/consultations/{consultation.id}/edit"
    login(client, make_user(Role.CONTRIBUTOR))
    assert client.get(url).status_code == 403
    response = client.post(url, data=_edit_data(consultation, title="Hijacked"))
    assert response.status_code == 403
    db.session.refresh(consultation)
    assert consultation.title == "Consultation on the draft declaration"


def test_edit_unknown_consultation_is_404(client, secretariat):
    assert client.get("/consultations/424242/edit").status_code == 404


def test_edit_requires_csrf(csrf_app, client, secretariat):
    consultation = make_consultation(opens=timedelta(days=5))
    db.session.commit()
    response = client.post(
        f"/consultations/{consultation.id}/edit", data=_edit_data(consultation, title="No token")
    )
    assert response.status_code == 400
    db.session.refresh(consultation)
    assert consultation.title == "Consultation on the draft declaration"
