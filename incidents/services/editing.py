"""Editing the component changes a post made (add, change, remove), history kept whole.

A draft's or a scheduled post's changes are intentions: they are simply replaced. A
live post's were applied: each edit rewrites its row in the uptime history, keeps the
next change's "old" side in step, and moves the component's current status only where
this post is still the latest word on it (no later change since).
"""

from django.db.models import Q

from ..models import Component, ComponentStatus, ComponentStatusChange, IncidentUpdate
from ..signals import component_status_changed


def replace_component_changes(update: IncidentUpdate, wanted: dict[Component, str]) -> None:
    """Make `wanted` ({component: new status}) the post's component changes."""
    rows = {row.component_id: row for row in update.component_changes.all()}
    for component_id, row in rows.items():
        if component_id not in {c.pk for c in wanted}:
            _remove(row, live=update.went_live_at is not None)
    for component, status in wanted.items():
        row = rows.get(component.pk)
        if row is None:
            _add(update, component, status)
        elif row.new_status != status:
            _change(row, status, live=update.went_live_at is not None)
    if wanted:
        update.incident.components.add(*wanted)


def _remove(row, *, live):
    if live:
        _follow_with(row.component_id, row, row.old_status)
    row.delete()


def _change(row, status, *, live):
    row.new_status = status
    row.save(update_fields=["new_status"])
    if live:
        _follow_with(row.component_id, row, status, change=row)


def _add(update, component, status):
    row = ComponentStatusChange(
        component=component,
        component_name=component.full_name,
        update=update,
        new_status=status,
        changed_at=update.published_at,
    )
    if update.went_live_at is None:
        row.old_status = component.status  # set again when it goes live
        row.save()
        return
    earlier = _applied(component.pk).filter(changed_at__lte=row.changed_at).last()
    row.old_status = earlier.new_status if earlier else ComponentStatus.OPERATIONAL
    row.save()
    _follow_with(component.pk, row, status, change=row)


def _follow_with(component_id, row, status, *, change=None):
    """After `row`, the component is in `status`: the next change starts from it, or,
    if none came since, the component's current status becomes it."""
    later = _applied(component_id).filter(
        Q(changed_at__gt=row.changed_at) | Q(changed_at=row.changed_at, pk__gt=row.pk)
    )
    following = later.exclude(pk=row.pk).first()
    if following is not None:
        following.old_status = status
        following.save(update_fields=["old_status"])
        return
    component = Component.objects.select_for_update().get(pk=component_id)
    if component.status != status:
        component.status = status
        component.save(update_fields=["status", "updated_at"])
        if change is not None:
            component_status_changed.send(sender=Component, change=change)


def _applied(component_id):
    return ComponentStatusChange.objects.applied().filter(component_id=component_id)
