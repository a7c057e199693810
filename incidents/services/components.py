"""Components and their groups: created, edited (a status change is recorded), deleted."""

from django.db import transaction

from ..models import Component, ComponentGroup, ComponentStatusChange
from ..signals import component_status_changed
from .common import audited_delete, audited_write


def component_save(*, component: Component, actor=None) -> Component:
    """Create or edit a component; a status change is recorded for history and uptime."""
    component.full_clean()
    with transaction.atomic():
        old_status = None
        if component.pk:
            old_status = Component.objects.select_for_update().get(pk=component.pk).status
        with audited_write(component, actor=actor):
            component.save()
            if old_status is not None and old_status != component.status:
                change = ComponentStatusChange.objects.create(
                    component=component,
                    component_name=component.full_name,
                    old_status=old_status,
                    new_status=component.status,
                )
                component_status_changed.send(sender=Component, change=change)
    return component


def component_set_status(*, component: Component, status: str, actor=None) -> Component:
    component.status = status
    return component_save(component=component, actor=actor)


def component_delete(*, component: Component, actor=None) -> None:
    audited_delete(component, actor=actor)


def group_save(*, group: ComponentGroup, actor=None) -> ComponentGroup:
    group.full_clean()
    with audited_write(group, actor=actor):
        group.save()
    return group


def group_delete(*, group: ComponentGroup, actor=None) -> None:
    audited_delete(group, actor=actor)
