"""import_statuspage: reading files and URLs, from public addresses only (unless
--allow-private), within one deadline."""

import contextlib
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management.base import CommandError

from incidents.api import importer
from incidents.api.importer import sources, web

from .conftest import ALLOW_PRIVATE, DOCUMENTS, SITE, counts, run, source

pytestmark = pytest.mark.django_db


def test_a_missing_file_or_another_scheme_is_refused_clearly(tmp_path):
    with pytest.raises(CommandError, match="No such file or directory"):
        run(tmp_path / "nope.json")
    with pytest.raises(CommandError, match="only files and http"):
        run("ftp://example.org/incidents.json")


def test_http_errors_name_the_url_and_status(statuspage_site):
    with pytest.raises(CommandError, match=r"/api/v2/nothing.json: HTTP 404"):
        run(f"{statuspage_site}/api/v2/nothing.json", ALLOW_PRIVATE)
    with pytest.raises(CommandError, match=r"/api/v2/components.json: HTTP 404"):
        run(f"{statuspage_site}/no-such-page", ALLOW_PRIVATE)


def test_an_unreachable_host_is_a_clear_error(db):
    with pytest.raises(CommandError, match=r"http://127.0.0.1:9/incidents.json: .*refused"):
        run("http://127.0.0.1:9/incidents.json", ALLOW_PRIVATE)


def test_oversized_sources_are_refused(statuspage_site, monkeypatch):
    monkeypatch.setattr(sources, "MAX_BYTES", 1000)
    with pytest.raises(CommandError, match="larger than"):
        run(f"{statuspage_site}/api/v2/incidents.json", ALLOW_PRIVATE)
    with pytest.raises(CommandError, match="larger than"):
        run(DOCUMENTS / "incidents.json")


def test_a_server_that_never_answers_times_out(monkeypatch):
    monkeypatch.setattr(web, "FETCH_TIMEOUT", 0.5)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/api/v2/incidents.json"
        with pytest.raises(CommandError, match=r"no answer within 0\.5 seconds"):
            run(url, ALLOW_PRIVATE)


class RedirectToFtp(SimpleHTTPRequestHandler):
    def do_GET(self):
        self.send_response(302)
        self.send_header("Location", "ftp://127.0.0.1:9/incidents.json")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_redirect_off_the_web_is_refused(monkeypatch, db):
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    server = ThreadingHTTPServer(("127.0.0.1", 0), RedirectToFtp)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/api/v2/incidents.json"
        with pytest.raises(CommandError, match=r"HTTP 302 a redirect to ftp://.*only http"):
            run(url, ALLOW_PRIVATE)
    finally:
        server.shutdown()
        server.server_close()
    assert counts() == [0, 0, 0, 0, 0]


# Fetching: public addresses only (unless --allow-private), one deadline for everything.


class CountingServer:
    """A real HTTP server on a loopback address that counts the requests it answers."""

    def __init__(self, handler, host="127.0.0.1"):
        self.requests = 0
        outer = self

        class Counted(handler):
            def parse_request(self):
                parsed = super().parse_request()
                outer.requests += parsed  # before answering: the client may be quicker
                return parsed

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, 0), Counted)
        self.server.outer = self
        self.url = f"http://{host}:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def serve():
    servers = []

    def start(handler, host="127.0.0.1"):
        servers.append(CountingServer(handler, host))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


class ServesIncidents(SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=str(SITE), **kwargs)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_url_on_a_private_network_is_refused_before_any_request(serve, host):
    site = serve(ServesIncidents)
    url = site.url.replace("127.0.0.1", host) + "/api/v2/incidents.json"
    with pytest.raises(CommandError) as error:
        run(url)
    assert "a loopback address: the import reads only from public addresses" in str(error.value)
    assert "--allow-private" in str(error.value)
    assert site.requests == 0 and counts() == [0, 0, 0, 0, 0]
    run(url, "--allow-private")  # named on purpose: imported
    assert site.requests == 1 and counts()[2] == len(source("incidents.json")["incidents"])


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("127.0.0.1", "127.0.0.1 is a loopback address"),
        ("::1", "::1 is a loopback address"),
        ("::ffff:127.0.0.1", "::ffff:127.0.0.1 is a loopback address"),
        ("0.0.0.0", "0.0.0.0 is the unspecified address, which reaches this machine"),
        ("10.1.2.3", "10.1.2.3 is a private address"),
        ("172.16.5.4", "172.16.5.4 is a private address"),
        ("192.168.1.1", "192.168.1.1 is a private address"),
        ("fd00::1", "fd00::1 is a private address"),
        ("169.254.169.254", "169.254.169.254 is a link-local address"),  # cloud metadata
        ("fe80::1", "fe80::1 is a link-local address"),
        ("100.64.0.1", "100.64.0.1 is not a public address"),  # carrier-grade NAT
        ("224.0.0.1", "224.0.0.1 is not a public address"),
        ("localhost", "localhost is "),
        ("93.184.215.14", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_which_addresses_are_not_public(address, refused):
    # Literal addresses go through the real getaddrinfo(), as a host name would.
    found = importer.non_public(address)
    assert found == refused or (refused and found.startswith(refused))


class Redirects(SimpleHTTPRequestHandler):
    def do_GET(self):
        self.send_response(302)
        self.send_header("Location", self.server.outer.target)
        self.end_headers()


def test_a_redirect_to_another_private_address_is_refused(serve):
    # The first host is allowed on purpose (--allow-private); the one it redirects to is
    # another loopback address, which nobody named: it gets no request.
    elsewhere = serve(ServesIncidents, host="127.0.0.2")
    first = serve(Redirects)
    first.target = f"{elsewhere.url}/api/v2/incidents.json"
    with pytest.raises(CommandError) as error:
        run(f"{first.url}/api/v2/incidents.json", ALLOW_PRIVATE)
    message = str(error.value)
    assert f"refused a redirect to {first.target}: 127.0.0.2 is a loopback address" in message
    assert "\n" not in message
    assert first.requests == 1 and elsewhere.requests == 0
    assert counts() == [0, 0, 0, 0, 0]


def test_a_redirect_within_the_named_host_is_followed(serve):
    site = serve(ServesIncidents)
    first = serve(Redirects)  # the same address, another port
    first.target = f"{site.url}/api/v2/incidents.json"
    run(f"{first.url}/old/incidents.json", ALLOW_PRIVATE)
    assert (first.requests, site.requests) == (1, 1)
    assert counts()[2] == len(source("incidents.json")["incidents"])


class Drips(BaseHTTPRequestHandler):
    """Sends a byte every 0.2 s, always within the per-read timeout, for up to 10 s."""

    def do_GET(self):
        headers = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        body = (DOCUMENTS / "incidents.json").read_bytes()
        if self.server.outer.drip == "headers":
            self.wfile.write(headers)
            self.drip(b"X-Padding: " + b"x" * 1000)
        else:
            self.wfile.write(headers + f"Content-Length: {len(body)}\r\n\r\n".encode())
            self.drip(body)

    def drip(self, data):
        started = time.monotonic()
        with contextlib.suppress(OSError):  # the client hung up
            for byte in data:
                if time.monotonic() - started > 10:
                    break
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.2)


@pytest.mark.parametrize("drip", ["headers", "body"])
def test_a_server_that_drips_its_answer_is_cut_off_at_the_deadline(serve, monkeypatch, drip):
    monkeypatch.setattr(web, "FETCH_TIMEOUT", 1)  # never reached: a byte every 0.2 s
    monkeypatch.setattr(web, "IMPORT_DEADLINE", 1.5)
    site = serve(Drips)
    site.drip = drip
    started = time.monotonic()
    with pytest.raises(CommandError) as error:
        run(f"{site.url}/api/v2/incidents.json", ALLOW_PRIVATE)
    assert "no complete answer within 1.5 seconds" in str(error.value)
    assert time.monotonic() - started < 5
    assert counts() == [0, 0, 0, 0, 0]
