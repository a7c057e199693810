"""The delivery engine's bookkeeping: atomic claims, so two workers never send the same
mail or make the same call, and what became of each attempt (subscribers.sending sends
mail, subscribers.channels.sender calls URLs)."""

import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from worker.runner import live_worker_ids

from .models import Channel, Delivery, DeliveryState


def deliveries_claim(*, worker_id: str, limit: int, channel=Channel.MAIL) -> list[Delivery]:
    """Take up to `limit` due deliveries for this worker (skipping rows others hold)."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Delivery.objects.due(now, channel)
            .order_by("kind", "next_attempt_at", "id")  # confirmations before posts
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        Delivery.objects.filter(pk__in=ids, state=DeliveryState.PENDING).update(
            state=DeliveryState.SENDING, claimed_by=worker_id, claimed_at=now
        )
    return list(
        Delivery.objects.filter(pk__in=ids, claimed_by=worker_id, state=DeliveryState.SENDING)
        .select_related("subscriber", "notification__update__incident")
        .order_by("id")
    )


def delivery_mark_sent(*, delivery: Delivery, worker_id: str) -> bool:
    """Record the mail as sent, if this worker still holds it. Commits at once.

    Plain SQL: it runs once per mail, and the ORM's query building would be a good
    part of the time it takes to send one.
    """
    # Not injectable (bandit B608): the table name comes from the model, values are parameters.
    sql = f"""
        UPDATE {Delivery._meta.db_table}
        SET state = %s, sent_at = %s, last_attempt_at = %s, attempts = attempts + 1
        WHERE id = %s AND claimed_by = %s AND state = %s
    """  # noqa: S608  # nosec B608
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    params = [DeliveryState.SENT, now, now, delivery.pk, worker_id, DeliveryState.SENDING]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


def delivery_mark_failed(*, delivery: Delivery, error: str, permanent: bool) -> None:
    """A refusal: retry later with backoff, or give up after the retry period."""
    attempts = delivery.attempts + 1
    give_up = permanent or timezone.now() - delivery.created_at > settings.DELIVERY_RETRY_FOR
    delays = settings.DELIVERY_RETRY_DELAYS
    delay = delays[min(attempts, len(delays)) - 1]
    Delivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.FAILED if give_up else DeliveryState.PENDING,
        attempts=attempts,
        last_attempt_at=timezone.now(),
        next_attempt_at=timezone.now() + datetime.timedelta(seconds=delay),
        last_error=error[:2000],
        claimed_by="",
        claimed_at=None,
    )


def delivery_release(*, delivery: Delivery, worker_id: str, delay: datetime.timedelta) -> None:
    """Hand back a claimed delivery that was not tried, to be tried after `delay`."""
    Delivery.objects.filter(
        pk=delivery.pk, claimed_by=worker_id, state=DeliveryState.SENDING
    ).update(
        state=DeliveryState.PENDING,
        claimed_by="",
        claimed_at=None,
        next_attempt_at=timezone.now() + delay,
    )


def deliveries_recover_stale() -> int:
    """Give back deliveries claimed by a worker that died (periodic job, every second).

    A worker's heartbeat (every second) shows it is alive: a claim of a worker whose
    heartbeat stopped is given back within seconds, not after the lease. A mail held
    longer than the lease is given back too (a worker alive but stuck). Safe even if the
    worker is only slow: it re-checks its claim right before each mail is committed, so
    a mail is never sent by both (a webhook may be called twice, with the same id).
    """
    claimed = Delivery.objects.filter(state=DeliveryState.SENDING)
    holders = set(claimed.values_list("claimed_by", flat=True).distinct())
    dead = holders - live_worker_ids(holders)
    lease_expired = timezone.now() - settings.DELIVERY_LEASE
    stale = claimed.filter(
        Q(claimed_by__in=dead) | Q(channel=Channel.MAIL, claimed_at__lt=lease_expired)
    )
    return stale.update(state=DeliveryState.PENDING, claimed_by="", claimed_at=None)


def backlog_report() -> dict:
    """The mail waiting, as /healthz reports it: a backlog means nobody is sending."""
    now = timezone.now()
    oldest = (
        Delivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    age = (now - oldest).total_seconds() if oldest else 0
    report = {
        "ok": age < settings.MAIL_BACKLOG_ALERT.total_seconds(),
        "oldest_pending_seconds": round(age, 1),
        "pending": Delivery.objects.filter(
            state__in=[DeliveryState.PENDING, DeliveryState.SENDING]
        ).count(),
        "failed_last_day": Delivery.objects.filter(
            state=DeliveryState.FAILED, created_at__gte=now - datetime.timedelta(days=1)
        ).count(),
    }
    if not report["ok"]:
        report["error"] = "mail has been waiting to be sent for too long"
    return report
