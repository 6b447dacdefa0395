"""Append-only audit log: who did what to which object, with before and after.

Each entry carries a SHA-256 hash over its content and the previous entry's hash, so
that changing or removing an entry breaks the chain (see :func:`verify_chain`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, event, select, text
from sqlalchemy.orm import Mapped, Mapper, ORMExecuteState, Session, mapped_column

from consult_app.core.models import UTCDateTime
from consult_app.extensions import db

if TYPE_CHECKING:
    from consult_app.accounts.models import User

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64


class AuditEntry(db.Model):  # type: ignore[name-defined]
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    object_type: Mapped[str] = mapped_column(String(64), nullable=False)
    object_id: Mapped[int | None] = mapped_column()
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)

    __table_args__ = (db.Index("ix_audit_entries_object", "object_type", "object_id"),)

    def payload(self) -> str:
        return json.dumps(
            {
                "at": self.at.astimezone(UTC).isoformat(),
                "actor_id": self.actor_id,
                "action": self.action,
                "object_type": self.object_type,
                "object_id": self.object_id,
                "before": self.before,
                "after": self.after,
                "prev_hash": self.prev_hash,
            },
            sort_keys=True,
            default=str,
        )

    def compute_hash(self) -> str:
        return hashlib.sha256(self.payload().encode()).hexdigest()


class AuditLogAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit entry."""


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(mapper: Mapper[AuditEntry], connection: Any, entry: AuditEntry) -> None:
    raise AuditLogAppendOnly(f"audit entry {entry.id} cannot be changed: the log is append-only")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(mapper: Mapper[AuditEntry], connection: Any, entry: AuditEntry) -> None:
    raise AuditLogAppendOnly(f"audit entry {entry.id} cannot be deleted: the log is append-only")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    # ``session.execute(update(AuditEntry))`` bypasses the mapper events above.
    if (state.is_update or state.is_delete) and any(
        m.class_ is AuditEntry for m in state.all_mappers
    ):
        raise AuditLogAppendOnly("audit entries cannot be changed or deleted: append-only")


def _jsonable(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str))


def _lock_chain() -> None:
    """Serialise writers of the chain (PostgreSQL); SQLite already serialises writes."""
    bind = db.session.get_bind()
    if bind.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(727274)"))


def log_action(
    actor: User | None,
    action: str,
    obj: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append an audit entry for ``action`` on ``obj`` (flushed, not committed)."""
    db.session.flush()
    _lock_chain()
    last = db.session.execute(
        select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
    ).scalar_one_or_none()
    entry = AuditEntry(
        at=datetime.now(UTC).replace(microsecond=0),
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=type(obj).__name__,
        object_id=getattr(obj, "id", None),
        before=_jsonable(before),
        after=_jsonable(after),
        prev_hash=last or GENESIS_HASH,
    )
    entry.hash = entry.compute_hash()
    db.session.add(entry)
    db.session.flush()
    logger.info(
        "audit %s by %s on %s %s", action, entry.actor_id, entry.object_type, entry.object_id
    )
    return entry


def verify_chain() -> list[str]:
    """Return the problems found in the chain; an empty list means it is intact."""
    problems: list[str] = []
    previous = GENESIS_HASH
    for entry in db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars():
        if entry.prev_hash != previous:
            problems.append(f"entry {entry.id}: previous hash does not match")
        if entry.compute_hash() != entry.hash:
            problems.append(f"entry {entry.id}: content does not match its hash")
        previous = entry.hash
    return problems
