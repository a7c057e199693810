"""The kinds of event followers are told about, and what each is for each kind of follower.

An event kind is one class here: which kinds of follower get it, which components it is
about (for followers of some components), its body in Statuspage's webhook shape (which
webhooks get as it is and chat messages are made from, subscribers.channels.chat), and
its mail, if email followers get one.

Adding a kind (a maintenance reminder, a postmortem): a value in models.EventKind and,
if it points at a new kind of row, a field on Notification; a class below, in EVENTS; a
receiver in receivers.py that calls `services.notification_schedule`; and, if mailed, a
`mail` method returning a composer like emails.PostMail (with its templates). The outbox,
fan-out, sending, retries and recovery need no change.
"""

from django.conf import settings

from incidents import selectors
from incidents.api.serializers import component_object, incident_object, timestamp
from incidents.models import Component, Incident, IncidentStatus, IncidentUpdate

from .emails import PostMail, PostmortemMail, ReminderMail
from .models import EventKind, Notification, SubscriberKind

CHAT_KINDS = frozenset(SubscriberKind) - {SubscriberKind.EMAIL, SubscriberKind.WEBHOOK}
EVERY_KIND = frozenset(SubscriberKind)


class Event:
    def __init__(self, notification: Notification):
        self.notification = notification

    def is_live(self) -> bool:
        """Whether it is still to be told (its post may have been deleted since)."""
        raise NotImplementedError

    def follower_kinds(self) -> frozenset[str]:
        raise NotImplementedError

    def component_ids(self) -> list[int]:
        """The components it is about; none: every follower is told."""
        raise NotImplementedError

    def body(self) -> dict:
        """Statuspage's webhook body, without `meta` (which is each follower's own)."""
        raise NotImplementedError

    def mail(self):
        return None

    def page(self) -> dict:
        status = selectors.page_status()
        return {
            "id": settings.STATUS_PAGE_ID,
            "status_indicator": status.indicator,
            "status_description": status.description,
        }


class UpdateEvent(Event):
    """A post went live: everyone in scope, by every channel."""

    def is_live(self):
        return IncidentUpdate.objects.published().filter(pk=self.notification.update_id).exists()

    def follower_kinds(self):
        return EVERY_KIND

    def component_ids(self):
        return list(self.notification.update.incident.components.values_list("pk", flat=True))

    def body(self):
        incidents = Incident.objects.filter(pk=self.notification.update.incident_id)
        [incident] = selectors.with_public_details(incidents)
        return {"page": self.page(), "incident": incident_object(incident)}

    def mail(self):
        return PostMail(self.notification.update)


class ComponentStatusEvent(Event):
    """A component's status changed. Made by a post, only webhooks hear of it apart
    (as Statuspage does): email and chat followers read it in the post."""

    @property
    def change(self):
        return self.notification.component_change

    def is_live(self):
        return Component.objects.public().filter(pk=self.change.component_id).exists()

    def follower_kinds(self):
        if self.change.update_id:
            return frozenset({SubscriberKind.WEBHOOK})
        return CHAT_KINDS | {SubscriberKind.WEBHOOK}

    def component_ids(self):
        return [self.change.component_id]

    def body(self):
        change, component = self.change, self.change.component
        return {
            "page": self.page(),
            "component_update": {
                "id": f"{component.public_id}-{change.pk}",
                "component_id": component.public_id,
                "old_status": change.old_status,
                "new_status": change.new_status,
                "created_at": timestamp(change.changed_at),
            },
            "component": component_object(component),
        }


class IncidentEvent(Event):
    """An event about an incident as a whole, told by mail only: Statuspage's webhooks
    have no such kind, and chat messages are made from those."""

    @property
    def incident(self):
        return self.notification.incident

    def follower_kinds(self):
        return frozenset({SubscriberKind.EMAIL})

    def component_ids(self):
        return list(self.incident.components.values_list("pk", flat=True))

    def body(self):
        [incident] = selectors.with_public_details(Incident.objects.filter(pk=self.incident.pk))
        return {"page": self.page(), "incident": incident_object(incident)}


class MaintenanceReminderEvent(IncidentEvent):
    """A scheduled maintenance starts soon (MAINTENANCE_REMINDER_BEFORE)."""

    def is_live(self):
        # Not once it has started, been cancelled or hidden meanwhile.
        return (
            Incident.objects.public()
            .filter(pk=self.incident.pk, status=IncidentStatus.SCHEDULED)
            .exists()
        )

    def mail(self):
        return ReminderMail(self.incident)


class PostmortemEvent(IncidentEvent):
    """An incident's postmortem was published, with "notify followers"."""

    def is_live(self):
        incident = Incident.objects.public().filter(pk=self.incident.pk).first()
        return incident is not None and incident.has_public_postmortem

    def mail(self):
        return PostmortemMail(self.incident)


EVENTS: dict[str, type[Event]] = {
    EventKind.UPDATE: UpdateEvent,
    EventKind.COMPONENT_STATUS: ComponentStatusEvent,
    EventKind.MAINTENANCE_REMINDER: MaintenanceReminderEvent,
    EventKind.POSTMORTEM: PostmortemEvent,
}


def event_of(notification: Notification) -> Event:
    return EVENTS[notification.kind](notification)
