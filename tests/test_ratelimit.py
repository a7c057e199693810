"""Sign-up limits mean what the README says ("per hour") on the real cache backends:
Django's file cache, as one machine uses, and Redis, as several do."""

import time

import pytest
import redis
from django.core.cache import cache
from django.test import Client
from django.utils.crypto import get_random_string

from throttling import ratelimit

pytestmark = pytest.mark.django_db

# The default expiry, which Django's file cache gave a counter on every increment. One
# second instead of 300 lets a test wait it out.
DEFAULT_TIMEOUT = 1


@pytest.fixture(params=["file", "redis"])
def shared_cache(request, settings, tmp_path):
    prefix = f"test-{get_random_string(8)}"
    if request.param == "file":
        backend = {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    else:
        backend = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": prefix,
        }
    settings.CACHES = settings.CACHES | {"default": backend | {"TIMEOUT": DEFAULT_TIMEOUT}}
    yield cache
    if request.param == "redis":  # only this test's keys: the server is shared
        server = redis.Redis.from_url(backend["LOCATION"])
        server.delete(*server.keys(f"{prefix}:*"), f"{prefix}:none")


def sign_up(email, client=None):
    return (client or Client()).post("/subscribe", {"email": email}).status_code


@pytest.mark.slow
def test_a_count_lasts_its_whole_window_not_the_default_timeout(shared_cache, settings):
    settings.SUBSCRIBE_LIMIT_PER_EMAIL = 2
    assert [sign_up("ada@example.org") for _ in range(3)] == [302, 302, 429]
    time.sleep(DEFAULT_TIMEOUT + 0.5)
    assert sign_up("ada@example.org") == 429
    assert sign_up("bob@example.org") == 302


@pytest.mark.slow
def test_a_new_window_starts_a_new_count(shared_cache):
    window = 2
    time.sleep(window - time.time() % window)  # the start of a window
    assert [ratelimit.allow("k", limit=2, window=window) for _ in range(3)] == [True, True, False]
    time.sleep(window)
    assert ratelimit.allow("k", limit=2, window=window)


def test_the_longest_address_has_a_counter_of_its_own(shared_cache, settings):
    settings.SUBSCRIBE_LIMIT_PER_EMAIL = 1
    longest = "a" * 64 + "@" + "d" * 63 + "." + "d" * 63 + "." + "d" * 57 + ".org"
    other = "b" + longest[1:]
    assert [sign_up(longest), sign_up(longest), sign_up(other)] == [302, 429, 302]
