"""What the public store keeps: each public response rendered once per change.

Every public page, feed, badge and API response is a pure function of the published
state. So a response is rendered once per *generation* of that state (a random token
in the shared cache, replaced by `invalidate()` after every change commits) and stored,
compressed, in the shared cache; the web processes serve it without touching the
database (serving.py). Whether the database is known to be down is kept here too, so
that the hot path reads both in one round trip.
"""

import dataclasses
import gzip
import hashlib
import logging
import pickle
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import NamedTuple

import brotli
from django.conf import settings
from django.core.cache import caches
from django.utils.connection import ConnectionProxy
from django.utils.crypto import get_random_string
from django.utils.http import quote_etag
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
cache = ConnectionProxy(caches, "public")

GENERATION_KEY = "public:generation"
DATABASE_DOWN_KEY = "public:database-down"
# The break-glass journal's entries that the public pages show (journal.py keeps it).
JOURNAL_SHOWN_KEY = "public:journal-shown"
# How long a failed database access counts as "down" before someone tries again.
DATABASE_DOWN_FOR = 15
ENTRY_PREFIX = "public:page:"
LOCK_PREFIX = "public:lock:"
# Kept long after they are superseded: an old page is what is served when the database
# is down, and far better than nothing.
ENTRY_TIMEOUT = 30 * 24 * 3600
# One process renders a stale page at a time; the others serve the old one meanwhile.
LOCK_TIMEOUT = 10
# Headers of the view's response that belong in the stored copy.
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Link", "X-Total-Count")
KEPT_PREFIXES = ("Access-Control-",)
# What a cache backend raises when its server or directory is gone.
CACHE_ERRORS = (OSError, RedisError)
# What reading a copy that another version of this code stored may raise (a class it
# pickled that is gone): such a copy is a miss, and is rendered again.
UNREADABLE = (pickle.UnpicklingError, ImportError, AttributeError, EOFError, TypeError, ValueError)
# The codings each stored page is kept in, best first where the client likes several
# equally; each has its own ETag, and so does the page with the out-of-date note.
CODINGS = ("br", "gzip", "identity")
ETAG_SUFFIXES = {"br": "-br", "gzip": "-gz", "identity": ""}
STALE_SUFFIX = "-stale"


def invalidate():
    """Start a new generation: every stored response is now stale (not gone)."""
    cache.set(GENERATION_KEY, _new_generation(), None)


def _new_generation():
    # A random token, not a counter: a cache that lost the key can never hand out an old
    # generation again.
    return get_random_string(16)


def mark_database_down():
    cache.set(DATABASE_DOWN_KEY, time.time(), DATABASE_DOWN_FOR)


def mark_database_up():
    cache.delete(DATABASE_DOWN_KEY)


class State(NamedTuple):
    generation: str
    database_down: bool
    journal: list  # the journal entries the pages show (as journal.py stored them)


def state() -> State:
    """The current generation, whether the database is known to be down, and the posts
    waiting in the break-glass journal: one round trip."""
    values = cache.get_many([GENERATION_KEY, DATABASE_DOWN_KEY, JOURNAL_SHOWN_KEY])
    generation = values.get(GENERATION_KEY)
    if generation is None:
        new = _new_generation()
        cache.add(GENERATION_KEY, new, None)
        generation = cache.get(GENERATION_KEY) or new  # a store that keeps nothing: render
    journal = values.get(JOURNAL_SHOWN_KEY)
    return State(
        generation, DATABASE_DOWN_KEY in values, journal if isinstance(journal, list) else []
    )


@dataclass
class Entry:
    generation: str
    headers: dict
    bodies: dict  # content coding ("identity", "gzip", "br") -> bytes
    etag: str  # of the identity body
    stored_at: float = field(default_factory=time.time)

    @property
    def last_modified(self):
        return self.stored_at

    def is_current(self, generation):
        # Also rendered again after a while without changes, for what depends on the time
        # (today's uptime, a window starting, a scheduled post going live).
        age = time.time() - self.stored_at
        return self.generation == generation and age < settings.PUBLIC_REFRESH_SECONDS

    def etag_of(self, coding, *, stale=False, variant=""):
        """The ETag of one coding of the body (or of the body with the out-of-date note,
        or with posts of the journal: a `variant`): different bytes, a different tag, so
        no cache mistakes one for another."""
        suffix = ETAG_SUFFIXES[coding] + (STALE_SUFFIX if stale else "") + variant
        return self.etag[:-1] + suffix + '"'

    @property
    def is_html(self):
        return self.headers.get("Content-Type", "").startswith("text/html")

    def stored(self) -> dict:
        """The entry as plain data: what the cache keeps, readable by any version."""
        return dataclasses.asdict(self)

    @classmethod
    def from_stored(cls, data):
        try:
            return cls(**data) if isinstance(data, dict) else None
        except TypeError:  # stored by a version with other fields
            return None


class _RecentEntries:
    """Entries this process served lately: the hot path reads only the generation."""

    def __init__(self, size=256):
        self.size, self.entries = size, OrderedDict()
        self.lock = threading.Lock()  # the worker warms pages from two threads

    def get(self, key, generation):
        entry = self.entries.get(key)
        return entry if entry is not None and entry.is_current(generation) else None

    def put(self, key, entry):
        with self.lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


recent = _RecentEntries()


def key_of(path, query):
    digest = hashlib.sha256(f"{path}?{query.urlencode()}".encode()).hexdigest()[:32]
    return ENTRY_PREFIX + digest


def lookup(key, generation):
    """The stored entry under `key`, current or not (None if there is none)."""
    entry = recent.get(key, generation)
    if entry is None:
        entry = Entry.from_stored(_read(key))
        if entry is not None and entry.is_current(generation):
            recent.put(key, entry)
    return entry


def _read(key):
    try:
        return cache.get(key)
    except UNREADABLE as error:
        logger.info("Stored copy %s unreadable (%s); rendering it again", key, error)
        return None


def lock(key) -> bool:
    """Take the right to render `key` again; False if another process has it."""
    return cache.add(LOCK_PREFIX + key, 1, LOCK_TIMEOUT)


def unlock(key):
    cache.delete(LOCK_PREFIX + key)


def keep(key, generation, response) -> Entry:
    """Store a rendered 200 response, compressed, under `key`."""
    body = response.content
    headers = {
        name: value
        for name, value in response.items()
        if name in KEPT_HEADERS or name.startswith(KEPT_PREFIXES)
    }
    bodies = {"identity": body}
    if len(body) > 200:
        bodies["gzip"] = gzip.compress(body, compresslevel=6, mtime=0)
        bodies["br"] = brotli.compress(body, quality=9)
    etag = quote_etag(hashlib.sha256(body).hexdigest()[:32])
    entry = Entry(generation=generation, headers=headers, bodies=bodies, etag=etag)
    cache.set(key, entry.stored(), ENTRY_TIMEOUT)
    recent.put(key, entry)
    return entry
