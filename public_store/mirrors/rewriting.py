"""Making the public site work as plain files on any static server, at a domain root.

Pages become directory index pages (`/history` is `history/index.html`, linked as
`/history/`; the old address redirects there on ordinary static servers), a list's page
N is `<path>/page/N/` (`<name>/page/N.<ext>` for a document), everything else keeps its
path, so Statuspage clients can be pointed at a mirror. Links to what the mirror has are
rewritten to its names; links to what it has not lead to the origin. Mirrored pages say
that they are a copy and when they were published, and their follow forms lead to the
origin, which alone can take sign-ups.
"""

import datetime
import html
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from django.conf import settings
from django.template.loader import render_to_string

from .. import serving

# Where a mirrored page says it is a mirror (the out-of-date note's place).
NOTICE_MARK = serving.STALE_MARK
ATTRIBUTE = re.compile(rb'(\s(?:href|src|action)=")([^"]*)(")')
CSS_URL = re.compile(rb"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")
ACTION = re.compile(rb'\saction="([^"]*)"')
FOLLOW_REGION = re.compile(
    b"(" + re.escape(serving.FOLLOW_START) + b".*?" + re.escape(serving.FOLLOW_END) + b")", re.S
)


def normal_url(path: str, query: str = "") -> str:
    """One spelling of a public URL: its query sorted, the first page implied."""
    pairs = sorted((n, v) for n, v in parse_qsl(query) if not (n == "page" and v == "1"))
    return f"{path}?{urlencode(pairs)}" if pairs else path


def key_of(url: str, content_type: str) -> str:
    """The file name of public `url` in the mirror."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    page = query.pop("page", "1")
    if query:
        raise ValueError(f"{url}: a static mirror can only tell pages apart by ?page=")
    if content_type.startswith("text/html"):
        base = parts.path.strip("/")
        if page != "1":
            base = f"{base}/page/{page}".lstrip("/")
        return f"{base}/index.html" if base else "index.html"
    name = parts.path.lstrip("/")
    if page != "1":
        stem, _, extension = name.rpartition(".")
        return f"{stem}/page/{page}.{extension}"
    return name


def href_of(key: str) -> str:
    """The address a link gives to the mirror's file `key` (a directory for a page)."""
    return "/" + key.removesuffix("index.html")


def rewrite_links(body: bytes, page_url: str, links: dict[str, str]) -> bytes:
    """Every href, src and action of `body` (the page at `page_url`): to the mirror's
    file where it has one (`links`: normal URL -> address), else to the origin. Follow
    forms are left as they are: as_mirrored_page() reads where they post to."""

    def replace(match):
        value = html.unescape(match[2].decode())
        new = _mirrored(value, page_url, links)
        return match[1] + html.escape(new).encode() + match[3]

    pieces = FOLLOW_REGION.split(body)
    return b"".join(p if FOLLOW_REGION.fullmatch(p) else ATTRIBUTE.sub(replace, p) for p in pieces)


def _mirrored(value, page_url, links):
    if not value or value.startswith("#"):
        return value
    origin = urlsplit(settings.SITE_URL)
    target = urlsplit(urljoin(f"{settings.SITE_URL}{page_url}", value))
    if (target.scheme, target.netloc) != (origin.scheme, origin.netloc):
        return value  # another site, or mailto:
    address = links.get(normal_url(target.path, target.query))
    if address is None and is_static(target.path):
        address = target.path  # static files keep their names
    if address is None:
        return target.geturl()  # not mirrored: the origin has it
    return address + (f"#{target.fragment}" if target.fragment else "")


def is_static(path: str) -> bool:
    return path.startswith(settings.STATIC_URL) or root_file(path) is not None


def root_file(path: str):
    """The file WhiteNoise serves at `path` from the site's root files (favicon.ico)."""
    root = getattr(settings, "WHITENOISE_ROOT", None)
    if not root or ".." in path.split("/"):
        return None
    file = Path(root) / path.lstrip("/")
    return file if file.is_file() else None


def asset_references(body: bytes, url: str) -> set[str]:
    """Paths on this site that a page or stylesheet at `url` loads or links to."""
    values = [m[2] for m in ATTRIBUTE.finditer(body)] + [m[1] for m in CSS_URL.finditer(body)]
    origin = urlsplit(settings.SITE_URL)
    found = set()
    for value in values:
        target = urlsplit(urljoin(f"{settings.SITE_URL}{url}", html.unescape(value.decode())))
        if (target.scheme, target.netloc) == (origin.scheme, origin.netloc):
            found.add(target.path)
    return found


def as_mirrored_page(body: bytes) -> bytes:
    """A page's follow forms replaced by a link to the origin's sign-up."""
    start = body.find(serving.FOLLOW_START)
    while start >= 0 and (end := body.find(serving.FOLLOW_END, start)) >= 0:
        action = ACTION.search(body, start, end)
        path = html.unescape(action[1].decode()) if action else "/"
        context = {"sign_up_url": urljoin(settings.SITE_URL, path), **_origin()}
        link = render_to_string("public_store/mirror_follow.html", context).encode()
        body = body[:start] + link + body[end + len(serving.FOLLOW_END) :]
        start = body.find(serving.FOLLOW_START, start + len(link))
    return body


def with_notice(body: bytes, published_at: datetime.datetime) -> bytes:
    """The page saying it is a mirror, published at `published_at`."""
    if NOTICE_MARK not in body:
        return body
    context = {"published_at": published_at, **_origin()}
    notice = render_to_string("public_store/mirror_notice.html", context).encode()
    return body.replace(NOTICE_MARK, notice, 1)


def _origin():
    return {"origin": settings.SITE_URL, "origin_host": urlsplit(settings.SITE_URL).netloc}
