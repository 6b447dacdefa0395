"""The schemas of the OpenAPI document (openapi.py): the API's vocabularies (the models'
enums) and the shape of every object it returns, with the helpers that write them.
Descriptions are lazy translatable strings, like the rest of the document.
"""

from __future__ import annotations

import enum
from typing import Any

from flask_babel import lazy_gettext as _l

from consult_app.accounts.models import OrgCategory, RegionalGroup
from consult_app.consultations.models import Phase, PublicationMode
from consult_app.review.models import Outcome
from consult_app.submissions.models import CommentKind, OnBehalfKind, Position
from consult_app.summaries.consensus import ConsensusLevel
from consult_app.texts.models import FootnotePlace, ProvisionKind, VersionStatus

# The vocabularies of the API: (schema name, enum, description).
VOCABULARIES: list[tuple[str, type[enum.Enum], Any]] = [
    ("Category", OrgCategory, _l("Category of a stakeholder organisation.")),
    ("RegionalGroup", RegionalGroup, _l("United Nations regional group of a State.")),
    ("Position", Position, _l("Position a comment takes on the provision.")),
    ("CommentKind", CommentKind, _l("Kind of comment.")),
    ("Outcome", Outcome, _l("Outcome of the secretariat's disposition of a comment.")),
    ("Phase", Phase, _l("Phase of a consultation at the time of the request.")),
    ("VersionStatus", VersionStatus, _l("Status of a text version.")),
    ("ProvisionKind", ProvisionKind, _l("Preambular paragraph or article.")),
    ("PublicationMode", PublicationMode, _l("When submitted comments are published.")),
    ("OnBehalfKind", OnBehalfKind, _l("On whose behalf a submission speaks.")),
    ("ConsensusLevel", ConsensusLevel, _l("Consensus indicator of a provision.")),
]


# --- schema helpers --------------------------------------------------------------------


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    result = dict(schema)
    result["type"] = [schema["type"], "null"]
    return result


def _str(description: Any = None, *, nullable: bool = False, fmt: str | None = None):
    schema: dict[str, Any] = {"type": "string"}
    if fmt:
        schema["format"] = fmt
    if description is not None:
        schema["description"] = description
    return _nullable(schema) if nullable else schema


def _int(description: Any = None, *, nullable: bool = False, minimum: int | None = None):
    schema: dict[str, Any] = {"type": "integer"}
    if minimum is not None:
        schema["minimum"] = minimum
    if description is not None:
        schema["description"] = description
    return _nullable(schema) if nullable else schema


def _bool(description: Any) -> dict[str, Any]:
    return {"type": "boolean", "description": description}


def _array(items: dict[str, Any], description: Any = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "array", "items": items}
    if description is not None:
        schema["description"] = description
    return schema


def _object(properties: dict[str, Any], description: Any = None) -> dict[str, Any]:
    """An object with exactly these properties, every one present (possibly null)."""
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "required": list(properties),
        "properties": properties,
    }
    if description is not None:
        schema["description"] = description
    return schema


def _url(description: Any = None, *, nullable: bool = False) -> dict[str, Any]:
    return _str(
        description or _l("Path of the resource on this server."),
        nullable=nullable,
        fmt="uri-reference",
    )


def _links(*names: str, **described: Any) -> dict[str, Any]:
    properties = {name: _url() for name in names}
    properties.update({name: _url(text) for name, text in described.items()})
    return _object(properties)


def _page_of(item: str, description: Any) -> dict[str, Any]:
    return _object(
        {"data": _array(_ref(item)), "meta": _ref("PageMeta"), "links": _ref("PageLinks")},
        description,
    )


def _one(item: str) -> dict[str, Any]:
    return _object({"data": _ref(item)})


# --- components ------------------------------------------------------------------------


def _vocabulary_schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for name, enum_cls, description in VOCABULARIES:
        schemas[name] = {
            "type": "string",
            "enum": [member.value for member in enum_cls],
            "description": description,
        }
    return schemas


def component_schemas() -> dict[str, Any]:
    version_summary = {
        "id": _int(),
        "title": _str(),
        "symbol": _str(_l("Document symbol, e.g. A/HRC/52/XX."), nullable=True),
        "issued_on": _str(_l("Date of issue."), nullable=True, fmt="date"),
        "status": _ref("VersionStatus"),
        "previous_id": _int(_l("The version this one revises."), nullable=True),
        "links": _links("self"),
    }
    consultation = {
        "id": _int(),
        "title": _str(),
        "description": _str(nullable=True),
        "version": _object(
            {
                "id": _int(),
                "title": _str(),
                "symbol": _str(nullable=True),
                "instrument_id": _int(),
                "instrument_title": _str(),
                "links": _links("self"),
            },
            _l("The version consulted on."),
        ),
        "opens_at": _str(_l("Opening, in UTC, ISO 8601 with offset."), fmt="date-time"),
        "closes_at": _str(_l("Deadline, in UTC, ISO 8601 with offset."), fmt="date-time"),
        "timezone": _str(_l("IANA time zone the secretariat set the dates in.")),
        "opens_at_local": _str(
            _l("Opening in the consultation's time zone, with its offset."),
            fmt="date-time",
        ),
        "closes_at_local": _str(
            _l("Deadline in the consultation's time zone, with its offset."),
            fmt="date-time",
        ),
        "phase": _ref("Phase"),
        "eligible_categories": _array(
            _ref("Category"), _l("Categories of organisation invited to take part.")
        ),
        "publication": _ref("Publication"),
        "links": _links(
            "self",
            "comments",
            "dispositions",
            "figures",
            html=_l("The public page of the consultation."),
        ),
    }
    organisation = {
        "name": _str(
            _l(
                "Name of the organisation; null when the consultation does not allow "
                "attribution or the organisation asked not to be published."
            ),
            nullable=True,
        ),
        "acronym": _str(_l("Acronym, under the same rule as the name."), nullable=True),
        "category": _ref("Category"),
        "regional_group": _nullable(_ref("RegionalGroup")),
    }
    return {
        **_vocabulary_schemas(),
        "Error": _object(
            {
                "error": _object(
                    {
                        "status": _int(_l("HTTP status code.")),
                        "title": _str(_l("Short name of the error.")),
                        "message": _str(_l("What went wrong, in the requested language.")),
                    }
                )
            },
            _l("Every error answers this object."),
        ),
        "PageMeta": _object(
            {
                "page": _int(_l("Number of this page, from 1."), minimum=1),
                "per_page": _int(_l("Items per page."), minimum=1),
                "total": _int(_l("Items on all pages."), minimum=0),
                "pages": _int(_l("Number of pages (at least 1)."), minimum=1),
            }
        ),
        "PageLinks": _object(
            {
                "self": _url(_l("This page.")),
                "next": _url(_l("The next page; null on the last page."), nullable=True),
                "prev": _url(_l("The previous page; null on the first page."), nullable=True),
            }
        ),
        "Index": _object(
            {
                "name": _str(),
                "version": _str(_l("Version of the API (the path prefix).")),
                "links": _links(
                    "self", "openapi", "docs", "instruments", "consultations", "versions"
                ),
            }
        ),
        "VersionSummary": _object(version_summary, _l("A version of an instrument.")),
        "Instrument": _object(
            {
                "id": _int(),
                "title": _str(),
                "description": _str(nullable=True),
                "versions": _array(_ref("VersionSummary"), _l("Versions, oldest first.")),
                "links": _links("self"),
            },
            _l("A text (a declaration, a convention, guidelines) and its versions."),
        ),
        "Paragraph": _object(
            {
                "id": _int(),
                "position": _int(_l("Order within the provision.")),
                "level": _int(
                    _l("0 for a numbered paragraph, 1 for a lettered sub-paragraph, 2 or 3 below.")
                ),
                "label": _str(_l("Its number or letter as printed."), nullable=True),
                "text": _str(),
                "children": _array(_ref("Paragraph"), _l("Sub-paragraphs.")),
            },
            _l("A paragraph of a provision, with its sub-paragraphs nested."),
        ),
        "Provision": _object(
            {
                "id": _int(),
                "position": _int(_l("Order within the version.")),
                "kind": _ref("ProvisionKind"),
                "number": _str(_l("1 for PP1 or Article 1.")),
                "language": _str(_l("The language of the text returned for this provision.")),
                "fallback": _bool(
                    _l(
                        "True when the requested language has no version of this provision: "
                        "the text is the original's."
                    )
                ),
                "title": _str(nullable=True),
                "source_label": _str(_l("The marker used in the source."), nullable=True),
                "part_heading": _str(_l("Heading of the part it opens."), nullable=True),
                "intro": _str(_l("Text outside numbered paragraphs."), nullable=True),
                "derived_from_id": _int(
                    _l("The provision of the previous version it derives from."), nullable=True
                ),
                "paragraphs": _array(_ref("Paragraph"), _l("Top-level paragraphs.")),
            },
            _l("A preambular paragraph or an article."),
        ),
        "Footnote": _object(
            {
                "position": _int(_l("Order within the version.")),
                "label": _str(_l("Its number or mark as printed.")),
                "text": _str(),
                "place": _nullable(
                    {
                        "type": "string",
                        "enum": [p.value for p in FootnotePlace],
                        "description": _l(
                            "The text its call stands in: one of the version's own texts, "
                            "or a part of the provision; null when its call was not found."
                        ),
                    }
                ),
                "provision_id": _int(nullable=True),
                "paragraph_id": _int(nullable=True),
                "call_at": _int(
                    _l("Offset of the call in that text (null: after it)."), nullable=True
                ),
            },
            _l("A footnote, and where it is called."),
        ),
        "Version": _object(
            {
                **version_summary,
                "language": _str(_l("The language of the original.")),
                "languages": _array(
                    _str(), _l("The languages it can be read in: the original's first.")
                ),
                "requested_language": _str(
                    _l("The language asked for with lang=, when not the original's."),
                    nullable=True,
                ),
                "instrument": _object({"id": _int(), "title": _str(), "links": _links("self")}),
                "front_matter": _str(
                    _l("Text before the preamble: title as printed, a resolution's own text."),
                    nullable=True,
                ),
                "chapeau": _str(_l("The subject that opens the preamble."), nullable=True),
                "proclamation": _str(_l("Text closing the preamble."), nullable=True),
                "closing": _str(_l("Closing formula after the last article."), nullable=True),
                "provisions": _array(_ref("Provision"), _l("Provisions in order.")),
                "footnotes": _array(_ref("Footnote"), _l("Footnotes in order.")),
            },
            _l("A version with its whole text."),
        ),
        "Publication": _object(
            {
                "mode": _ref("PublicationMode"),
                "publish_submissions": _bool(_l("Whether submissions are published at all.")),
                "allow_attribution": _bool(
                    _l("Whether published comments name their organisations.")
                ),
            },
            _l("Publication settings of the consultation."),
        ),
        "Consultation": _object(consultation, _l("A consultation on one version of a text.")),
        "ConsultationProvision": _object(
            {
                "id": _int(),
                "kind": _ref("ProvisionKind"),
                "number": _str(),
                "title": _str(nullable=True),
                "public_comments": _int(_l("Number of published comments."), minimum=0),
                "links": _links("comments"),
            }
        ),
        "ConsultationDetail": _object(
            {
                **consultation,
                "instructions": _str(_l("How to take part."), nullable=True),
                "requested_language": _str(
                    _l(
                        "The language asked for with lang=, when not the original's: the "
                        "title, description and instructions are given in it where the "
                        "secretariat translated them."
                    ),
                    nullable=True,
                ),
                "fallback_fields": _array(
                    _str(),
                    _l("The fields given in the original because they lack that language."),
                ),
                "provisions": _array(
                    _ref("ConsultationProvision"),
                    _l("The consulted provisions in order, with their published comment counts."),
                ),
            },
            _l("A consultation with its provisions."),
        ),
        "CommentOrganisation": _object(
            organisation, _l("An organisation, named only where the consultation allows it.")
        ),
        "OnBehalf": _object(
            {
                "kind": _ref("OnBehalfKind"),
                "regional_group": _nullable(_ref("RegionalGroup")),
                "name": _str(
                    _l("Name of the group or coalition, under the same rule as names."),
                    nullable=True,
                ),
            }
        ),
        "Author": _object(
            {
                **organisation,
                "on_behalf": _nullable(_ref("OnBehalf")),
                "cosigners": _array(_ref("CommentOrganisation"), _l("Co-signing organisations.")),
            },
            _l(
                "Who made the submission: the organisation is named only when the "
                "consultation allows attribution and the submission may be published; "
                "otherwise only its category and regional group are given."
            ),
        ),
        "CommentDisposition": _object(
            {
                "outcome": _ref("Outcome"),
                "public_explanation": _str(),
                "change_reference": _str(_l("The change it led to."), nullable=True),
                "resulting_provision_id": _int(nullable=True),
                "published_at": _str(fmt="date-time"),
            },
            _l("The secretariat's published answer to the comment."),
        ),
        "Comment": _object(
            {
                "id": _int(),
                "consultation_id": _int(),
                "provision_id": _int(),
                "paragraph_id": _int(_l("The paragraph commented on, if any."), nullable=True),
                "paragraph_label": _str(nullable=True),
                "position": _ref("Position"),
                "kind": _ref("CommentKind"),
                "body": _str(_l("The comment (its redacted text where it was redacted).")),
                "redacted": _bool(
                    _l(
                        "Whether the secretariat redacted part of the comment: the body, "
                        "the proposed wording and the rationale are then what the public "
                        "reads (a redacted wording or rationale may be null)."
                    )
                ),
                "quoted_text": _str(_l("The words of the text it quotes."), nullable=True),
                "proposed_wording": _str(_l("Proposed new wording."), nullable=True),
                "rationale": _str(nullable=True),
                "submitted_at": _str(
                    _l("When the submission was first made, in UTC."),
                    nullable=True,
                    fmt="date-time",
                ),
                "author": _ref("Author"),
                "disposition": _nullable(_ref("CommentDisposition")),
                "links": _links(
                    "provision_comments", html=_l("The comment on the public provision page.")
                ),
            },
            _l("A published comment."),
        ),
        "Disposition": _object(
            {
                "comment_id": _int(),
                "provision_id": _int(),
                "outcome": _ref("Outcome"),
                "public_explanation": _str(),
                "change_reference": _str(nullable=True),
                "resulting_provision_id": _int(nullable=True),
                "published_at": _str(fmt="date-time"),
            },
            _l("A published disposition of a published comment."),
        ),
        "PositionCounts": _object(
            {p.value: _int(minimum=0) for p in Position}, _l("A count for each position.")
        ),
        "GroupFigures": _object(
            {
                "suppressed": _bool(
                    _l(
                        "True when the slice counts fewer organisations than the platform "
                        "shows (fewer_than): every count is then null."
                    )
                ),
                "fewer_than": _int(
                    _l("The smallest number of organisations shown, when suppressed."),
                    nullable=True,
                    minimum=2,
                ),
                "comments": _int(_l("Comments counted."), nullable=True, minimum=0),
                "organisations": _int(
                    _l("Organisations (submissions) counted."), nullable=True, minimum=0
                ),
                "comment_positions": _nullable(_ref("PositionCounts")),
                "positions": _nullable(_ref("PositionCounts")),
                "stances": _nullable(_ref("PositionCounts")),
            },
            _l(
                "Figures of one slice of participants. comment_positions counts comments; "
                "positions counts organisations that took each position at least once; "
                "stances counts each organisation once, by its strongest position. A slice "
                "of fewer organisations than min_cell_size is suppressed."
            ),
        ),
        "ProvisionFigures": _object(
            {
                "provision_id": _int(),
                "label": _str(_l("PP1, Article 1...")),
                "position": _int(_l("Order within the version.")),
                "total": _ref("GroupFigures"),
                "states": _ref("GroupFigures"),
                "other_stakeholders": _ref("GroupFigures"),
                "by_category": {
                    "type": "object",
                    "propertyNames": _ref("Category"),
                    "additionalProperties": _ref("GroupFigures"),
                    "description": _l("Figures by category of organisation (present ones only)."),
                },
                "by_regional_group": {
                    "type": "object",
                    "propertyNames": _ref("RegionalGroup"),
                    "additionalProperties": _ref("GroupFigures"),
                    "description": _l("Figures of States by regional group (present ones only)."),
                },
                "unverified": _ref("GroupFigures"),
                "campaign_items": _int(_l("Comments in confirmed campaigns."), minimum=0),
                "min_cell_size": _int(
                    _l("Slices and groupings of fewer organisations are not shown."), minimum=1
                ),
                "withheld_groupings": _int(
                    _l("Groupings (on behalf, joint) left out as too small."), minimum=0
                ),
                "on_behalf": _array(
                    _object(
                        {
                            "kind": _ref("OnBehalfKind"),
                            "regional_group": _nullable(_ref("RegionalGroup")),
                            "name": _str(
                                _l("The coalition, only where it may be named."), nullable=True
                            ),
                            "lead_category": _ref("Category"),
                            "stance": _ref("Position"),
                            "submissions": _int(minimum=0),
                        }
                    ),
                    _l("Submissions made on behalf of a group."),
                ),
                "joint": _array(
                    _object(
                        {
                            "organisations": _int(_l("Lead and co-signers."), minimum=1),
                            "lead_category": _ref("Category"),
                            "stance": _ref("Position"),
                            "submissions": _int(minimum=0),
                        }
                    ),
                    _l("Joint submissions."),
                ),
                "themes": _array(
                    _object(
                        {
                            "name": _str(),
                            "comments": _int(minimum=0),
                            "organisations": _int(minimum=0),
                        }
                    ),
                    _l("Themes raised."),
                ),
                "contestation": {
                    "type": ["number", "null"],
                    "description": _l(
                        "Share of States taking a position that oppose, propose deletion or "
                        "reserve (all organisations when no State did); null without positions."
                    ),
                },
                "consensus": _object(
                    {
                        "level": _ref("ConsensusLevel"),
                        "label": _str(
                            _l(
                                "The level in words; a bracketed one says how many "
                                "objections, from how many regional groups."
                            )
                        ),
                        "reasons": _array(
                            _str(),
                            _l(
                                "Why, in English, the first reason deciding the level "
                                "(docs/consensus.md); nobody is named."
                            ),
                        ),
                        "parts": _array(
                            _object(
                                {
                                    "paragraph_id": _int(
                                        _l(
                                            "The paragraph or sub-paragraph read; null for "
                                            "the provision as a whole."
                                        ),
                                        nullable=True,
                                    ),
                                    "label": _str(
                                        _l('"paragraph 2 (b)", "the provision as a whole".')
                                    ),
                                    "level": _ref("ConsensusLevel"),
                                    "reason": _str(_l("Why, in English.")),
                                    "holding_back": _bool(
                                        _l("Whether this part holds the provision at its level.")
                                    ),
                                }
                            ),
                            _l("Each part States spoke to, read on its own."),
                        ),
                        "objection": _object(
                            {
                                "positions": _int(
                                    _l(
                                        "State positions objecting to some part (a statement "
                                        "for a group of States counts once)."
                                    ),
                                    minimum=0,
                                ),
                                "regional_groups": _int(
                                    _l("Regional groups these positions come from."), minimum=0
                                ),
                                "observer_states": _int(
                                    _l("Observer States among them."), minimum=0
                                ),
                            }
                        ),
                    }
                ),
                "links": _links("comments", html=_l("The public figures page.")),
            },
            _l(
                "Public figures of a provision: published comments, including those of "
                "submissions that asked not to be published, which are counted but never named."
            ),
        ),
        "FiguresList": _page_of("ProvisionFigures", _l("A page of provisions' figures.")),
        **_revision_schemas(version_summary),
        "InstrumentList": _page_of("Instrument", _l("A page of instruments.")),
        "InstrumentResponse": _one("Instrument"),
        "VersionResponse": _one("Version"),
        "ConsultationList": _page_of("Consultation", _l("A page of consultations.")),
        "ConsultationResponse": _one("ConsultationDetail"),
        "CommentList": _page_of("Comment", _l("A page of published comments, oldest first.")),
        "DispositionList": _page_of(
            "Disposition", _l("A page of published dispositions, by comment.")
        ),
    }


def _revision_schemas(version_summary: dict[str, Any]) -> dict[str, Any]:
    """The public record of versions and their comparisons."""
    line = _object(
        {
            "op": _str(_l("equal, modified, inserted or deleted.")),
            "heading": _bool(_l("Whether the line is the provision's heading.")),
            "old": _str(_l("The line in the earlier version."), nullable=True),
            "new": _str(_l("The line in the later version."), nullable=True),
            "changes": _array(
                _object({"op": _str(_l("equal, insert or delete.")), "text": _str()}),
                _l("The words of the line, in order, each kept, inserted or deleted."),
            ),
        },
        _l("One line (heading, intro or paragraph) of a provision."),
    )
    return {
        "PublishedVersion": _object(
            {
                **version_summary,
                "instrument_id": _int(),
                "compared_with_id": _int(
                    _l("The published version this one is compared with."), nullable=True
                ),
                "comparison": _url(_l("Its comparison with that version."), nullable=True),
            },
            _l("A published version of a text."),
        ),
        "PublishedVersionList": _page_of(
            "PublishedVersion", _l("A page of published versions, latest first.")
        ),
        "ComparisonProvision": _object(
            {
                "statuses": _array(
                    _str(),
                    _l(
                        "unchanged, modified, added, deleted, moved, moved_away, "
                        "renumbered, split or merged."
                    ),
                ),
                "new_provision_id": _int(nullable=True),
                "new_label": _str(nullable=True),
                "old_provision_ids": _array(_int(), _l("Where it comes from.")),
                "old_labels": _array(_str()),
                "note": _str(_l("E.g. Formerly Article 5 bis."), nullable=True),
                "lines": _array(line),
            },
            _l("A provision of the comparison, following the lineage."),
        ),
        "Comparison": _object(
            {
                "from": _ref("VersionSummary"),
                "to": _ref("VersionSummary"),
                "counts": {
                    "type": "object",
                    "additionalProperties": {"type": "integer"},
                    "description": _l("How many provisions have each status."),
                },
                "provisions": _array(_ref("ComparisonProvision")),
            },
            _l("Two versions compared provision by provision, word by word."),
        ),
        "ComparisonResponse": _one("Comparison"),
    }
