"""Fetching over http(s) for an import: from public addresses only (unless the operator
named a private host), redirects included, and all of it within one deadline."""

import contextlib
import functools
import http.client
import ipaddress
import socket
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from .errors import SourceError

FETCH_TIMEOUT = 20  # seconds for any one step: connecting, each read
IMPORT_DEADLINE = 60  # seconds for all the requests of one import
USER_AGENT = "statuspage-import/1 (Python urllib)"


class _Refused(OSError):
    """An address the import may not connect to."""


def non_public(host: str, port: int = 80) -> str | None:
    """Why `host` is not on the public internet ("127.0.0.1 is a loopback address"), or
    None if every address it resolves to is public."""
    for address in _resolve(host, port):
        if kind := _address_kind(address):
            return _described(host, address, kind)
    return None


def _described(host: str, address, kind: str) -> str:
    return f"{host} is {kind}" if str(address) == host else f"{host} is {address}, {kind}"


def _resolve(host: str, port: int) -> list:
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # An IPv6 address may carry its zone ("fe80::1%eth0"); the address is what counts.
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in found]


def _address_kind(address) -> str | None:
    if getattr(address, "ipv4_mapped", None):  # ::ffff:127.0.0.1 is 127.0.0.1
        address = address.ipv4_mapped
    if address.is_unspecified:
        return "the unspecified address, which reaches this machine"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private:
        return "a private address"
    if not address.is_global or address.is_multicast:
        return "not a public address"
    return None


def _host_and_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise _Refused("not a valid port.") from None
    return parts.hostname or "", port or (443 if parts.scheme == "https" else 80)


class WebSession:
    """One import's requests: each connection is to a public address (or to the host
    named with --allow-private), redirects stay on the web, and all of it ends within
    IMPORT_DEADLINE, however slowly a server drips its bytes (name lookups aside: they
    take as long as the system's resolver allows). Proxies from the environment are not
    used: the address connected to is the one checked."""

    def __init__(self, *, allow_private: bool):
        self.allow_private = allow_private
        self.allowed = set()  # private addresses of the host the operator named
        self._ends = time.monotonic() + IMPORT_DEADLINE
        self._sockets = []
        self._timer = threading.Timer(IMPORT_DEADLINE, self._cut)
        self._timer.daemon = True
        connection = functools.partial(_CheckedConnection, session=self)
        tls_connection = functools.partial(_CheckedTLSConnection, session=self)
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            _Handler(connection),
            _TLSHandler(tls_connection),
            _CheckedRedirects(self),
        )

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc):
        self._timer.cancel()

    def _cut(self):
        # At the deadline, shut every connection: a read blocked on a dripping server
        # returns at once (at the socket, below TLS, which may be mid-read).
        for sock in self._sockets:
            with contextlib.suppress(OSError):  # closed already
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def remaining(self) -> float:
        return max(self._ends - time.monotonic(), 0.0)

    @property
    def expired(self) -> bool:
        return self.remaining() == 0

    def check_source(self, url: str) -> None:
        """Refuse a source on a private network up front, unless --allow-private."""
        try:
            host, port = _host_and_port(url)
            if self.allow_private:
                self.allowed |= set(_resolve(host, port))
            elif reason := non_public(host, port):
                raise _Refused(
                    f"{reason}: the import reads only from public addresses "
                    "(--allow-private to read from this host)."
                )
        except OSError as error:
            raise SourceError(f"{url}: {error.strerror or error}") from None

    def check(self, host: str, port: int) -> list:
        """The addresses of `host` this import may connect to, or _Refused."""
        addresses = _resolve(host, port)
        for address in addresses:
            kind = _address_kind(address)
            if kind and address not in self.allowed:
                raise _Refused(
                    f"{_described(host, address, kind)}: the import reads only from public "
                    "addresses and the host it was given."
                )
        return addresses

    def connect(self, host: str, port: int, timeout) -> socket.socket:
        error = None
        for address in self.check(host, port):
            if self.expired:
                raise TimeoutError
            sock = socket.socket(socket.AF_INET6 if address.version == 6 else socket.AF_INET)
            sock.settimeout(min(timeout, self.remaining()))
            try:
                sock.connect((str(address), port))
            except OSError as failed:
                sock.close()
                error = failed
                continue
            self.keep(sock)
            return sock
        raise error or _Refused(f"{host}: no address.")

    def keep(self, sock) -> None:
        self._sockets.append(sock)
        if self.expired:
            self._cut()

    def fetch(self, url: str, *, max_bytes: int) -> bytes:
        """The body of `url`: at most max_bytes + 1 bytes, enough to tell it is too long."""
        request = urllib.request.Request(  # noqa: S310 (the scheme is http or https)
            url, headers={"Accept": "application/json", "User-Agent": USER_AGENT}
        )
        try:
            if self.expired:
                raise TimeoutError
            with self._opener.open(request, timeout=FETCH_TIMEOUT) as response:
                data = response.read(max_bytes + 1)
        except urllib.error.HTTPError as error:
            raise SourceError(f"{url}: HTTP {error.code} {error.reason}") from None
        except (OSError, ValueError, http.client.HTTPException) as error:
            raise SourceError(f"{url}: {self._reason(error)}") from None
        if self.expired:  # the cut may have ended an unsized answer early, not in error
            raise SourceError(f"{url}: {self._reason(TimeoutError())}")
        return data

    def _reason(self, error: Exception) -> str:
        if self.expired:
            return f"no complete answer within {IMPORT_DEADLINE} seconds."
        reason = getattr(error, "reason", error)  # URLError wraps the socket's error
        if isinstance(reason, TimeoutError):
            return f"no answer within {FETCH_TIMEOUT} seconds."
        return str(reason) or type(reason).__name__


class _CheckedConnection(http.client.HTTPConnection):
    def __init__(self, *args, session: WebSession, **kwargs):
        super().__init__(*args, **kwargs)
        self._session = session
        self._create_connection = self._connect_checked

    def _connect_checked(self, address, timeout, source_address=None):
        return self._session.connect(*address, timeout)

    def connect(self):
        super().connect()
        self._session.keep(self.sock)  # with TLS, the wrapped socket


class _CheckedTLSConnection(_CheckedConnection, http.client.HTTPSConnection):
    pass


class _Handler(urllib.request.HTTPHandler):
    def __init__(self, connection):
        super().__init__()
        self._connection = connection

    def http_open(self, req):
        return self.do_open(self._connection, req)


class _TLSHandler(urllib.request.HTTPSHandler):
    def __init__(self, connection):
        super().__init__()
        self._connection = connection

    def https_open(self, req):
        return self.do_open(self._connection, req, context=self._context)


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects stay on the web (urllib would follow one to ftp://) and off private
    networks: a page must not send the import to an address it may not read."""

    def __init__(self, session: WebSession):
        super().__init__()
        self._session = session

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise urllib.error.HTTPError(
                newurl, code, f"a redirect to {newurl} (only http and https)", headers, fp
            )
        try:
            self._session.check(*_host_and_port(newurl))
        except _Refused as refused:
            raise _Refused(f"refused a redirect to {newurl}: {refused}") from None
        return super().redirect_request(req, fp, code, msg, headers, newurl)
