"""What the HTTP sender reads and writes: claimed deliveries made into calls (body,
signature), and each call's outcome recorded.

Retries: no answer, a timeout, 408, 429 and 5xx are tried again after an exponential
backoff with jitter (15-30 s first, doubling up to an hour), or after the receiver's
`Retry-After`, for DELIVERY_RETRY_HOURS; any other answer (4xx, a redirect) fails at
once, as does an address we may not call. A follower whose calls have all failed for
WEBHOOK_DISABLE_AFTER is disabled, and its contact address told, once.
"""

import datetime
import json
import random
import time
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from .. import deliveries
from ..emails import manage_url
from ..models import Channel, Delivery, DeliveryState, Subscriber, SubscriberKind
from ..suppression import subscriber_suppress
from . import chat, signing
from .transport import Outcome

DOCUMENTATION = "https://doers.statuspage.io/customer-notifications/webhooks/"


@dataclass(frozen=True)
class Call:
    delivery: Delivery
    url: str
    body: bytes
    headers: dict[str, str]


def message_id(delivery: Delivery) -> str:
    """The same for every attempt of one event to one follower (webhook-id)."""
    return f"msg_{delivery.notification.uid}_{delivery.subscriber_id}"


class CallPreparer:
    """Makes claimed deliveries into calls; each event's body is encoded once."""

    def __init__(self):
        self._bodies = {}

    def claim(self, worker_id: str, limit: int) -> list[Call]:
        claimed = deliveries.deliveries_claim(
            worker_id=worker_id, limit=limit, channel=Channel.HTTP
        )
        return [self.call(delivery) for delivery in claimed]

    def call(self, delivery: Delivery) -> Call:
        subscriber = delivery.subscriber
        body = self._body(delivery.notification, subscriber.kind)
        if subscriber.kind != SubscriberKind.WEBHOOK:
            return Call(delivery, subscriber.url, body, {})
        meta = {"unsubscribe": manage_url(subscriber), "documentation": DOCUMENTATION}
        # Statuspage's body with this follower's `meta` first: spliced, not re-encoded.
        body = b'{"meta":' + _json(meta) + b"," + body[1:]
        headers = signing.headers(
            subscriber.signing_secrets(), message_id(delivery), int(time.time()), body
        )
        return Call(delivery, subscriber.url, body, headers)

    def _body(self, notification, kind) -> bytes:
        key = (notification.pk, kind)
        if key not in self._bodies:
            if kind == SubscriberKind.WEBHOOK:
                self._bodies[key] = _json(notification.payload)
            else:
                update_id = notification.update.public_id if notification.update_id else None
                self._bodies[key] = _json(chat.message(kind, notification.payload, update_id))
        return self._bodies[key]


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def record(outcomes: list[tuple[Call, Outcome]], worker_id: str) -> int:
    """Record a batch of outcomes; returns how many calls succeeded."""
    now = timezone.now()
    succeeded = [call.delivery for call, outcome in outcomes if outcome.ok]
    Delivery.objects.filter(
        pk__in=[d.pk for d in succeeded], claimed_by=worker_id, state=DeliveryState.SENDING
    ).update(
        state=DeliveryState.SENT,
        sent_at=now,
        last_attempt_at=now,
        last_error="",
        attempts=F("attempts") + 1,
    )
    Subscriber.objects.filter(
        pk__in={d.subscriber_id for d in succeeded}, failing_since__isnull=False
    ).update(failing_since=None)
    failed = [(call, outcome) for call, outcome in outcomes if not outcome.ok]
    for call, outcome in failed:
        _record_failure(call.delivery, outcome, worker_id, now)
    _disable_failing({call.delivery.subscriber_id for call, _ in failed}, now)
    return len(succeeded)


def _record_failure(delivery: Delivery, outcome: Outcome, worker_id: str, now):
    attempts = delivery.attempts + 1
    expired = now - delivery.created_at > settings.DELIVERY_RETRY_FOR
    give_up = not outcome.temporary or expired
    delay = outcome.retry_after
    if delay is not None:  # the receiver's word, but not past the retry period
        delay = min(delay, settings.DELIVERY_RETRY_FOR.total_seconds())
    else:
        delay = min(30 * 2 ** (attempts - 1), 3600) * random.uniform(0.5, 1.0)  # noqa: S311  # nosec B311
    Delivery.objects.filter(
        pk=delivery.pk, claimed_by=worker_id, state=DeliveryState.SENDING
    ).update(
        state=DeliveryState.FAILED if give_up else DeliveryState.PENDING,
        attempts=attempts,
        last_attempt_at=now,
        next_attempt_at=now + datetime.timedelta(seconds=delay),
        last_error=outcome.error[:2000],
        claimed_by="",
        claimed_at=None,
    )


def _disable_failing(subscriber_ids, now):
    Subscriber.objects.filter(pk__in=subscriber_ids, failing_since__isnull=True).update(
        failing_since=now
    )
    for subscriber in Subscriber.objects.filter(
        pk__in=subscriber_ids,
        suppressed_at__isnull=True,
        failing_since__lte=now - settings.WEBHOOK_DISABLE_AFTER,
    ):
        hours = settings.WEBHOOK_DISABLE_AFTER.total_seconds() / 3600
        subscriber_suppress(subscriber=subscriber, reason=f"every call failed for {hours:g} h")
