import datetime
from collections import namedtuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from ..validators import validate_line, validate_text, validate_time
from .components import Component
from .fields import PublicIdField


class Impact(models.TextChoices):
    NONE = "none", "None"
    MINOR = "minor", "Minor"
    MAJOR = "major", "Major"
    CRITICAL = "critical", "Critical"
    # A maintenance's usual impact; it may have one of the others instead, as on Statuspage.
    MAINTENANCE = "maintenance", "Maintenance"


# What an incident's impact may be: all but "maintenance".
INCIDENT_IMPACTS = [Impact.NONE, Impact.MINOR, Impact.MAJOR, Impact.CRITICAL]


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
# A maintenance under way: its components are under maintenance, the page says so.
ACTIVE_MAINTENANCE_STATUSES = [IncidentStatus.IN_PROGRESS, IncidentStatus.VERIFYING]


class IncidentQuerySet(models.QuerySet):
    def public(self):
        """Incidents with at least one post the public may see."""
        return self.filter(
            Exists(IncidentUpdate.objects.published().filter(incident=OuterRef("pk")))
        )

    def open(self):
        return self.exclude(status__in=CLOSED_STATUSES)

    def with_visibility(self):
        """Annotated for the operators' list: `is_public` (a post the public sees) and
        `scheduled_at` (the first post still to come, a draft's not counting)."""
        posts = IncidentUpdate.objects.filter(incident=OuterRef("pk"))
        coming = posts.filter(is_draft=False, published_at__gt=timezone.now())
        return self.annotate(
            is_public=Exists(posts.published()),
            scheduled_at=Subquery(coming.order_by("published_at").values("published_at")[:1]),
        )


class Incident(models.Model):
    public_id = PublicIdField()
    title = models.CharField(max_length=200, validators=[validate_line])
    kind = models.CharField(
        max_length=16, choices=IncidentKind.choices, default=IncidentKind.INCIDENT
    )
    impact = models.CharField(max_length=16, choices=Impact.choices, default=Impact.MINOR)
    status = models.CharField(max_length=16, choices=IncidentStatus.choices)
    components = models.ManyToManyField(
        Component, blank=True, related_name="incidents", verbose_name="affected components"
    )
    started_at = models.DateTimeField(default=timezone.now, validators=[validate_time])
    monitoring_at = models.DateTimeField(null=True, blank=True, validators=[validate_time])
    resolved_at = models.DateTimeField(null=True, blank=True, validators=[validate_time])
    scheduled_for = models.DateTimeField(null=True, blank=True, validators=[validate_time])
    scheduled_until = models.DateTimeField(null=True, blank=True, validators=[validate_time])
    auto_transition = models.BooleanField(
        "start and complete automatically",
        default=False,
        help_text="Maintenance only: move to in progress at the scheduled start and to "
        "completed at the scheduled end, with a post each time.",
    )
    # When followers were reminded of a maintenance's window (once, whatever happens).
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The postmortem: Markdown, rendered once when written; a draft until published.
    postmortem_body = models.TextField(blank=True, validators=[validate_text])
    postmortem_html = models.TextField(blank=True, editable=False)
    postmortem_updated_at = models.DateTimeField(null=True, blank=True, editable=False)
    postmortem_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    postmortem_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, validators=[validate_time])
    updated_at = models.DateTimeField(auto_now=True, validators=[validate_time])

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["-started_at"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("incident_detail", args=[self.public_id])

    def clean(self):
        if (
            self.kind in STATUSES_BY_KIND
            and self.status
            and self.status not in self.status_choices()
        ):
            raise ValidationError({"status": self.status_error(self.status)})
        if self.impact and self.impact_error(self.impact):
            raise ValidationError({"impact": self.impact_error(self.impact)})
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

    def impact_error(self, impact) -> str | None:
        if impact == Impact.MAINTENANCE and not self.is_maintenance:
            allowed = ", ".join(INCIDENT_IMPACTS)
            return f"“{impact}” is the impact of a maintenance (an incident's: {allowed})."
        return None

    @property
    def is_maintenance(self):
        return self.kind == IncidentKind.MAINTENANCE

    @property
    def is_open(self):
        return self.status not in CLOSED_STATUSES

    @property
    def has_public_postmortem(self):
        """The one rule for the postmortem: public once published (never without a text:
        see services.postmortems), a draft until then; selectors.published_postmortems()
        is the same rule in SQL."""
        return self.postmortem_published_at is not None

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


_ROW_FIELDS = "id public_id title kind status started_at resolved_at scheduled_for scheduled_until"


class IncidentRow(namedtuple("IncidentRow", _ROW_FIELDS)):
    """An incident read as plain values, for pages that go through thousands of them
    (a model instance costs ten times more), with the model's own rules."""

    __slots__ = ()
    began_at = Incident.began_at
    is_maintenance = Incident.is_maintenance
    is_open = Incident.is_open
    get_absolute_url = Incident.get_absolute_url

    @classmethod
    def fields(cls, prefix=""):
        """The names to read with values_list(), from the incident or across a relation."""
        return [f"{prefix}{name}" for name in cls._fields]


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
        validators=[validate_line],
        help_text="Optional; without one the post is titled with the incident and its status.",
    )
    body = models.TextField(blank=True, validators=[validate_text], help_text="Markdown.")
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
        default=timezone.now,
        validators=[validate_time],
        help_text="May be in the past (backfill) or the future (scheduled).",
    )
    is_draft = models.BooleanField("draft", default=False)
    # A resolution brings the incident's components back when it goes live, unless kept.
    keep_components = models.BooleanField(
        default=False,
        help_text="Resolving: leave the components as they are instead of bringing the "
        "ones this incident changed back to operational.",
    )
    notify = models.BooleanField(
        "notify followers", default=True, help_text="Mail this post to the followers."
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # Set once the post's side effects (component status changes) have been applied:
    # at posting time, or later for drafts and future-dated posts.
    went_live_at = models.DateTimeField(
        null=True, blank=True, editable=False, validators=[validate_time]
    )
    created_at = models.DateTimeField(default=timezone.now, validators=[validate_time])
    updated_at = models.DateTimeField(auto_now=True, validators=[validate_time])

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
        self.check_against_incident()
        if not self.body.strip() and not self.headline.strip():
            raise ValidationError("A post needs a message or a headline.")

    def check_against_incident(self):
        """The status and impact fit the incident's kind."""
        if self.incident_id and self.status not in self.incident.status_choices():
            raise ValidationError({"status": self.incident.status_error(self.status)})
        if self.incident_id and self.impact and self.incident.impact_error(self.impact):
            raise ValidationError({"impact": self.incident.impact_error(self.impact)})

    @property
    def title(self):
        return self.headline or f"{self.incident.title}: {self.get_status_display()}"

    @property
    def is_published(self):
        return not self.is_draft and self.published_at <= timezone.now()
