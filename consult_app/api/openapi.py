"""The OpenAPI 3.1 document of the API, built here from the same vocabularies as the models:
its parameters, responses and paths (the schemas of its objects are in openapi_schemas.py,
the HTML page that shows it in openapi_docs.py).

Descriptions are lazy translatable strings: the document served at /api/v1/openapi.json is
always in English (a stable contract), while the HTML page at /api/v1/docs shows the same
text in the reader's language. Every schema forbids additional properties, and the tests
validate real responses against them, so a field leaving the API unannounced fails a test.
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from consult_app.api.openapi_schemas import VOCABULARIES, _ref, component_schemas
from consult_app.api.params import DEFAULT_PER_PAGE, MAX_ID, MAX_PAGE, MAX_PER_PAGE

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"


def _parameters() -> dict[str, Any]:
    def path_id(name: str, description: Any) -> dict[str, Any]:
        return {
            "name": name,
            "in": "path",
            "required": True,
            "description": description,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        }

    def query(name: str, schema: dict[str, Any], description: Any) -> dict[str, Any]:
        return {
            "name": name,
            "in": "query",
            "required": False,
            "description": description,
            "schema": schema,
        }

    return {
        "page": query(
            "page",
            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
            _l("Page number, from 1. A page past the last one is a 404."),
        ),
        "per_page": query(
            "per_page",
            {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_PER_PAGE,
                "default": DEFAULT_PER_PAGE,
            },
            _l("Items per page."),
        ),
        "lang": query(
            "lang",
            {"type": "string", "enum": ["en", "fr", "es", "ar", "zh", "ru"]},
            _l(
                "Language of error messages (otherwise taken from Accept-Language); for a "
                "version, also the language of its text where it has that language version; "
                "for a consultation, of its title, description and instructions."
            ),
        ),
        "instrument_id": path_id("instrument_id", _l("Id of the instrument.")),
        "version_id": path_id("version_id", _l("Id of the text version.")),
        "consultation_id": path_id("consultation_id", _l("Id of the consultation.")),
        "provision_id": path_id("provision_id", _l("Id of a provision of the consulted version.")),
        "phase": query("phase", _ref("Phase"), _l("Only consultations in this phase.")),
        "provision": query(
            "provision",
            {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            _l("Only items on this provision (an id of a provision of the consulted version)."),
        ),
        "position": query("position", _ref("Position"), _l("Only comments with this position.")),
        "category": query(
            "category",
            _ref("Category"),
            _l("Only comments of submissions made by an organisation of this category."),
        ),
        "regional_group": query(
            "regional_group",
            _ref("RegionalGroup"),
            _l("Only comments of submissions made by a State of this regional group."),
        ),
        "outcome": query("outcome", _ref("Outcome"), _l("Only dispositions with this outcome.")),
        "from": query(
            "from",
            {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            _l("Id of the earlier published version (by default the one this one revises)."),
        ),
    }


def _error(description: Any) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref("Error")}},
    }


def _responses() -> dict[str, Any]:
    return {
        "BadRequest": _error(
            _l("A parameter is unknown or has a value out of range; the message says which.")
        ),
        "NotFound": _error(_l("No such object, or no such page.")),
        "TooManyRequests": _error(
            _l("Too many requests from this client; wait as the Retry-After header says.")
        ),
        "NotModified": {
            "description": _l("The representation matching If-None-Match has not changed.")
        },
    }


def _ok(schema: str, description: Any) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {
            "ETag": {
                "description": _l("Send it back in If-None-Match to get a 304 when unchanged."),
                "schema": {"type": "string"},
            },
            "Cache-Control": {
                "description": _l("public, max-age=30: caches may keep the answer 30 seconds."),
                "schema": {"type": "string"},
            },
        },
        "content": {"application/json": {"schema": _ref(schema)}},
    }


def _operation(
    operation_id: str,
    summary: Any,
    description: Any,
    parameters: list[str],
    schema: str,
    ok: Any,
    tag: str,
    not_found: bool = False,
) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": _ok(schema, ok),
        "304": {"$ref": "#/components/responses/NotModified"},
        "400": {"$ref": "#/components/responses/BadRequest"},
        "429": {"$ref": "#/components/responses/TooManyRequests"},
    }
    if not_found or "page" in parameters:
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    return {
        "get": {
            "operationId": operation_id,
            "tags": [tag],
            "summary": summary,
            "description": description,
            "parameters": [
                {"$ref": f"#/components/parameters/{name}"} for name in [*parameters, "lang"]
            ],
            "responses": dict(sorted(responses.items())),
        }
    }


PAGED = ["page", "per_page"]
COMMENT_FILTERS = ["position", "category", "regional_group"]


def _paths() -> dict[str, Any]:
    return {
        "/": _operation(
            "getIndex",
            _l("Index"),
            _l("Links to the collections and documents of the API."),
            [],
            "Index",
            _l("The index."),
            "general",
        ),
        "/openapi.json": {
            "get": {
                "operationId": "getOpenApi",
                "tags": ["general"],
                "summary": _l("This OpenAPI document"),
                "description": _l("The description of every endpoint, parameter and response."),
                "parameters": [{"$ref": "#/components/parameters/lang"}],
                "responses": {
                    "200": {
                        "description": _l("An OpenAPI 3.1 document."),
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "429": {"$ref": "#/components/responses/TooManyRequests"},
                },
            }
        },
        "/docs": {
            "get": {
                "operationId": "getDocs",
                "tags": ["general"],
                "summary": _l("Documentation page"),
                "description": _l("This documentation as an HTML page, in the reader's language."),
                "parameters": [{"$ref": "#/components/parameters/lang"}],
                "responses": {
                    "200": {
                        "description": _l("An HTML page."),
                        "content": {"text/html": {"schema": {"type": "string"}}},
                    },
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "429": {"$ref": "#/components/responses/TooManyRequests"},
                },
            }
        },
        "/instruments": _operation(
            "listInstruments",
            _l("List texts"),
            _l("Instruments by title, each with its versions."),
            PAGED,
            "InstrumentList",
            _l("A page of instruments."),
            "texts",
        ),
        "/instruments/{instrument_id}": _operation(
            "getInstrument",
            _l("One text"),
            _l("An instrument and its versions."),
            ["instrument_id"],
            "InstrumentResponse",
            _l("The instrument."),
            "texts",
            not_found=True,
        ),
        "/versions/{version_id}": _operation(
            "getVersion",
            _l("One version with its whole text"),
            _l("A version with its provisions in order and their paragraphs, nested."),
            ["version_id"],
            "VersionResponse",
            _l("The version."),
            "texts",
            not_found=True,
        ),
        "/versions": _operation(
            "listPublishedVersions",
            _l("Record of published versions"),
            _l(
                "Every published version of every text, latest first, with its date, symbol "
                "and a link to its comparison with the version before it."
            ),
            PAGED,
            "PublishedVersionList",
            _l("A page of published versions."),
            "texts",
        ),
        "/versions/{version_id}/comparison": _operation(
            "getComparison",
            _l("What changed in a version"),
            _l(
                "A published version compared with the earlier one, provision by provision "
                "following the lineage: insertions, deletions, moved and renumbered provisions."
            ),
            ["version_id", "from"],
            "ComparisonResponse",
            _l("The comparison."),
            "texts",
            not_found=True,
        ),
        "/consultations": _operation(
            "listConsultations",
            _l("List consultations"),
            _l("Consultations, latest opening first."),
            ["phase", *PAGED],
            "ConsultationList",
            _l("A page of consultations."),
            "consultations",
        ),
        "/consultations/{consultation_id}": _operation(
            "getConsultation",
            _l("One consultation"),
            _l(
                "A consultation: its dates (UTC and local), phase, eligible categories, "
                "publication settings, and its provisions with their published comment counts."
            ),
            ["consultation_id"],
            "ConsultationResponse",
            _l("The consultation."),
            "consultations",
            not_found=True,
        ),
        "/consultations/{consultation_id}/comments": _operation(
            "listComments",
            _l("Published comments of a consultation"),
            _l(
                "Published comments only, oldest first. A submission that asked not to be "
                "published never appears; organisations are named only when the "
                "consultation allows attribution."
            ),
            ["consultation_id", "provision", *COMMENT_FILTERS, *PAGED],
            "CommentList",
            _l("A page of published comments."),
            "comments",
            not_found=True,
        ),
        "/consultations/{consultation_id}/provisions/{provision_id}/comments": _operation(
            "listProvisionComments",
            _l("Published comments on one provision"),
            _l("The published comments on one provision, oldest first, under the same rules."),
            ["consultation_id", "provision_id", *COMMENT_FILTERS, *PAGED],
            "CommentList",
            _l("A page of published comments."),
            "comments",
            not_found=True,
        ),
        "/consultations/{consultation_id}/dispositions": _operation(
            "listDispositions",
            _l("Published dispositions"),
            _l(
                "The secretariat's published answers to published comments: outcome, "
                "explanation and the change they led to."
            ),
            ["consultation_id", "provision", "outcome", *PAGED],
            "DispositionList",
            _l("A page of dispositions."),
            "comments",
            not_found=True,
        ),
        "/consultations/{consultation_id}/figures": _operation(
            "listFigures",
            _l("Figures per provision"),
            _l(
                "Per provision, in text order: published comments and organisations by "
                "category and regional group, the spread of positions, and the consensus "
                "indicator with its reasons. Organisations are never named here."
            ),
            ["consultation_id", *PAGED],
            "FiguresList",
            _l("A page of provisions' figures."),
            "comments",
            not_found=True,
        ),
    }


def _build() -> dict[str, Any]:
    return {
        "openapi": OPENAPI_VERSION,
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "consult_app public API",
            "version": API_VERSION,
            "summary": _l("Read-only access to published consultation data."),
            "description": _l(
                "Texts, consultations, published comments and published dispositions, as "
                "JSON. Only what the public pages show is exposed: drafts, comments pending "
                "review, withheld or withdrawn comments, submissions that asked not to be "
                "published, internal notes and personal data never are. Lists are paginated "
                "with page and per_page. Requests are rate-limited per client."
            ),
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": "/api/v1"}],
        "tags": [
            {"name": "general", "description": _l("Index and documentation.")},
            {"name": "texts", "description": _l("Instruments and their versions.")},
            {"name": "consultations", "description": _l("Consultations and their settings.")},
            {"name": "comments", "description": _l("Published comments and dispositions.")},
        ],
        "paths": _paths(),
        "components": {
            "schemas": component_schemas(),
            "parameters": _parameters(),
            "responses": _responses(),
        },
    }


def _resolve(value: Any) -> Any:
    """The document with every lazy string turned into text in the current language."""
    if isinstance(value, dict):
        return {key: _resolve(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolve(item) for item in value]
    if isinstance(value, LazyString):
        return str(value)
    return value


_english: dict[str, Any] | None = None


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document, in English (built once per process)."""
    global _english
    if _english is None:
        with force_locale("en"):
            _english = _resolve(_build())
    return _english


def openapi_for_docs() -> dict[str, Any]:
    """The same document in the reader's language, for the HTML page."""
    return dict(_resolve(_build()))


def vocabularies() -> list[tuple[str, Any, list[tuple[str, str]]]]:
    """Each vocabulary with its values and their labels in the reader's language."""
    return [
        (name, str(description), [(m.value, str(getattr(m, "label", m.value))) for m in cls])
        for name, cls, description in VOCABULARIES
    ]
