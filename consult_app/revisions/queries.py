"""The public record of versions: published versions and the one each is compared with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from consult_app.extensions import db
from consult_app.texts.models import Provision, TextVersion, VersionStatus


def published_versions_query() -> Select[Any]:
    """Every version that is not a draft, latest first."""
    return (
        select(TextVersion)
        .where(TextVersion.status != VersionStatus.DRAFT)
        .order_by(TextVersion.issued_on.desc().nulls_last(), TextVersion.id.desc())
    )


def published_version(version_id: int) -> TextVersion | None:
    version = db.session.get(
        TextVersion,
        version_id,
        options=[selectinload(TextVersion.provisions).selectinload(Provision.paragraphs)],
    )
    if version is None or version.status is VersionStatus.DRAFT:
        return None
    return version


def compared_with(versions: Sequence[TextVersion]) -> dict[int, TextVersion]:
    """For each version, the published version it revises: its previous version, or the
    latest published one of the same text before it (two queries at most)."""
    if not versions:
        return {}
    instrument_ids = {v.instrument_id for v in versions}
    candidates = list(
        db.session.scalars(
            select(TextVersion)
            .where(
                TextVersion.instrument_id.in_(instrument_ids),
                TextVersion.status != VersionStatus.DRAFT,
            )
            .order_by(TextVersion.id)
        )
    )
    by_id = {v.id: v for v in candidates}
    result: dict[int, TextVersion] = {}
    for version in versions:
        if version.previous_id in by_id:
            result[version.id] = by_id[version.previous_id]
            continue
        earlier = [
            v for v in candidates if v.instrument_id == version.instrument_id and v.id < version.id
        ]
        if earlier:
            result[version.id] = earlier[-1]
    return result
