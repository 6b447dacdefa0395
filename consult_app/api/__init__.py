"""The public JSON read API, version 1, with its OpenAPI document."""
