"""Followers and the mail outbox: one Notification per post, one Delivery per mail."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from incidents.models import Component, ComponentGroup, IncidentUpdate


class SubscriberQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)

    def pending(self):
        return self.filter(confirmed_at__isnull=True)


class Subscriber(models.Model):
    email = models.EmailField(max_length=254, unique=True)
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

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "follower"

    def __str__(self):
        return self.email

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
    component_ids = models.JSONField(default=list)
    group_ids = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = "sign-up"

    def __str__(self):
        return self.email


class Notification(models.Model):
    """The outbox entry of one post: written with the post, expanded by the worker."""

    update = models.OneToOneField(
        IncidentUpdate, on_delete=models.CASCADE, related_name="notification"
    )
    created_at = models.DateTimeField(default=timezone.now)
    fanned_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Notification of {self.update}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class DeliveryKind(models.TextChoices):
    POST = "post", "Post"
    CONFIRMATION = "confirmation", "Confirmation request"


class DeliveryQuerySet(models.QuerySet):
    def due(self, now=None):
        return self.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now or timezone.now())


class Delivery(models.Model):
    """One mail to one follower, and what became of it."""

    kind = models.CharField(max_length=16, choices=DeliveryKind.choices)
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
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due")]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.subscriber}: {self.state}"
