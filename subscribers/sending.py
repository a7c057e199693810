"""Sending claimed deliveries.

Exactly once, even when the worker is killed: over SMTP, a mail is recorded as sent
in the database *before* the final "." of the DATA command goes out, and the server
delivers nothing it has not received that "." for. A worker killed before the record
commits leaves the mail unsent (it is claimed again later); killed after, the mail is
sent. The record is conditional on this worker still holding the claim, so a worker
that lost it (stale, recovered by another) aborts instead of sending a second copy.

One gap remains, as it must (the database and the mail server cannot commit
together): killed between the record's commit and the write of the ".", a few
microseconds of running time, the worker loses that one mail. The other order would
leave a wider gap (a round trip to the server, then the commit) and duplicates.
"""

import datetime
import logging
import re
import smtplib
import socket
import threading
import time

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.tasks import task

from worker import runner

from . import deliveries, suppression
from .emails import MailBuilder
from .events import event_of
from .models import Delivery

logger = logging.getLogger(__name__)


class TemporaryFailure(Exception):
    pass


class PermanentFailure(Exception):
    def __init__(self, text, stage=""):
        super().__init__(text)
        self.stage = stage


class ClaimLost(Exception):
    pass


def _failure(code, response, stage):
    if isinstance(response, bytes):
        response = response.decode(errors="replace")
    text = f"{stage}: {code} {response}"
    return PermanentFailure(text, stage) if 500 <= code < 600 else TemporaryFailure(text)


class CommittingSMTPBackend(SMTPBackend):
    """Django's SMTP backend (connection, TLS, login) with a commit point before the "."."""

    def open(self):
        opened = super().open()
        if opened:
            # Without this, the small "." write waits on the server's delayed ACK (40 ms).
            self.connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return opened

    def send_committed(self, mail, commit):
        # Addresses were validated at sign-up and made ASCII (envelope_address).
        sender, recipient = mail.sender, mail.recipient
        try:
            self.open()
            connection = self.connection
            connection.ehlo_or_helo_if_needed()
            # putcmd, not mail()/rcpt(): those re-parse the addresses every time.
            connection.putcmd("mail", f"FROM:<{sender}>")
            self._expect(connection.getreply(), (250,), "MAIL FROM")
            connection.putcmd("rcpt", f"TO:<{recipient}>")
            self._expect(connection.getreply(), (250, 251), "RCPT TO")
            self._expect(connection.docmd("DATA"), (354,), "DATA")
            connection.send(_dot_stuffed(mail.data))
            if not commit():
                raise ClaimLost
            connection.send(b".\r\n")
            self._expect(connection.getreply(), (250,), "end of DATA")
        except (ClaimLost, smtplib.SMTPException, OSError) as error:
            self._drop_connection()  # mid-DATA, closing is the only way to abort
            if isinstance(error, ClaimLost):
                raise
            raise TemporaryFailure(f"{type(error).__name__}: {error}") from error

    def _expect(self, reply, codes, stage):
        code, response = reply
        if code not in codes:
            try:
                self.connection.rset()
            except (smtplib.SMTPException, OSError):
                self._drop_connection()
            raise _failure(code, response, stage)

    def _drop_connection(self):
        if self.connection is not None:
            self.connection.close()
        self.connection = None


def _dot_stuffed(data: bytes) -> bytes:
    if data.startswith(b".") or b"\n." in data:
        data = re.sub(rb"(?m)^\.", b"..", data)
    return data if data.endswith(b"\r\n") else data + b"\r\n"


class BackendTransport:
    """Any other mail backend (file outbox, console): send, then record."""

    def __init__(self, backend):
        self.backend = backend

    def send_committed(self, mail, commit):
        try:
            self.backend.send_messages([mail])
        except (smtplib.SMTPException, OSError) as error:
            raise TemporaryFailure(f"{type(error).__name__}: {error}") from error
        commit()

    def close(self):
        self.backend.close()


class ProviderTransport(BackendTransport):
    """An email service provider's API (django-anymail): the mail as Django's message
    (its parts and our headers); the provider writes the MIME and signs it. Exactly once
    is the provider's promise here: a mail it accepted is recorded as sent."""

    def send_committed(self, mail, commit):
        from anymail.exceptions import AnymailError, AnymailRecipientsRefused

        try:
            self.backend.send_messages([_django_message(mail)])
        except AnymailRecipientsRefused as error:
            raise PermanentFailure(f"refused by the provider: {error}", "RCPT TO") from error
        except (AnymailError, OSError) as error:
            raise TemporaryFailure(f"{type(error).__name__}: {error}") from error
        commit()


_PASSED_HEADERS = ("Message-ID", "In-Reply-To", "References", "List-Id", "List-Unsubscribe")
_PASSED_HEADERS += ("List-Unsubscribe-Post", "Auto-Submitted")


def _django_message(mail):
    parsed = mail.message()
    message = EmailMultiAlternatives(
        subject=str(parsed["Subject"]),
        body=parsed.get_body(("plain",)).get_content(),
        from_email=str(parsed["From"]),
        to=[mail.recipient],
        headers={name: str(parsed[name]) for name in _PASSED_HEADERS if parsed[name]},
    )
    message.attach_alternative(parsed.get_body(("html",)).get_content(), "text/html")
    return message


def open_transport():
    config = settings.MAILERS["default"]
    if config["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend":
        return CommittingSMTPBackend(alias="default", **config.get("OPTIONS", {}))
    if config["BACKEND"].startswith("anymail."):
        return ProviderTransport(mailers.default)
    return BackendTransport(mailers.default)


_sending = threading.Event()


def is_sending():
    """Whether this process is sending right now (the periodic kick need not add a task)."""
    return _sending.is_set()


def send_due(*, seconds: float | None = None) -> tuple[int, bool]:
    """Claim and send due mail for up to `seconds`.

    Returns how many were sent, and whether it stopped for lack of due mail (rather
    than time, or a server refusing everything: then the rest waits for a retry).
    """
    deadline = time.monotonic() + (seconds or settings.DELIVERY_TASK_SECONDS)
    worker_id, transport, builder = runner.current_worker_id(), open_transport(), _mail_builder()
    if not runner.in_worker():
        runner.heartbeat(worker_id)  # claims of a sender with no heartbeat are given back
    sent = refused_in_a_row = 0
    last_beat = time.monotonic()
    _sending.set()
    try:
        while time.monotonic() < deadline:
            if not runner.in_worker() and time.monotonic() - last_beat > 1:
                runner.heartbeat(worker_id)
                last_beat = time.monotonic()
            batch = deliveries.deliveries_claim(
                worker_id=worker_id, limit=settings.DELIVERY_BATCH_SIZE
            )
            if not batch:
                return sent, True
            for position, delivery in enumerate(batch):
                if refused_in_a_row >= MAX_REFUSALS_IN_A_ROW:
                    for left in batch[position:]:
                        deliveries.delivery_release(delivery=left, worker_id=worker_id, delay=PAUSE)
                    return sent, True
                outcome = _send_one(transport, builder, delivery, worker_id)
                sent += outcome is True
                refused_in_a_row = refused_in_a_row + 1 if outcome is False else 0
        return sent, False
    finally:
        _sending.clear()
        transport.close()


# A server refusing this many mails in a row is down or throttling us: pause.
MAX_REFUSALS_IN_A_ROW = 10
PAUSE = datetime.timedelta(seconds=30)


def _send_one(transport, builder, delivery: Delivery, worker_id) -> bool | None:
    """True if sent, False if refused (to be retried or failed), None if skipped."""
    try:
        mail = builder.mail(delivery)
        transport.send_committed(
            mail, lambda: deliveries.delivery_mark_sent(delivery=delivery, worker_id=worker_id)
        )
    except ClaimLost:
        logger.info("Delivery %s was reclaimed by another worker; skipped", delivery.pk)
        return None
    except (TemporaryFailure, PermanentFailure, ValueError) as error:
        permanent = not isinstance(error, TemporaryFailure)  # ValueError: a bad address
        logger.warning("Delivery %s to %s failed: %s", delivery.pk, delivery.subscriber, error)
        deliveries.delivery_mark_failed(delivery=delivery, error=str(error), permanent=permanent)
        if getattr(error, "stage", "") == "RCPT TO" and delivery.subscriber.is_email:
            # The server says the mailbox does not exist (5xx): a hard bounce.
            suppression.address_bounced(
                address=delivery.subscriber.email, hard=True, reason=str(error)
            )
        return False
    return True


@task
def deliver() -> int:
    """Send due mail for a while; queue a follow-up if the time ran out first."""
    sent, finished = send_due()
    if not finished:
        deliver.enqueue()
    return sent


def deliveries_kick() -> None:
    """Queue a sending task for due mail (periodic job).

    This is how retries happen: a refused mail is due again after its backoff.
    """
    if not is_sending() and Delivery.objects.due().exists():
        deliver.enqueue()


def _mail_builder() -> MailBuilder:
    return MailBuilder(composer=lambda notification: event_of(notification).mail())
