"""The audit trail for the secretariat: view, filter, export."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import Select, false, select
from wtforms import DateField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from consult_app.accounts.models import User, normalise_email
from consult_app.accounts.util import signed_in_user
from consult_app.core.audit import AuditEntry
from consult_app.core.audit_labels import action_label, entry_changes, object_label
from consult_app.core.errors import NotAllowed
from consult_app.core.forms import AppForm
from consult_app.core.guards import parse_id
from consult_app.core.pagination import paginate
from consult_app.core.spreadsheets import CSV_TYPE, iter_csv
from consult_app.core.templating import user_zone
from consult_app.extensions import db

logger = logging.getLogger(__name__)

bp = Blueprint("audit", __name__, url_prefix="/audit")

CSV_HEADER = (
    "id",
    "at_utc",
    "actor_id",
    "actor_email",
    "action",
    "object_type",
    "object_id",
    "changed_keys",
    "before",
    "after",
    "prev_hash",
    "hash",
)
EXPORT_CHUNK = 500


class AuditFilterForm(AppForm):
    class Meta:
        csrf = False

    actor = StringField(
        _l("Actor (account number, e-mail address, or “system”)"),
        validators=[Optional(), Length(max=254)],
    )
    action = SelectField(_l("Action"), choices=[], validate_choice=False)
    object_type = SelectField(_l("Kind of object"), choices=[], validate_choice=False)
    object_id = StringField(_l("Object number"), validators=[Optional(), Length(max=20)])
    date_from = DateField(_l("From (date, in your time zone)"), validators=[Optional()])
    date_to = DateField(_l("To (date, included)"), validators=[Optional()])
    submit = SubmitField(_l("Filter"))

    def __init__(self, *args: Any, actions: list[str], object_types: list[str], **kw: Any):
        super().__init__(*args, **kw)
        # Options read as sentences; their values stay the stored codes.
        labelled_actions = sorted(
            (SelectChoice(a, action_label(a)) for a in actions), key=lambda c: c.label
        )
        labelled_types = sorted(
            (SelectChoice(t, object_label(t)) for t in object_types), key=lambda c: c.label
        )
        self.action.choices = [SelectChoice("", _l("Any action")), *labelled_actions]
        self.object_type.choices = [SelectChoice("", _l("Any kind")), *labelled_types]

    def validate_object_id(self, field: StringField) -> None:
        raw = (field.data or "").strip()
        if raw and parse_id(raw) is None:
            raise ValidationError(_l("Give an object number made of digits only."))

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date comes before the start date."))


@dataclass(frozen=True)
class AuditFilters:
    actor: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    zone: Any = UTC


def _day_start(day: date, zone: Any) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)


def filtered_entries(filters: AuditFilters) -> Select[tuple[AuditEntry]]:
    """Audit entries matching ``filters``, newest first."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    actor = (filters.actor or "").strip()
    if actor:
        if actor.isascii() and actor.isdigit():
            actor_id = parse_id(actor)
            query = query.where(AuditEntry.actor_id == actor_id if actor_id else false())
        elif actor.casefold() == "system":
            query = query.where(AuditEntry.actor_id.is_(None))
        else:
            user_id = db.session.scalar(select(User.id).where(User.email == normalise_email(actor)))
            query = query.where(AuditEntry.actor_id == user_id if user_id else false())
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.object_type:
        query = query.where(AuditEntry.object_type == filters.object_type)
    if filters.object_id is not None:
        query = query.where(AuditEntry.object_id == filters.object_id)
    if filters.date_from:
        query = query.where(AuditEntry.at >= _day_start(filters.date_from, filters.zone))
    if filters.date_to:
        end = _day_start(filters.date_to + timedelta(days=1), filters.zone)
        query = query.where(AuditEntry.at < end)
    return query


def changes(entry: AuditEntry) -> list[dict[str, Any]]:
    """The keys whose value differs between ``before`` and ``after``, with both values."""
    before = entry.before or {}
    after = entry.after or {}
    rows = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if key in before and key in after and old == new:
            continue
        rows.append(
            {
                "key": key,
                "before": _shown(old) if key in before else None,
                "after": _shown(new) if key in after else None,
            }
        )
    return rows


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _secretariat() -> User:
    me = signed_in_user()
    if not me.is_secretariat:
        raise NotAllowed(_("Only the secretariat reads the audit trail."))
    return me


def _filter_form() -> tuple[AuditFilterForm, AuditFilters | None]:
    actions = list(db.session.scalars(select(AuditEntry.action).distinct().order_by("action")))
    types = list(
        db.session.scalars(select(AuditEntry.object_type).distinct().order_by("object_type"))
    )
    form = AuditFilterForm(formdata=request.args, actions=actions, object_types=types)
    if not form.validate():
        return form, None
    raw_id = (form.object_id.data or "").strip()
    return form, AuditFilters(
        actor=form.actor.data or None,
        action=form.action.data or None,
        object_type=form.object_type.data or None,
        object_id=int(raw_id) if raw_id else None,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        zone=user_zone(),
    )


@bp.get("/")
@login_required
def index() -> tuple[str, int]:
    _secretariat()
    form, filters = _filter_form()
    if filters is None:
        return render_template("audit/list.html", form=form, page=None, actors={}), 400
    page = paginate(filtered_entries(filters), int(current_app.config["PER_PAGE"]))
    actor_ids = {e.actor_id for e in page.items if e.actor_id is not None}
    actors = (
        {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(actor_ids)))}
        if actor_ids
        else {}
    )
    return (
        render_template(
            "audit/list.html",
            form=form,
            page=page,
            actors=actors,
            changes=entry_changes(list(page.items)),
            action_label=action_label,
            object_label=object_label,
            export_args=request.args.to_dict(),
        ),
        200,
    )


def csv_rows(query: Select[tuple[AuditEntry]]) -> Iterator[list[Any]]:
    """One row per entry, read from the database in chunks (never all at once)."""
    statement = (
        query.add_columns(User.email)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .execution_options(yield_per=EXPORT_CHUNK)
    )
    for entry, email in db.session.execute(statement):
        yield [
            entry.id,
            entry.at.astimezone(UTC).isoformat(),
            entry.actor_id,
            email,
            entry.action,
            entry.object_type,
            entry.object_id,
            " ".join(row["key"] for row in changes(entry)),
            json.dumps(entry.before, ensure_ascii=False, sort_keys=True, default=str)
            if entry.before is not None
            else "",
            json.dumps(entry.after, ensure_ascii=False, sort_keys=True, default=str)
            if entry.after is not None
            else "",
            entry.prev_hash,
            entry.hash,
        ]


@bp.get("/export.csv")
@login_required
def export_csv() -> Response | tuple[str, int]:
    me = _secretariat()
    form, filters = _filter_form()
    if filters is None:
        return render_template("audit/list.html", form=form, page=None, actors={}), 400
    logger.info("audit trail exported by user %s", me.id)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    response = Response(
        stream_with_context(iter_csv(CSV_HEADER, csv_rows(filtered_entries(filters)))),
        mimetype=CSV_TYPE,
    )
    response.headers["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
