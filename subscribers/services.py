"""Followers' side of the write path: sign-up, confirmation, and the mail outbox."""

from incidents.models import IncidentUpdate

from .models import Notification


def notification_schedule(*, update: IncidentUpdate) -> Notification:
    """Record, in the caller's transaction, that this post is to be mailed to followers."""
    notification, _ = Notification.objects.get_or_create(update=update)
    return notification
