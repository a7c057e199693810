"""When mirrors are published: after every public change, by the worker (within a second
or two of it; changes made meanwhile go out together in the next publish), every few
minutes anyway (what depends on the time), and by hand (`manage.py publish_mirror`).

Each target is published on its own thread: a slow or failing one holds up neither
posting nor the other targets. A failure is retried with growing delays and kept, with
each target's last publish, in the shared store for /healthz and the admin.
"""

import datetime
import hashlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import connection

from .. import serving, store
from . import site, targets

logger = logging.getLogger(__name__)

STATE_PREFIX = "public:mirror-state:"
LOCK_PREFIX = "public:mirror-lock:"
LOCK_TIMEOUT = 900
# Published again this often without a change: uptime bars, "so far", windows starting.
REFRESH_EVERY = 300
# Every page is rendered again this often, whatever its version says.
FULL_RENDER_EVERY = 3600
# Seconds before the next try after 1, 2, 3… failures in a row (the last repeats).
BACKOFF = (5, 15, 30, 60, 120, 300)
# /healthz reports a target not published for this long.
STALE_AFTER = 900


@dataclass
class TargetState:
    url: str
    published: str = ""  # the state of the site it was last published from (site_tag)
    last_attempt: float = 0.0
    last_success: float = 0.0
    failures: int = 0  # in a row
    next_try: float = 0.0
    error: str = ""
    written: int = 0
    removed: int = 0
    objects: int = 0
    location: str = ""


def _key(prefix, url):
    return prefix + hashlib.sha256(url.encode()).hexdigest()[:24]


def target_state(url: str) -> TargetState:
    try:
        stored = store.cache.get(_key(STATE_PREFIX, url))
    except store.CACHE_ERRORS:
        stored = None
    try:
        return TargetState(**stored) if isinstance(stored, dict) else TargetState(url)
    except TypeError:
        return TargetState(url)


def _save(state: TargetState):
    try:
        store.cache.set(_key(STATE_PREFIX, state.url), asdict(state), None)
    except store.CACHE_ERRORS as error:
        logger.warning("Mirror state of %s not kept (%s)", state.url, error)


def site_tag() -> str:
    """What the mirrors are published from: the generation of the public state, whether
    the database is down (the out-of-date note), the journal's posts."""
    generation, database_down, posts = store.state()
    return (
        f"{generation}:{int(database_down)}:{serving.journal_digest(serving.journal_posts(posts))}"
    )


def publish(urls=None, *, full=False) -> dict:
    """Publish to every target (or to `urls`) now, each on its own thread; for each
    target, its targets.Result or the error it met."""
    urls = list(urls or settings.MIRROR_URLS)
    tag = site_tag()
    with ThreadPoolExecutor(max(len(urls), 1)) as pool:
        outcomes = pool.map(lambda url: _publish_recorded(url, tag, full=full), urls)
        return dict(zip(urls, outcomes, strict=True))


def _publish_recorded(url, tag, *, full):
    state = target_state(url)
    state.last_attempt = time.time()
    try:
        result = publish_target(targets.parse(url), full=full)
    except Exception as error:  # any failure of one target: reported, retried later
        logger.warning("Mirror %s failed: %s", url, error)
        state.failures += 1
        state.error = " ".join(f"{type(error).__name__}: {error}".split())[:500]
        state.next_try = time.time() + BACKOFF[min(state.failures, len(BACKOFF)) - 1]
        _save(state)
        return error
    finally:
        connection.close()  # each thread has its own connection: not left open
    state.published, state.last_success, state.failures, state.error = tag, time.time(), 0, ""
    state.written, state.removed = len(result.written), len(result.removed)
    state.objects, state.location, state.next_try = result.objects, result.location, 0.0
    _save(state)
    return result


def publish_target(target, *, full=False) -> targets.Result:
    previous = target.read()
    snapshot = site.snapshot([previous], full=full)
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    return target.publish(snapshot, previous, now)


# The worker's periodic job: start a publish for each target that needs one.

_running: dict[str, threading.Thread] = {}
_last_full: dict[str, float] = {}


def publish_due() -> int:
    """Start publishing, in the background, to each target whose copy is behind the
    site, due a refresh or due a retry; how many were started."""
    if not settings.MIRROR_URLS:
        return 0
    tag, now, started = site_tag(), time.time(), 0
    for url in settings.MIRROR_URLS:
        running = _running.get(url)
        if running is not None and running.is_alive():
            continue
        if not _due(target_state(url), tag, now):
            continue
        if not store.cache.add(_key(LOCK_PREFIX, url), 1, LOCK_TIMEOUT):
            continue  # another worker is publishing it
        full = now - _last_full.get(url, 0) > FULL_RENDER_EVERY
        thread = threading.Thread(target=_run, args=(url, tag, full), daemon=True)
        _running[url] = thread
        thread.start()
        started += 1
    return started


def _due(state, tag, now):
    if now < state.next_try:
        return False  # waiting to retry after a failure
    return state.published != tag or now - state.last_success > REFRESH_EVERY


def _run(url, tag, full):
    try:
        if not isinstance(_publish_recorded(url, tag, full=full), Exception) and full:
            _last_full[url] = time.time()
    finally:
        store.cache.delete(_key(LOCK_PREFIX, url))


def wait_for_running(timeout=60):
    """Wait for the background publishes this process started (tests, shutdown)."""
    for thread in list(_running.values()):
        thread.join(timeout)


# What /healthz and the admin report.


def report() -> dict:
    if not settings.MIRROR_URLS:
        return {"ok": True, "targets": {}}
    now, result = time.time(), {"ok": True, "targets": {}}
    for url in settings.MIRROR_URLS:
        state = target_state(url)
        entry = {"ok": True, "objects": state.objects}
        if state.last_success:
            entry["published_seconds_ago"] = round(now - state.last_success, 1)
        if state.failures:
            entry |= {"ok": False, "failures": state.failures, "error": state.error}
            entry["next_try_seconds"] = round(max(state.next_try - now, 0), 1)
        elif not state.last_success:
            entry |= {"ok": False, "error": "not published yet (is the worker running?)"}
        elif now - state.last_success > STALE_AFTER:
            entry |= {"ok": False, "error": "not published for a long time"}
        result["targets"][url] = entry
        result["ok"] = result["ok"] and entry["ok"]
    if not result["ok"]:
        failing = [url for url, entry in result["targets"].items() if not entry["ok"]]
        result["error"] = f"mirror(s) not up to date: {', '.join(failing)}"
    return result
