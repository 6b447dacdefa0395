"""Base model: every table gets an integer id and server-side timestamps."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, Enum, func
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from consult_app.extensions import db


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime that is stored in UTC and always read back aware.

    SQLite keeps no offset, so values are normalised to UTC on the way in and marked UTC
    on the way out; PostgreSQL stores ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; attach a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Model(db.Model):  # type: ignore[name-defined]
    __abstract__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=func.now(), nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=func.now(), onupdate=func.now(), nullable=False
    )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id}>"


def enum_column(enum_cls: type[enum.Enum], **kwargs: Any) -> Any:
    """An enum stored by value as a VARCHAR with a CHECK constraint (portable, readable)."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
        name=enum_cls.__name__.lower(),
        **kwargs,
    )


def only_for_dialect(dialect_name: str) -> Callable[..., bool]:
    """An Alembic ``include_object`` that leaves out what the models create only on another
    database (``Index(...).ddl_if(dialect="postgresql")``), so that comparing the schema
    with the models neither asks SQLite for PostgreSQL's trigram indexes nor drops them."""

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool,
                       compare_to: Any) -> bool:
        ddl_if = getattr(obj, "_ddl_if", None)
        return ddl_if is None or ddl_if.dialect is None or ddl_if.dialect == dialect_name

    return include_object
