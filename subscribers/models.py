"""Followers and the outbox: one Notification per event (a post going live, a
component's status changing), one Delivery per follower it goes to (a mail, a webhook
call, a chat message)."""

import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone

from incidents.models import (
    Component,
    ComponentGroup,
    ComponentStatusChange,
    Incident,
    IncidentUpdate,
)


class SubscriberKind(models.TextChoices):
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Webhook"
    SLACK = "slack", "Slack"
    DISCORD = "discord", "Discord"
    TEAMS = "teams", "Microsoft Teams"
    MATTERMOST = "mattermost", "Mattermost"
    GOOGLECHAT = "googlechat", "Google Chat"


def new_uid():
    return secrets.token_hex(8)


class SubscriberQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)

    def pending(self):
        return self.filter(confirmed_at__isnull=True)

    def active(self):
        return self.confirmed().filter(suppressed_at__isnull=True)

    def by_email(self):
        return self.filter(kind=SubscriberKind.EMAIL)


class Subscriber(models.Model):
    """A follower: an address mailed, or a URL called (webhook, chat), with the posts it
    wants. For a URL, `email` is the contact address (confirmation, a notice if the URL
    keeps failing)."""

    kind = models.CharField(max_length=16, choices=SubscriberKind.choices, default="email")
    email = models.EmailField(max_length=254, blank=True)
    url = models.CharField("URL", max_length=2000, blank=True)
    all_components = models.BooleanField(
        "all components",
        default=True,
        help_text="Every post, including posts about components added later.",
    )
    components = models.ManyToManyField(Component, blank=True, related_name="subscribers")
    # A group stands for its components, including ones added to it later.
    groups = models.ManyToManyField(ComponentGroup, blank=True, related_name="subscribers")
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    imported = models.BooleanField(default=False, help_text="Imported, already confirmed.")
    # Standard Webhooks signing secrets (whsec_…); the previous one signs too until
    # `previous_secret_until`, so that receivers can switch without losing a call.
    secret = models.CharField(max_length=100, blank=True)
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    # Since when every call to the URL has failed; disabled after WEBHOOK_DISABLE_AFTER.
    failing_since = models.DateTimeField(null=True, blank=True)
    # Nothing more is sent: the address bounced or complained, or the URL kept failing.
    suppressed_at = models.DateTimeField(null=True, blank=True)
    suppressed_reason = models.CharField(max_length=300, blank=True)
    soft_bounces = models.PositiveIntegerField(default=0)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "follower"
        constraints = [
            models.UniqueConstraint(
                fields=["email"], condition=Q(kind="email"), name="one_follower_per_address"
            ),
            models.UniqueConstraint(
                fields=["kind", "url"], condition=~Q(kind="email"), name="one_follower_per_url"
            ),
        ]

    def __str__(self):
        return self.email if self.kind == SubscriberKind.EMAIL else f"{self.kind}: {self.url}"

    @property
    def is_email(self):
        return self.kind == SubscriberKind.EMAIL

    def signing_secrets(self, now=None) -> list[str]:
        """The secrets a call is signed with: the current one, and the previous one
        during its overlap."""
        keep_previous = self.previous_secret and self.previous_secret_until
        if keep_previous and self.previous_secret_until > (now or timezone.now()):
            return [self.secret, self.previous_secret]
        return [self.secret]

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None


class SignUp(models.Model):
    """A sign-up as the form sent it, until the worker acts on it (then it is deleted).

    Writing this row is all the request does, the same for every address, so that
    neither its answer nor its duration tells a new address from a follower. The row,
    not the task queue, is the record: a lost task only delays it (the periodic job).
    """

    email = models.EmailField(max_length=254)  # in its normal form
    webhook_url = models.CharField(max_length=2000, blank=True)  # a webhook, email its contact
    component_ids = models.JSONField(default=list)
    group_ids = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = "sign-up"

    def __str__(self):
        return self.email


class EventKind(models.TextChoices):
    """What a notification announces; subscribers.events says how each is delivered."""

    UPDATE = "update", "Post"
    COMPONENT_STATUS = "component_status", "Component status"
    MAINTENANCE_REMINDER = "maintenance_reminder", "Maintenance reminder"
    POSTMORTEM = "postmortem", "Postmortem"


class Notification(models.Model):
    """The outbox entry of one event: written with it, expanded by the worker."""

    kind = models.CharField(max_length=32, choices=EventKind.choices, default=EventKind.UPDATE)
    update = models.ForeignKey(
        IncidentUpdate,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    component_change = models.ForeignKey(
        ComponentStatusChange,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    # Events about an incident as a whole: a maintenance's reminder, the postmortem.
    incident = models.ForeignKey(
        Incident,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    # Webhook ids are `msg_<uid>_<follower id>`: ids from the database can be reused.
    uid = models.CharField(max_length=32, default=new_uid, editable=False)
    # The Statuspage-shaped body of webhooks and chat, as it was when fanned out, so
    # that every retry carries the same.
    payload = models.JSONField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    fanned_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "update"],
                condition=Q(update__isnull=False),
                name="one_notification_per_update_event",
            ),
            models.UniqueConstraint(
                fields=["kind", "component_change"],
                condition=Q(component_change__isnull=False),
                name="one_notification_per_component_change",
            ),
            # Exactly once: one reminder, one postmortem mail per incident.
            models.UniqueConstraint(
                fields=["kind", "incident"],
                condition=Q(incident__isnull=False),
                name="one_notification_per_incident_event",
            ),
        ]

    def __str__(self):
        subject = self.update or self.component_change or self.incident
        return f"{self.get_kind_display()}: {subject}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class DeliveryKind(models.TextChoices):
    NOTIFICATION = "notification", "Notification"
    CONFIRMATION = "confirmation", "Confirmation request"
    DISABLED_NOTICE = "disabled_notice", "Notice: URL disabled"


class Channel(models.TextChoices):
    """How a delivery travels: its own senders claim their own rows."""

    MAIL = "mail", "Mail"
    HTTP = "http", "HTTP"


class DeliveryQuerySet(models.QuerySet):
    def due(self, now=None, channel=Channel.MAIL):
        return self.filter(
            channel=channel, state=DeliveryState.PENDING, next_attempt_at__lte=now or timezone.now()
        )


class Delivery(models.Model):
    """One mail, webhook call or chat message to one follower, and what became of it."""

    kind = models.CharField(max_length=16, choices=DeliveryKind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.MAIL)
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(
        max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "deliveries"
        constraints = [
            # Exactly once: one delivery per (post, follower), whatever retries or workers do.
            models.UniqueConstraint(
                fields=["notification", "subscriber"],
                condition=Q(notification__isnull=False),
                name="one_delivery_per_post_and_follower",
            ),
        ]
        indexes = [
            models.Index(
                fields=["channel", "state", "next_attempt_at"], name="delivery_due_by_channel"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.subscriber}: {self.state}"
