"""Fixed-window counters in the shared cache, for sign-up abuse limits."""

import logging

from django.core.cache import cache

from statuspage.public_cache import STORE_ERRORS

logger = logging.getLogger(__name__)


def allow(key: str, *, limit: int, window: int) -> bool:
    """Count one hit on `key`; False once more than `limit` hits fell in `window` seconds."""
    cache_key = f"ratelimit:{key}"
    try:
        if cache.add(cache_key, 1, window):
            return True
        return cache.incr(cache_key) <= limit
    except ValueError:  # expired between add() and incr()
        cache.add(cache_key, 1, window)
        return True
    except STORE_ERRORS as error:
        # Signing up matters more than counting: the confirmation mail still guards it.
        logger.warning("Rate limits unavailable (%s); allowing", error)
        return True
