"""The outbox: one Notification per event (subscribers.events), written in the
transaction that made it happen, expanded by the worker into one Delivery per follower
in scope: a mail, a webhook call, a chat message.

The task `fan_out` lives here, next to what it runs; it wakes the senders when there is
mail (subscribers.sending); the HTTP sender (subscribers.channels.sender) looks for due
calls every second.
"""

from django.conf import settings
from django.db import connection, transaction
from django.tasks import task
from django.utils import timezone

from incidents.models import Component, ComponentStatusChange, Incident, IncidentUpdate

from ..events import event_of
from ..models import (
    Channel,
    Delivery,
    DeliveryKind,
    DeliveryState,
    EventKind,
    Notification,
    Subscriber,
    SubscriberKind,
)
from ..sending import deliver


@task
def fan_out(notification_id: int) -> int:
    notification = Notification.objects.filter(pk=notification_id).first()
    return notification_fan_out(notification=notification) if notification else 0


def notification_schedule(
    *,
    kind: str = EventKind.UPDATE,
    update: IncidentUpdate | None = None,
    component_change: ComponentStatusChange | None = None,
    incident: Incident | None = None,
) -> Notification:
    """Record, in the caller's transaction, that followers are to be told of this event."""
    notification, created = Notification.objects.get_or_create(
        kind=kind, update=update, component_change=component_change, incident=incident
    )
    if created:
        transaction.on_commit(lambda: fan_out.enqueue(notification.pk))
    return notification


def notifications_fan_out_due() -> int:
    """Expand every notification not yet expanded (a task lost in a crash, for one, or a
    post made a draft again before it was, until it is live again)."""
    recent = timezone.now() - settings.DELIVERY_RETRY_FOR
    due = Notification.objects.filter(fanned_out_at__isnull=True, created_at__gte=recent)
    return sum(notification_fan_out(notification=n) for n in due.order_by("id")[:100])


def notification_fan_out(*, notification: Notification) -> int:
    """Write one pending Delivery per follower in scope; safe to repeat."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification.pk)
        event = event_of(notification)
        if notification.fanned_out_at or not event.is_live():
            return 0  # done already; or unpublished since (deleted: no notification)
        notification.payload = event.body()
        created = _insert_deliveries(notification, event.component_ids(), event.follower_kinds())
        notification.fanned_out_at = timezone.now()
        notification.save(update_fields=["payload", "fanned_out_at"])
    if created.get(Channel.MAIL):
        # Several tasks, so that several workers can share a large fan-out.
        for _ in range(settings.DELIVERY_PARALLEL_TASKS):
            transaction.on_commit(deliver.enqueue)
    return sum(created.values())


def _insert_deliveries(notification, component_ids, kinds) -> dict[str, int]:
    """One INSERT … SELECT per channel: no follower rows pass through Python (100,000
    of them)."""
    created = {}
    for channel, channel_kinds in (
        (Channel.MAIL, kinds & {SubscriberKind.EMAIL}),
        (Channel.HTTP, kinds - {SubscriberKind.EMAIL}),
    ):
        if channel_kinds:
            created[channel] = _insert(notification, component_ids, channel, sorted(channel_kinds))
    return created


def _insert(notification, component_ids, channel, kinds):
    subscriber = Subscriber._meta.db_table
    components = Subscriber.components.through._meta.db_table
    groups = Subscriber.groups.through._meta.db_table
    component = Component._meta.db_table
    placeholders = ", ".join(["%s"] * len(component_ids)) or "NULL"
    kind_placeholders = ", ".join(["%s"] * len(kinds))
    now = timezone.now()
    # Not injectable (bandit B608): table names come from the models, values are parameters.
    sql = f"""
        INSERT INTO {Delivery._meta.db_table}
            (kind, channel, notification_id, subscriber_id, state, attempts, next_attempt_at,
             claimed_by, last_error, created_at)
        SELECT %s, %s, %s, s.id, %s, 0, %s, '', '', %s
        FROM {subscriber} s
        WHERE s.confirmed_at IS NOT NULL AND s.suppressed_at IS NULL
        AND s.kind IN ({kind_placeholders}) AND (
            %s OR s.all_components
            OR EXISTS (SELECT 1 FROM {components} sc
                       WHERE sc.subscriber_id = s.id AND sc.component_id IN ({placeholders}))
            OR EXISTS (SELECT 1 FROM {groups} sg
                       JOIN {component} c ON c.group_id = sg.componentgroup_id
                       WHERE sg.subscriber_id = s.id AND c.id IN ({placeholders})))
        ON CONFLICT DO NOTHING
    """  # noqa: S608  # nosec B608
    params = [DeliveryKind.NOTIFICATION, channel, notification.pk, DeliveryState.PENDING]
    params += [now, now, *kinds, not component_ids, *component_ids, *component_ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
