"""Components, incidents and their updates (the posts of the timeline).

Writes go through incidents.services; these models hold data, the visibility rule
(`published()`) and the orderings that define the product (newest first).
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string

from .validators import validate_line, validate_text, validate_time

PUBLIC_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def new_public_id():
    # Random, like Statuspage's ids: a URL reveals neither row counts nor order.
    return get_random_string(12, PUBLIC_ID_ALPHABET)


def check_text(obj, *, lines=(), texts=()):
    """Raise a ValidationError naming each field that holds a character it may not
    (incidents.validators: what feeds, badges and PostgreSQL cannot carry)."""
    errors = {}
    for names, validate in ((lines, validate_line), (texts, validate_text)):
        for name in names:
            try:
                validate(getattr(obj, name) or "")
            except ValidationError as error:
                errors[name] = error.messages
    if errors:
        raise ValidationError(errors)


def check_times(obj):
    """Raise a ValidationError naming each date and time field out of range."""
    errors = {}
    for field in obj._meta.concrete_fields:
        value = getattr(obj, field.attname)
        if isinstance(field, models.DateTimeField) and isinstance(value, datetime.datetime):
            try:
                validate_time(value)
            except ValidationError as error:
                errors[field.name] = error.messages
    if errors:
        raise ValidationError(errors)


class PublicIdField(models.CharField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("unique", True)
        kwargs.setdefault("default", new_public_id)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)


class ComponentStatus(models.TextChoices):
    OPERATIONAL = "operational", "Operational"
    DEGRADED_PERFORMANCE = "degraded_performance", "Degraded performance"
    PARTIAL_OUTAGE = "partial_outage", "Partial outage"
    MAJOR_OUTAGE = "major_outage", "Major outage"
    UNDER_MAINTENANCE = "under_maintenance", "Under maintenance"


class Impact(models.TextChoices):
    NONE = "none", "None"
    MINOR = "minor", "Minor"
    MAJOR = "major", "Major"
    CRITICAL = "critical", "Critical"


class IncidentKind(models.TextChoices):
    INCIDENT = "incident", "Incident"
    MAINTENANCE = "maintenance", "Scheduled maintenance"


class IncidentStatus(models.TextChoices):
    INVESTIGATING = "investigating", "Investigating"
    IDENTIFIED = "identified", "Identified"
    MONITORING = "monitoring", "Monitoring"
    RESOLVED = "resolved", "Resolved"
    POSTMORTEM = "postmortem", "Postmortem"
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    VERIFYING = "verifying", "Verifying"
    COMPLETED = "completed", "Completed"


STATUSES_BY_KIND = {
    IncidentKind.INCIDENT: [
        IncidentStatus.INVESTIGATING,
        IncidentStatus.IDENTIFIED,
        IncidentStatus.MONITORING,
        IncidentStatus.RESOLVED,
        IncidentStatus.POSTMORTEM,
    ],
    IncidentKind.MAINTENANCE: [
        IncidentStatus.SCHEDULED,
        IncidentStatus.IN_PROGRESS,
        IncidentStatus.VERIFYING,
        IncidentStatus.COMPLETED,
    ],
}
CLOSED_STATUSES = {IncidentStatus.RESOLVED, IncidentStatus.POSTMORTEM, IncidentStatus.COMPLETED}


class ComponentGroup(models.Model):
    public_id = PublicIdField()
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        check_text(self, lines=["name"], texts=["description"])
        check_times(self)


class ComponentQuerySet(models.QuerySet):
    def public(self):
        """Components the public sees; hidden ones never affect the page's status."""
        return self.filter(is_hidden=False)


class Component(models.Model):
    public_id = PublicIdField()
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
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
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ComponentQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        check_text(self, lines=["name"], texts=["description"])
        check_times(self)


class IncidentQuerySet(models.QuerySet):
    def public(self):
        """Incidents with at least one post the public may see."""
        return self.filter(
            Exists(IncidentUpdate.objects.published().filter(incident=OuterRef("pk")))
        )

    def open(self):
        return self.exclude(status__in=CLOSED_STATUSES)


class Incident(models.Model):
    public_id = PublicIdField()
    title = models.CharField(max_length=200)
    kind = models.CharField(
        max_length=16, choices=IncidentKind.choices, default=IncidentKind.INCIDENT
    )
    impact = models.CharField(max_length=16, choices=Impact.choices, default=Impact.MINOR)
    status = models.CharField(max_length=16, choices=IncidentStatus.choices)
    components = models.ManyToManyField(
        Component, blank=True, related_name="incidents", verbose_name="affected components"
    )
    started_at = models.DateTimeField(default=timezone.now)
    monitoring_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    scheduled_until = models.DateTimeField(null=True, blank=True)
    auto_transition = models.BooleanField(
        "start and complete automatically",
        default=False,
        help_text="Maintenance only: move to in progress at the scheduled start and to "
        "completed at the scheduled end, with a post each time.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["-started_at"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("incident_detail", args=[self.public_id])

    def clean(self):
        check_text(self, lines=["title"])
        check_times(self)
        if (
            self.kind in STATUSES_BY_KIND
            and self.status
            and self.status not in self.status_choices()
        ):
            raise ValidationError({"status": self.status_error(self.status)})
        if self.is_maintenance:
            if not (self.scheduled_for and self.scheduled_until):
                raise ValidationError("A maintenance needs a window: scheduled for and until.")
            if self.scheduled_until <= self.scheduled_for:
                raise ValidationError({"scheduled_until": "The window must end after it starts."})

    def status_choices(self):
        return STATUSES_BY_KIND[self.kind]

    def status_error(self, status):
        allowed = ", ".join(self.status_choices())
        kind = "an incident" if self.kind == IncidentKind.INCIDENT else "a maintenance"
        return f"“{status}” is not a status of {kind} (use one of: {allowed})."

    @property
    def is_maintenance(self):
        return self.kind == IncidentKind.MAINTENANCE

    @property
    def is_open(self):
        return self.status not in CLOSED_STATUSES

    @property
    def began_at(self):
        """When it began for the public: a maintenance's window, an incident's first post."""
        if self.is_maintenance and self.scheduled_for:
            return self.scheduled_for
        return self.started_at

    @property
    def duration(self):
        """How long it lasted, or has lasted so far."""
        end = self.resolved_at or timezone.now()
        return max(end - self.began_at, datetime.timedelta(0))


class IncidentUpdateQuerySet(models.QuerySet):
    def published(self):
        """The one visibility rule: what the public may see, everywhere."""
        return self.filter(is_draft=False, published_at__lte=timezone.now())

    def live_pending(self):
        """Published posts whose side effects (component changes) have not run yet."""
        return self.published().filter(went_live_at__isnull=True)


class IncidentUpdate(models.Model):
    """One post of the timeline: a status update of one incident."""

    public_id = PublicIdField()
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=16, choices=IncidentStatus.choices)
    headline = models.CharField(
        max_length=200,
        blank=True,
        help_text="Optional; without one the post is titled with the incident and its status.",
    )
    body = models.TextField(blank=True, help_text="Markdown.")
    body_html = models.TextField(blank=True, editable=False)
    # Applied to the incident when the post goes live, so a draft changes nothing public.
    impact = models.CharField(
        "new impact",
        max_length=16,
        choices=Impact.choices,
        blank=True,
        help_text="The incident's impact from this post on; empty: unchanged.",
    )
    published_at = models.DateTimeField(
        default=timezone.now, help_text="May be in the past (backfill) or the future (scheduled)."
    )
    is_draft = models.BooleanField("draft", default=False)
    notify = models.BooleanField(
        "notify followers", default=True, help_text="Mail this post to the followers."
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # Set once the post's side effects (component status changes) have been applied:
    # at posting time, or later for drafts and future-dated posts.
    went_live_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IncidentUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(
                fields=["-published_at"], condition=Q(is_draft=False), name="update_timeline"
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return f"{self.incident.get_absolute_url()}#update-{self.public_id}"

    def clean(self):
        check_text(self, lines=["headline"], texts=["body"])
        check_times(self)
        if self.incident_id and self.status not in self.incident.status_choices():
            raise ValidationError({"status": self.incident.status_error(self.status)})
        if not self.body.strip() and not self.headline.strip():
            raise ValidationError("A post needs a message or a headline.")

    @property
    def title(self):
        return self.headline or f"{self.incident.title}: {self.get_status_display()}"

    @property
    def is_published(self):
        return not self.is_draft and self.published_at <= timezone.now()


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
        IncidentUpdate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="component_changes",
    )
    old_status = models.CharField(max_length=32, choices=ComponentStatus.choices)
    new_status = models.CharField(max_length=32, choices=ComponentStatus.choices)
    changed_at = models.DateTimeField(default=timezone.now)

    objects = ComponentStatusChangeQuerySet.as_manager()

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["component", "changed_at"])]

    def __str__(self):
        return f"{self.component}: {self.old_status} → {self.new_status}"


class AuditAction(models.TextChoices):
    CREATED = "created", "Created"
    EDITED = "edited", "Edited"
    DELETED = "deleted", "Deleted"


class AuditObjectType(models.TextChoices):
    INCIDENT = "incident", "Incident"
    UPDATE = "update", "Post"
    COMPONENT = "component", "Component"
    GROUP = "group", "Component group"


class AuditEntry(models.Model):
    """Who created, edited or deleted which incident, post or component, and what changed.

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
