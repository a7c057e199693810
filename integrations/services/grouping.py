"""Alert groups: one incident per group, followed from the first alert to the last
resolution, through repeats (Alertmanager resends whole groups) and flapping.

A group is held down (auto-publish with a hold-down), firing (it has an incident, or
had one that a person deleted: it stays quiet until it resolves), or resolved.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from incidents.models import Component

from ..models import AlertGroup, EventLevel, GroupState, Integration
from ..wording import Alert, Batch
from . import posting
from .integrations import integration_log

FIRING = (GroupState.HOLDING, GroupState.FIRING)


def batch_apply(*, integration: Integration, batch: Batch) -> str:
    """Apply one request's alerts to their group; what was done, in words."""
    if not batch.alerts:
        integration_log(integration=integration, message=f"Received {batch.note}.", quiet=True)
        return f"nothing to do: {batch.note}"
    alerts = _with_components(integration, batch.alerts)
    if not alerts:
        return "no alert names a known component: no incident"
    with transaction.atomic():
        group = _locked_group(integration, batch.key, firing=any(a.is_firing for a, _ in alerts))
        if group is None:
            return "resolved alerts of a group not seen firing: nothing to do"
        return _apply(group, alerts)


def group_release(group: AlertGroup) -> bool:
    """Publish a held-down group whose hold-down has passed (under its row lock)."""
    with transaction.atomic():
        group = (
            AlertGroup.objects.select_for_update(of=("self",))
            .select_related("integration")
            .get(pk=group.pk)
        )
        if group.state != GroupState.HOLDING:
            return False  # another worker did, or it resolved meanwhile
        group.state = GroupState.FIRING
        posting.open_or_reopen(group, public=True)
        group.save()
    return True


def _apply(group: AlertGroup, alerts: list[tuple[Alert, int]]) -> str:
    was_firing = group.state in FIRING
    firing_before = _firing(group)
    if not was_firing:
        group.alerts = {}  # a new episode
    for alert, component_id in alerts:
        known = group.alerts.get(alert.fingerprint, {}).get("component_id")
        group.alerts[alert.fingerprint] = alert.as_stored(component_id or known)
    firing_now = _firing(group)
    if firing_now and not was_firing:
        done = _starts_firing(group)
    elif firing_now and group.state == GroupState.FIRING and group.incident:
        update = posting.post_change(group, new_alerts=bool(firing_now - firing_before))
        done = f"posted “{update.headline}”" if update else "no change"
    elif firing_now:
        done = "held down" if group.state == GroupState.HOLDING else "its incident was deleted"
    elif was_firing:
        done = _resolves(group)
    else:
        done = "already resolved"
    group.save()
    return done


def _starts_firing(group: AlertGroup) -> str:
    integration, incident = group.integration, group.incident
    group.firing_since, group.state = timezone.now(), GroupState.FIRING
    if incident is not None and incident.is_open:
        # Resolved, but a person has not published the "Alerts resolved" draft: go on.
        posting.drop_pending_resolution(group)
        posting.post_change(group, new_alerts=True)
        return f"firing again in “{incident}”"
    if integration.auto_publish and integration.hold_down:
        group.state = GroupState.HOLDING
        return f"held down for {integration.hold_down} s"
    update = posting.open_or_reopen(group, public=integration.auto_publish)
    return f"{'published' if not update.is_draft else 'drafted'} “{update.incident}”"


def _resolves(group: AlertGroup) -> str:
    held = group.state == GroupState.HOLDING
    group.state, group.resolved_at, group.auto_resolved = GroupState.RESOLVED, timezone.now(), False
    if held:
        integration_log(
            integration=group.integration,
            group=group,
            message=f"“{group}” resolved within the hold-down: nothing was published.",
        )
        return "resolved within the hold-down: nothing published"
    if group.incident is None or not group.incident.is_open:
        return "resolved; its incident is closed already"
    update = posting.post_resolution(group)
    return "resolved the incident" if not update.is_draft else "drafted “Alerts resolved”"


def _firing(group) -> set[str]:
    return {fp for fp, alert in group.alerts.items() if alert["status"] == "firing"}


def _locked_group(integration, key, *, firing) -> AlertGroup | None:
    digest = AlertGroup.digest(key)
    found = AlertGroup.objects.select_for_update(of=("self",)).select_related(
        "incident", "integration"
    )
    group = found.filter(integration=integration, key_digest=digest).first()
    if group is not None or not firing:
        return group
    try:
        with transaction.atomic():
            return AlertGroup.objects.create(
                integration=integration,
                key=key[:2000],
                key_digest=digest,
                state=GroupState.RESOLVED,
            )
    except IntegrityError:  # another request created it meanwhile: wait for its lock
        return found.get(integration=integration, key_digest=digest)


def _with_components(integration, alerts) -> list[tuple[Alert, int | None]]:
    """The alerts that name a known component (or fall to the integration's), with its
    id, and resolutions (their group knows the component); the others are written to
    the integration's log."""
    named = {alert.component for alert in alerts if alert.component}
    known = _components_named(named)
    kept = []
    for alert in alerts:
        component_id = known.get(alert.component) if alert.component else None
        if component_id is None and not alert.component and integration.component_id:
            component_id = integration.component_id
        if component_id is not None or not (alert.is_firing or alert.component):
            kept.append((alert, component_id))
        elif alert.component:
            integration_log(
                integration=integration,
                message=f"Unknown component “{alert.component[:100]}” (“"
                f"{integration.component_label}”) in alert “{alert.title[:100]}”: no incident.",
                level=EventLevel.WARNING,
                quiet=True,
            )
        else:
            integration_log(
                integration=integration,
                message=f"Alert “{alert.title[:100]}” names no component (label "
                f"“{integration.component_label}”) and the integration has none: no incident.",
                quiet=True,
            )
    return kept


def _components_named(names) -> dict[str, int]:
    """{name as written: component id}, by public id, name, or name in any case."""
    if not names:
        return {}
    components = list(Component.objects.values_list("pk", "public_id", "name"))
    by_id = {public_id: pk for pk, public_id, _ in components}
    by_name = {name: pk for pk, _, name in components}
    by_folded = {name.casefold(): pk for pk, _, name in components}
    return {
        name: found
        for name in names
        if (found := by_id.get(name) or by_name.get(name) or by_folded.get(name.casefold()))
    }
