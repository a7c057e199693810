"""A real HTTP server on loopback (the standard library's), recording every request it
gets: the receiver of webhooks and chat messages in tests."""

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


class HTTPReceiver:
    """Answers with `respond(received, count)` -> (status, headers) or 200 by default."""

    def __init__(self, respond=None, delay=0.0):
        self.requests: list[Received] = []
        self.respond = respond
        self.delay = delay
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("content-length", 0))
                body = self.rfile.read(length)
                received = Received(
                    self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.time()
                )
                with receiver._lock:
                    receiver.requests.append(received)
                    count = len(receiver.requests)
                if receiver.delay:
                    time.sleep(receiver.delay)
                status, headers = (receiver.respond or (lambda r, n: (200, {})))(received, count)
                self.send_response(status)
                for name, value in {"content-length": "2", **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.request_queue_size = 256  # many calls at once
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path="/hook"):
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
