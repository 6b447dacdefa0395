"""A small cache whose entries expire after a number of seconds.

Used for figures that are expensive to compute over very large consultations (the
dashboard, per-provision figures) and change slowly: a reader may see figures up to
``ttl`` seconds old. A ttl of 0 disables caching (the default for the figures).

With ``REDIS_URL`` the entries are kept in Redis, so that every process and every host
gives the same answer; without it, in the process (one machine). When Redis cannot be
reached, the value is computed (never an error for the reader).
"""

from __future__ import annotations

import logging
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import current_app

T = TypeVar("T")
logger = logging.getLogger(__name__)

MAX_ENTRIES = 512


class TTLCache:
    """Values by key, each kept ``ttl`` seconds; the least recently used go first."""

    def __init__(
        self, max_entries: int = MAX_ENTRIES, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries
        self._clock = clock

    def get(self, key: Hashable, ttl: float, compute: Callable[[], T]) -> T:
        if ttl <= 0:
            return compute()
        now = self._clock()
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] > now:
                self._entries.move_to_end(key)
                return hit[1]
        value = compute()
        with self._lock:
            self._entries[key] = (now + ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class RedisCache:
    """Values by key in Redis (pickled), each kept ``ttl`` seconds."""

    def __init__(self, url: str, prefix: str) -> None:
        from redis import Redis

        self._redis = Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self._prefix = prefix

    def get(self, key: Hashable, ttl: float, compute: Callable[[], T]) -> T:
        if ttl <= 0:
            return compute()
        name = f"consult_app:cache:{self._prefix}:{key!r}"
        try:
            hit = self._redis.get(name)
        except Exception:
            logger.warning("cache %s: Redis unavailable, computing", self._prefix)
            return compute()
        if hit is not None:
            # Written by this platform into its own Redis, never by a user.
            return pickle.loads(hit)  # type: ignore[arg-type]  # noqa: S301
        value = compute()
        try:
            self._redis.set(name, pickle.dumps(value), px=max(1, int(ttl * 1000)))
        except Exception:
            logger.warning("cache %s: Redis unavailable, not kept", self._prefix)
        return value

    def clear(self) -> None:
        try:
            for name in self._redis.scan_iter(f"consult_app:cache:{self._prefix}:*"):
                self._redis.delete(name)
        except Exception:
            logger.warning("cache %s: Redis unavailable, not cleared", self._prefix)


def cached(name: str, key: Hashable, ttl_setting: str, compute: Callable[[], T]) -> T:
    """``compute()``, or its value from the last ``app.config[ttl_setting]`` seconds."""
    ttl = float(current_app.config.get(ttl_setting, 0))
    if ttl <= 0:
        return compute()
    caches = current_app.extensions.setdefault("ttl_caches", {})
    cache = caches.get(name)
    if cache is None:
        redis_url = current_app.config.get("REDIS_URL")
        cache = caches[name] = RedisCache(redis_url, name) if redis_url else TTLCache()
    return cache.get(key, ttl, compute)
