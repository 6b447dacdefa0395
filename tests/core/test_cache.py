from __future__ import annotations

from consult_app.core.cache import TTLCache, cached


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_values_are_reused_until_they_expire():
    clock = Clock()
    cache = TTLCache(clock=clock)
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert cache.get("k", 30, compute) == 1
    clock.now += 29
    assert cache.get("k", 30, compute) == 1
    clock.now += 2
    assert cache.get("k", 30, compute) == 2


def test_zero_ttl_always_computes():
    cache = TTLCache()
    values = iter(range(10))
    assert cache.get("k", 0, lambda: next(values)) == 0
    assert cache.get("k", 0, lambda: next(values)) == 1


def test_least_recently_used_entries_go_first():
    cache = TTLCache(max_entries=2)
    cache.get("a", 60, lambda: 1)
    cache.get("b", 60, lambda: 2)
    cache.get("a", 60, lambda: 99)  # a is used again
    cache.get("c", 60, lambda: 3)  # b goes
    assert cache.get("a", 60, lambda: "recomputed") == 1
    assert cache.get("b", 60, lambda: "recomputed") == "recomputed"


def test_cached_reads_its_ttl_from_configuration(app):
    app.config["FIGURES_CACHE_SECONDS"] = 60
    try:
        assert cached("t", "key", "FIGURES_CACHE_SECONDS", lambda: "first") == "first"
        assert cached("t", "key", "FIGURES_CACHE_SECONDS", lambda: "second") == "first"
    finally:
        app.config["FIGURES_CACHE_SECONDS"] = 0
        app.extensions["ttl_caches"].clear()
    assert cached("t", "key", "FIGURES_CACHE_SECONDS", lambda: "third") == "third"


def test_figures_cache_is_off_by_default():
    from consult_app.config import Config

    assert Config.FIGURES_CACHE_SECONDS == 0


def test_with_redis_every_process_gives_the_same_answer(app, tmp_path):
    """Two applications (two hosts) on one Redis share the cached value."""
    import pytest
    from redis import Redis

    from consult_app import create_app

    url = "redis://127.0.0.1:6379/5"
    try:
        Redis.from_url(url).ping()
    except Exception:
        pytest.skip("no Redis at 127.0.0.1:6379")
    hosts = [
        create_app(
            "testing",
            INSTANCE_PATH=str(tmp_path / name),
            SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
            REDIS_URL=url,
            FIGURES_CACHE_SECONDS=60,
        )
        for name in ("one", "two")
    ]
    with hosts[0].app_context():
        hosts[0].extensions.setdefault("ttl_caches", {})
        first = cached("shared-test", ("k", 1), "FIGURES_CACHE_SECONDS", lambda: {"n": 1})
    with hosts[1].app_context():
        second = cached("shared-test", ("k", 1), "FIGURES_CACHE_SECONDS", lambda: {"n": 2})
        hosts[1].extensions["ttl_caches"]["shared-test"].clear()
    assert first == second == {"n": 1}
