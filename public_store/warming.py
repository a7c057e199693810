"""Keeping the store warm: after every change, and on a schedule for copies grown old,
so that visitors seldom wait for a page to be rendered.

The store knows no app: each app tells it which of its paths are worth rendering ahead
(`register_paths`, in its AppConfig.ready()), like a sitemap.
"""

import io
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.tasks import task
from django.urls import resolve

from . import serving, store

WARM_QUEUED_KEY = "public:warm-queued"

_path_providers: list[Callable[[], Iterable[str]]] = []


def register_paths(provider: Callable[[], Iterable[str]]) -> None:
    """Add a function that lists public paths worth rendering before anyone asks."""
    if provider not in _path_providers:
        _path_providers.append(provider)


def paths() -> list[str]:
    return [path for provider in _path_providers for path in provider()]


def public_state_changed():
    """The public state changed (call it on commit): new generation, re-render soon."""
    store.invalidate()
    # One queued re-render is enough, however many changes an import makes.
    if store.cache.add(WARM_QUEUED_KEY, 1, 60):
        warm_public_pages.enqueue()


@task
def warm_public_pages() -> int:
    """Render the busiest public pages right after a change, before visitors ask."""
    return warm()


def warm() -> int:
    """Render the registered paths whose stored copy is missing, stale or old (after a
    change, and as a periodic job); how many were rendered or found current."""
    store.cache.delete(WARM_QUEUED_KEY)
    return sum(_warm_one(path) for path in paths())


def _warm_one(path):
    match = resolve(path)
    response = serving.serve(internal_request(path), match.func, match.args, match.kwargs)
    return response.status_code == 200


def internal_request(path, query=""):
    """A GET for `path` as a visitor of SITE_URL would send it (for rendering ahead)."""
    site = urlsplit(settings.SITE_URL)
    port = site.port or (443 if site.scheme == "https" else 80)
    return WSGIRequest(
        {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": site.hostname,
            "SERVER_PORT": str(port),
            "HTTP_HOST": site.netloc,
            "wsgi.url_scheme": site.scheme,
            "wsgi.input": io.BytesIO(),
        }
    )
