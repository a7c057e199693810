"""The audit trail: one AuditEntry per create, edit or delete made by incidents.services.

Values are stored as people read them (choice labels, local times, names of related
objects), so an entry stays readable after the objects and choices it names change.
"""

import datetime

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone

from .models import (
    AuditAction,
    AuditEntry,
    AuditObjectType,
    Component,
    ComponentGroup,
    Incident,
    IncidentTemplate,
    IncidentUpdate,
)

# What an operator can change, per kind of object; derived fields (an incident's status
# and times follow from its posts) are left out.
FIELDS = {
    Incident: [
        "title",
        "kind",
        "impact",
        "scheduled_for",
        "scheduled_until",
        "auto_transition",
        "postmortem_body",
        "postmortem_published_at",
    ],
    IncidentUpdate: [
        "status",
        "headline",
        "body",
        "impact",
        "published_at",
        "is_draft",
        "keep_components",
        "notify",
    ],
    Component: [
        "name",
        "description",
        "group",
        "position",
        "status",
        "is_hidden",
        "only_show_if_degraded",
        "showcase",
        "start_date",
    ],
    ComponentGroup: ["name", "description", "position"],
    IncidentTemplate: ["name", "kind", "title", "status", "impact", "headline", "body"],
}
OBJECT_TYPES = {
    Incident: AuditObjectType.INCIDENT,
    IncidentUpdate: AuditObjectType.UPDATE,
    Component: AuditObjectType.COMPONENT,
    ComponentGroup: AuditObjectType.GROUP,
    IncidentTemplate: AuditObjectType.TEMPLATE,
}


def snapshot(obj: models.Model) -> dict[str, str | None]:
    return {name: _readable(obj, name) for name in FIELDS[type(obj)]}


def stored(obj: models.Model) -> dict[str, str | None] | None:
    """The object as the database holds it now (forms change the instance before the
    service runs), or None if it is new."""
    if obj.pk is None:
        return None
    row = type(obj).objects.filter(pk=obj.pk).first()
    return snapshot(row) if row else None


def saved(obj, *, before: dict | None, actor, extra: dict | None = None) -> AuditEntry | None:
    """Record a creation (before is None) or an edit; an edit that changed nothing is not."""
    after = snapshot(obj) | (extra or {})
    if before is None:
        changes = {k: [None, v] for k, v in after.items() if v not in (None, "")}
        return _record(obj, AuditAction.CREATED, changes, actor)
    changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    return _record(obj, AuditAction.EDITED, changes, actor) if changes else None


def deleted(obj, *, actor, extra: dict | None = None) -> AuditEntry:
    """Record a deletion with what the object held; call it before deleting."""
    values = snapshot(obj) | (extra or {})
    changes = {k: [v, None] for k, v in values.items() if v not in (None, "")}
    return _record(obj, AuditAction.DELETED, changes, actor)


def label(obj) -> str:
    if isinstance(obj, IncidentUpdate) and obj.headline:
        return f"{obj.incident.title}: {obj.headline}"
    return str(obj)


def _record(obj, action, changes, actor) -> AuditEntry:
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=user,
        actor_name=user.get_username() if user else "",
        action=action,
        object_type=OBJECT_TYPES[type(obj)],
        object_id=obj.public_id,
        object_label=label(obj)[:300],
        changes=changes,
    )


def _readable(obj, name: str) -> str | None:
    field = obj._meta.get_field(name)
    value = getattr(obj, name)
    if value is None:
        return None
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S %Z")
    return str(value)


def describe(entry: AuditEntry, *, limit: int | None = None) -> str:
    """The changes in words: "status: Investigating → Identified; headline: “…”"."""
    model = next(m for m, t in OBJECT_TYPES.items() if t == entry.object_type)
    parts = []
    # In the fields' own order: PostgreSQL's jsonb does not keep the keys' order.
    order = {name: i for i, name in enumerate(FIELDS[model])}
    for name, (old, new) in sorted(entry.changes.items(), key=lambda c: order.get(c[0], 99)):
        field_label = _field_label(model, name)
        if entry.action == AuditAction.EDITED:
            parts.append(f"{field_label}: {_quoted(old, limit)} → {_quoted(new, limit)}")
        else:
            parts.append(f"{field_label}: {_quoted(new if old is None else old, limit)}")
    return "; ".join(parts)


def _field_label(model, name: str) -> str:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        field = None
    # Reverse relations and extras (a post's component changes) have no verbose name.
    return str(getattr(field, "verbose_name", name.replace("_", " ")))


def _quoted(value: str | None, limit: int | None) -> str:
    if value is None:
        return "(none)"
    if limit and len(value) > limit:
        value = value[: limit - 1] + "…"
    return f"“{value}”"
