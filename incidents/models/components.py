from django.db import models
from django.db.models import Q
from django.utils import timezone

from ..validators import validate_line, validate_text, validate_time
from .fields import PublicIdField


class ComponentStatus(models.TextChoices):
    OPERATIONAL = "operational", "Operational"
    DEGRADED_PERFORMANCE = "degraded_performance", "Degraded performance"
    PARTIAL_OUTAGE = "partial_outage", "Partial outage"
    MAJOR_OUTAGE = "major_outage", "Major outage"
    UNDER_MAINTENANCE = "under_maintenance", "Under maintenance"


# Least to most severe: a group, or a day of uptime bars, shows the worst it had.
COMPONENT_SEVERITY = [
    ComponentStatus.OPERATIONAL,
    ComponentStatus.UNDER_MAINTENANCE,
    ComponentStatus.DEGRADED_PERFORMANCE,
    ComponentStatus.PARTIAL_OUTAGE,
    ComponentStatus.MAJOR_OUTAGE,
]


def worst_status(statuses, default=ComponentStatus.OPERATIONAL):
    return max(statuses, key=COMPONENT_SEVERITY.index, default=default)


class ComponentGroup(models.Model):
    public_id = PublicIdField()
    name = models.CharField(max_length=100, unique=True, validators=[validate_line])
    description = models.TextField(blank=True, validators=[validate_text])
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, validators=[validate_time])
    updated_at = models.DateTimeField(auto_now=True, validators=[validate_time])

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class ComponentQuerySet(models.QuerySet):
    def public(self):
        """Components the public sees; hidden ones never affect the page's status."""
        return self.filter(is_hidden=False)


class Component(models.Model):
    public_id = PublicIdField()
    name = models.CharField(max_length=100, unique=True, validators=[validate_line])
    description = models.TextField(blank=True, validators=[validate_text])
    group = models.ForeignKey(
        ComponentGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="components"
    )
    position = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=32, choices=ComponentStatus.choices, default=ComponentStatus.OPERATIONAL
    )
    is_hidden = models.BooleanField(
        "hidden", default=False, help_text="Hidden components are not shown on the public page."
    )
    start_date = models.DateField(
        null=True, blank=True, help_text="When monitoring began; uptime is counted from here."
    )
    created_at = models.DateTimeField(default=timezone.now, validators=[validate_time])
    updated_at = models.DateTimeField(auto_now=True, validators=[validate_time])

    objects = ComponentQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class ComponentStatusChangeQuerySet(models.QuerySet):
    def applied(self):
        """Changes in effect: made directly, or by a post that has gone live."""
        return self.filter(Q(update__isnull=True) | Q(update__went_live_at__isnull=False))


class ComponentStatusChange(models.Model):
    """A component's status change (old → new), kept for history and uptime."""

    component = models.ForeignKey(
        Component, on_delete=models.CASCADE, related_name="status_changes"
    )
    # A deleted post keeps its changes: the component really was in that state.
    update = models.ForeignKey(
        "IncidentUpdate",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="component_changes",
    )
    old_status = models.CharField(max_length=32, choices=ComponentStatus.choices)
    new_status = models.CharField(max_length=32, choices=ComponentStatus.choices)
    changed_at = models.DateTimeField(default=timezone.now, validators=[validate_time])

    objects = ComponentStatusChangeQuerySet.as_manager()

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["component", "changed_at"])]

    def __str__(self):
        return f"{self.component}: {self.old_status} → {self.new_status}"
