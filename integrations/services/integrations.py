"""Integrations themselves: created, given a new token, and their log."""

import datetime
import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ..models import EventLevel, Integration, IntegrationEvent, token_digest

# An identical log entry is not written again within this time (the Watchdog, a storm).
LOG_QUIET_FOR = datetime.timedelta(hours=1)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def integration_create(*, integration: Integration, actor=None) -> str:
    """Save a new integration with a new token, and return the token: only its digest
    is kept, so it is shown now or never (a lost one is replaced)."""
    token = new_token()
    integration.name = integration.name.strip()
    integration.token_digest, integration.token_hint = token_digest(token), token[:6]
    integration.full_clean()
    with transaction.atomic():
        integration.save()
        integration_log(integration=integration, message=f"Created{_by(actor)}.")
    return token


def integration_edit(*, integration: Integration, actor=None) -> Integration:
    integration.full_clean()
    with transaction.atomic():
        integration.save()
        integration_log(integration=integration, message=f"Settings changed{_by(actor)}.")
    return integration


def integration_rotate_token(*, integration: Integration, actor=None) -> str:
    """A new token; the old one stops working at once."""
    token = new_token()
    with transaction.atomic():
        integration.token_digest, integration.token_hint = token_digest(token), token[:6]
        integration.save(update_fields=["token_digest", "token_hint"])
        integration_log(integration=integration, message=f"Token replaced{_by(actor)}.")
    return token


def integration_log(
    *, integration: Integration, message: str, level=EventLevel.INFO, group=None, quiet=False
) -> IntegrationEvent | None:
    """Write to the integration's log; `quiet`: not if the same was written lately."""
    if quiet:
        since = timezone.now() - LOG_QUIET_FOR
        if integration.events.filter(message=message, at__gte=since).exists():
            return None
    return IntegrationEvent.objects.create(
        integration=integration, message=message, level=level, group=group
    )


def receiving_addresses(token: str) -> dict[str, str]:
    """Where the monitoring system posts: the token in the path, or in a header."""
    return {
        "url": settings.SITE_URL + reverse("integrations:receive", args=[token]),
        "bearer_url": settings.SITE_URL + reverse("integrations:receive_bearer"),
        "token": token,
    }


def _by(actor) -> str:
    return f" by {actor.get_username()}" if getattr(actor, "is_authenticated", False) else ""
