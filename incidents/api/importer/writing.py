"""Writing a plan: everything or nothing, in one transaction, through incidents.services."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ... import services
from ...models import Component, ComponentGroup
from .documents import ComponentRecord, IncidentRecord
from .errors import SourceError
from .planning import Plan, oldest_first


def apply(checked: Plan) -> None:
    """Write everything, or nothing: one transaction, through incidents.services."""
    with transaction.atomic():
        groups = {g.public_id: _group(g) for g in checked.groups}
        components = {
            c.public_id: _member(c, groups, shown=checked.shown(c.public_id))
            for c in checked.members
        }
        components |= {c.public_id: c for c in _referenced_components(checked, components)}
        for record in oldest_first(checked.incidents.values()):
            _write_incident(record, components)


def _group(record: ComponentRecord) -> ComponentGroup:
    return _service(
        record.path,
        services.group_import,
        public_id=record.public_id,
        name=record.name,
        description=record.description,
        position=record.position,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


def _member(record: ComponentRecord, groups: dict, *, shown: bool | None) -> Component:
    group = groups.get(record.group_id)
    if group is None and record.group_id:
        group = ComponentGroup.objects.filter(public_id=record.group_id).first()
    return _service(
        record.path,
        services.component_import,
        public_id=record.public_id,
        name=record.name,
        status=record.status,
        description=record.description,
        position=record.position,
        group=group,
        start_date=record.start_date,
        created_at=record.created_at,
        updated_at=record.updated_at,
        showcase=record.showcase,
        only_show_if_degraded=record.only_show_if_degraded,
        shown=shown,
    )


def _referenced_components(checked: Plan, imported: dict) -> list[Component]:
    """Components that posts refer to, already here but not in this import."""
    codes = {c.code for i in checked.incidents.values() for u in i.updates for c in u.changes}
    return list(Component.objects.filter(public_id__in=codes - set(imported)))


def _write_incident(record: IncidentRecord, components: dict) -> None:
    incident = _service(
        record.path,
        services.incident_import,
        public_id=record.public_id,
        kind=record.kind,
        title=record.title,
        status=record.status,
        impact=record.impact,
        created_at=record.created_at,
        updated_at=record.updated_at,
        started_at=record.started_at,
        monitoring_at=record.monitoring_at,
        resolved_at=record.resolved_at,
        scheduled_for=record.scheduled_for,
        scheduled_until=record.scheduled_until,
        components=[
            components[c.public_id] for c in record.components if c.public_id in components
        ],
    )
    for update in sorted(record.updates, key=lambda u: (u.display_at, u.created_at)):
        _service(
            update.path,
            services.update_import,
            incident=incident,
            public_id=update.public_id,
            status=update.status,
            body=update.body,
            created_at=update.created_at,
            updated_at=update.updated_at,
            display_at=update.display_at,
            notified=update.notified,
            component_changes=[
                services.ImportedChange(components[c.code], c.name, c.old_status, c.new_status)
                for c in update.changes
            ],
        )


def _service(path: str, function, **kwargs):
    """Call a service; name the record's path in any error (the transaction rolls back)."""
    try:
        return function(**kwargs)
    except ValidationError as error:
        raise SourceError(f"{path}: {' '.join(_messages(error))}") from None
    except IntegrityError as error:
        raise SourceError(f"{path}: conflicts with data already here ({error}).") from None


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [
            f"{name}: {message}" if name != "__all__" else message
            for name, messages in error
            for message in messages
        ]
    return error.messages
