"""An update going live: its effects on components and the incident, and the announcement.

An update posted now goes live at once; a draft or a post dated in the future goes live
when it is published or its time comes (updates_release_due). Until then it changes
nothing public.
"""

from django.utils import timezone

from .. import audit
from ..models import (
    CLOSED_STATUSES,
    Component,
    ComponentStatus,
    ComponentStatusChange,
    Incident,
    IncidentStatus,
    IncidentUpdate,
)
from ..signals import component_status_changed, update_went_live
from .restoring import component_restores, restores_components


def go_live(update: IncidentUpdate, *, actor) -> None:
    """Apply a visible update's effects: component statuses, the incident's impact and
    state; then announce it (followers' mail is written by its listener)."""
    for change in update.component_changes.select_related("component"):
        apply_component_change(change)
    for change in _restores(update):
        apply_component_change(change)
    update.went_live_at = timezone.now()
    update.save(update_fields=["went_live_at"])
    _apply_impact(update, actor=actor)
    incident_refresh(update.incident)
    update_went_live.send(sender=IncidentUpdate, update=update)


def _restores(update: IncidentUpdate) -> list[ComponentStatusChange]:
    """A resolution's default: the components its incident changed come back (the
    ones the post names itself excepted), recorded as the post's own changes."""
    if update.keep_components or not restores_components(update.status):
        return []
    named = update.component_changes.values_list("component_id", flat=True)
    restores = component_restores(incident=update.incident, exclude=list(named))
    return [
        ComponentStatusChange.objects.create(
            component=component,
            component_name=component.full_name,
            update=update,
            old_status=component.status,
            new_status=status,
            changed_at=update.published_at,
        )
        for component, status in restores.items()
    ]


def _apply_impact(update: IncidentUpdate, *, actor) -> None:
    incident = update.incident
    if not update.impact or update.impact == incident.impact:
        return
    later = incident.updates.filter(
        went_live_at__isnull=False, published_at__gt=update.published_at
    ).exclude(impact="")
    if later.exists():
        return  # backfilled history: a later update has set the impact since
    before = audit.snapshot(incident)
    incident.impact = update.impact
    incident.save(update_fields=["impact", "updated_at"])
    audit.saved(incident, before=before, actor=actor)


def apply_component_change(change: ComponentStatusChange) -> None:
    component = Component.objects.select_for_update().get(pk=change.component_id)
    later = ComponentStatusChange.objects.applied().filter(
        component=component, changed_at__gt=change.changed_at
    )
    if later.exists():
        # Backfilled history: the change sits in the past and the current status stays.
        earlier = (
            ComponentStatusChange.objects.applied()
            .filter(component=component, changed_at__lt=change.changed_at)
            .exclude(pk=change.pk)
            .last()
        )
        change.old_status = earlier.new_status if earlier else ComponentStatus.OPERATIONAL
        change.save(update_fields=["old_status"])
        return
    change.old_status = component.status
    component.status = change.new_status
    component.save(update_fields=["status", "updated_at"])
    change.save(update_fields=["old_status"])
    if change.old_status != change.new_status:
        component_status_changed.send(sender=Component, change=change)


def incident_refresh(incident: Incident) -> None:
    """Derive the incident's status and milestones from its published updates."""
    published = list(incident.updates.published().order_by("published_at", "id"))
    if not published:
        return
    latest = published[-1]
    incident.status = latest.status
    incident.started_at = published[0].published_at
    incident.monitoring_at = next(
        (u.published_at for u in published if u.status == IncidentStatus.MONITORING), None
    )
    incident.resolved_at = latest.published_at if latest.status in CLOSED_STATUSES else None
    incident.save(
        update_fields=["status", "started_at", "monitoring_at", "resolved_at", "updated_at"]
    )
