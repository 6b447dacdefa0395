"""The HTML documentation page of the API (/api/v1/docs): what it shows, read from the
OpenAPI document in the reader's language (openapi.openapi_for_docs)."""

from __future__ import annotations

from typing import Any


def _type_label(schema: dict[str, Any]) -> str:
    """A short reading of a schema's type: "integer", "Comment or null", "array of Paragraph"."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(_type_label(s) for s in schema["anyOf"])
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        return " | ".join(kind)
    if kind == "array":
        return f"array[{_type_label(schema.get('items', {}))}]"
    if kind == "object" and "properties" in schema:
        return "object"
    fmt = schema.get("format")
    return f"{kind} ({fmt})" if fmt else str(kind)


def _limits(schema: dict[str, Any]) -> str:
    parts = []
    if "minimum" in schema and "maximum" in schema:
        parts.append(f"{schema['minimum']} .. {schema['maximum']}")
    if "default" in schema:
        parts.append(f"= {schema['default']}")
    if "enum" in schema:
        parts.append(", ".join(schema["enum"]))
    return "; ".join(parts)


def docs_context(spec: dict[str, Any]) -> dict[str, Any]:
    """What the HTML page shows, read from the (translated) document."""
    components = spec["components"]
    parameters = components["parameters"]
    endpoints = []
    for path, item in spec["paths"].items():
        operation = item["get"]
        params = []
        for ref in operation.get("parameters", []):
            p = parameters[ref["$ref"].rsplit("/", 1)[-1]]
            params.append(
                {
                    "name": p["name"],
                    "in": p["in"],
                    "required": p.get("required", False),
                    "type": _type_label(p["schema"]),
                    "limits": _limits(p["schema"]),
                    "description": p.get("description", ""),
                }
            )
        ok = operation["responses"]["200"]
        content = ok.get("content", {})
        schema = content.get("application/json", {}).get("schema", {})
        endpoints.append(
            {
                "path": spec["servers"][0]["url"] + ("" if path == "/" else path),
                "slug": operation["operationId"],
                "summary": operation["summary"],
                "description": operation["description"],
                "parameters": params,
                "media_type": next(iter(content), ""),
                "schema": schema["$ref"].rsplit("/", 1)[-1] if "$ref" in schema else None,
                "statuses": sorted(operation["responses"]),
            }
        )
    schemas = []
    for name, schema in components["schemas"].items():
        if "properties" not in schema:
            continue
        required = set(schema.get("required", ()))
        schemas.append(
            {
                "name": name,
                "description": schema.get("description", ""),
                "properties": [
                    {
                        "name": prop,
                        "type": _type_label(sub),
                        "required": prop in required,
                        "description": sub.get("description", ""),
                    }
                    for prop, sub in schema["properties"].items()
                ],
            }
        )
    return {"info": spec["info"], "endpoints": endpoints, "schemas": schemas}
