from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from consult_app.accounts.models import OrgCategory, Role
from consult_app.consultations.models import Consultation, PublicationMode
from consult_app.consultations.operations import open_consultation, update_consultation
from consult_app.core.audit import AuditEntry
from consult_app.core.errors import Conflict, NotAllowed, UserError
from consult_app.extensions import db
from consult_app.texts.models import VersionStatus
from tests.conftest import make_consultation, make_user, make_version

NOW = datetime.now(UTC)


def _open(actor, version, **overrides):
    args = {
        "title": "  Consultation   on the draft ",
        "description": "Please comment.",
        "opens_at": NOW + timedelta(days=1),
        "closes_at": NOW + timedelta(days=30),
        "timezone": "Europe/Zurich",
        "categories": [OrgCategory.MEMBER_STATE, "ngo"],
        "publication_mode": PublicationMode.AFTER_REVIEW,
        "publish_submissions": True,
        "allow_attribution": False,
    }
    args.update(overrides)
    return open_consultation(actor, version, **args)


def _audit(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def test_open_consultation_saves_and_audits():
    secretariat = make_user(Role.SECRETARIAT)
    version = make_version()
    version.status = VersionStatus.DRAFT
    consultation = _open(secretariat, version)

    assert consultation.id is not None
    assert consultation.title == "Consultation on the draft"
    assert consultation.eligible_categories == ["member_state", "ngo"]
    assert consultation.allow_attribution is False
    assert consultation.created_by_id == secretariat.id
    assert consultation.opens_at.tzinfo is not None
    assert version.status is VersionStatus.UNDER_CONSULTATION

    (entry,) = _audit("open_consultation")
    assert entry.actor_id == secretariat.id
    assert entry.object_id == consultation.id
    assert entry.before is None
    assert entry.after["title"] == "Consultation on the draft"
    assert entry.after["eligible_categories"] == ["member_state", "ngo"]
    (status_entry,) = _audit("set_version_status")
    assert status_entry.before == {"status": "draft"}
    assert status_entry.after == {"status": "under_consultation"}


def test_open_converts_dates_to_utc():
    secretariat = make_user(Role.SECRETARIAT)
    zurich = ZoneInfo("Europe/Zurich")
    opens = datetime(2030, 1, 15, 9, 0, tzinfo=zurich)
    closes = datetime(2030, 7, 15, 18, 0, tzinfo=zurich)
    consultation = _open(secretariat, make_version(), opens_at=opens, closes_at=closes)
    db.session.commit()
    db.session.expire_all()
    assert consultation.opens_at == datetime(2030, 1, 15, 8, 0, tzinfo=UTC)
    assert consultation.closes_at == datetime(2030, 7, 15, 16, 0, tzinfo=UTC)


def test_superseded_version_keeps_its_status():
    secretariat = make_user(Role.SECRETARIAT)
    version = make_version()
    version.status = VersionStatus.SUPERSEDED
    _open(secretariat, version)
    assert version.status is VersionStatus.SUPERSEDED


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"closes_at": NOW}, "close after it opens"),
        ({"closes_at": NOW + timedelta(days=1)}, "close after it opens"),
        ({"opens_at": datetime(2030, 1, 1)}, "time zone"),
        ({"categories": []}, "at least one category"),
        ({"categories": ["pirates"]}, "Unknown category"),
        ({"timezone": "Mars/Olympus_Mons"}, "Unknown time zone"),
        ({"timezone": ""}, "Unknown time zone"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 301}, "too long"),
        ({"publication_mode": "whenever"}, "publication mode"),
    ],
)
def test_open_consultation_validation(overrides, message):
    secretariat = make_user(Role.SECRETARIAT)
    version = make_version()
    with pytest.raises(UserError, match=message):
        _open(secretariat, version, **overrides)
    assert db.session.scalars(select(Consultation)).all() == []
    assert _audit("open_consultation") == []


def test_open_without_version_is_refused():
    with pytest.raises(UserError, match="text version"):
        _open(make_user(Role.SECRETARIAT), None)


def test_only_the_secretariat_opens_consultations():
    with pytest.raises(NotAllowed):
        _open(make_user(Role.CONTRIBUTOR), make_version())


def test_update_records_only_what_changed():
    secretariat = make_user(Role.SECRETARIAT)
    consultation = make_consultation(opens=timedelta(days=2))
    db.session.commit()
    old_closes = consultation.closes_at
    new_closes = old_closes + timedelta(days=7)

    update_consultation(
        secretariat,
        consultation,
        title="New title",
        closes_at=new_closes,
        categories=[OrgCategory.NGO],
        allow_attribution=False,
    )

    assert consultation.title == "New title"
    assert consultation.closes_at == new_closes
    assert consultation.eligible_categories == ["ngo"]
    (entry,) = _audit("update_consultation")
    assert set(entry.after) == {"title", "closes_at", "eligible_categories", "allow_attribution"}
    assert entry.before["title"] == "Consultation on the draft declaration"
    assert entry.after["title"] == "New title"
    assert entry.before["allow_attribution"] is True
    assert entry.after["allow_attribution"] is False


def test_update_without_change_writes_no_audit_entry():
    secretariat = make_user(Role.SECRETARIAT)
    consultation = make_consultation()
    update_consultation(secretariat, consultation, title=consultation.title)
    assert _audit("update_consultation") == []


def test_update_validation_leaves_consultation_unchanged():
    secretariat = make_user(Role.SECRETARIAT)
    consultation = make_consultation()
    opens = consultation.opens_at
    with pytest.raises(UserError, match="close after it opens"):
        update_consultation(secretariat, consultation, closes_at=opens - timedelta(hours=1))
    with pytest.raises(UserError, match="at least one category"):
        update_consultation(secretariat, consultation, categories=[])
    with pytest.raises(UserError, match="time zone"):
        update_consultation(secretariat, consultation, timezone="Nowhere/Land")
    assert consultation.closes_at > opens
    assert consultation.timezone == "Europe/Zurich"
    assert len(consultation.eligible_categories) == len(OrgCategory)
    assert _audit("update_consultation") == []


def test_version_can_change_before_opening():
    secretariat = make_user(Role.SECRETARIAT)
    consultation = make_consultation(opens=timedelta(days=3))
    other = make_version()
    other.status = VersionStatus.DRAFT
    update_consultation(secretariat, consultation, version=other)
    assert consultation.version_id == other.id
    assert other.status is VersionStatus.UNDER_CONSULTATION
    (entry,) = _audit("update_consultation")
    assert entry.after == {"version_id": other.id}


def test_version_is_fixed_once_opened():
    secretariat = make_user(Role.SECRETARIAT)
    consultation = make_consultation(opens=timedelta(days=-1))
    original = consultation.version_id
    with pytest.raises(Conflict, match="can no longer change"):
        update_consultation(secretariat, consultation, version=make_version())
    assert consultation.version_id == original
    # Passing the same version is not a change.
    update_consultation(secretariat, consultation, version=consultation.version, title="Same text")
    assert consultation.title == "Same text"


def test_stale_edit_is_a_conflict():
    secretariat = make_user(Role.SECRETARIAT)
    consultation = make_consultation()
    db.session.commit()
    stale = consultation.lock_version
    update_consultation(secretariat, consultation, title="First edit")
    db.session.commit()
    assert consultation.lock_version == stale + 1
    with pytest.raises(Conflict):
        update_consultation(
            secretariat, consultation, expected_lock_version=stale, title="Second edit"
        )
    assert consultation.title == "First edit"


def test_update_rejects_unknown_fields():
    with pytest.raises(TypeError):
        update_consultation(make_user(Role.SECRETARIAT), make_consultation(), colour="red")
