from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditAction(models.TextChoices):
    CREATED = "created", "Created"
    EDITED = "edited", "Edited"
    DELETED = "deleted", "Deleted"


class AuditObjectType(models.TextChoices):
    INCIDENT = "incident", "Incident"
    UPDATE = "update", "Update"
    COMPONENT = "component", "Component"
    GROUP = "group", "Component group"
    TEMPLATE = "template", "Incident template"


class AuditEntry(models.Model):
    """Who created, edited or deleted which incident, update or component, and what changed.

    Written by incidents.services (see incidents.audit), never edited: the labels and
    values are copied, so an entry still reads the same after its object is gone.
    """

    at = models.DateTimeField("when", default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="user",
    )
    # Kept when the user is deleted; empty for the worker, commands and imports.
    actor_name = models.CharField("by", max_length=150, blank=True)
    action = models.CharField(max_length=16, choices=AuditAction.choices)
    object_type = models.CharField(max_length=16, choices=AuditObjectType.choices)
    object_id = models.CharField("public id", max_length=32)
    object_label = models.CharField("object", max_length=300)
    # {field name: [old, new]} as people read them; None where a side does not exist.
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit trail"
        indexes = [models.Index(fields=["-at"]), models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        kind = self.get_object_type_display().lower()
        return f"{self.get_action_display()} {kind} “{self.object_label}”"
