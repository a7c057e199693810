"""The HTTP client of webhooks and chat: httpcore's async connection pool, whose every
connection goes to an address checked right before connecting (targets.py), with
bounded concurrency overall and per host, no redirects, and hard time limits.

TLS still checks the certificate against the URL's host name: httpcore passes the
host name (not the address) as the server name.
"""

import asyncio
import datetime
import email.utils
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpcore
from django.conf import settings
from httpcore._backends.anyio import AnyIOBackend

from .targets import RefusedTarget, resolve_checked

CONNECT_TIMEOUT = 5.0
TOTAL_TIMEOUT = 10.0
RESPONSE_BYTES_KEPT = 2000  # of an error response, for the admin
USER_AGENT = "statuspage-webhooks/1"


@dataclass(frozen=True)
class Outcome:
    """What one call came to: `status` None means no response (refused, failed)."""

    status: int | None = None
    error: str = ""
    retry_after: float | None = None
    refused: bool = False

    @property
    def ok(self):
        return self.status is not None and 200 <= self.status < 300

    @property
    def temporary(self):
        """Worth trying again: no answer, a timeout, a server error or a throttle."""
        if self.refused:
            return False
        return self.status is None or self.status in (408, 429) or self.status >= 500


class CheckedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Connects to the checked address of the host httpcore asks for."""

    def __init__(self):
        self.inner = AnyIOBackend()

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        async with asyncio.timeout(timeout):
            address = await resolve_checked(host, port)
        return await self.inner.connect_tcp(
            address, port, timeout=timeout, local_address=local_address,
            socket_options=socket_options,
        )  # fmt: skip

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise RefusedTarget("unix sockets are not called")

    async def sleep(self, seconds):
        await self.inner.sleep(seconds)


class Client:
    """One per sending loop: connections are kept alive between calls to one host."""

    def __init__(self):
        self.pool = httpcore.AsyncConnectionPool(
            max_connections=settings.WEBHOOK_CONCURRENCY,
            max_keepalive_connections=settings.WEBHOOK_CONCURRENCY,
            keepalive_expiry=30,
            network_backend=CheckedNetworkBackend(),
        )
        self.everyone = asyncio.Semaphore(settings.WEBHOOK_CONCURRENCY)
        self.per_host: dict[str, asyncio.Semaphore] = {}

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
        host = (urlsplit(url).hostname or "").lower()
        limit = self.per_host.setdefault(host, asyncio.Semaphore(settings.WEBHOOK_PER_HOST))
        async with self.everyone, limit:
            try:
                async with asyncio.timeout(TOTAL_TIMEOUT):
                    return await self._post(url, body, headers)
            except RefusedTarget as error:
                return Outcome(error=f"refused: {error}", refused=True)
            except TimeoutError:
                return Outcome(error=f"no complete answer within {TOTAL_TIMEOUT:.0f} s")
            except (httpcore.TimeoutException, httpcore.NetworkError, OSError) as error:
                return Outcome(error=f"{type(error).__name__}: {error}")
            except httpcore.ProtocolError as error:
                return Outcome(error=f"not HTTP: {error}")
            except httpcore.UnsupportedProtocol as error:
                return Outcome(error=f"refused: {error}", refused=True)

    async def _post(self, url, body, headers):
        request_headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            **headers,
        }
        timeouts = {"connect": CONNECT_TIMEOUT, "read": TOTAL_TIMEOUT, "write": TOTAL_TIMEOUT}
        timeouts["pool"] = TOTAL_TIMEOUT
        async with self.pool.stream(
            "POST",
            url,
            headers=list(request_headers.items()),
            content=body,
            extensions={"timeout": timeouts},
        ) as response:
            kept = await _read_some(response)
            status = response.status
            response_headers = {k.decode().lower(): v.decode() for k, v in response.headers}
        if 200 <= status < 300:
            return Outcome(status=status)
        error = f"HTTP {status}"
        if 300 <= status < 400:
            error += f", a redirect to {response_headers.get('location', '?')} (not followed)"
        elif kept:
            error += f": {kept.decode(errors='replace')}"
        return Outcome(
            status=status, error=error, retry_after=retry_after(response_headers.get("retry-after"))
        )

    async def aclose(self):
        await self.pool.aclose()


async def _read_some(response) -> bytes:
    """The start of the body; the rest is read and dropped, so the connection is kept."""
    kept = b""
    async for chunk in response.aiter_stream():
        if len(kept) < RESPONSE_BYTES_KEPT:
            kept += chunk[: RESPONSE_BYTES_KEPT - len(kept)]
    return kept


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - datetime.datetime.now(datetime.UTC)).total_seconds())
