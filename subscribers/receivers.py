"""What followers do when incidents announce something (connected in apps.py)."""

from .services import notification_schedule


def mail_the_update(sender, *, update, **kwargs):
    """An update went live: if it is to be mailed, its outbox entry is written in the
    same transaction (so it commits, or rolls back, with the update)."""
    if update.notify:
        notification_schedule(update=update)
