"""HTTP behaviour: caching headers, conditional requests, rate limits, JSON errors."""

from __future__ import annotations

from flask import Flask
from flask_sqlalchemy.record_queries import get_recorded_queries

from consult_app.api.cache import CountCache
from tests.api.conftest import World


def test_cache_headers_and_conditional_get(client, world: World):
    url = f"/api/v1/consultations/{world.consultation.id}/comments"
    response = client.get(url)
    assert response.headers["Cache-Control"] == "public, max-age=30"
    etag = response.headers["ETag"]
    assert etag

    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""

    other = client.get(url + "?per_page=1", headers={"If-None-Match": etag})
    assert other.status_code == 200


def test_errors_are_not_cached(client):
    response = client.get("/api/v1/consultations/999999")
    assert response.status_code == 404
    assert "public" not in response.headers.get("Cache-Control", "")
    assert "ETag" not in response.headers


def test_rate_limit_answers_429_in_json(client, rate_limited: Flask, world: World):
    url = "/api/v1/consultations"
    for _ in range(3):
        assert client.get(url).status_code == 200
    response = client.get(url)
    assert response.status_code == 429
    body = response.get_json()
    assert body["error"]["status"] == 429
    assert "Retry-After" in response.headers
    # The limit is per client: another address still gets answers.
    other = client.get(url, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200


def test_rate_limit_comes_from_configuration(app: Flask, client, rate_limited: Flask):
    app.config["API_RATE_LIMIT"] = "1 per minute"
    assert client.get("/api/v1/").status_code == 200
    assert client.get("/api/v1/").status_code == 429


def test_default_rate_limit_is_generous(app: Flask):
    from consult_app.config import Config

    assert Config.API_RATE_LIMIT == "600 per minute"


def test_count_cache_keeps_totals_for_its_ttl():
    now = [100.0]
    cache = CountCache(max_entries=2, clock=lambda: now[0])
    calls: list[str] = []

    def compute(key: str, value: int):
        def run() -> int:
            calls.append(key)
            return value

        return run

    assert cache.get("a", 30, compute("a", 1)) == 1
    assert cache.get("a", 30, compute("a", 2)) == 1  # cached
    now[0] += 31
    assert cache.get("a", 30, compute("a", 3)) == 3  # expired
    assert cache.get("b", 0, compute("b", 4)) == 4
    assert cache.get("b", 0, compute("b", 5)) == 5  # ttl 0: never cached
    cache.get("c", 30, compute("c", 6))
    cache.get("d", 30, compute("d", 7))  # evicts "a", the least recently used
    assert cache.get("a", 30, compute("a", 8)) == 8
    assert calls == ["a", "a", "b", "b", "c", "d", "a"]


def test_totals_are_cached_when_configured(app: Flask, client, world: World):
    url = f"/api/v1/consultations/{world.consultation.id}/comments"
    app.config["API_COUNT_CACHE_SECONDS"] = 30
    try:
        start = len(get_recorded_queries())
        first = client.get(url).get_json()
        first_queries = len(get_recorded_queries()) - start
        start = len(get_recorded_queries())
        second = client.get(url).get_json()
        assert len(get_recorded_queries()) - start == first_queries - 1
        assert second["meta"]["total"] == first["meta"]["total"] == 3
    finally:
        app.config["API_COUNT_CACHE_SECONDS"] = 0
        app.extensions["ttl_caches"]["api_counts"].clear()
