"""Fixed-window counters in the shared cache, for abuse limits (sign-ups, alerts).

Each window has a key of its own (its number since the epoch), so a count starts
again when its window does, not when a counter happens to expire. Django's file cache
rewrites a counter with the cache's default timeout (300 s) on every `incr()`; the
expiry is set again right after, so that a count lasts its whole window there too.
"""

import hashlib
import logging
import math
import time

from django.core.cache import cache

from public_store.store import CACHE_ERRORS

logger = logging.getLogger(__name__)


def allow(key: str, *, limit: int, window: int) -> bool:
    """Count one hit on `key`; False once more than `limit` hits fell in this window of
    `window` seconds."""
    now = time.time()
    number = int(now // window)
    # Hashed: short and ASCII whatever the key holds (a 254-character address).
    digest = hashlib.sha256(f"{key}\n{window}\n{number}".encode()).hexdigest()
    cache_key = f"ratelimit:{digest}"
    expires_in = math.ceil((number + 1) * window - now)
    try:
        if cache.add(cache_key, 1, expires_in):
            return True
        count = cache.incr(cache_key)
        cache.touch(cache_key, expires_in)
        return count <= limit
    except ValueError:  # expired between add() and incr()
        cache.add(cache_key, 1, expires_in)
        return True
    except CACHE_ERRORS as error:
        # Signing up matters more than counting: the confirmation mail still guards it.
        logger.warning("Rate limits unavailable (%s); allowing", error)
        return True
