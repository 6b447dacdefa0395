"""Objects and rows as the JSON documented in the OpenAPI document (openapi.py).

Each function builds exactly the properties of one schema of the document; the tests
validate real responses against those schemas (which forbid additional properties).
Who wrote a comment is said only as far as the consultation allows: an organisation is
named only when the consultation allows attribution and its submission is publishable.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import url_for

from consult_app.api.queries import AnyRow, ConsultationRef
from consult_app.consultations.models import Consultation
from consult_app.core.models import utcnow
from consult_app.submissions.models import OnBehalfKind, Position
from consult_app.summaries.consensus import ConsensusResult
from consult_app.summaries.disclosure import SuppressedGroup
from consult_app.summaries.figures import GroupFigures, ProvisionFigures
from consult_app.texts.languages import ReadProvision
from consult_app.texts.models import Instrument, Paragraph, Provision, TextVersion


def iso(value: datetime | None) -> str | None:
    """UTC, ISO 8601 with its offset, to the second: ``2026-01-31T17:00:00+00:00``."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def iso_local(value: datetime, zone: str) -> str:
    """The same moment in the consultation's zone, with that zone's offset."""
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    return value.astimezone(tz).replace(microsecond=0).isoformat()


def iso_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _value(member: Any) -> Any:
    return member.value if member is not None else None


# --- texts -----------------------------------------------------------------------------


def version_summary(version: TextVersion) -> dict[str, Any]:
    return {
        "id": version.id,
        "title": version.title,
        "symbol": version.symbol,
        "issued_on": iso_date(version.issued_on),
        "status": version.status.value,
        "previous_id": version.previous_id,
        "links": {"self": url_for("api.show_version", version_id=version.id)},
    }


def instrument_json(instrument: Instrument) -> dict[str, Any]:
    return {
        "id": instrument.id,
        "title": instrument.title,
        "description": instrument.description,
        "versions": [version_summary(v) for v in instrument.versions if v.can_view(None)],
        "links": {"self": url_for("api.show_instrument", instrument_id=instrument.id)},
    }


def _paragraph_tree(
    paragraphs: Sequence[Paragraph], reading: ReadProvision | None = None
) -> list[dict[str, Any]]:
    """Paragraphs nested under their parents (sub-paragraphs in ``children``)."""
    nodes: dict[int, dict[str, Any]] = {
        p.id: {
            "id": p.id,
            "position": p.position,
            "level": p.level,
            "label": p.label,
            "text": reading.text_of(p) if reading is not None else p.text,
            "children": [],
        }
        for p in paragraphs
    }
    roots: list[dict[str, Any]] = []
    for p in paragraphs:
        parent = nodes.get(p.parent_id) if p.parent_id is not None else None
        (parent["children"] if parent is not None else roots).append(nodes[p.id])
    return roots


def provision_json(provision: Provision, reading: ReadProvision) -> dict[str, Any]:
    return {
        "id": provision.id,
        "position": provision.position,
        "kind": provision.kind.value,
        "number": provision.number,
        "language": reading.language,
        "fallback": reading.fallback,
        "title": reading.title,
        "source_label": provision.source_label,
        "part_heading": reading.part_heading,
        "intro": reading.intro,
        "derived_from_id": provision.derived_from_id,
        "paragraphs": _paragraph_tree(provision.paragraphs, reading),
    }


def version_json(version: TextVersion, readings: Sequence[ReadProvision]) -> dict[str, Any]:
    """The version with its text as read (``readings``: one per provision, in order)."""
    requested = next((r.wanted for r in readings if r.wanted), None)
    translation = version.translation(requested) if requested else None

    def own(name: str) -> str | None:
        value = getattr(translation, name) if translation is not None else None
        return value or getattr(version, name)

    return {
        **version_summary(version),
        "language": version.language,
        "languages": version.languages,
        "requested_language": requested,
        "instrument": {
            "id": version.instrument.id,
            "title": version.instrument.title,
            "links": {"self": url_for("api.show_instrument", instrument_id=version.instrument_id)},
        },
        "front_matter": own("front_matter"),
        "chapeau": own("chapeau"),
        "proclamation": own("proclamation"),
        "closing": own("closing"),
        "provisions": [provision_json(r.provision, r) for r in readings],
        "footnotes": [
            {
                "position": note.position,
                "label": note.label,
                "text": note.text,
                "place": note.place.value if note.place is not None else None,
                "provision_id": note.provision_id,
                "paragraph_id": note.paragraph_id,
                "call_at": note.call_at,
            }
            for note in version.footnotes
        ],
    }


# --- consultations ---------------------------------------------------------------------


def consultation_json(consultation: Consultation, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    version = consultation.version
    cid = consultation.id
    return {
        "id": cid,
        "title": consultation.title,
        "description": consultation.description,
        "version": {
            "id": version.id,
            "title": version.title,
            "symbol": version.symbol,
            "instrument_id": version.instrument_id,
            "instrument_title": version.instrument.title,
            "links": {"self": url_for("api.show_version", version_id=version.id)},
        },
        "opens_at": iso(consultation.opens_at),
        "closes_at": iso(consultation.closes_at),
        "timezone": consultation.timezone,
        "opens_at_local": iso_local(consultation.opens_at, consultation.timezone),
        "closes_at_local": iso_local(consultation.closes_at, consultation.timezone),
        "phase": consultation.phase(now).value,
        "eligible_categories": list(consultation.eligible_categories),
        "publication": {
            "mode": consultation.publication_mode.value,
            "publish_submissions": consultation.publish_submissions,
            "allow_attribution": consultation.allow_attribution,
        },
        "links": {
            "self": url_for("api.show_consultation", consultation_id=cid),
            "comments": url_for("api.consultation_comments", consultation_id=cid),
            "dispositions": url_for("api.dispositions", consultation_id=cid),
            "figures": url_for("api.figures", consultation_id=cid),
            "html": url_for("consultations.show", consultation_id=cid),
        },
    }


def consultation_detail_json(
    consultation: Consultation, provisions: Sequence[AnyRow]
) -> dict[str, Any]:
    cid = consultation.id
    return {
        **consultation_json(consultation),
        "provisions": [
            {
                "id": row.id,
                "kind": row.kind.value,
                "number": row.number,
                "title": row.title,
                "public_comments": int(row.public_comments),
                "links": {
                    "comments": url_for(
                        "api.provision_comments", consultation_id=cid, provision_id=row.id
                    )
                },
            }
            for row in provisions
        ],
    }


# --- comments --------------------------------------------------------------------------


def _organisation(
    name: str, acronym: str | None, category: Any, group: Any, named: bool
) -> dict[str, Any]:
    return {
        "name": name if named else None,
        "acronym": acronym if named else None,
        "category": category.value,
        "regional_group": _value(group),
    }


def _on_behalf(row: AnyRow, named: bool) -> dict[str, Any] | None:
    kind = row.on_behalf_kind
    if kind is None or kind is OnBehalfKind.NONE:
        return None
    return {
        "kind": kind.value,
        "regional_group": _value(row.on_behalf_group)
        if kind is OnBehalfKind.REGIONAL_GROUP
        else None,
        # A coalition is named only where its members could be.
        "name": row.on_behalf_name if kind is OnBehalfKind.COALITION and named else None,
    }


def _disposition(row: AnyRow) -> dict[str, Any] | None:
    if row.disposition_published_at is None:
        return None
    return {
        "outcome": row.disposition_outcome.value,
        "public_explanation": row.disposition_explanation,
        "change_reference": row.disposition_change,
        "resulting_provision_id": row.disposition_provision_id,
        "published_at": iso(row.disposition_published_at),
    }


class CommentSerializer:
    """Public comments of one consultation (links built once per provision, not per row)."""

    def __init__(self, consultation: ConsultationRef) -> None:
        self.consultation = consultation
        self._links: dict[int, dict[str, str]] = {}

    def _provision_links(self, provision_id: int) -> dict[str, str]:
        links = self._links.get(provision_id)
        if links is None:
            cid = self.consultation.id
            links = self._links[provision_id] = {
                "provision_comments": url_for(
                    "api.provision_comments", consultation_id=cid, provision_id=provision_id
                ),
                "html": url_for(
                    "consultations.provision", consultation_id=cid, provision_id=provision_id
                ),
            }
        return links

    def __call__(self, row: AnyRow, cosigners: Sequence[AnyRow]) -> dict[str, Any]:
        """One public comment; ``row`` comes from queries.public_comment_rows."""
        # An organisation that asked not to be published is never named, whatever else
        # holds; without attribution no organisation is named at all.
        named = bool(self.consultation.allow_attribution and row.publishable)
        links = self._provision_links(row.provision_id)
        return {
            "id": row.id,
            "consultation_id": self.consultation.id,
            "provision_id": row.provision_id,
            "paragraph_id": row.paragraph_id,
            "paragraph_label": row.paragraph_label,
            "position": row.position.value,
            "kind": row.kind.value,
            "body": row.body,
            "redacted": bool(row.redacted),
            "quoted_text": row.quoted_text,
            "proposed_wording": row.proposed_wording,
            "rationale": row.rationale,
            "submitted_at": iso(row.submitted_at),
            "author": {
                **_organisation(
                    row.org_name, row.org_acronym, row.org_category, row.org_group, named
                ),
                "on_behalf": _on_behalf(row, named),
                "cosigners": [
                    _organisation(c.name, c.acronym, c.category, c.regional_group, named)
                    for c in cosigners
                ],
            },
            "disposition": _disposition(row),
            "links": {
                "provision_comments": links["provision_comments"],
                "html": f"{links['html']}#comment-{row.id}",
            },
        }


def disposition_json(row: AnyRow) -> dict[str, Any]:
    """One published disposition; never the secretariat's internal note."""
    return {
        "comment_id": row.comment_id,
        "provision_id": row.provision_id,
        "outcome": row.outcome.value,
        "public_explanation": row.public_explanation,
        "change_reference": row.change_reference,
        "resulting_provision_id": row.resulting_provision_id,
        "published_at": iso(row.published_at),
    }


# --- figures ---------------------------------------------------------------------------


def _positions(counts: dict[Position, int]) -> dict[str, int]:
    return {position.value: int(counts.get(position, 0)) for position in Position}


def group_figures_json(group: GroupFigures) -> dict[str, Any]:
    if isinstance(group, SuppressedGroup):  # too few organisations to show (F9)
        return {
            "suppressed": True,
            "fewer_than": group.below,
            "comments": None,
            "organisations": None,
            "comment_positions": None,
            "positions": None,
            "stances": None,
        }
    return {
        "suppressed": False,
        "fewer_than": None,
        "comments": group.comments,
        "organisations": group.organisations,
        "comment_positions": _positions(group.comment_positions),
        "positions": _positions(group.positions),
        "stances": _positions(group.stances),
    }


def figures_json(
    consultation_id: int, figures: ProvisionFigures, consensus: ConsensusResult
) -> dict[str, Any]:
    """Public figures of one provision: counts only, organisations never named here."""
    contestation = figures.contestation
    return {
        "provision_id": figures.provision_id,
        "label": figures.label,
        "position": figures.position,
        "total": group_figures_json(figures.total),
        "states": group_figures_json(figures.states),
        "other_stakeholders": group_figures_json(figures.other_stakeholders),
        "by_category": {c.value: group_figures_json(g) for c, g in figures.by_category.items()},
        "by_regional_group": {
            g.value: group_figures_json(part) for g, part in figures.by_regional_group.items()
        },
        "unverified": group_figures_json(figures.unverified),
        "campaign_items": figures.campaign_items,
        "min_cell_size": getattr(figures, "min_cell_size", 1),
        "withheld_groupings": getattr(figures, "withheld_groupings", 0),
        "on_behalf": [
            {
                "kind": item.kind.value,
                "regional_group": _value(item.regional_group),
                # aggregation names a coalition only where the consultation allows it
                "name": item.name,
                "lead_category": item.lead_category.value,
                "stance": item.stance.value,
                "submissions": item.submissions,
            }
            for item in figures.on_behalf
        ],
        "joint": [
            {
                "organisations": item.organisations,
                "lead_category": item.lead_category.value,
                "stance": item.stance.value,
                "submissions": item.submissions,
            }
            for item in figures.joint
        ],
        "themes": [
            {"name": t.name, "comments": t.comments, "organisations": t.organisations}
            for t in figures.themes
        ],
        "contestation": round(contestation, 4) if contestation is not None else None,
        "consensus": {
            "level": consensus.level.value,
            "label": consensus.label,
            "reasons": list(consensus.reasons),
            "parts": [
                {
                    "paragraph_id": part.paragraph_id,
                    "label": part.label,
                    "level": part.level.value,
                    "reason": part.reason,
                    "holding_back": part in consensus.holding_back,
                }
                for part in consensus.targets
            ],
            "objection": {
                "positions": consensus.objection.positions,
                "regional_groups": consensus.objection.regional_groups,
                "observer_states": consensus.objection.observer_states,
            },
        },
        "links": {
            "comments": url_for(
                "api.provision_comments",
                consultation_id=consultation_id,
                provision_id=figures.provision_id,
            ),
            "html": url_for(
                "summaries.figures",
                consultation_id=consultation_id,
                provision_id=figures.provision_id,
            ),
        },
    }


# --- the record of versions ------------------------------------------------------------


def published_version_json(version: TextVersion, compared: TextVersion | None) -> dict[str, Any]:
    return {
        **version_summary(version),
        "instrument_id": version.instrument_id,
        "compared_with_id": compared.id if compared is not None else None,
        "comparison": url_for("api.comparison", version_id=version.id)
        if compared is not None
        else None,
    }


def comparison_json(comparison: Any) -> dict[str, Any]:
    """A :class:`consult_app.revisions.compare.Comparison` as JSON."""
    return {
        "from": version_summary(comparison.old),
        "to": version_summary(comparison.new),
        "counts": comparison.counts(),
        "provisions": [
            {
                "statuses": list(item.statuses),
                "new_provision_id": item.new.id if item.new is not None else None,
                "new_label": item.new.label if item.new is not None else None,
                "old_provision_ids": [p.id for p in item.old],
                "old_labels": [p.label for p in item.old],
                "note": item.note or None,
                "lines": [
                    {
                        "op": line.op,
                        "heading": line.heading,
                        "old": line.old.text if line.old is not None else None,
                        "new": line.new.text if line.new is not None else None,
                        "changes": [{"op": c.op, "text": c.text} for c in line.changes],
                    }
                    for line in item.lines
                ],
            }
            for item in comparison.items
        ],
    }
