"""What followers do when incidents announce something (connected in apps.py): each
writes the event's outbox entry in the same transaction, so it commits, or rolls back,
with what it announces."""

from .models import EventKind
from .services import notification_schedule


def tell_the_update(sender, *, update, **kwargs):
    if update.notify:
        notification_schedule(kind=EventKind.UPDATE, update=update)


def tell_the_component_status(sender, *, change, **kwargs):
    made_by_a_quiet_post = change.update_id and not change.update.notify
    if not made_by_a_quiet_post and not change.component.is_hidden:
        notification_schedule(kind=EventKind.COMPONENT_STATUS, component_change=change)
