"""An incident's postmortem: written as a draft, then published on its page and in the
API, optionally with a mail to its followers (once)."""

from django.core.exceptions import ValidationError
from django.utils import timezone

from ..markdown import render_markdown
from ..models import Incident
from ..signals import postmortem_published
from ..validators import validate_text
from .common import audited_write


def postmortem_save(*, incident: Incident, body: str, actor=None) -> Incident:
    """Write the postmortem's text; published or draft, it stays as it is."""
    _check_incident(incident)
    validate_text(body)
    if incident.postmortem_published_at and not body.strip():
        raise ValidationError("A published postmortem needs a text: unpublish it instead.")
    with audited_write(incident, actor=actor):
        incident.postmortem_body = body
        incident.postmortem_html = render_markdown(body)
        incident.postmortem_updated_at = timezone.now()
        incident.save(update_fields=["postmortem_body", "postmortem_html", "postmortem_updated_at"])
    return incident


def postmortem_publish(*, incident: Incident, actor=None, notify: bool = False) -> Incident:
    """Show the postmortem on the incident's page and in the API; with `notify`, mail it
    to the incident's followers, once (publishing again does not mail again)."""
    _check_incident(incident)
    if not incident.postmortem_body.strip():
        raise ValidationError("Write the postmortem before publishing it.")
    if not Incident.objects.public().filter(pk=incident.pk).exists():
        raise ValidationError("The incident is not public yet: publish one of its posts first.")
    with audited_write(incident, actor=actor):
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        now = timezone.now()
        incident.postmortem_published_at = locked.postmortem_published_at or now
        fields = ["postmortem_published_at"]
        if notify and locked.postmortem_notified_at is None:
            incident.postmortem_notified_at = now
            fields.append("postmortem_notified_at")
            postmortem_published.send(sender=Incident, incident=incident)
        incident.save(update_fields=fields)
    return incident


def postmortem_unpublish(*, incident: Incident, actor=None) -> Incident:
    """Back to a draft: no longer public (mail already sent stays sent)."""
    with audited_write(incident, actor=actor):
        incident.postmortem_published_at = None
        incident.save(update_fields=["postmortem_published_at"])
    return incident


def _check_incident(incident: Incident) -> None:
    if incident.is_maintenance:
        raise ValidationError("A maintenance has no postmortem; incidents have one.")
    if incident.pk is None:
        raise ValidationError("Open the incident before writing its postmortem.")
