"""The public read path: render once per change, serve the stored result.

Every public page, feed, badge and API response is a pure function of the published
state. So a response is rendered once per *generation* of that state (a random token
in the shared cache, replaced by `invalidate()` after every change commits) and stored,
compressed, in the shared cache; the web processes serve it without touching the
database, and answer conditional requests with 304.

When the database is unreachable, the last stored response is served with a note that
it may be out of date (and the follow form replaced by "subscriptions are paused"): a
status page is read hardest when the infrastructure behind it is failing.
"""

import copy
import datetime
import gzip
import hashlib
import io
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import urlsplit

import brotli
from django.conf import settings
from django.core.cache import caches
from django.core.handlers.wsgi import WSGIRequest
from django.db import DatabaseError, close_old_connections
from django.http import HttpResponse, HttpResponseNotModified, QueryDict
from django.template.loader import render_to_string
from django.urls import resolve
from django.utils.connection import ConnectionProxy
from django.utils.crypto import get_random_string
from django.utils.http import http_date, parse_http_date_safe, quote_etag
from redis.exceptions import RedisError

from . import database, request_headers

logger = logging.getLogger(__name__)
cache = ConnectionProxy(caches, "public")

GENERATION_KEY = "public:generation"
DATABASE_DOWN_KEY = "public:database-down"
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
STORE_ERRORS = (OSError, RedisError)
# Browsers ask again every time (a 304 is cheap), so a post shows on the next visit;
# shared caches (a CDN) keep a copy briefly, and may serve it stale while revalidating
# or while the origin fails.
CACHE_CONTROL = (
    "public, max-age=0, s-maxage={shared_max_age}, stale-while-revalidate=30, stale-if-error=86400"
)
# The codings each stored page is kept in, best first where the client likes several
# equally; each has its own ETag, and so does the page with the out-of-date note.
CODINGS = ("br", "gzip", "identity")
ETAG_SUFFIXES = {"br": "-br", "gzip": "-gz", "identity": ""}
STALE_SUFFIX = "-stale"
STALE_MARK = b"<!--public-state-->"
FOLLOW_START, FOLLOW_END = b"<!--follow-->", b"<!--/follow-->"
SAFE_METHODS = ("GET", "HEAD")  # what the store answers


class BadQuery(ValueError):
    pass


@dataclass(frozen=True)
class WholeNumber:
    """A query parameter a public view reads: a whole number from 1 to `maximum`."""

    name: str
    maximum: int
    default: int = 1

    def read(self, request) -> int:
        values = request.GET.getlist(self.name)
        if not values:
            return self.default
        number = values[0] if len(values) == 1 else ""
        if re.fullmatch(r"[0-9]{1,9}", number) and 1 <= int(number) <= self.maximum:
            return int(number)
        given = ", ".join(repr(value[:40]) for value in values[:3])
        raise BadQuery(f"{self.name} must be a whole number from 1 to {self.maximum}, not {given}.")


# The page number of every paged list (a page past the last is the view's 404).
PAGE = WholeNumber("page", maximum=100_000)


def refused_page(status: int, message: str) -> HttpResponse:
    """A 400 or 405 from the store, in HTML; it needs neither the database nor a request."""
    context = {
        "page_name": settings.STATUS_PAGE_NAME,
        "heading": HTTPStatus(status).phrase,
        "message": message,
    }
    return HttpResponse(render_to_string("public_cache/refused.html", context), status=status)


@dataclass(frozen=True)
class PublicPage:
    """What the store knows of a public view."""

    query: tuple[WholeNumber, ...]  # the query parameters it reads: the key, nothing else
    methods: tuple[str, ...]  # GET, HEAD and any it answers itself; others get a 405
    refuse: Callable[[int, str], HttpResponse]  # a 400 or 405 in the view's own format


def public_page(view=None, *, query=(), methods=(), refuse=refused_page):
    """Mark a view as public: a pure function of the published state and of the query
    parameters it declares (`query`), served from the store for GET and HEAD. `methods`
    are others the view answers itself (a sign-up's POST)."""

    def mark(view):
        view.public_page = PublicPage(tuple(query), (*SAFE_METHODS, *methods), refuse)
        return view

    return mark if view is None else mark(view)


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


def _state():
    """The current generation, and whether the database is known to be down."""
    values = cache.get_many([GENERATION_KEY, DATABASE_DOWN_KEY])
    generation = values.get(GENERATION_KEY)
    if generation is None:
        new = _new_generation()
        cache.add(GENERATION_KEY, new, None)
        generation = cache.get(GENERATION_KEY) or new  # a store that keeps nothing: render
    return generation, DATABASE_DOWN_KEY in values


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

    def etag_of(self, coding, *, stale=False):
        """The ETag of one coding of the body (or of the body with the out-of-date note):
        different bytes, a different tag, so no cache mistakes one for another."""
        suffix = ETAG_SUFFIXES[coding] + (STALE_SUFFIX if stale else "")
        return self.etag[:-1] + suffix + '"'

    @property
    def is_html(self):
        return self.headers.get("Content-Type", "").startswith("text/html")


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


_recent = _RecentEntries()


def cache_key(path, query):
    digest = hashlib.sha256(f"{path}?{query.urlencode()}".encode()).hexdigest()[:32]
    return ENTRY_PREFIX + digest


def serve(request, view, args, kwargs):
    """Answer a GET or HEAD for a public view from the store, rendering it if stale."""
    try:
        rendering = _rendering_request(request, view.public_page)
    except BadQuery as error:
        return view.public_page.refuse(400, str(error))  # before any lookup: nothing stored
    try:
        return _serve(request, rendering, view, args, kwargs)
    except STORE_ERRORS as error:
        # The store itself is unreachable: be an ordinary dynamic site meanwhile.
        logger.warning("Public store unavailable (%s); rendering %s directly", error, request.path)
        return view(rendering, *args, **kwargs)


def _rendering_request(request, page):
    """The request the view renders from: a GET (a HEAD's body is dropped later) with
    only the query parameters the view reads, in one spelling, defaults left out. The
    same key, the same page: junk values are refused and unread parameters dropped."""
    query = QueryDict(mutable=True)
    for parameter in page.query:
        value = parameter.read(request)
        if value != parameter.default:
            query[parameter.name] = str(value)
    rendering = copy.copy(request)
    rendering.method, rendering.GET = "GET", query
    return rendering


def not_allowed(page):
    response = page.refuse(405, f"This address answers only {', '.join(page.methods)}.")
    response["Allow"] = ", ".join(page.methods)
    return response


def _serve(request, rendering, view, args, kwargs):
    key = cache_key(request.path_info, rendering.GET)
    generation, database_down = _state()
    entry = _recent.get(key, generation)
    if entry is None:
        entry = cache.get(key)
        if entry is not None and entry.is_current(generation):
            _recent.put(key, entry)
    if entry is not None and (entry.is_current(generation) or database_down):
        return respond(request, entry, stale=database_down)
    if entry is not None and not cache.add(LOCK_PREFIX + key, 1, LOCK_TIMEOUT):
        return respond(request, entry)  # another process is rendering it right now
    try:
        response = view(rendering, *args, **kwargs)
    except DatabaseError as error:
        if not database.is_outage(error):
            raise  # this request's own fault: a 500 for it alone
        logger.warning("Serving %s from the store: database unavailable (%s)", request.path, error)
        mark_database_down()
        close_old_connections()
        return respond(request, entry, stale=True) if entry else unavailable(request)
    finally:
        if entry is not None:
            cache.delete(LOCK_PREFIX + key)
    if response.status_code != 200 or response.streaming:
        return response  # errors and odd responses are not stored
    entry = store(key, generation, response)
    return respond(request, entry)


def store(key, generation, response):
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
    cache.set(key, entry, ENTRY_TIMEOUT)
    _recent.put(key, entry)
    return entry


def respond(request, entry, *, stale=False):
    coding = request_headers.preferred_coding(
        request.headers.get("Accept-Encoding"), [c for c in CODINGS if c in entry.bodies]
    )
    etag = entry.etag_of(coding, stale=stale)
    if not stale and _not_modified(request, entry, etag):
        response = HttpResponseNotModified()
        for name, value in entry.headers.items():
            if name.startswith(KEPT_PREFIXES):  # CORS: scripts revalidate too
                response[name] = value
        _add_validators(response, entry, etag, stale)
        return response
    body = _stale_body(entry, coding) if stale else entry.bodies[coding]
    response = HttpResponse(b"" if request.method == "HEAD" else body)
    for name, value in entry.headers.items():
        response[name] = value
    if coding != "identity":
        response["Content-Encoding"] = coding
    response["Content-Length"] = str(len(body))
    _add_validators(response, entry, etag, stale)
    return response


def _add_validators(response, entry, etag, stale):
    response["ETag"] = etag
    response["Last-Modified"] = http_date(entry.last_modified)
    response["Vary"] = "Accept-Encoding"
    response["Cache-Control"] = CACHE_CONTROL.format(shared_max_age=settings.PUBLIC_MAX_AGE)
    if stale:
        response["X-Status-Page-Stale"] = "database unavailable"


def _not_modified(request, entry, etag):
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        # Only the tag of the coding being sent: a copy in another coding is not this one.
        return request_headers.none_match(if_none_match, etag)
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return since is not None and int(entry.last_modified) <= since


def _stale_body(entry, coding):
    body = entry.bodies["identity"]
    if entry.is_html:
        body = _with_stale_notice(body, entry.stored_at)
    if coding == "gzip":
        return gzip.compress(body, compresslevel=6, mtime=0)
    if coding == "br":
        return brotli.compress(body, quality=5)
    return body


def _with_stale_notice(body, stored_at):
    as_of = datetime.datetime.fromtimestamp(stored_at, tz=datetime.UTC)
    notice = render_to_string("public_cache/stale_notice.html", {"as_of": as_of})
    body = body.replace(STALE_MARK, notice.encode(), 1)
    paused = render_to_string("public_cache/follow_paused.html").encode()
    start = body.find(FOLLOW_START)
    while start >= 0 and (end := body.find(FOLLOW_END, start)) >= 0:
        body = body[:start] + paused + body[end + len(FOLLOW_END) :]
        start = body.find(FOLLOW_START, start + len(paused))
    return body


def unavailable(request, *, heading=None, message=None):
    """No stored copy and no database: a plain, honest 503 that needs neither."""
    context = {"page_name": settings.STATUS_PAGE_NAME, "heading": heading, "message": message}
    html = render_to_string("503.html", context)
    response = HttpResponse(html, status=503)
    response["Retry-After"] = "30"
    return response


# Keeping the store warm: after every change, and on a schedule for copies grown old
# (so that visitors seldom wait for a page to be rendered).

WARM_QUEUED_KEY = "public:warm-queued"
WARM_PATHS = [
    "/", "/history", "/history.rss", "/history.atom", "/badge.svg", "/maintenance.ics",
    "/subscribe", "/api/v2/", "/api/v2/summary.json", "/api/v2/status.json",
    "/api/v2/components.json", "/api/v2/incidents.json", "/api/v2/incidents/unresolved.json",
    "/api/v2/scheduled-maintenances.json", "/api/v2/scheduled-maintenances/upcoming.json",
    "/api/v2/scheduled-maintenances/active.json", "/api/v2/uptime.json",
]  # fmt: skip


def changed():
    """The public state changed (called after commit): new generation, re-render soon."""
    from .tasks import warm_public_pages

    invalidate()
    # One queued re-render is enough, however many changes an import makes.
    if cache.add(WARM_QUEUED_KEY, 1, 60):
        warm_public_pages.enqueue()


def warm():
    """Render the busiest public URLs and the latest incidents' pages, where their stored
    copy is missing, stale or old (after a change, and as a periodic job)."""
    from incidents.models import Component, Incident

    cache.delete(WARM_QUEUED_KEY)
    paths = [
        *WARM_PATHS,
        *(incident.get_absolute_url() for incident in Incident.objects.public()[:20]),
        *(f"/components/{c.public_id}/badge.svg" for c in Component.objects.public()),
    ]
    return sum(_warm_one(path) for path in paths)


def _warm_one(path):
    request = _internal_request(path)
    match = resolve(path)
    response = serve(request, match.func, match.args, match.kwargs)
    return response.status_code == 200


def _internal_request(path):
    site = urlsplit(settings.SITE_URL)
    port = site.port or (443 if site.scheme == "https" else 80)
    return WSGIRequest(
        {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": site.hostname,
            "SERVER_PORT": str(port),
            "HTTP_HOST": site.netloc,
            "wsgi.url_scheme": site.scheme,
            "wsgi.input": io.BytesIO(),
        }
    )
