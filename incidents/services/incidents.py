"""Incidents and maintenances themselves: opened (with their first update), edited, deleted."""

import datetime
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .. import audit
from ..models import Component, Impact, Incident, IncidentKind, IncidentStatus, IncidentUpdate
from .common import audited_delete, audited_write, check_component_changes
from .dates import check_post_date
from .updates import update_create

INCIDENT_EDITABLE_FIELDS = {
    "title",
    "impact",
    "scheduled_for",
    "scheduled_until",
    "auto_transition",
}


def incident_open(
    *,
    title: str,
    status: str,
    body: str = "",
    headline: str = "",
    kind: str = IncidentKind.INCIDENT,
    impact: str | None = None,
    component_changes: Mapping[Component, str] | None = None,
    published_at: datetime.datetime | None = None,
    is_draft: bool = False,
    notify: bool | None = None,
    keep_components: bool = False,
    confirmed: bool = False,
    author=None,
    scheduled_for: datetime.datetime | None = None,
    scheduled_until: datetime.datetime | None = None,
    auto_transition: bool = False,
    public_id: str | None = None,
) -> IncidentUpdate:
    """Open an incident or schedule a maintenance, with its first update. `public_id`:
    one chosen ahead (a post from the break-glass journal, whose address was printed)."""
    if impact is None:
        impact = Impact.MAINTENANCE if kind == IncidentKind.MAINTENANCE else Impact.MINOR
    published_at = published_at or timezone.now()
    if not confirmed:
        check_post_date(incident=None, status=status, published_at=published_at, kind=kind)
    incident = Incident(
        title=title.strip(),
        kind=kind,
        impact=impact,
        status=status,
        started_at=published_at,
        scheduled_for=scheduled_for,
        scheduled_until=scheduled_until,
        auto_transition=auto_transition and kind == IncidentKind.MAINTENANCE,
    )
    if public_id:
        incident.public_id = public_id
    incident.full_clean()
    component_changes = dict(component_changes or {})
    with transaction.atomic():
        incident.save()
        audit.saved(incident, before=None, actor=author)
        if status == IncidentStatus.SCHEDULED:
            # Components of a maintenance still ahead are affected, not changed: they
            # go under maintenance when it starts (by hand, or automatically).
            check_component_changes(component_changes)
            incident.components.add(*component_changes)
            component_changes = {}
        return update_create(
            incident=incident,
            status=status,
            body=body,
            headline=headline,
            component_changes=component_changes,
            published_at=published_at,
            is_draft=is_draft,
            notify=notify,
            keep_components=keep_components,
            confirmed=True,  # checked above, before anything was written
            author=author,
        )


def incident_edit(*, incident: Incident, actor=None, **fields) -> Incident:
    """Change an incident's own fields (title, impact, window, ...), not its updates."""
    unknown = set(fields) - INCIDENT_EDITABLE_FIELDS
    if unknown:
        raise ValidationError(f"Cannot edit {', '.join(sorted(unknown))} of an incident.")
    for name, value in fields.items():
        setattr(incident, name, value)
    incident.full_clean()
    with audited_write(incident, actor=actor):
        # Only these fields: what the worker set meanwhile (a reminder sent) stays.
        incident.save(update_fields=[*fields, "updated_at"])
    return incident


def incident_delete(*, incident: Incident, actor=None) -> None:
    audited_delete(incident, actor=actor, extra={"posts": str(incident.updates.count())})
