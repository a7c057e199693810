"""What a resolution brings back: the components its incident changed.

Resolving (or completing a maintenance) without naming components returns each
component the incident changed to operational, unless another open, public incident
still holds it (then to that incident's latest status for it, the worst if several),
or a person set it by hand since. Computed when the resolution goes live, so a
drafted or scheduled one restores what holds at that time; the admin's form shows the
same figures beforehand.
"""

from ..models import (
    CLOSED_STATUSES,
    Component,
    ComponentStatusChange,
    Incident,
    worst_status,
)


def restores_components(status: str) -> bool:
    """Whether posting this status brings the incident's components back."""
    return status in CLOSED_STATUSES


def component_restores(*, incident: Incident, exclude=()) -> dict[Component, str]:
    """{component: status to return to} for the components `incident` changed, leaving
    out those in `exclude` (the post names them) and those already there."""
    changed = _latest_changes(ComponentStatusChange.objects.filter(update__incident=incident))
    excluded = {getattr(c, "pk", c) for c in exclude}
    ids = [pk for pk in changed if pk not in excluded]
    holders = _held_by_other_incidents(incident, ids)
    restores = {}
    for component in Component.objects.filter(pk__in=ids).select_related("group"):
        if _set_by_hand_since(component, changed[component.pk]):
            continue
        target = worst_status(holders.get(component.pk, []))
        if component.status != target:
            restores[component] = target
    return restores


def _latest_changes(changes) -> dict[int, ComponentStatusChange]:
    """{component id: its latest change in effect} among `changes`."""
    latest = {}
    for change in changes.applied().order_by("changed_at", "id"):
        latest[change.component_id] = change
    return latest


def _held_by_other_incidents(incident, component_ids) -> dict[int, list[str]]:
    """{component id: the latest status each other open, public incident gave it}."""
    others = Incident.objects.public().open().exclude(pk=incident.pk)
    changes = ComponentStatusChange.objects.filter(
        update__incident__in=others, component_id__in=component_ids
    )
    rows = changes.applied().order_by("changed_at", "id")
    latest = {}
    for component_id, incident_id, status in rows.values_list(
        "component_id", "update__incident_id", "new_status"
    ):
        latest[(component_id, incident_id)] = status
    held = {}
    for (component_id, _), status in latest.items():
        held.setdefault(component_id, []).append(status)
    return held


def _set_by_hand_since(component, change) -> bool:
    """A person set the component's status directly after the incident last changed it."""
    latest = component.status_changes.applied().filter(changed_at__gt=change.changed_at).last()
    return latest is not None and latest.update_id is None
