"""Periodic jobs and health: held-down alerts released on time, old history pruned,
integrations that fell silent reported."""

import datetime

from django.utils import timezone

from ..models import AlertGroup, AlertPayload, GroupState, Integration, IntegrationEvent
from .grouping import group_release

PAYLOADS_KEPT = datetime.timedelta(days=7)
LOG_KEPT = datetime.timedelta(days=30)


def groups_release_due() -> int:
    """Publish the groups held down for their integration's hold-down (periodic job)."""
    now = timezone.now()
    held = AlertGroup.objects.filter(state=GroupState.HOLDING).select_related("integration")
    return sum(
        group_release(group)
        for group in held
        if group.firing_since <= now - datetime.timedelta(seconds=group.integration.hold_down)
    )


def history_prune() -> int:
    """Drop payloads older than a week, the log after a month, and groups that resolved
    a week ago without an incident (periodic job)."""
    now = timezone.now()
    removed = AlertPayload.objects.filter(received_at__lt=now - PAYLOADS_KEPT).delete()[0]
    removed += IntegrationEvent.objects.filter(at__lt=now - LOG_KEPT).delete()[0]
    quiet = AlertGroup.objects.filter(
        state=GroupState.RESOLVED, incident__isnull=True, updated_at__lt=now - PAYLOADS_KEPT
    )
    return removed + quiet.delete()[0]


def freshness_report() -> dict:
    """For /healthz: the integrations silent for longer than their expected interval."""
    now = timezone.now()
    silent = [
        f"{integration.name} (nothing for {_minutes(integration, now)})"
        for integration in Integration.objects.filter(
            is_active=True, expected_interval__isnull=False
        )
        if integration.silent_for(now)
    ]
    report = {"ok": not silent}
    if silent:
        report["error"] = "silent longer than expected: " + ", ".join(silent)
    return report


def _minutes(integration, now) -> str:
    last = integration.last_delivery_at or integration.created_at
    minutes = int((now - last).total_seconds() // 60)
    return f"{minutes} min"
