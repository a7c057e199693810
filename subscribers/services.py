"""Followers' side of the write path: sign-up, confirmation, scope, the mail outbox.

Like incidents.services, nothing here sends mail: each function writes rows (a
Delivery is one mail to send) in one transaction, and the worker delivers them.
"""

import contextlib
import datetime
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from incidents.models import Component, ComponentGroup, IncidentUpdate
from statuspage import public_cache

from . import tasks
from .addresses import normalize_email
from .models import Delivery, DeliveryKind, DeliveryState, Notification, SignUp, Subscriber
from .tokens import CONFIRM_MAX_AGE


def followers_changed():
    """Mark the public state changed after commit: "Join N other followers" is on every
    public page."""
    transaction.on_commit(public_cache.changed)


def sign_up_record(
    *,
    email: str,
    components: Iterable[Component] = (),
    groups: Iterable[ComponentGroup] = (),
) -> SignUp:
    """Record a sign-up for the worker to act on (`sign_up_process`).

    The same statements whatever the address: the answer to a sign-up must not take
    longer for a new address than for a follower. A bad address raises ValidationError.
    """
    with transaction.atomic():
        sign_up = SignUp.objects.create(
            email=normalize_email(email),
            component_ids=[c.pk for c in components],
            group_ids=[g.pk for g in groups],
        )
        transaction.on_commit(lambda: tasks.process_sign_up.enqueue(sign_up.pk))
    return sign_up


def sign_up_process(*, sign_up_id: int) -> bool:
    """Act on a recorded sign-up once: subscribe (or remind), then forget the record.

    Safe to run twice or in two workers at once: the record is locked, acted on and
    deleted in one transaction, so whoever comes second finds nothing to do.
    """
    with transaction.atomic():
        sign_up = SignUp.objects.select_for_update(skip_locked=True).filter(pk=sign_up_id).first()
        if sign_up is None:
            return False
        # An address the checks refuse now (they grew stricter since) is dropped.
        with contextlib.suppress(ValidationError):
            subscriber_subscribe(
                email=sign_up.email,
                components=Component.objects.filter(pk__in=sign_up.component_ids),
                groups=ComponentGroup.objects.filter(pk__in=sign_up.group_ids),
            )
        sign_up.delete()
    return True


def sign_ups_process_due() -> int:
    """Act on sign-ups left behind (a task lost in a crash, for one); periodic job."""
    ids = list(SignUp.objects.values_list("pk", flat=True)[:1000])  # the rest next time
    return sum(sign_up_process(sign_up_id=pk) for pk in ids)


def subscriber_subscribe(
    *,
    email: str,
    components: Iterable[Component] = (),
    groups: Iterable[ComponentGroup] = (),
) -> Subscriber:
    """Sign up an address, or remind a pending one; a confirmation mail is queued.

    A confirmed follower is left as is (the caller's response must not tell the
    difference): its scope changes only through its own signed link. A bad address
    raises ValidationError.
    """
    email = normalize_email(email)
    with transaction.atomic():
        subscriber, _ = Subscriber.objects.select_for_update().get_or_create(email=email)
        if subscriber.is_confirmed:
            return subscriber
        _set_scope(subscriber, components, groups)
        _pending_confirmations(subscriber).delete()
        Delivery.objects.create(subscriber=subscriber, kind=DeliveryKind.CONFIRMATION)
        transaction.on_commit(tasks.deliver.enqueue)
    return subscriber


def subscriber_confirm(*, subscriber: Subscriber) -> Subscriber:
    if not subscriber.is_confirmed:
        with transaction.atomic():
            subscriber.confirmed_at = timezone.now()
            subscriber.save(update_fields=["confirmed_at"])
            _pending_confirmations(subscriber).delete()  # no longer needed
            followers_changed()
    return subscriber


def _pending_confirmations(subscriber):
    return Delivery.objects.filter(
        subscriber=subscriber, kind=DeliveryKind.CONFIRMATION, state=DeliveryState.PENDING
    )


def subscriber_set_scope(
    *,
    subscriber: Subscriber,
    components: Iterable[Component] = (),
    groups: Iterable[ComponentGroup] = (),
) -> Subscriber:
    """Follow some components and groups only; none at all means everything."""
    with transaction.atomic():
        _set_scope(subscriber, components, groups)
    return subscriber


def _set_scope(subscriber, components, groups):
    components, groups = list(components), list(groups)
    subscriber.all_components = not components and not groups
    subscriber.save(update_fields=["all_components"])
    subscriber.components.set(components)
    subscriber.groups.set(groups)


def subscriber_unsubscribe(*, subscriber: Subscriber) -> None:
    """Forget the address at once, with its pending mail."""
    with transaction.atomic():
        was_confirmed = subscriber.is_confirmed
        subscriber.delete()
        if was_confirmed:
            followers_changed()


def subscribers_expire_pending() -> int:
    """Remove sign-ups never confirmed while their link was valid (periodic job)."""
    expired = Subscriber.objects.pending().filter(created_at__lt=timezone.now() - CONFIRM_MAX_AGE)
    _, deleted = expired.delete()
    return deleted.get(Subscriber._meta.label, 0)


def subscribers_import(*, followers: Mapping[str, Iterable[int]]) -> int:
    """Add already-confirmed followers (from the old blog), address -> component ids
    (none: everything), in one short transaction; returns how many were new.

    One INSERT … ON CONFLICT DO NOTHING RETURNING for the lot: addresses already known
    (even if signed up a moment ago) are skipped and not counted. The public state is
    not marked changed: an import of many batches does that once (followers_changed).
    """
    rows = {normalize_email(email): list(ids) for email, ids in followers.items()}
    if not rows:
        return 0
    with transaction.atomic():
        added = _insert_new_followers(rows)
        through = Subscriber.components.through
        through.objects.bulk_create(
            through(subscriber_id=pk, component_id=component_id)
            for email, pk in added.items()
            for component_id in rows[email]
        )
    return len(added)


def _insert_new_followers(rows):
    """Insert the addresses not yet known; {address: id} of those inserted."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
    # Not injectable (bandit B608): the table name comes from the model, values are parameters.
    sql = f"""
        INSERT INTO {Subscriber._meta.db_table}
            (email, all_components, created_at, confirmed_at, imported)
        VALUES {values}
        ON CONFLICT (email) DO NOTHING
        RETURNING id, email
    """  # noqa: S608  # nosec B608
    params = []
    for email, component_ids in rows.items():
        params += [email, not component_ids, now, now, True]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {email: pk for pk, email in cursor.fetchall()}


def subscribers_count_known(*, emails: Iterable[str]) -> int:
    """How many of these addresses (in their normal form) are followers already."""
    return Subscriber.objects.filter(email__in=list(emails)).count()


# The outbox: one Notification per post, expanded into one Delivery per follower.


def notification_schedule(*, update: IncidentUpdate) -> Notification:
    """Record, in the caller's transaction, that this post is to be mailed to followers."""
    notification, created = Notification.objects.get_or_create(update=update)
    if created:
        transaction.on_commit(lambda: tasks.fan_out.enqueue(notification.pk))
    return notification


def notifications_fan_out_due() -> int:
    """Expand every notification not yet expanded (a task lost in a crash, for one)."""
    due = Notification.objects.filter(
        fanned_out_at__isnull=True, update__in=IncidentUpdate.objects.published()
    )
    return sum(notification_fan_out(notification=n) for n in due)


def notification_fan_out(*, notification: Notification) -> int:
    """Write one pending Delivery per follower in scope; safe to repeat."""
    update = notification.update
    if not IncidentUpdate.objects.published().filter(pk=update.pk).exists():
        return 0  # deleted or unpublished since
    component_ids = list(update.incident.components.values_list("pk", flat=True))
    with transaction.atomic():
        created = _insert_deliveries(notification, component_ids)
        notification.fanned_out_at = timezone.now()
        notification.save(update_fields=["fanned_out_at"])
    return created


def _insert_deliveries(notification, component_ids):
    """One INSERT … SELECT: no follower rows pass through Python (100,000 of them)."""
    subscriber = Subscriber._meta.db_table
    components = Subscriber.components.through._meta.db_table
    groups = Subscriber.groups.through._meta.db_table
    component = Component._meta.db_table
    placeholders = ", ".join(["%s"] * len(component_ids)) or "NULL"
    now = timezone.now()
    # Not injectable (bandit B608): table names come from the models, values are parameters.
    sql = f"""
        INSERT INTO {Delivery._meta.db_table}
            (kind, notification_id, subscriber_id, state, attempts, next_attempt_at,
             claimed_by, last_error, created_at)
        SELECT %s, %s, s.id, %s, 0, %s, '', '', %s
        FROM {subscriber} s
        WHERE s.confirmed_at IS NOT NULL AND (
            %s OR s.all_components
            OR EXISTS (SELECT 1 FROM {components} sc
                       WHERE sc.subscriber_id = s.id AND sc.component_id IN ({placeholders}))
            OR EXISTS (SELECT 1 FROM {groups} sg
                       JOIN {component} c ON c.group_id = sg.componentgroup_id
                       WHERE sg.subscriber_id = s.id AND c.id IN ({placeholders})))
        ON CONFLICT DO NOTHING
    """  # noqa: S608  # nosec B608
    params = [DeliveryKind.POST, notification.pk, DeliveryState.PENDING, now, now]
    params += [not component_ids, *component_ids, *component_ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# Delivery bookkeeping: atomic claims, so two workers never send the same mail.


def deliveries_claim(*, worker_id: str, limit: int) -> list[Delivery]:
    """Take up to `limit` due deliveries for this worker (skipping rows others hold)."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Delivery.objects.due(now)
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
        UPDATE {Delivery._meta.db_table} SET state = %s, sent_at = %s, attempts = attempts + 1
        WHERE id = %s AND claimed_by = %s AND state = %s
    """  # noqa: S608  # nosec B608
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    params = [DeliveryState.SENT, now, delivery.pk, worker_id, DeliveryState.SENDING]
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
    """Give back deliveries claimed by a worker that died (periodic job).

    Safe even if that worker is only slow: it re-checks its claim right before each
    mail is committed, so a mail is never sent by both.
    """
    lease_expired = timezone.now() - settings.DELIVERY_LEASE
    return Delivery.objects.filter(
        state=DeliveryState.SENDING, claimed_at__lt=lease_expired
    ).update(state=DeliveryState.PENDING, claimed_by="", claimed_at=None)
