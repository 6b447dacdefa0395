"""A short-lived, per-process cache of list totals.

Counting 100,000 public comments costs more than serving a page of 20, and the totals
change only when the secretariat publishes. Answers already say ``Cache-Control: public,
max-age=30``, so a total up to ``API_COUNT_CACHE_SECONDS`` old tells the reader nothing
the cache headers did not. Set it to 0 to count on every request.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app

MAX_ENTRIES = 4096


class CountCache:
    """Totals by key, each kept ``ttl`` seconds; the least recently used go first."""

    def __init__(
        self, max_entries: int = MAX_ENTRIES, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._entries: OrderedDict[Hashable, tuple[float, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries
        self._clock = clock

    def get(self, key: Hashable, ttl: float, compute: Callable[[], int]) -> int:
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


def cached_count(key: Hashable, compute: Callable[[], int]) -> int:
    """``compute()``, or its value from the last ``API_COUNT_CACHE_SECONDS`` seconds."""
    cache = current_app.extensions.get("api_count_cache")
    if cache is None:
        cache = current_app.extensions["api_count_cache"] = CountCache()
    ttl = float(current_app.config.get("API_COUNT_CACHE_SECONDS", 0))
    return int(cache.get(key, ttl, compute))
