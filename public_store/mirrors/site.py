"""What a mirror holds: every public URL the apps register, rendered through the store
as visitors get it (journal posts and out-of-date note included), rewritten for a static
server, and the static files those pages load.

Apps register providers of "every public URL" in their AppConfig.ready(). A URL may come
with a `version` that changes whenever its page may (an incident closed long ago): a
page whose version every target already has is not rendered again, so a post renders a
few pages, not the site; a full render happens at a worker's first publish and hourly.
"""

import dataclasses
import hashlib
import json
import logging
import mimetypes
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DatabaseError, connection
from django.urls import resolve

from .. import outage, serving, store, warming
from . import rewriting

logger = logging.getLogger(__name__)

MANIFEST_KEY = "mirror.json"
HASHED_NAME = re.compile(r"\.[0-9a-f]{12}\.\w+$")  # as ManifestStaticFilesStorage names them
IMMUTABLE = "public, max-age=31536000, immutable"
ROOT_FILE = "public, max-age=3600"


class MirrorError(Exception):
    """The site cannot be mirrored as it is (not a target's fault)."""


@dataclass(frozen=True)
class SitePath:
    url: str  # a public path and its query, as a visitor asks for it ("/history?page=2")
    version: str | None = None  # changes whenever the page may; None: render every time


_providers: list[Callable[[], Iterable[SitePath | str]]] = []


def register_site(provider: Callable[[], Iterable[SitePath | str]]) -> None:
    """Add a function that lists public URLs (str or SitePath) a mirror must hold."""
    if provider not in _providers:
        _providers.append(provider)


def listing() -> list[SitePath]:
    found = {}
    for provider in _providers:
        for item in provider():
            item = item if isinstance(item, SitePath) else SitePath(item)
            url = rewriting.normal_url(*urlsplit(item.url)[2:4])
            found.setdefault(url, SitePath(url, item.version))
    return list(found.values())


@dataclass
class MirrorObject:
    key: str  # the file name in the mirror
    content_type: str
    cache_control: str
    sha256: str  # of the content, before the mirror's notice (and its time) goes in
    source: str = ""  # the public URL it mirrors ("" for a static file)
    version: str | None = None
    journal: list[str] = field(default_factory=list)  # ids of journal posts it shows
    published_at: str = ""  # when this content was first published (ISO 8601)
    body: bytes | None = field(default=None, repr=False)  # None: unchanged, not rendered

    @property
    def is_page(self):
        return self.content_type.startswith("text/html")

    def entry(self) -> dict:
        return {k: v for k, v in dataclasses.asdict(self).items() if k not in ("key", "body")}


@dataclass
class Manifest:
    """What a target holds: written last by each publish, as `mirror.json`."""

    objects: dict[str, MirrorObject] = field(default_factory=dict)
    build: str = ""
    published_at: str = ""

    def to_json(self) -> bytes:
        document = {
            "origin": settings.SITE_URL,
            "published_at": self.published_at,
            "build": self.build,
            "objects": {key: obj.entry() for key, obj in sorted(self.objects.items())},
        }
        return json.dumps(document, indent=1).encode()

    @classmethod
    def from_json(cls, data: bytes | None) -> "Manifest":
        try:
            document = json.loads(data) if data else {}
            objects = {
                key: MirrorObject(key=key, **entry) for key, entry in document["objects"].items()
            }
            return cls(objects, document.get("build", ""), document.get("published_at", ""))
        except (ValueError, TypeError, KeyError, AttributeError):
            return cls()  # none, or unreadable: everything is published again

    @cached_property
    def by_source(self) -> dict[str, MirrorObject]:
        return {obj.source: obj for obj in self.objects.values() if obj.source}


@dataclass
class Snapshot:
    objects: dict[str, MirrorObject]
    rendered: int  # pages rendered for this publish
    carried: int  # pages every target had already (same version)
    build: str = ""


def build() -> str:
    """What every page depends on beyond its own version: settings and static files."""
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    parts = [settings.SITE_URL, settings.STATUS_PAGE_NAME, settings.TIME_ZONE]
    parts.append(manifest.read_text() if manifest.is_file() else "")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def snapshot(previous: list[Manifest], *, full: bool) -> Snapshot:
    """The site as the targets whose last manifests are `previous` should hold it."""
    current_build = build()
    listed = _listed(previous)
    shown = _journal_posts_by_path()
    carried, pages = {}, []
    for site_path in listed:
        ids = shown.get(urlsplit(site_path.url).path, [])
        kept = None if full else _carried(site_path, ids, previous, current_build)
        if kept is not None:
            carried[site_path.url] = kept
        else:
            pages.append((site_path, ids))
    rendered = [(site_path, ids, _render(site_path.url, previous)) for site_path, ids in pages]
    # The static files of pages not rendered again: those published with the same build.
    same_build = previous and all(manifest.build == current_build for manifest in previous)
    files = (
        [f"/{o.key}" for o in previous[0].objects.values() if not o.source] if same_build else []
    )
    result = _assembled(carried, rendered, files)
    result.build = current_build
    return result


def _journal_posts_by_path():
    try:
        posts = serving.journal_posts(store.state().journal)
    except store.CACHE_ERRORS:
        posts = ()
    shown = {}
    for post in posts:
        for path in post.paths:
            shown.setdefault(path, []).append(post.id)
    return shown


def _listed(previous):
    try:
        return listing()
    except DatabaseError as error:
        if not outage.is_outage(error):
            raise
        store.mark_database_down()  # the pages published now say they may be out of date
        connection.close()
    if not previous or not previous[0].objects:
        raise MirrorError("the database is unreachable and nothing was published before")
    # What was published last: the list of pages cannot change while nobody can post.
    return [SitePath(o.source, o.version) for o in previous[0].objects.values() if o.is_page]


def _carried(site_path, ids, previous, current_build):
    if site_path.version is None or not previous:
        return None
    kept = [manifest.by_source.get(site_path.url) for manifest in previous]
    for manifest, obj in zip(previous, kept, strict=True):
        if obj is None or manifest.build != current_build:
            return None
        if obj.version != site_path.version or obj.journal != ids:
            return None
    return kept[0]


def _render(url, previous):
    """The response a visitor would get; on a failure, the copy published before."""
    parts = urlsplit(url)
    try:
        match = resolve(parts.path)
        if getattr(match.func, "public_page", None) is None:
            raise MirrorError(f"{url} is not a public page")
        request = warming.internal_request(parts.path, parts.query)
        response = serving.serve(request, match.func, match.args, match.kwargs)
    except Exception as error:  # one page must not stop the rest
        logger.exception("Mirror: %s could not be rendered (%s)", url, error)
        response = None
    if response is not None and response.status_code in (200, 404, 410):
        return response
    old = next((m.by_source[url] for m in previous if url in m.by_source), None)
    return old  # a 503 or a failure: keep what the mirror had, if anything


def _assembled(carried, rendered, files):
    links = {url: rewriting.href_of(obj.key) for url, obj in carried.items()}
    responses = []
    for site_path, ids, response in rendered:
        if isinstance(response, MirrorObject):
            carried[site_path.url] = response
            links[site_path.url] = rewriting.href_of(response.key)
        elif response is not None and response.status_code == 200:
            key = rewriting.key_of(site_path.url, response["Content-Type"])
            links[site_path.url] = rewriting.href_of(key)
            responses.append((site_path, ids, response, key))
    objects = {obj.key: obj for obj in carried.values()}
    references = set(files)
    for site_path, ids, response, key in responses:
        body = response.content
        content_type = response["Content-Type"]
        if content_type.startswith("text/html"):
            body = rewriting.rewrite_links(body, site_path.url, links)
            body = rewriting.as_mirrored_page(body)
            references |= rewriting.asset_references(body, rewriting.href_of(key))
        objects[key] = MirrorObject(
            key=key,
            content_type=content_type,
            cache_control=serving.cache_control(),
            sha256=hashlib.sha256(body).hexdigest(),
            source=site_path.url,
            version=site_path.version,
            journal=ids,
            body=body,
        )
    objects |= _static_files(references)
    return Snapshot(objects, rendered=len(responses), carried=len(carried))


def _static_files(references):
    """The static files the pages load (and what stylesheets load), and the site's root
    files (favicon.ico), read from disk."""
    found = {}
    todo = set(references)
    root = getattr(settings, "WHITENOISE_ROOT", None)
    if root and Path(root).is_dir():
        todo |= {f"/{p.relative_to(root)}" for p in Path(root).rglob("*") if p.is_file()}
    while todo:
        path = todo.pop()
        file = _static_file(path)
        if file is None or path.lstrip("/") in found:
            continue
        obj = _file_object(path, file)
        found[obj.key] = obj
        if obj.content_type.startswith("text/css"):
            todo |= rewriting.asset_references(obj.body, path) - {path}
    return found


def _static_file(path):
    if path.startswith(settings.STATIC_URL):
        name = path.removeprefix(settings.STATIC_URL)
        file = Path(settings.STATIC_ROOT) / name
        if ".." in name.split("/") or not file.is_file():
            # As on the origin, a link to a file that is not there leads nowhere.
            logger.warning("Mirror: the static file %s is missing (run collectstatic?)", path)
            return None
        return file
    return rewriting.root_file(path)  # or a page: None


def _file_object(path, file):
    content_type, _ = mimetypes.guess_type(file.name)
    content_type = content_type or "application/octet-stream"
    if content_type.startswith("text/") or content_type.endswith("javascript"):
        content_type += "; charset=utf-8"
    body = file.read_bytes()
    return MirrorObject(
        key=path.lstrip("/"),
        content_type=content_type,
        cache_control=IMMUTABLE if HASHED_NAME.search(file.name) else ROOT_FILE,
        sha256=hashlib.sha256(body).hexdigest(),
        body=body,
    )
