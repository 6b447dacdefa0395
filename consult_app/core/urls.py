"""Absolute links for e-mails, built from configuration, never from the request's Host."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link to ``endpoint``: ``PUBLIC_URL`` + path when it is configured.

    A link mailed to someone must not follow the Host header of the request that caused the
    mail (``Host: evil.example`` would send a valid reset token to the attacker's site).
    Without ``PUBLIC_URL`` (development, tests) the request's own address is used, and
    production refuses to start without it.
    """
    config = current_app.config
    public = (config.get("PUBLIC_URL") or "").rstrip("/")
    if has_request_context():
        if public:
            return public + url_for(endpoint, **values)
        return url_for(endpoint, _external=True, **values)
    server = config.get("SERVER_NAME") or "localhost"
    adapter = current_app.url_map.bind(server, script_name=config.get("APPLICATION_ROOT") or "/")
    path = adapter.build(endpoint, values, force_external=False)
    if public:
        return public + path
    if config.get("SERVER_NAME"):
        scheme = config.get("PREFERRED_URL_SCHEME") or "https"
        return f"{scheme}://{config['SERVER_NAME']}{path}"
    return path
