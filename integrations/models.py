"""Integrations, the alert groups they feed, the posts they made, what they received.

The link to incidents is kept here (an alert group points at its incident, an
automatic post at its update): incidents knows nothing of integrations.
"""

import datetime
import hashlib

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from incidents.models import Component, ComponentStatus, Incident, IncidentUpdate
from incidents.validators import validate_line

from . import wording


class IntegrationKind(models.TextChoices):
    ALERTMANAGER = "alertmanager", "Prometheus Alertmanager (webhook, version 4)"
    GRAFANA = "grafana", "Grafana alerting (webhook contact point)"
    UPTIME_KUMA = "uptime-kuma", "Uptime Kuma (webhook notification)"
    GENERIC = "generic", "Generic JSON"


# Alert severity (lower case) -> the status of the component it names; others: no change.
DEFAULT_SEVERITIES = {
    "critical": ComponentStatus.MAJOR_OUTAGE.value,
    "error": ComponentStatus.PARTIAL_OUTAGE.value,
    "major": ComponentStatus.PARTIAL_OUTAGE.value,
    "warning": ComponentStatus.DEGRADED_PERFORMANCE.value,
}
DEFAULT_HOLD_DOWN = 120
DEFAULT_RATE_LIMIT = 600


def default_severities():
    return dict(DEFAULT_SEVERITIES)


def validate_severities(value):
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise ValidationError('Give an object of severities, e.g. {"critical": "major_outage"}.')
    for severity, status in value.items():
        if status not in ComponentStatus.values:
            allowed = ", ".join(ComponentStatus.values)
            raise ValidationError(
                f"“{severity}”: “{status}” is not a component status ({allowed})."
            )


def token_digest(token: str) -> str:
    """What is stored of a token: it is shown once, and a copy of the database does not
    give anyone the power to open incidents."""
    return hashlib.sha256(token.encode()).hexdigest()


class Integration(models.Model):
    name = models.CharField(max_length=100, unique=True, validators=[validate_line])
    kind = models.CharField(max_length=16, choices=IntegrationKind.choices)
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    token_hint = models.CharField(
        "token starts with", max_length=8, editable=False, help_text="To tell tokens apart."
    )
    is_active = models.BooleanField("active", default=True)
    auto_publish = models.BooleanField(
        default=False,
        help_text="Publish (and mail) an incident once its alerts have been firing for the "
        "hold-down. Off: every incident waits as a draft for a person to publish it.",
    )
    hold_down = models.PositiveIntegerField(
        "hold-down (seconds)",
        default=DEFAULT_HOLD_DOWN,
        help_text="With auto-publish: alerts that resolve sooner never become public.",
    )
    component = models.ForeignKey(
        Component,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The component of alerts that name none (one-monitor integrations, such "
        "as an Uptime Kuma monitor).",
    )
    component_label = models.CharField(
        max_length=100,
        default="component",
        validators=[validate_line],
        help_text="The alert label (Uptime Kuma: monitor tag) naming the component, by "
        "name or public id.",
    )
    severities = models.JSONField(
        "severity → component status",
        default=default_severities,
        validators=[validate_severities],
        help_text="Severities not listed change no component.",
    )
    title_template = models.TextField(
        default=wording.DEFAULT_TITLE, validators=[wording.validate_template]
    )
    message_template = models.TextField(
        "firing message template",
        default=wording.DEFAULT_MESSAGE,
        validators=[wording.validate_template],
        help_text="Markdown. Context: title, components, status, count, alerts (each with "
        "title, message, severity, component, labels, annotations, url), alert (the "
        "first), labels and annotations (those all the alerts share).",
    )
    resolved_template = models.TextField(
        "resolved message template",
        default=wording.DEFAULT_RESOLVED,
        validators=[wording.validate_template],
    )
    expected_interval = models.PositiveIntegerField(
        "expected interval (seconds)",
        null=True,
        blank=True,
        help_text="Deliveries are expected at least this often (e.g. Alertmanager's "
        "Watchdog, which always fires): /healthz reports the integration when silent longer.",
    )
    rate_limit = models.PositiveIntegerField(
        "rate limit (requests a minute)",
        default=DEFAULT_RATE_LIMIT,
        help_text="Requests beyond it get a 429 and change nothing.",
    )
    last_delivery_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def silent_for(self, now=None) -> datetime.timedelta | None:
        """How long past its expected interval the integration has been silent, or None."""
        if not self.is_active or not self.expected_interval:
            return None
        last = self.last_delivery_at or self.created_at
        late = (now or timezone.now()) - last - datetime.timedelta(seconds=self.expected_interval)
        return late if late > datetime.timedelta(0) else None


class GroupState(models.TextChoices):
    HOLDING = "holding", "Firing, held down"
    FIRING = "firing", "Firing"
    RESOLVED = "resolved", "Resolved"


class AlertGroup(models.Model):
    """One group of alerts (Alertmanager's and Grafana's groupKey, an Uptime Kuma monitor,
    a generic fingerprint) and the incident it opened: its alerts update that incident."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="groups")
    key = models.TextField(help_text="As the monitoring system sent it.")
    key_digest = models.CharField(max_length=64, editable=False)
    title = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=16, choices=GroupState.choices)
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # fingerprint -> the alert as last received (wording.Alert.as_stored()), this episode
    alerts = models.JSONField(default=dict, blank=True)
    # component id -> the status these alerts ask for, as last posted
    demands = models.JSONField(default=dict, blank=True)
    firing_since = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    auto_resolved = models.BooleanField(
        default=False, help_text="Its incident was resolved automatically when it resolved."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "key_digest"], name="one_group_per_key")
        ]
        indexes = [models.Index(fields=["state", "firing_since"])]

    def __str__(self):
        return self.title or self.key[:80]

    @staticmethod
    def digest(key: str) -> str:
        return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


class AwaitingApproval(AlertGroup):
    """Alert groups with automatic posts waiting as drafts: the admin's approval queue."""

    class Meta:
        proxy = True
        verbose_name = "alert awaiting approval"
        verbose_name_plural = "awaiting approval"


class PostKind(models.TextChoices):
    OPENED = "opened", "Opened"
    CHANGED = "changed", "Alerts changed"
    RESOLVED = "resolved", "Alerts resolved"
    REOPENED = "reopened", "Firing again"


class AutomaticPost(models.Model):
    """An update an alert group posted: any other update of its incident is a person's."""

    group = models.ForeignKey(AlertGroup, on_delete=models.CASCADE, related_name="posts")
    update = models.OneToOneField(IncidentUpdate, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=PostKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.update_id}"


class AlertPayload(models.Model):
    """A request received with a good token, kept for a week to debug the integration;
    while others of its integration are being applied, it waits here (in order)."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="payloads")
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    content_type = models.CharField(max_length=200, blank=True)
    body = models.BinaryField()
    status_code = models.PositiveSmallIntegerField("answer")
    outcome = models.TextField(blank=True)
    applied_at = models.DateTimeField(null=True, blank=True, help_text="Empty: queued.")

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "received payload"
        indexes = [
            models.Index(
                fields=["integration", "id"],
                condition=models.Q(applied_at__isnull=True),
                name="queued_payloads",
            )
        ]

    def __str__(self):
        return f"{self.integration}: {self.received_at:%Y-%m-%d %H:%M:%S}"


class EventLevel(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"


class IntegrationEvent(models.Model):
    """The integration's log: what it did with what it received, and what it could not."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    level = models.CharField(max_length=8, choices=EventLevel.choices, default=EventLevel.INFO)
    message = models.TextField()
    group = models.ForeignKey(
        AlertGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "log entry"
        verbose_name_plural = "integration log"

    def __str__(self):
        return self.message[:80]
