"""Imports from Statuspage (incidents.api.importer).

They keep the source's ids, times and statuses, mail nobody, and never replay history
onto the components' current status. Each is idempotent: importing again refreshes the
same rows.
"""

import datetime
from collections.abc import Sequence
from contextlib import contextmanager
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..markdown import render_markdown
from ..models import (
    Component,
    ComponentGroup,
    ComponentStatusChange,
    Incident,
    IncidentUpdate,
)
from .common import audited_write


class ImportedChange(NamedTuple):
    """A component change as the source recorded it, with the name it had then."""

    component: Component
    name: str
    old_status: str
    new_status: str


@contextmanager
def _importing(obj, *, updated_at: datetime.datetime):
    """The skeleton of every import: the caller fills and saves `obj` in one audited
    transaction (by nobody: the system), which then keeps the source's updated_at."""
    with audited_write(obj, actor=None):
        yield
        # save() stamps auto_now fields with the import's time; update() keeps the source's.
        type(obj).objects.filter(pk=obj.pk).update(updated_at=updated_at)
        obj.updated_at = updated_at


def group_import(
    *,
    public_id: str,
    name: str,
    description: str,
    position: int,
    created_at: datetime.datetime,
    updated_at: datetime.datetime,
) -> ComponentGroup:
    group = ComponentGroup.objects.filter(public_id=public_id).first()
    group = group or ComponentGroup(public_id=public_id)
    with _importing(group, updated_at=updated_at):
        group.name, group.description, group.position = name, description, position
        group.created_at = created_at
        group.full_clean()
        group.save()
    return group


def component_import(
    *,
    public_id: str,
    name: str,
    status: str,
    description: str,
    position: int,
    group: ComponentGroup | None,
    start_date: datetime.date | None,
    created_at: datetime.datetime,
    updated_at: datetime.datetime,
    showcase: bool = True,
    only_show_if_degraded: bool = False,
    shown: bool | None = True,
) -> Component:
    """Create or refresh a component; a new status is recorded as a change at updated_at.

    `shown`: the source's page lists it (True: shown here), or does not (False: created
    hidden, such as one known only from the history), or nothing says (None). An import
    never hides a component that is here already."""
    with transaction.atomic():
        component = Component.objects.select_for_update().filter(public_id=public_id).first()
        old_status = component.status if component else None
        if component is None:
            component = Component(public_id=public_id, is_hidden=shown is False)
        elif shown:
            component.is_hidden = False
        with _importing(component, updated_at=updated_at):
            component.name, component.status, component.description = name, status, description
            component.position, component.group = position, group
            component.start_date, component.created_at = start_date, created_at
            component.showcase, component.only_show_if_degraded = showcase, only_show_if_degraded
            component.full_clean()
            component.save()
            if old_status is not None and old_status != status:
                ComponentStatusChange.objects.create(
                    component=component,
                    component_name=component.full_name,
                    old_status=old_status,
                    new_status=status,
                    changed_at=updated_at,
                )
    return component


def incident_import(
    *,
    public_id: str,
    kind: str,
    title: str,
    status: str,
    impact: str,
    created_at: datetime.datetime,
    updated_at: datetime.datetime,
    started_at: datetime.datetime,
    monitoring_at: datetime.datetime | None,
    resolved_at: datetime.datetime | None,
    scheduled_for: datetime.datetime | None,
    scheduled_until: datetime.datetime | None,
    components: Sequence[Component],
) -> Incident:
    """Create or refresh an incident or maintenance, without its updates (update_import)."""
    incident = Incident.objects.filter(public_id=public_id).first()
    incident = incident or Incident(public_id=public_id)
    with _importing(incident, updated_at=updated_at):
        incident.kind, incident.title, incident.status = kind, title, status
        incident.impact, incident.created_at, incident.started_at = impact, created_at, started_at
        incident.monitoring_at, incident.resolved_at = monitoring_at, resolved_at
        incident.scheduled_for, incident.scheduled_until = scheduled_for, scheduled_until
        incident.full_clean()
        incident.save()
        incident.components.add(*components)
    return incident


def update_import(
    *,
    incident: Incident,
    public_id: str,
    status: str,
    body: str,
    created_at: datetime.datetime,
    updated_at: datetime.datetime,
    display_at: datetime.datetime,
    notified: bool = False,
    component_changes: Sequence[ImportedChange] = (),
) -> IncidentUpdate:
    """Create or refresh an update, with its component changes as recorded. `notified`
    is the source's deliver_notifications: history, since an import mails nobody."""
    update = IncidentUpdate.objects.filter(public_id=public_id).first()
    if update and update.incident_id != incident.pk:
        raise ValidationError({"id": f"“{public_id}” is a post of another incident."})
    update = update or IncidentUpdate(public_id=public_id, incident=incident)
    with _importing(update, updated_at=updated_at):
        update.status, update.body, update.headline = status, body, ""
        update.published_at, update.created_at = display_at, created_at
        update.is_draft, update.notify = False, notified
        # Marked live: the release job never applies its changes to the components, and
        # update_went_live (which mails followers) is never sent for it.
        update.went_live_at = update.went_live_at or timezone.now()
        update.clean_fields()
        update.check_against_incident()  # not clean(): Statuspage posts may have no message
        update.body_html = render_markdown(body)
        update.save()
        update.component_changes.all().delete()
        ComponentStatusChange.objects.bulk_create(
            ComponentStatusChange(
                component=change.component,
                component_name=change.name or change.component.full_name,
                update=update,
                old_status=change.old_status,
                new_status=change.new_status,
                changed_at=display_at,
            )
            for change in component_changes
        )
    return update
