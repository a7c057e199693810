"""Rendered public responses, stored in the shared cache and served without the database.

Every change to the public state calls `invalidate()` after its transaction commits.
"""

from django.core.cache import cache
from django.utils.crypto import get_random_string

GENERATION_KEY = "public:generation"


def invalidate():
    # A random token, not a counter: a cache that lost the key can never hand out
    # an old generation again.
    cache.set(GENERATION_KEY, get_random_string(16), None)
