"""Followers we stop sending to, kept and marked: an address that bounced hard or
complained (reported by the mail provider, or refused by an SMTP server at RCPT), soft
bounces repeated SOFT_BOUNCE_LIMIT times, a URL failing for WEBHOOK_DISABLE_AFTER.

The admin shows them, with the reason; an operator can send to them again.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .addresses import normalize_email
from .models import Delivery, DeliveryKind, DeliveryState, Subscriber


def subscriber_suppress(*, subscriber: Subscriber, reason: str) -> bool:
    """Send nothing more to this follower; a URL's contact address is told, once (the
    notice is queued mail, sent on the worker's next look). Returns whether it was
    suppressed now (False: it was already)."""
    with transaction.atomic():
        now = timezone.now()
        fresh = Subscriber.objects.filter(pk=subscriber.pk, suppressed_at__isnull=True)
        if not fresh.update(suppressed_at=now, suppressed_reason=reason[:300]):
            return False
        subscriber.refresh_from_db()
        pending = subscriber.deliveries.filter(state=DeliveryState.PENDING)
        pending.filter(last_error="").update(last_error=f"follower suppressed: {reason}"[:2000])
        pending.update(state=DeliveryState.FAILED)  # keeping the last error they had
        if not subscriber.is_email and subscriber.email and subscriber.is_confirmed:
            Delivery.objects.create(subscriber=subscriber, kind=DeliveryKind.DISABLED_NOTICE)
    return True


def _email_followers(address: str):
    try:
        address = normalize_email(address)
    except ValidationError:  # a provider's odd address: nobody of ours
        return Subscriber.objects.none()
    return Subscriber.objects.by_email().filter(email=address)


def address_bounced(*, address: str, hard: bool, reason: str) -> int:
    """A bounce: hard ones suppress at once, soft ones after SOFT_BOUNCE_LIMIT in a row."""
    followers = _email_followers(address)
    if not hard:
        followers.update(soft_bounces=F("soft_bounces") + 1)
        followers = followers.filter(soft_bounces__gte=settings.SOFT_BOUNCE_LIMIT)
        reason = f"{settings.SOFT_BOUNCE_LIMIT} soft bounces in a row, the last: {reason}"
    else:
        reason = f"hard bounce: {reason}"
    return sum(subscriber_suppress(subscriber=s, reason=reason) for s in followers)


def address_complained(*, address: str, reason: str) -> int:
    followers = _email_followers(address)
    return sum(subscriber_suppress(subscriber=s, reason=f"complaint: {reason}") for s in followers)


def address_delivered(*, address: str) -> None:
    """Delivered: soft bounces start counting again."""
    _email_followers(address).filter(soft_bounces__gt=0).update(soft_bounces=0)
