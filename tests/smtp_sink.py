"""A real SMTP server (aiosmtpd) in the test process, recording what it accepts."""

import asyncio
import email
import email.policy
import socket
import threading
from collections import Counter

from aiosmtpd.controller import Controller


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SMTPSink:
    """Accepts every mail unless `refuse(envelope)` returns an SMTP reply for it."""

    def __init__(self, *, refuse=None, delay=0.0):
        self.messages = []
        self.raw = []  # (recipients, the DATA bytes exactly as received)
        self.refused = 0
        self.refuse = refuse
        self.delay = delay
        self.running = False
        # Hooks for tests that act at a precise point of an SMTP transaction.
        self.on_rcpt = self.on_data = None
        self.rcpt_reply = None  # address -> an SMTP refusal, or None to accept
        self._lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.on_rcpt:
            self.on_rcpt(address)
        refusal = self.rcpt_reply(address) if self.rcpt_reply else None
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.on_data:
            self.on_data(envelope)
        reply = self.refuse(envelope) if self.refuse else None
        if reply:
            with self._lock:
                self.refused += 1
            return reply
        # Like a real MTA, the message is kept once its final "." has arrived, even if
        # the client disconnects before reading the reply.
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append((tuple(envelope.rcpt_tos), message))
            self.raw.append((tuple(envelope.rcpt_tos), envelope.original_content))
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 OK"

    def start(self):
        self.controller.start()
        self.running = True
        return self

    def stop(self):
        if self.running:
            self.controller.stop()
            self.running = False

    @property
    def count(self):
        with self._lock:
            return len(self.messages)

    def to(self, address):
        with self._lock:
            return [m for rcpts, m in self.messages if address in rcpts]

    def raw_to(self, address):
        with self._lock:
            return [data for rcpts, data in self.raw if address in rcpts]

    def messages_for_all(self):
        with self._lock:
            return [message for _, message in self.messages]

    def copies_per_recipient(self):
        with self._lock:
            return Counter(r for rcpts, _ in self.messages for r in rcpts)

    def mailers_setting(self):
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": self.port, "timeout": 10},
            }
        }
