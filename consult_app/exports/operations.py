"""Operations of the exports capability on stored settings (jobs are in :mod:`.jobs`)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from consult_app.accounts.models import User
from consult_app.consultations.models import Consultation
from consult_app.core.audit import log_action
from consult_app.core.errors import Conflict, NotAllowed, UserError
from consult_app.exports.models import (
    HRC_WORD_LIMIT,
    UN_LANGUAGES,
    WORD_LIMIT_MAX,
    WORD_LIMIT_MIN,
    ReportBody,
    ReportSettings,
)
from consult_app.extensions import db

logger = logging.getLogger(__name__)

#: The settings the secretariat may change, with their defaults.
REPORT_SETTING_DEFAULTS: dict[str, Any] = {
    "symbol": None,
    "body": ReportBody.HUMAN_RIGHTS_COUNCIL,
    "session": None,
    "session_dates": None,
    "agenda_item": None,
    "agenda_title": None,
    "issued_on": None,
    "original_language": "en",
    "title": None,
    "subtitle": None,
    "summary": None,
    "word_limit": HRC_WORD_LIMIT,
}
_TEXT_LIMITS = {
    "symbol": 60,
    "session": 120,
    "session_dates": 120,
    "agenda_item": 20,
    "agenda_title": 500,
    "title": 300,
    "subtitle": 300,
    "summary": 5_000,
}


def report_settings(consultation: Consultation) -> ReportSettings:
    """The stored settings of the consultation's report, or the defaults (not added to the
    session: nothing is written until the secretariat saves)."""
    stored = db.session.scalar(
        select(ReportSettings).where(ReportSettings.consultation_id == consultation.id)
    )
    if stored is not None:
        return stored
    return ReportSettings(
        consultation_id=consultation.id, lock_version=0, **REPORT_SETTING_DEFAULTS
    )


def settings_snapshot(settings: ReportSettings) -> dict[str, Any]:
    """The audited state of report settings."""
    values: dict[str, Any] = {}
    for name in REPORT_SETTING_DEFAULTS:
        value = getattr(settings, name)
        if isinstance(value, ReportBody):
            value = value.value
        elif isinstance(value, date):
            value = value.isoformat()
        values[name] = value
    return values


def _clean(name: str, value: Any) -> Any:
    if name in _TEXT_LIMITS:
        text = " ".join(str(value).split()) if name != "summary" else str(value or "").strip()
        if len(text) > _TEXT_LIMITS[name]:
            raise UserError(
                _("This text is too long (at most %(n)d characters).", n=_TEXT_LIMITS[name])
            )
        return text or None
    if name == "body":
        try:
            return ReportBody(value.value if isinstance(value, ReportBody) else value)
        except ValueError:
            raise UserError(_("Choose the body the report is issued to.")) from None
    if name == "original_language":
        if value not in UN_LANGUAGES:
            raise UserError(_("Choose one of the six official languages."))
        return value
    if name == "word_limit":
        if not isinstance(value, int) or not WORD_LIMIT_MIN <= value <= WORD_LIMIT_MAX:
            raise UserError(
                _(
                    "The word limit must be between %(low)d and %(high)d words.",
                    low=WORD_LIMIT_MIN,
                    high=WORD_LIMIT_MAX,
                )
            )
        return value
    if name == "issued_on":
        if value is not None and not isinstance(value, date):
            raise UserError(_("Enter the date of the report."))
        return value
    raise TypeError(f"unknown report setting {name!r}")


def save_report_settings(
    actor: User,
    consultation: Consultation,
    *,
    expected_lock_version: int | None = None,
    **changes: Any,
) -> ReportSettings:
    """Store the report settings of ``consultation`` (created on the first save)."""
    if not consultation.can_manage(actor):
        raise NotAllowed(_("Only the secretariat can change the report settings."))
    unknown = set(changes) - set(REPORT_SETTING_DEFAULTS)
    if unknown:
        raise TypeError(f"save_report_settings() got unknown fields: {sorted(unknown)}")
    cleaned = {name: _clean(name, value) for name, value in changes.items()}
    settings = report_settings(consultation)
    current = settings.lock_version if settings.id is not None else 0
    if expected_lock_version is not None and expected_lock_version != current:
        raise Conflict(
            _("Someone else changed the report settings meanwhile. Reload the page and try again.")
        )
    before = settings_snapshot(settings) if settings.id is not None else None
    for name, value in cleaned.items():
        setattr(settings, name, value)
    if settings.id is None:
        settings.lock_version = 1
        db.session.add(settings)
    db.session.flush()
    log_action(
        actor, "save_report_settings", settings, before=before, after=settings_snapshot(settings)
    )
    logger.info("user %s saved the report settings of consultation %s", actor.id, consultation.id)
    return settings
