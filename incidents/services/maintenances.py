"""Scheduled maintenances: the reminder before the window, and automatic ones started
and completed on time, with an update each time."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from ..models import (
    ACTIVE_MAINTENANCE_STATUSES,
    ComponentStatus,
    Incident,
    IncidentKind,
    IncidentStatus,
    IncidentUpdate,
)
from ..signals import maintenance_reminder_due
from .updates import update_create


def maintenances_remind_due() -> int:
    """Remind followers of the maintenances starting within MAINTENANCE_REMINDER_BEFORE
    (periodic job): once per maintenance, whatever restarts, concurrent workers or later
    edits of its window do."""
    before = settings.MAINTENANCE_REMINDER_BEFORE
    if not before:
        return 0
    now = timezone.now()
    announced = IncidentUpdate.objects.published().filter(incident=OuterRef("pk"), notify=True)
    due = Incident.objects.public().filter(
        Exists(announced),  # a maintenance announced quietly stays quiet
        kind=IncidentKind.MAINTENANCE,
        status=IncidentStatus.SCHEDULED,
        reminded_at__isnull=True,
        scheduled_for__gt=now,
        scheduled_for__lte=now + datetime.timedelta(seconds=before),
    )
    reminded = 0
    for incident in due.order_by("scheduled_for"):
        with transaction.atomic():
            # The claim: of two workers, only one sees the row still unreminded.
            claimed = Incident.objects.filter(pk=incident.pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if claimed:
                incident.reminded_at = now
                maintenance_reminder_due.send(sender=Incident, incident=incident)
                reminded += 1
    return reminded


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
