"""Incident templates: saved with the component statuses they set, deleted."""

from collections.abc import Mapping

from django.db import transaction

from .. import audit
from ..models import Component, ComponentStatus, IncidentTemplate, IncidentTemplateComponent
from .common import check_component_changes


def _described(component_statuses: Mapping[Component, str]) -> str:
    # As the audit trail shows a post's component changes: "Network: Major outage".
    statuses = sorted(component_statuses.items(), key=lambda item: str(item[0]))
    return ", ".join(f"{c}: {ComponentStatus(s).label}" for c, s in statuses) or "none"


def template_save(
    *,
    template: IncidentTemplate,
    component_statuses: Mapping[Component, str] | None = None,
    actor=None,
) -> IncidentTemplate:
    """Create or edit a template; `component_statuses` (None: unchanged) replaces the
    statuses it sets. Templates are not public: no public state changes."""
    template.full_clean()
    if component_statuses is not None:
        component_statuses = dict(component_statuses)
        check_component_changes(component_statuses)
    with transaction.atomic():
        before = audit.stored(template)
        if before is not None:
            before["component_statuses"] = _described(template.component_changes())
        template.save()
        if component_statuses is not None:
            template.component_statuses.all().delete()
            IncidentTemplateComponent.objects.bulk_create(
                IncidentTemplateComponent(template=template, component=c, status=s)
                for c, s in component_statuses.items()
            )
        extra = {"component_statuses": _described(template.component_changes())}
        audit.saved(template, before=before, actor=actor, extra=extra)
    return template


def template_delete(*, template: IncidentTemplate, actor=None) -> None:
    with transaction.atomic():
        audit.deleted(
            template,
            actor=actor,
            extra={"component_statuses": _described(template.component_changes())},
        )
        template.delete()
