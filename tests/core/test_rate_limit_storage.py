"""The in-process rate-limit storage (extensions.SweptMemoryStorage): limits' memory storage
with one sweeping thread a process instead of a thread start after each hit."""

from __future__ import annotations

import threading
import time

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from consult_app.config import Config
from consult_app.extensions import SweptMemoryStorage


def _sweepers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "rate-limit-sweeper"]


def test_the_default_storage_without_redis_is_the_swept_one() -> None:
    storage = storage_from_string(Config.RATELIMIT_STORAGE_URI)
    assert isinstance(storage, SweptMemoryStorage)


def test_limits_are_counted_and_refused_as_by_the_memory_storage() -> None:
    limiter = FixedWindowRateLimiter(SweptMemoryStorage())
    item = parse("3 per minute")
    assert [limiter.hit(item, "client-a") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit(item, "client-b")  # counted per key


def test_many_hits_start_one_sweeping_thread_not_one_a_hit() -> None:
    storage = SweptMemoryStorage()
    before = {t.ident for t in threading.enumerate()}
    started = threading.Thread.start
    starts = []

    def counting_start(thread: threading.Thread) -> None:
        starts.append(thread.name)
        started(thread)

    threading.Thread.start = counting_start  # type: ignore[method-assign]
    try:
        limiter = FixedWindowRateLimiter(storage)
        item = parse("1000 per minute")
        for n in range(200):
            limiter.hit(item, f"client-{n % 7}")
            time.sleep(0.0005 if n % 50 == 0 else 0)
    finally:
        threading.Thread.start = started  # type: ignore[method-assign]
    assert starts == ["rate-limit-sweeper"]
    new = [t for t in _sweepers() if t.ident not in before]
    assert len(new) == 1 and new[0].daemon


def test_expired_counters_are_swept_and_no_longer_count() -> None:
    storage = SweptMemoryStorage()
    storage.SWEEP_SECONDS = 0.05
    storage.incr("key", expiry=0.01)
    assert storage.get("key") == 1
    deadline = time.monotonic() + 5
    while "key" in storage.storage and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "key" not in storage.storage and "key" not in storage.expirations
    assert storage.get("key") == 0
