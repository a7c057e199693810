"""The outbox: one Notification per update to mail, written in the transaction that made
the update go live, expanded by the worker into one Delivery per follower in scope.

The task `fan_out` lives here, next to what it runs; it wakes the senders
(subscribers.sending) when there is mail to send.
"""

from django.conf import settings
from django.db import connection, transaction
from django.tasks import task
from django.utils import timezone

from incidents.models import Component, IncidentUpdate

from ..models import Delivery, DeliveryKind, DeliveryState, Notification, Subscriber
from ..sending import deliver


@task
def fan_out(notification_id: int) -> int:
    notification = Notification.objects.filter(pk=notification_id).first()
    created = notification_fan_out(notification=notification) if notification else 0
    if created:
        # Several tasks, so that several workers can share a large fan-out.
        for _ in range(settings.DELIVERY_PARALLEL_TASKS):
            deliver.enqueue()
    return created


def notification_schedule(*, update: IncidentUpdate) -> Notification:
    """Record, in the caller's transaction, that this post is to be mailed to followers."""
    notification, created = Notification.objects.get_or_create(update=update)
    if created:
        transaction.on_commit(lambda: fan_out.enqueue(notification.pk))
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
