"""A small per-process cache whose entries expire after a number of seconds.

Used for figures that are expensive to compute over very large consultations (the
dashboard, per-provision figures) and change slowly: a reader may see figures up to
``ttl`` seconds old. A ttl of 0 disables caching (as in the tests).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import current_app

T = TypeVar("T")

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


def cached(name: str, key: Hashable, ttl_setting: str, compute: Callable[[], T]) -> T:
    """``compute()``, or its value from the last ``app.config[ttl_setting]`` seconds."""
    caches = current_app.extensions.setdefault("ttl_caches", {})
    cache = caches.get(name)
    if cache is None:
        cache = caches[name] = TTLCache()
    return cache.get(key, float(current_app.config.get(ttl_setting, 0)), compute)
