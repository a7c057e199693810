"""What followers do when incidents announce something (connected in apps.py): each
writes the event's outbox entry in the same transaction, so it commits, or rolls back,
with what it announces."""

from . import suppression
from .models import EventKind
from .services import notification_schedule


def tell_the_update(sender, *, update, **kwargs):
    if update.notify:
        notification_schedule(kind=EventKind.UPDATE, update=update)


def tell_the_component_status(sender, *, change, **kwargs):
    made_by_a_quiet_post = change.update_id and not change.update.notify
    if not made_by_a_quiet_post and not change.component.is_hidden:
        notification_schedule(kind=EventKind.COMPONENT_STATUS, component_change=change)


def tell_the_maintenance_reminder(sender, *, incident, **kwargs):
    notification_schedule(kind=EventKind.MAINTENANCE_REMINDER, incident=incident)


def tell_the_postmortem(sender, *, incident, **kwargs):
    notification_schedule(kind=EventKind.POSTMORTEM, incident=incident)


def record_mail_event(sender, *, event, esp_name, **kwargs):
    """A bounce, complaint or delivery the email service provider reports (anymail)."""
    address, detail = event.recipient or "", event.description or event.mta_response or ""
    if event.event_type == "complained":
        suppression.address_complained(address=address, reason=f"{esp_name}: {detail}")
    elif event.event_type == "bounced" or (
        event.event_type == "rejected" and event.reject_reason in ("bounced", "invalid")
    ):
        hard = not _soft_bounce(event.esp_event)
        suppression.address_bounced(address=address, hard=hard, reason=f"{esp_name}: {detail}")
    elif event.event_type == "delivered":
        suppression.address_delivered(address=address)


def _soft_bounce(esp_event) -> bool:
    """What anymail calls a bounce that the provider says is temporary."""
    if not isinstance(esp_event, dict):
        return False
    if esp_event.get("Type") == "SoftBounce":  # Postmark
        return True
    bounce = esp_event.get("bounce")  # Amazon SES
    return isinstance(bounce, dict) and bounce.get("bounceType") not in (None, "Permanent")
