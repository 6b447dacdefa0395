"""A short-lived cache of list totals (in Redis with ``REDIS_URL``, shared by every host;
otherwise in the process: ``core.cache``).

Counting 100,000 public comments costs more than serving a page of 20, and the totals
change only when the secretariat publishes. Answers already say ``Cache-Control: public,
max-age=30``, so a total up to ``API_COUNT_CACHE_SECONDS`` old tells the reader nothing
the cache headers did not. Set it to 0 to count on every request.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from consult_app.core.cache import TTLCache, cached

# The API's totals use the shared expiring cache.
CountCache = TTLCache


def cached_count(key: Hashable, compute: Callable[[], int]) -> int:
    """``compute()``, or its value from the last ``API_COUNT_CACHE_SECONDS`` seconds."""
    return int(cached("api_counts", key, "API_COUNT_CACHE_SECONDS", compute))
