"""What the services share: the audited write, and marking the public state changed."""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import transaction

from public_store.warming import public_state_changed

from .. import audit
from ..models import Component, ComponentStatus


def mark_public_state_changed():
    """Record that the public state changed; stored pages are renewed after commit.

    Called once by each public service function, not by the helpers they share.
    """
    transaction.on_commit(public_state_changed)


@contextmanager
def audited_write(obj, *, actor, extra=None):
    """The skeleton of every edit: in one transaction, note what `obj` holds in the
    database (forms change the instance first), let the caller change and save it,
    record what changed in the audit trail, and mark the public state changed."""
    with transaction.atomic():
        before = audit.stored(obj)
        yield
        audit.saved(obj, before=before, actor=actor, extra=extra)
        mark_public_state_changed()


def audited_delete(obj, *, actor, extra=None) -> None:
    with transaction.atomic():
        audit.deleted(obj, actor=actor, extra=extra)
        obj.delete()
        mark_public_state_changed()


def check_component_changes(component_changes) -> None:
    for component, status in component_changes.items():
        if not isinstance(component, Component) or component.pk is None:
            raise ValidationError(f"Unknown component {component!r}.")
        if status not in ComponentStatus.values:
            allowed = ", ".join(ComponentStatus.values)
            raise ValidationError(f"“{status}” is not a component status (use one of: {allowed}).")
