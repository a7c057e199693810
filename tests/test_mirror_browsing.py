"""A mirror served by a plain static server (Python's http.server, in its own process),
browsed from its root: every link and every asset of every page answers, and old
addresses of the origin lead to the right page."""

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from incidents import services
from public_store import mirrors

from .smtp_sink import free_port
from .test_mirrors import site  # noqa: F401 - the fixture

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found += [value for name, value in attrs if name in ("href", "src", "action")]


@pytest.fixture
def static_server(tmp_path):
    port = free_port()
    server = subprocess.Popen(
        # The mirror's link, which need not exist yet: followed on every request.
        [
            sys.executable,
            "-m",
            "http.server",
            str(port),
            "--bind",
            "127.0.0.1",
            "--directory",
            str(tmp_path / "site"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    yield base
    server.terminate()
    server.wait(timeout=10)


def crawl(base):
    """Every address reachable from the root: {url: (status, content type)}, and the
    links that leave the mirror."""
    seen, outside, todo = {}, set(), [f"{base}/"]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                body, kind = response.read(), response.headers.get_content_type()
                seen[url] = (response.status, kind)
        except urllib.error.HTTPError as error:
            seen[url] = (error.code, "")
            continue
        parser = Links()
        if kind == "text/html":
            parser.feed(body.decode())
        for link in parser.found:
            target = urldefrag(urljoin(url, link)).url
            if urlsplit(target).netloc == urlsplit(base).netloc:
                todo.append(target)
            elif target.startswith("http"):
                outside.add(target)
    return seen, outside


def test_a_static_server_serves_the_mirror_with_no_broken_link(
    site,  # noqa: F811
    tmp_path,
    settings,
    static_server,
):
    services.update_create(
        incident=site["open"], status="identified", body="See [the history](/history)."
    )
    [outcome] = mirrors.publish([f"file://{tmp_path}/site"]).values()
    assert not isinstance(outcome, Exception), outcome
    seen, outside = crawl(static_server)
    broken = {url: status for url, (status, _) in seen.items() if status != 200}
    assert broken == {}
    pages = [url for url, (_, kind) in seen.items() if kind == "text/html"]
    assert len(pages) >= 9  # home, history and its page 2, 4 incidents, follow, API
    assert any("/static/" in url and url.endswith(".css") for url in seen)
    assert all(url.startswith(settings.SITE_URL) for url in outside)  # the origin alone
    assert f"{settings.SITE_URL}/subscribe" in outside
    incident = site["open"].public_id
    with urllib.request.urlopen(f"{static_server}/incidents/{incident}", timeout=5) as old:
        assert old.url.endswith(f"/incidents/{incident}/") and b"See " in old.read()
