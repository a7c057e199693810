"""Serving the stored copies: the right coding, ETags and 304s, and the last good copy
when the database is unreachable.

When the database is unreachable, the last stored response is served with a note that
it may be out of date (and the follow form replaced by "subscriptions are paused"): a
status page is read hardest when the infrastructure behind it is failing.
"""

import copy
import datetime
import gzip
import hashlib
import logging

import brotli
from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.http import HttpResponse, HttpResponseNotModified, QueryDict
from django.template.loader import render_to_string
from django.utils.http import http_date, parse_http_date_safe

from . import headers, journal, outage, store
from .http import BadQuery

logger = logging.getLogger(__name__)

# Browsers ask again every time (a 304 is cheap), so a post shows on the next visit;
# shared caches (a CDN) keep a copy briefly, and may serve it stale while revalidating
# or while the origin fails.
CACHE_CONTROL = (
    "public, max-age=0, s-maxage={shared_max_age}, stale-while-revalidate=30, stale-if-error=86400"
)
# Where a page marks the out-of-date note, and the follow form that a stale copy pauses.
STALE_MARK = b"<!--public-state-->"
FOLLOW_START, FOLLOW_END = b"<!--follow-->", b"<!--/follow-->"
# Where the journal's posts go: the general place (the home page), and each anchor's.
JOURNAL_MARK = b"<!--journal-->"
JOURNAL_ANCHOR_MARK = "<!--journal:{}-->"
POSTS_MARK = b"<!--posts-->"  # in journal_section.html


def cache_control() -> str:
    return CACHE_CONTROL.format(shared_max_age=settings.PUBLIC_MAX_AGE)


def serve(request, view, args, kwargs):
    """Answer a GET or HEAD for a public view from the store, rendering it if stale."""
    try:
        rendering = _rendering_request(request, view.public_page)
    except BadQuery as error:
        return view.public_page.refuse(400, str(error))  # before any lookup: nothing stored
    try:
        return _serve(request, rendering, view, args, kwargs)
    except store.CACHE_ERRORS as error:
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
    key = store.key_of(request.path_info, rendering.GET)
    generation, database_down, waiting = store.state()
    posts = journal_posts(waiting)
    entry = store.lookup(key, generation)
    if entry is not None and (entry.is_current(generation) or database_down):
        return respond(request, entry, stale=database_down, posts=posts)
    if entry is not None and not store.lock(key):
        return respond(request, entry, posts=posts)  # another process is rendering it now
    try:
        response = view(rendering, *args, **kwargs)
    except DatabaseError as error:
        if not outage.is_outage(error):
            raise  # this request's own fault: a 500 for it alone
        logger.warning("Serving %s from the store: database unavailable (%s)", request.path, error)
        store.mark_database_down()
        close_old_connections()
        if entry is None:
            return outage.unavailable(request)
        return respond(request, entry, stale=True, posts=posts)
    finally:
        if entry is not None:
            store.unlock(key)
    if response.status_code != 200 or response.streaming:
        return response  # errors and odd responses are not stored
    return respond(request, store.keep(key, generation, response), posts=posts)


def respond(request, entry, *, stale=False, posts=()):
    """Answer with `entry`, marked out of date if `stale`, with the journal's `posts`
    (posted while the database was unreachable) spliced into a page."""
    coding = headers.preferred_coding(
        request.headers.get("Accept-Encoding"), [c for c in store.CODINGS if c in entry.bodies]
    )
    posts = posts if entry.is_html else ()
    etag = entry.etag_of(coding, stale=stale, variant=f"-j{journal_digest(posts)}" if posts else "")
    last_modified = max([entry.last_modified, *(post.created_at for post in posts)])
    if not stale and _not_modified(request, last_modified, etag):
        response = HttpResponseNotModified()
        for name, value in entry.headers.items():
            if name.startswith(store.KEPT_PREFIXES):  # CORS: scripts revalidate too
                response[name] = value
        _add_validators(response, last_modified, etag, stale)
        return response
    if stale or posts:
        body = _altered_body(entry, coding, stale=stale, posts=posts)
    else:
        body = entry.bodies[coding]
    response = HttpResponse(b"" if request.method == "HEAD" else body)
    for name, value in entry.headers.items():
        response[name] = value
    if coding != "identity":
        response["Content-Encoding"] = coding
    response["Content-Length"] = str(len(body))
    _add_validators(response, last_modified, etag, stale)
    return response


def _add_validators(response, last_modified, etag, stale):
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["Vary"] = "Accept-Encoding"
    response["Cache-Control"] = cache_control()
    if stale:
        response["X-Status-Page-Stale"] = "database unavailable"


def _not_modified(request, last_modified, etag):
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        # Only the tag of the coding being sent: a copy in another coding is not this one.
        return headers.none_match(if_none_match, etag)
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return since is not None and int(last_modified) <= since


def _altered_body(entry, coding, *, stale, posts):
    body = entry.bodies["identity"]
    if entry.is_html and stale:
        body = _with_stale_notice(body, entry.stored_at)
    if posts:
        body = _with_journal(body, posts)
    if coding == "gzip":
        return gzip.compress(body, compresslevel=6, mtime=0)
    if coding == "br":
        return brotli.compress(body, quality=5)
    return body


def _with_stale_notice(body, stored_at):
    as_of = datetime.datetime.fromtimestamp(stored_at, tz=datetime.UTC)
    notice = render_to_string("public_store/stale_notice.html", {"as_of": as_of})
    body = body.replace(STALE_MARK, notice.encode() + STALE_MARK, 1)  # the mirror's goes there too
    paused = render_to_string("public_store/follow_paused.html").encode()
    start = body.find(FOLLOW_START)
    while start >= 0 and (end := body.find(FOLLOW_END, start)) >= 0:
        body = body[:start] + paused + body[end + len(FOLLOW_END) :]
        start = body.find(FOLLOW_START, start + len(paused))
    return body


# Posts of the break-glass journal, waiting for the database: shown without it.


def journal_posts(stored: list) -> tuple[journal.Entry, ...]:
    """The journal's posts the pages show, from store.state().journal, oldest first."""
    try:
        return tuple(journal.Entry.from_dict(data) for data in stored)
    except (TypeError, KeyError):
        return ()


def journal_digest(posts) -> str:
    """A short tag of which posts a page shows (for its ETag)."""
    return hashlib.sha256(" ".join(post.id for post in posts).encode()).hexdigest()[:8]


def _with_journal(body, posts):
    """`body` with each post at its anchors' markers, or else in a section at the
    general marker; newest first."""
    general = []
    for post in posts:  # oldest first: each goes right after its marker, above the last
        placed = False
        for anchor in post.anchors:
            mark = JOURNAL_ANCHOR_MARK.format(anchor).encode()
            if mark in body:
                body = body.replace(mark, mark + post.anchored_html.encode())
                placed = True
        if not placed:
            general.insert(0, post.html.encode())
    if general and JOURNAL_MARK in body:
        # The posts are HTML the app rendered and escaped: they go in as they are.
        section = render_to_string("public_store/journal_section.html").encode()
        section = section.replace(POSTS_MARK, b"".join(general), 1)
        body = body.replace(JOURNAL_MARK, JOURNAL_MARK + section, 1)
    return body
