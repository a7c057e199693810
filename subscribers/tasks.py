"""Background tasks (django.tasks): acting on a sign-up, expanding a post into
deliveries, sending them.

All are safe to run twice or in several workers at once; the rows (sign-ups, the
outbox), not the task queue, are the record of what is left to do, so a lost task only
delays the work until the worker's periodic `sign_ups_process_due`,
`notifications_fan_out_due` or `deliveries_kick`.
"""

from django.conf import settings
from django.tasks import task

from . import sending, services
from .models import Delivery, Notification


@task
def process_sign_up(sign_up_id: int) -> bool:
    return services.sign_up_process(sign_up_id=sign_up_id)


@task
def fan_out(notification_id: int) -> int:
    notification = Notification.objects.filter(pk=notification_id).first()
    created = services.notification_fan_out(notification=notification) if notification else 0
    if created:
        # Several tasks, so that several workers can share a large fan-out.
        for _ in range(settings.DELIVERY_PARALLEL_TASKS):
            deliver.enqueue()
    return created


@task
def deliver() -> int:
    """Send due mail for a while; queue a follow-up if the time ran out first."""
    sent, finished = sending.send_due()
    if not finished:
        deliver.enqueue()
    return sent


def deliveries_kick() -> int:
    """Recover stale work and queue a sending task for due mail (periodic job).

    This is how retries happen: a refused mail is due again after its backoff.
    """
    recovered = services.deliveries_recover_stale()
    if not sending.is_sending() and Delivery.objects.due().exists():
        deliver.enqueue()
    return recovered
