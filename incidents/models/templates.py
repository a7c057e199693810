"""Incident templates, as Statuspage has: a title, a message, an impact and component
statuses kept under a name, to open an incident (or post an update) in a few clicks."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from ..validators import validate_line, validate_text, validate_time
from .components import Component, ComponentStatus
from .fields import PublicIdField
from .incidents import STATUSES_BY_KIND, Impact, IncidentKind, IncidentStatus


class IncidentTemplate(models.Model):
    public_id = PublicIdField()
    name = models.CharField(
        max_length=100,
        unique=True,
        validators=[validate_line],
        help_text="What operators pick it by, e.g. “Database down”.",
    )
    kind = models.CharField(
        max_length=16, choices=IncidentKind.choices, default=IncidentKind.INCIDENT
    )
    title = models.CharField(
        max_length=200, validators=[validate_line], help_text="The incident's title."
    )
    status = models.CharField(
        max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.INVESTIGATING
    )
    impact = models.CharField(max_length=16, choices=Impact.choices, default=Impact.MINOR)
    headline = models.CharField(max_length=200, blank=True, validators=[validate_line])
    body = models.TextField(
        "message", blank=True, validators=[validate_text], help_text="Markdown."
    )
    created_at = models.DateTimeField(default=timezone.now, validators=[validate_time])
    updated_at = models.DateTimeField(auto_now=True, validators=[validate_time])

    class Meta:
        ordering = ["name"]
        verbose_name = "incident template"

    def __str__(self):
        return self.name

    def clean(self):
        if self.kind in STATUSES_BY_KIND and self.status not in STATUSES_BY_KIND[self.kind]:
            allowed = ", ".join(STATUSES_BY_KIND[self.kind])
            raise ValidationError({"status": f"Not a status of this kind (use one of: {allowed})."})
        if self.impact == Impact.MAINTENANCE and self.kind != IncidentKind.MAINTENANCE:
            raise ValidationError({"impact": "Only a maintenance has the impact “maintenance”."})

    def component_changes(self) -> dict[Component, str]:
        """{component: status}, as the services take them."""
        return {
            entry.component: entry.status
            for entry in self.component_statuses.select_related("component__group")
        }


class IncidentTemplateComponent(models.Model):
    """A component a template sets, and to which status."""

    template = models.ForeignKey(
        IncidentTemplate, on_delete=models.CASCADE, related_name="component_statuses"
    )
    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=32, choices=ComponentStatus.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["template", "component"], name="one_status_per_template_component"
            )
        ]

    def __str__(self):
        return f"{self.component}: {self.get_status_display()}"
