"""A delivery from a monitoring system: read, applied to its group, kept for a week.

Deliveries of one integration are applied one at a time, in the order received. When
none is being applied, the request applies its own at once (200); otherwise it is
queued behind the others (202) and the worker applies the queue in order, so a storm
of alerts is answered in milliseconds and the monitoring system never waits.
"""

import contextlib
import datetime
import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.tasks import task
from django.utils import timezone

from incidents.validators import cleaned_line, cleaned_text
from public_store.store import CACHE_ERRORS

from .. import payloads
from ..models import AlertPayload, EventLevel, Integration
from .grouping import batch_apply
from .integrations import integration_log

logger = logging.getLogger(__name__)
MAX_BODY = 1_000_000  # bytes
# How long one process may hold an integration's queue (it is let go once applied).
LOCK_SECONDS = 60
QUEUE_BATCH = 100
WAKE_PREFIX = "integrations:wake:"
DELIVERY_NOTED_EVERY = datetime.timedelta(seconds=10)


@dataclass(frozen=True)
class Outcome:
    status: int  # the HTTP answer
    message: str

    def as_json(self) -> dict:
        key = "error" if self.status >= 400 else "result"
        return {"status": "accepted" if self.status < 400 else "refused", key: self.message}


def alerts_receive(*, integration: Integration, body: bytes, content_type: str = "") -> Outcome:
    """Take what a monitoring system sent; the payload is kept, whatever it held.

    A malformed body is a 400 with the reason and changes nothing else."""
    content_type = cleaned_line(content_type)[:200]
    try:
        payloads.read(integration.kind, body, component_label=integration.component_label)
    except payloads.BadPayload as error:
        outcome = _refused(integration, f"Not a {integration.get_kind_display()} payload: {error}")
        _keep(integration, body, content_type, outcome, applied=True)
        return outcome
    _delivered(integration)
    with _applying(integration) as mine:
        if mine and not _queued(integration).exists():
            outcome = _apply(integration, body)
            _keep(integration, body, content_type, outcome, applied=True)
            return outcome
    outcome = Outcome(202, "queued behind this integration's earlier alerts, applied in order")
    with transaction.atomic():
        _keep(integration, body, content_type, outcome, applied=False)
        transaction.on_commit(lambda: _wake_the_worker(integration))
    return outcome


def _wake_the_worker(integration):
    # One task at a time is enough: it applies the whole queue, however long.
    with contextlib.suppress(*CACHE_ERRORS):  # then the periodic job will
        if cache.add(f"{WAKE_PREFIX}{integration.pk}", 1, LOCK_SECONDS):
            apply_queued.enqueue(integration.pk)


@task
def apply_queued(integration_id: int) -> int:
    """Apply an integration's queued payloads (enqueued when one is queued)."""
    with contextlib.suppress(*CACHE_ERRORS):
        cache.delete(f"{WAKE_PREFIX}{integration_id}")
    integration = Integration.objects.filter(pk=integration_id).first()
    return payloads_apply_queued(integration=integration) if integration else 0


def payloads_apply_queued(*, integration: Integration) -> int:
    """Apply the integration's queued payloads, oldest first, while nobody else is."""
    applied = 0
    while True:
        with _applying(integration) as mine:
            if not mine:
                return applied  # the one applying goes on with the queue
            queued = list(_queued(integration).order_by("id")[:QUEUE_BATCH])
            for payload in queued:
                outcome = _apply_queued_one(integration, payload)
                payload.outcome, payload.applied_at = outcome.message, timezone.now()
                payload.save(update_fields=["outcome", "applied_at"])
            applied += len(queued)
        # Let go between batches, and look again: one may have come meanwhile.
        if not queued and not _queued(integration).exists():
            return applied


def payloads_apply_due() -> int:
    """Apply what is queued for every integration (periodic job: a lost task, a crash)."""
    waiting = AlertPayload.objects.filter(applied_at__isnull=True).values("integration")
    return sum(
        payloads_apply_queued(integration=integration)
        for integration in Integration.objects.filter(pk__in=waiting)
    )


def _delivered(integration):
    """Note when the integration last delivered (written at most every few seconds)."""
    now = timezone.now()
    last = integration.last_delivery_at
    if last is None or now - last > DELIVERY_NOTED_EVERY:
        Integration.objects.filter(pk=integration.pk).update(last_delivery_at=now)


def _apply_queued_one(integration, payload) -> Outcome:
    try:
        return _apply(integration, bytes(payload.body))
    except DatabaseError:
        raise  # the database is away: the queue waits for it
    except Exception as error:
        # A fault of ours must not hold up the alerts queued behind this one.
        logger.exception("Payload %s of %s could not be applied", payload.pk, integration)
        return Outcome(500, cleaned_text(f"could not be applied: {error!r}"))


def _apply(integration, body) -> Outcome:
    batch = payloads.read(integration.kind, body, component_label=integration.component_label)
    try:
        return Outcome(200, cleaned_text(batch_apply(integration=integration, batch=batch)))
    except ValidationError as error:  # alert text a post could not hold, however cleaned
        return _refused(integration, f"The alerts could not be posted: {'; '.join(error.messages)}")


def _refused(integration, message) -> Outcome:
    # Messages quote the payload (its keys, its names): made to fit any column.
    outcome = Outcome(400, cleaned_text(message))
    integration_log(
        integration=integration, message=outcome.message, level=EventLevel.WARNING, quiet=True
    )
    return outcome


def _keep(integration, body, content_type, outcome, *, applied) -> AlertPayload:
    return AlertPayload.objects.create(
        integration=integration,
        content_type=content_type,
        body=body,
        status_code=outcome.status,
        outcome=outcome.message,
        applied_at=timezone.now() if applied else None,
    )


def _queued(integration):
    return AlertPayload.objects.filter(integration=integration, applied_at__isnull=True)


@contextlib.contextmanager
def _applying(integration):
    """Whether this process may apply the integration's payloads now (one at a time)."""
    key = f"integrations:applying:{integration.pk}"
    try:
        mine = cache.add(key, 1, LOCK_SECONDS)
    except CACHE_ERRORS as error:
        # Without the shared cache, apply at once: each alert group's row lock still
        # keeps its own alerts in order.
        logger.warning("Integration locks unavailable (%s); applying at once", error)
        yield True
        return
    try:
        yield mine
    finally:
        if mine:
            with contextlib.suppress(*CACHE_ERRORS):
                cache.delete(key)
