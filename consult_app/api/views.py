"""JSON read API v1 (published data only).

Every endpoint is a GET that answers JSON; errors are JSON too (core/errors.py answers JSON
for every path under /api/). Lists are paginated with ``page`` and ``per_page``; a bad
parameter is a 400, an unknown id a 404. What a response may contain is described by the
OpenAPI document served at /api/v1/openapi.json (built in openapi.py).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from consult_app.accounts.models import OrgCategory, RegionalGroup
from consult_app.api import queries
from consult_app.api.openapi import openapi_document, openapi_for_docs, vocabularies
from consult_app.api.openapi_docs import docs_context
from consult_app.api.params import (
    PAGE_PARAMS,
    PageRequest,
    check_known,
    ensure_page_exists,
    enum_arg,
    envelope,
    id_arg,
    page_request,
    valid_id,
)
from consult_app.api.serializers import (
    CommentSerializer,
    comparison_json,
    consultation_detail_json,
    consultation_json,
    disposition_json,
    figures_json,
    instrument_json,
    published_version_json,
    version_json,
)
from consult_app.consultations.models import Consultation, Phase
from consult_app.consultations.queries import consultations_query
from consult_app.core.errors import NotFound, UserError
from consult_app.extensions import limiter
from consult_app.review.models import Outcome
from consult_app.revisions import queries as revision_queries
from consult_app.revisions.compare import compare_versions
from consult_app.submissions.models import Position
from consult_app.summaries.aggregation import provision_figures
from consult_app.summaries.consensus import classify
from consult_app.summaries.content_languages import (
    CONTENT_FIELDS,
    localized,
    original_language,
)
from consult_app.summaries.disclosure import public_figures
from consult_app.texts.languages import read
from consult_app.texts.models import TEXT_LANGUAGES

bp = Blueprint("api", __name__, url_prefix="/api/v1")
logger = logging.getLogger(__name__)

# Public data changes when the secretariat publishes; a short shared cache is harmless.
CACHE_CONTROL = "public, max-age=30"


def _api_limit() -> str:
    return str(current_app.config["API_RATE_LIMIT"])


limiter.limit(_api_limit)(bp)


@bp.after_request
def _cacheable(response: Response) -> Response:
    """Successful JSON answers may be cached briefly and revalidated with their ETag."""
    if (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and response.mimetype == "application/json"
    ):
        response.headers["Cache-Control"] = CACHE_CONTROL
        response.add_etag()
        response.make_conditional(request)
    return response


def _json(payload: dict[str, Any]) -> Response:
    return jsonify(payload)


# --- index and documents ---------------------------------------------------------------


@bp.get("/")
def index() -> Response:
    check_known(())
    return _json(
        {
            "name": "consult_app public API",
            "version": "v1",
            "links": {
                "self": url_for("api.index"),
                "openapi": url_for("api.openapi"),
                "docs": url_for("api.docs"),
                "instruments": url_for("api.instruments"),
                "consultations": url_for("api.consultations"),
                "versions": url_for("api.published_versions"),
            },
        }
    )


@bp.get("/openapi.json")
def openapi() -> Response:
    check_known(())
    return _json(openapi_document())


@bp.get("/docs")
def docs() -> str:
    check_known(())
    vocabulary_list = vocabularies()
    return render_template(
        "api/docs.html",
        **docs_context(openapi_for_docs()),
        vocabularies=vocabulary_list,
        vocabulary_names={name for name, _description, _values in vocabulary_list},
        rate_limit=_api_limit(),
    )


# --- texts -----------------------------------------------------------------------------


@bp.get("/instruments")
def instruments() -> Response:
    check_known(PAGE_PARAMS)
    paging = page_request()
    total = queries.count_instruments()
    ensure_page_exists(paging, total)
    items = queries.instruments_page(paging) if total else []
    return _json(envelope([instrument_json(i) for i in items], paging, total))


@bp.get("/instruments/<int:instrument_id>")
def show_instrument(instrument_id: int) -> Response:
    check_known(())
    instrument = queries.instrument(instrument_id) if valid_id(instrument_id) else None
    if instrument is None:
        raise NotFound(_("This text does not exist."))
    return _json({"data": instrument_json(instrument)})


def _lang_arg() -> str | None:
    """The ``lang`` asked for, one of the six languages, or None (a 400 for any other)."""
    language = request.args.get("lang") or None
    if language is not None and language not in TEXT_LANGUAGES:
        raise UserError(
            _("lang must be one of %(languages)s.", languages=", ".join(TEXT_LANGUAGES))
        )
    return language


@bp.get("/versions/<int:version_id>")
def show_version(version_id: int) -> Response:
    check_known(())
    version = queries.version(version_id) if valid_id(version_id) else None
    if version is None or not version.can_view(None):
        raise NotFound(_("This text does not exist."))
    # ``lang`` also chooses the text's language: each provision says which one it is in.
    language = _lang_arg()
    readings = read(version.provisions, version, language)
    return _json({"data": version_json(version, readings)})


# --- the record of versions ------------------------------------------------------------


@bp.get("/versions")
def published_versions() -> Response:
    check_known(PAGE_PARAMS)
    paging = page_request()
    query = revision_queries.published_versions_query()
    total = queries.count_of(query)
    ensure_page_exists(paging, total)
    items = queries.page_of(query, paging) if total else []
    earlier = revision_queries.compared_with(items)
    return _json(
        envelope([published_version_json(v, earlier.get(v.id)) for v in items], paging, total)
    )


@bp.get("/versions/<int:version_id>/comparison")
def comparison(version_id: int) -> Response:
    check_known({"from"})
    from_id = id_arg("from")
    version = revision_queries.published_version(version_id) if valid_id(version_id) else None
    if version is None:
        raise NotFound(_("This text does not exist."))
    if from_id is not None:
        earlier = revision_queries.published_version(from_id)
        if earlier is None:
            raise NotFound(_("This text does not exist."))
    else:
        earlier = revision_queries.compared_with([version]).get(version.id)
        if earlier is None:
            raise NotFound(_("This version has no earlier published version to compare with."))
    with force_locale("en"):
        return _json({"data": comparison_json(compare_versions(earlier, version))})


# --- consultations ---------------------------------------------------------------------


def _get_consultation(consultation_id: int) -> Consultation:
    consultation = queries.consultation(consultation_id) if valid_id(consultation_id) else None
    if consultation is None or not consultation.can_view(None):
        raise NotFound(_("This consultation does not exist."))
    return consultation


@bp.get("/consultations")
def consultations() -> Response:
    check_known(PAGE_PARAMS | {"phase"})
    phase = enum_arg("phase", Phase)
    paging = page_request()
    query = consultations_query(phase)
    total = queries.count_of(query)
    ensure_page_exists(paging, total)
    items = queries.page_of(query, paging) if total else []
    return _json(envelope([consultation_json(c) for c in items], paging, total))


@bp.get("/consultations/<int:consultation_id>")
def show_consultation(consultation_id: int) -> Response:
    check_known(())
    consultation = _get_consultation(consultation_id)
    # ``lang`` also chooses the language of the title, description and instructions where
    # the secretariat gave them in it; the fields shown in the original are listed.
    language = _lang_arg()
    provisions = queries.provision_rows(consultation)
    data = consultation_detail_json(consultation, provisions)
    data["instructions"] = consultation.instructions
    data["requested_language"] = None
    data["fallback_fields"] = []
    if language is not None and language != original_language(consultation):
        data["requested_language"] = language
        for name in CONTENT_FIELDS:
            shown = localized(consultation, name, language)
            data[name] = shown.text if shown is not None else None
            if shown is not None and shown.fallback:
                data["fallback_fields"].append(name)
    return _json({"data": data})


def _get_scope(consultation_id: int, provision_id: int | None = None) -> queries.Scope:
    """The consultation as the lists need it (every consultation is public, as its page is)."""
    scope = queries.scope(consultation_id, provision_id) if valid_id(consultation_id) else None
    if scope is None:
        raise NotFound(_("This consultation does not exist."))
    return scope


def _check_provision_filter(scope: queries.Scope) -> None:
    if not scope.provision_found:
        raise UserError(_("The parameter provision must be a provision of the consulted text."))


def _comment_list(
    scope: queries.Scope, filters: queries.CommentFilters, paging: PageRequest
) -> Response:
    total = queries.count_public_comments(scope, filters)
    ensure_page_exists(paging, total)
    rows = queries.public_comment_rows(scope, filters, paging) if total else []
    # Most submissions have no co-signer: ask for them only when the page has some.
    cosigners = queries.cosigner_rows({row.submission_id for row in rows if row.has_cosigners})
    serialize = CommentSerializer(scope)
    data = [serialize(row, cosigners.get(row.submission_id, ())) for row in rows]
    return _json(envelope(data, paging, total))


COMMENT_FILTERS = frozenset({"position", "category", "regional_group"})


def _comment_filters(provision_id: int | None) -> queries.CommentFilters:
    return queries.CommentFilters(
        provision_id=provision_id,
        position=enum_arg("position", Position),
        category=enum_arg("category", OrgCategory),
        regional_group=enum_arg("regional_group", RegionalGroup),
    )


@bp.get("/consultations/<int:consultation_id>/comments")
def consultation_comments(consultation_id: int) -> Response:
    check_known(PAGE_PARAMS | COMMENT_FILTERS | {"provision"})
    filters = _comment_filters(id_arg("provision"))
    paging = page_request()
    scope = _get_scope(consultation_id, filters.provision_id)
    _check_provision_filter(scope)
    return _comment_list(scope, filters, paging)


@bp.get("/consultations/<int:consultation_id>/provisions/<int:provision_id>/comments")
def provision_comments(consultation_id: int, provision_id: int) -> Response:
    check_known(PAGE_PARAMS | COMMENT_FILTERS)
    filters = _comment_filters(provision_id)
    paging = page_request()
    scope = _get_scope(consultation_id, provision_id if valid_id(provision_id) else 0)
    if not scope.provision_found:
        raise NotFound(_("This provision is not part of the consulted text."))
    return _comment_list(scope, filters, paging)


@bp.get("/consultations/<int:consultation_id>/dispositions")
def dispositions(consultation_id: int) -> Response:
    check_known(PAGE_PARAMS | {"provision", "outcome"})
    provision_id = id_arg("provision")
    outcome = enum_arg("outcome", Outcome)
    paging = page_request()
    scope = _get_scope(consultation_id, provision_id)
    _check_provision_filter(scope)
    total = queries.count_dispositions(scope, provision_id, outcome)
    ensure_page_exists(paging, total)
    rows = queries.published_dispositions(scope, provision_id, outcome, paging) if total else []
    return _json(envelope([disposition_json(row) for row in rows], paging, total))


@bp.get("/consultations/<int:consultation_id>/figures")
def figures(consultation_id: int) -> Response:
    check_known(PAGE_PARAMS)
    paging = page_request()
    consultation = _get_consultation(consultation_id)
    total = queries.count_provisions(consultation.version_id)
    ensure_page_exists(paging, total)
    ids = queries.provision_ids_page(consultation.version_id, paging) if total else []
    data = []
    if ids:
        # The figures a visitor sees: published comments only, no names (details=False).
        # Labels and reasons in English, like the rest of the data.
        with force_locale("en"):
            for item in provision_figures(consultation, ids, public_only=True, details=False):
                consensus = classify(item, named=False)
                # Slices of too few organisations withheld (docs/security.md, F9).
                data.append(figures_json(consultation.id, public_figures(item), consensus))
    return _json(envelope(data, paging, total))
