"""The OpenAPI document is valid, complete, and real responses match its schemas."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from consult_app.extensions import db
from tests.api.conftest import World, get_json
from tests.conftest import make_version

BASE = "/api/v1"


@pytest.fixture
def document(client) -> dict[str, Any]:
    return get_json(client, f"{BASE}/openapi.json")


def validator(document: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    registry: Registry = Registry().with_resource(
        "urn:openapi", Resource.from_contents(document, default_specification=DRAFT202012)
    )
    if "$ref" in schema:
        schema = {"$ref": "urn:openapi" + schema["$ref"]}
    return Draft202012Validator(
        schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def operation_for(document: dict[str, Any], url: str) -> dict[str, Any]:
    """The documented GET operation whose path template matches ``url``."""
    path = url.split("?", 1)[0][len(BASE) :] or "/"
    for template, item in document["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", r"[^/]+", template) + "$"
        if re.match(pattern, path):
            return item["get"]
    raise AssertionError(f"{url} is not documented")


def assert_matches(client, document: dict[str, Any], url: str, status: int = 200) -> Any:
    body = get_json(client, url, status)
    response = operation_for(document, url)["responses"][str(status)]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    schema = response["content"]["application/json"]["schema"]
    errors = sorted(validator(document, schema).iter_errors(body), key=str)
    assert not errors, (url, [f"{list(e.absolute_path)}: {e.message}" for e in errors])
    return body


def test_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises on an invalid document


def test_every_route_is_documented(app: Flask, document):
    routes = {
        re.sub(r"<(?:int:)?([^>]+)>", r"{\1}", rule.rule)[len(BASE) :] or "/"
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
    }
    assert routes == set(document["paths"])
    for item in document["paths"].values():
        assert set(item) == {"get"}
        operation = item["get"]
        assert operation["summary"] and operation["description"]
        assert "200" in operation["responses"] and "400" in operation["responses"]


def test_every_schema_is_closed(document):
    def walk(schema: Any, where: str) -> None:
        if isinstance(schema, dict):
            if schema.get("type") == "object" and "properties" in schema:
                assert schema.get("additionalProperties") is False, where
                assert set(schema["required"]) == set(schema["properties"]), where
            for key, value in schema.items():
                walk(value, f"{where}.{key}")
        elif isinstance(schema, list):
            for n, value in enumerate(schema):
                walk(value, f"{where}[{n}]")

    walk(document["components"]["schemas"], "schemas")


def test_responses_match_documented_schemas(client, document, world: World):
    version = make_version(articles=1, preamble=1)
    db.session.commit()
    cid = world.consultation.id
    urls = [
        f"{BASE}/",
        f"{BASE}/instruments",
        f"{BASE}/instruments/{version.instrument_id}",
        f"{BASE}/versions/{version.id}",
        f"{BASE}/versions/{world.consultation.version_id}",
        f"{BASE}/consultations",
        f"{BASE}/consultations?phase=open&per_page=1",
        f"{BASE}/consultations/{cid}",
        f"{BASE}/consultations/{cid}/comments",
        f"{BASE}/consultations/{cid}/comments?per_page=1&page=2",
        f"{BASE}/consultations/{cid}/provisions/{world.article.id}/comments",
        f"{BASE}/consultations/{cid}/dispositions",
        f"{BASE}/consultations/{cid}/figures",
    ]
    for url in urls:
        assert_matches(client, document, url)
    errors = [
        (f"{BASE}/consultations/{cid}/comments?per_page=500", 400),
        (f"{BASE}/consultations/{cid}/comments?page=9", 404),
        (f"{BASE}/consultations/999999", 404),
        (f"{BASE}/versions/999999", 404),
    ]
    for url, status in errors:
        assert_matches(client, document, url, status)


def test_schema_validation_catches_an_undocumented_field(client, document, world: World):
    body = get_json(client, f"{BASE}/consultations/{world.consultation.id}/comments")
    body["data"][0]["internal_note"] = "leak"
    schema = operation_for(document, f"{BASE}/consultations/1/comments")["responses"]["200"]
    check = validator(document, schema["content"]["application/json"]["schema"])
    assert not check.is_valid(body)


def test_documented_parameters_are_accepted(client, document, world: World):
    cid, pid = world.consultation.id, world.article.id
    samples = {
        "page": "1",
        "per_page": "5",
        "lang": "fr",
        "phase": "open",
        "provision": str(pid),
        "position": "support",
        "category": "ngo",
        "regional_group": "weog",
        "outcome": "noted",
        "from": str(world.consultation.version_id),
    }
    parameters = document["components"]["parameters"]
    for template, item in document["paths"].items():
        url = BASE + template.format(
            consultation_id=cid,
            provision_id=pid,
            instrument_id=world.consultation.version.instrument_id,
            version_id=world.consultation.version_id,
        )
        names = [parameters[ref["$ref"].rsplit("/", 1)[-1]] for ref in item["get"]["parameters"]]
        query = "&".join(f"{p['name']}={samples[p['name']]}" for p in names if p["in"] == "query")
        response = client.get(f"{url}?{query}")
        assert response.status_code == 200, (url, query, response.data[:200])
