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


# Room for "Group - Component", both at their longest.
CHANGE_NAME_LENGTH = 2 * 100 + 3


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
    # Statuspage's two display switches, kept by the importer and honoured on the page.
    showcase = models.BooleanField(
        "show uptime", default=True, help_text="Show the daily uptime bars on the page."
    )
    only_show_if_degraded = models.BooleanField(
        default=False,
        help_text="Listed on the page only while it is not operational (still in the API).",
    )
    created_at = models.DateTimeField(default=timezone.now, validators=[validate_time])
    updated_at = models.DateTimeField(auto_now=True, validators=[validate_time])

    objects = ComponentQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    @property
    def full_name(self) -> str:
        """The name as Statuspage writes it in a post's changes: "Group - Component"."""
        if self.group is None:
            return self.name
        # A name the importer qualified with its group, "API (Europe)", is "Europe - API".
        name = self.name.removesuffix(f" ({self.group.name})") or self.name
        return f"{self.group.name} - {name}"

    @property
    def is_listed(self) -> bool:
        """Whether the page lists it now (the API always does)."""
        return not self.only_show_if_degraded or self.status != ComponentStatus.OPERATIONAL


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
    # The component's name when it changed, "Group - Component" if grouped (Statuspage's
    # affected_components[].name): a later rename does not rewrite history.
    component_name = models.CharField(
        max_length=CHANGE_NAME_LENGTH, blank=True, validators=[validate_line]
    )
    changed_at = models.DateTimeField(default=timezone.now, validators=[validate_time])

    objects = ComponentStatusChangeQuerySet.as_manager()

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["component", "changed_at"])]

    def __str__(self):
        return f"{self.component}: {self.old_status} → {self.new_status}"
