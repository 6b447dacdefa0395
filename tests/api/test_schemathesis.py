"""The public API fuzzed from its own OpenAPI document (schemathesis, in-process WSGI).

Every operation of ``/api/v1/openapi.json`` is called with generated parameters against a
consultation with comments of every kind (tests/api/conftest.py):

- parameters the document allows (positive): no 500, and every answer conforms to the
  document (a documented status code, its content type, a body matching its schema);
- parameters it does not allow (negative: wrong types, unknown values, out-of-range ids
  and pages): no 500, and the answer is a documented 4xx with a conforming body.

The API is read-only and anonymous (it has no tokens): there is no authenticated variant.
schemathesis' own pytest plugin does not run under pytest 9 yet, so each operation is
driven here through hypothesis with the operation's strategy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from consult_app.extensions import db
from tests.api.conftest import World, build_world

CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
BOUNDED = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def world(app: Flask, monkeypatch: pytest.MonkeyPatch) -> World:
    # The production default: small slices of the figures are answered suppressed.
    monkeypatch.setitem(app.config, "PUBLIC_MIN_CELL_SIZE", 3)
    world = build_world()
    db.session.commit()
    return world


@pytest.fixture
def api_schema(app: Flask, world: World) -> Any:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _operations(schema: Any) -> list[Any]:
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10, "the document lists every operation"
    return operations


def _fuzz(
    schema: Any,
    mode: GenerationMode,
    check: Callable[[Any], None],
    known: dict[str, int] | None = None,
) -> list[str]:
    """Run ``check`` on generated cases of every operation; ``known``: path parameters
    fixed to objects that exist (only operations whose path has them all)."""
    failures = []
    for operation in _operations(schema):
        path_parameters = None
        if known is not None:
            names = [name for name in known if "{" + name + "}" in operation.path]
            if not names or operation.path.count("{") != len(names):
                continue
            path_parameters = {name: known[name] for name in names}

        @BOUNDED
        @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
        def run(case: Any) -> None:
            check(case)

        try:
            run()
        except Exception as error:  # collected: one report for every operation
            failures.append(f"{operation.label}: {error}")
    return failures


def test_api_answers_conform_to_its_document(api_schema: Any) -> None:
    def check(case: Any) -> None:
        case.call_and_validate(checks=CONFORMANCE)

    failures = _fuzz(api_schema, GenerationMode.POSITIVE, check)
    assert not failures, "\n\n".join(failures)


def test_api_refuses_bad_parameters_without_a_server_error(api_schema: Any) -> None:
    def check(case: Any) -> None:
        response = case.call()
        assert response.status_code < 500, (case.formatted_path, response.status_code)
        if response.status_code >= 400:
            case.validate_response(response, checks=CONFORMANCE)

    failures = _fuzz(api_schema, GenerationMode.NEGATIVE, check)
    assert not failures, "\n\n".join(failures)


def test_api_answers_about_existing_objects_conform(api_schema: Any, world: World) -> None:
    """The same with the ids of the world's consultation, provision, version and text, so
    that the figures, comments and texts are answered with data, not 404s."""

    def check(case: Any) -> None:
        case.call_and_validate(checks=CONFORMANCE)

    version = world.consultation.version
    known = {
        "consultation_id": world.consultation.id,
        "provision_id": world.article.id,
        "version_id": version.id,
        "instrument_id": version.instrument_id,
    }
    failures = _fuzz(api_schema, GenerationMode.POSITIVE, check, known)
    assert not failures, "\n\n".join(failures)
