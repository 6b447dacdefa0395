"""Opening and changing consultations (validated, audited, flushed; never committed)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from consult_app.accounts.models import OrgCategory, User
from consult_app.consultations.models import Consultation, PublicationMode
from consult_app.core.audit import log_action
from consult_app.core.errors import Conflict, NotAllowed, UserError
from consult_app.extensions import db
from consult_app.texts.models import TextVersion, VersionStatus

logger = logging.getLogger(__name__)

TITLE_MAX = 300

EDITABLE_FIELDS = frozenset(
    {
        "version",
        "title",
        "description",
        "instructions",
        "opens_at",
        "closes_at",
        "timezone",
        "categories",
        "publication_mode",
        "publish_submissions",
        "allow_attribution",
    }
)


@lru_cache(maxsize=1)
def timezone_names() -> tuple[str, ...]:
    """Every IANA zone name this system knows, sorted."""
    return tuple(sorted(available_timezones()))


def is_valid_timezone(name: str | None) -> bool:
    if not name or name not in timezone_names():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def snapshot(consultation: Consultation) -> dict[str, Any]:
    """The audited state of a consultation."""
    return {
        "version_id": consultation.version_id,
        "title": consultation.title,
        "description": consultation.description,
        "instructions": consultation.instructions,
        "opens_at": consultation.opens_at.isoformat() if consultation.opens_at else None,
        "closes_at": consultation.closes_at.isoformat() if consultation.closes_at else None,
        "timezone": consultation.timezone,
        "eligible_categories": list(consultation.eligible_categories or []),
        "publication_mode": consultation.publication_mode.value
        if consultation.publication_mode
        else None,
        "publish_submissions": consultation.publish_submissions,
        "allow_attribution": consultation.allow_attribution,
    }


def _clean_title(title: str | None) -> str:
    cleaned = " ".join((title or "").split())
    if not cleaned:
        raise UserError(_("Give the consultation a title."))
    if len(cleaned) > TITLE_MAX:
        raise UserError(_("The title is too long (at most %(n)s characters).", n=TITLE_MAX))
    return cleaned


def _clean_description(description: str | None) -> str | None:
    text = (description or "").strip()
    return text or None


def _clean_categories(categories: Iterable[OrgCategory | str]) -> list[str]:
    values: list[str] = []
    for category in categories:
        try:
            value = OrgCategory(category).value
        except ValueError:
            raise UserError(_("Unknown category of stakeholder: %(c)s", c=str(category))) from None
        if value not in values:
            values.append(value)
    if not values:
        raise UserError(_("Choose at least one category of stakeholder that may take part."))
    # Stored in the enum's order so that equal choices compare equal in the audit log.
    order = [c.value for c in OrgCategory]
    return sorted(values, key=order.index)


def _check_dates(opens_at: datetime, closes_at: datetime) -> tuple[datetime, datetime]:
    for value in (opens_at, closes_at):
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise UserError(_("Opening and closing dates need a time zone."))
    if closes_at <= opens_at:
        raise UserError(_("The consultation must close after it opens."))
    return opens_at.astimezone(UTC), closes_at.astimezone(UTC)


def _check_timezone(name: str) -> None:
    if not is_valid_timezone(name):
        raise UserError(_("Unknown time zone: %(zone)s", zone=name))


def _publication_mode(value: PublicationMode | str) -> PublicationMode:
    try:
        return PublicationMode(value)
    except ValueError:
        raise UserError(_("Unknown publication mode.")) from None


def _mark_under_consultation(actor: User, version: TextVersion) -> None:
    # A superseded or adopted version keeps its status: it is part of the record.
    if version.status in (VersionStatus.DRAFT, VersionStatus.PUBLISHED):
        log_before = {"status": version.status.value}
        version.status = VersionStatus.UNDER_CONSULTATION
        db.session.flush()
        log_action(
            actor,
            "set_version_status",
            version,
            before=log_before,
            after={"status": version.status.value},
        )


def _check_actor(actor: User) -> None:
    if actor is None or not actor.can_manage_consultations():
        raise NotAllowed(_("Only the secretariat can open or change consultations."))


def open_consultation(
    actor: User,
    version: TextVersion | None,
    title: str,
    description: str | None,
    opens_at: datetime,
    closes_at: datetime,
    timezone: str,
    categories: Iterable[OrgCategory | str],
    publication_mode: PublicationMode | str,
    publish_submissions: bool,
    allow_attribution: bool,
    instructions: str | None = None,
) -> Consultation:
    """Open a consultation on ``version`` and put the version under consultation."""
    _check_actor(actor)
    if version is None or version.id is None:
        raise UserError(_("Choose the text version to consult on."))
    cleaned_title = _clean_title(title)
    opens_at, closes_at = _check_dates(opens_at, closes_at)
    _check_timezone(timezone)
    eligible = _clean_categories(categories)
    mode = _publication_mode(publication_mode)

    consultation = Consultation(
        version=version,
        title=cleaned_title,
        description=_clean_description(description),
        instructions=_clean_description(instructions),
        opens_at=opens_at,
        closes_at=closes_at,
        timezone=timezone,
        eligible_categories=eligible,
        publication_mode=mode,
        publish_submissions=bool(publish_submissions),
        allow_attribution=bool(allow_attribution),
        created_by_id=actor.id,
    )
    db.session.add(consultation)
    db.session.flush()
    _mark_under_consultation(actor, version)
    log_action(actor, "open_consultation", consultation, before=None, after=snapshot(consultation))
    logger.info(
        "user %s opened consultation %s on version %s", actor.id, consultation.id, version.id
    )
    return consultation


def update_consultation(
    actor: User,
    consultation: Consultation,
    *,
    expected_lock_version: int | None = None,
    **changes: Any,
) -> Consultation:
    """Change a consultation's settings; its version is fixed once it has opened."""
    _check_actor(actor)
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"update_consultation() got unknown fields: {sorted(unknown)}")
    if expected_lock_version is not None and expected_lock_version != consultation.lock_version:
        raise Conflict(
            _("Someone else changed this consultation meanwhile. Reload it and try again.")
        )

    before = snapshot(consultation)
    new_version: TextVersion | None = changes.get("version")
    if "version" in changes:
        if new_version is None or new_version.id is None:
            raise UserError(_("Choose the text version to consult on."))
        if new_version.id != consultation.version_id and consultation.has_opened():
            raise Conflict(
                _("The consultation has opened: the text it is held on can no longer change.")
            )

    title = _clean_title(changes["title"]) if "title" in changes else consultation.title
    description = (
        _clean_description(changes["description"])
        if "description" in changes
        else consultation.description
    )
    instructions = (
        _clean_description(changes["instructions"])
        if "instructions" in changes
        else consultation.instructions
    )
    opens_at = changes.get("opens_at", consultation.opens_at)
    closes_at = changes.get("closes_at", consultation.closes_at)
    opens_at, closes_at = _check_dates(opens_at, closes_at)
    timezone = changes.get("timezone", consultation.timezone)
    _check_timezone(timezone)
    eligible = (
        _clean_categories(changes["categories"])
        if "categories" in changes
        else consultation.eligible_categories
    )
    mode = (
        _publication_mode(changes["publication_mode"])
        if "publication_mode" in changes
        else consultation.publication_mode
    )

    version_changed = new_version is not None and new_version.id != consultation.version_id
    if version_changed and new_version is not None:
        consultation.version = new_version
        consultation.version_id = new_version.id  # the snapshot reads the column
    consultation.title = title
    consultation.description = description
    consultation.instructions = instructions
    consultation.opens_at = opens_at
    consultation.closes_at = closes_at
    consultation.timezone = timezone
    consultation.eligible_categories = list(eligible)
    consultation.publication_mode = mode
    if "publish_submissions" in changes:
        consultation.publish_submissions = bool(changes["publish_submissions"])
    if "allow_attribution" in changes:
        consultation.allow_attribution = bool(changes["allow_attribution"])

    after = snapshot(consultation)
    if after == before:
        return consultation
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(
            _("Someone else changed this consultation meanwhile. Reload it and try again.")
        ) from None
    if version_changed and new_version is not None:
        _mark_under_consultation(actor, new_version)
    changed = {key for key in after if after[key] != before[key]}
    log_action(
        actor,
        "update_consultation",
        consultation,
        before={k: before[k] for k in sorted(changed)},
        after={k: after[k] for k in sorted(changed)},
    )
    logger.info("user %s updated consultation %s: %s", actor.id, consultation.id, sorted(changed))
    return consultation
