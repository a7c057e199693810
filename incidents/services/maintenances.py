"""Automatic maintenances: started and completed on time, with an update each time."""

from django.db import transaction
from django.utils import timezone

from ..models import (
    ACTIVE_MAINTENANCE_STATUSES,
    ComponentStatus,
    Incident,
    IncidentKind,
    IncidentStatus,
    IncidentUpdate,
)
from .updates import update_create


def maintenances_transition_due() -> int:
    """Start and complete automatic maintenances on time (periodic job)."""
    now = timezone.now()
    moves = 0
    due = Incident.objects.public().filter(auto_transition=True, kind=IncidentKind.MAINTENANCE)
    starting = due.filter(status=IncidentStatus.SCHEDULED, scheduled_for__lte=now)
    ending = due.filter(status__in=ACTIVE_MAINTENANCE_STATUSES, scheduled_until__lte=now)
    for incident in [*starting, *ending]:
        with transaction.atomic():
            # Re-read under a lock: another worker may have moved it meanwhile.
            locked = Incident.objects.select_for_update().get(pk=incident.pk)
            if locked.status == incident.status:
                _maintenance_step(locked)
                moves += 1
    return moves


def _maintenance_step(incident: Incident) -> IncidentUpdate:
    components = incident.components.all()
    if incident.status == IncidentStatus.SCHEDULED:
        return update_create(
            incident=incident,
            status=IncidentStatus.IN_PROGRESS,
            headline="Maintenance started",
            body="The scheduled maintenance is now in progress.",
            component_changes=dict.fromkeys(components, ComponentStatus.UNDER_MAINTENANCE),
        )
    # Only components still under maintenance go back; one that broke meanwhile stays.
    return update_create(
        incident=incident,
        status=IncidentStatus.COMPLETED,
        headline="Maintenance completed",
        body="The scheduled maintenance has been completed.",
        component_changes=dict.fromkeys(
            components.filter(status=ComponentStatus.UNDER_MAINTENANCE), ComponentStatus.OPERATIONAL
        ),
    )
