"""Our objects in Atlassian Statuspage's public JSON shapes (see the reference document).

Clients compare exact keys and strings, so every key is always present (`null`, not
missing, when empty) and lists keep the product's order: newest first. The querysets
here decide only what to prefetch; what is visible comes from `public()`/`published()`.
"""

import datetime

from django.conf import settings
from django.db.models import Max, Prefetch
from django.db.models.functions import Greatest

from .models import (
    Component,
    ComponentGroup,
    ComponentStatus,
    ComponentStatusChange,
    Incident,
    IncidentUpdate,
)
from .rollup import PageStatus
from .views import component_rows

# Shown as the page's updated_at before anything has been published.
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
# A group shows its worst member's status.
_STATUS_SEVERITY = [
    ComponentStatus.OPERATIONAL,
    ComponentStatus.UNDER_MAINTENANCE,
    ComponentStatus.DEGRADED_PERFORMANCE,
    ComponentStatus.PARTIAL_OUTAGE,
    ComponentStatus.MAJOR_OUTAGE,
]


def timestamp(value: datetime.datetime | None) -> str | None:
    if value is None:
        return None
    utc = value.astimezone(datetime.UTC).isoformat(timespec="milliseconds")
    return utc.replace("+00:00", "Z")


def public_components() -> list[Component]:
    return list(Component.objects.public().select_related("group"))


def with_public_details(incidents):
    """Prefetch what incident_object() shows: published posts, their changes, components."""
    public_changes = ComponentStatusChange.objects.filter(
        component__in=Component.objects.public()
    ).select_related("component")
    updates = IncidentUpdate.objects.published().prefetch_related(
        Prefetch("component_changes", queryset=public_changes, to_attr="public_changes")
    )
    return incidents.prefetch_related(
        Prefetch("updates", queryset=updates, to_attr="published_updates"),
        Prefetch(
            "components",
            queryset=Component.objects.public().select_related("group"),
            to_attr="public_components",
        ),
    )


def last_public_change() -> datetime.datetime:
    """When the public state last changed: the page object's updated_at."""
    public_components = Component.objects.public()
    candidates = [
        public_components.aggregate(at=Max("updated_at"))["at"],
        ComponentGroup.objects.filter(components__in=public_components).aggregate(
            at=Max("updated_at")
        )["at"],
        Incident.objects.public().aggregate(at=Max("updated_at"))["at"],
        IncidentUpdate.objects.published().aggregate(
            at=Max(Greatest("published_at", "updated_at"))
        )["at"],
    ]
    return max((at for at in candidates if at is not None), default=EPOCH)


def page_object(updated_at: datetime.datetime | None = None) -> dict:
    return {
        "id": settings.STATUS_PAGE_ID,
        "name": settings.STATUS_PAGE_NAME,
        "url": settings.SITE_URL,
        "time_zone": settings.TIME_ZONE,
        "updated_at": timestamp(updated_at or last_public_change()),
    }


def status_object(status: PageStatus) -> dict:
    return {"indicator": status.indicator, "description": status.description}


def component_list(components: list[Component]) -> list[dict]:
    """Components in display order; a group comes first, followed by its members."""
    result = []
    for row in component_rows(components):
        if row["members"] is None:
            result.append(component_object(row["item"]))
        else:
            result.append(group_object(row["item"], row["members"]))
            result.extend(component_object(member) for member in row["members"])
    return result


def in_display_order(components: list[Component]) -> list[Component]:
    """The components alone (no groups), in the order the page lists them."""
    ordered = []
    for row in component_rows(components):
        ordered.extend(row["members"] or [row["item"]])
    return ordered


def component_object(component: Component) -> dict:
    return {
        "id": component.public_id,
        "name": component.name,
        "status": component.status,
        "created_at": timestamp(component.created_at),
        "updated_at": timestamp(component.updated_at),
        "position": component.position,
        "description": component.description or None,
        "showcase": True,
        "start_date": component.start_date.isoformat() if component.start_date else None,
        "group_id": component.group.public_id if component.group_id else None,
        "page_id": settings.STATUS_PAGE_ID,
        "group": False,
        "only_show_if_degraded": False,
    }


def group_object(group: ComponentGroup, members: list[Component]) -> dict:
    return {
        "id": group.public_id,
        "name": group.name,
        "status": max((m.status for m in members), key=_STATUS_SEVERITY.index),
        "created_at": timestamp(group.created_at),
        "updated_at": timestamp(group.updated_at),
        "position": group.position,
        "description": group.description or None,
        "showcase": False,
        "start_date": None,
        "group_id": None,
        "page_id": settings.STATUS_PAGE_ID,
        "group": True,
        "only_show_if_degraded": False,
        "components": [member.public_id for member in members],
    }


def incident_object(incident: Incident) -> dict:
    """An incident, or a maintenance (with its window), from with_public_details()."""
    data = {
        "id": incident.public_id,
        "name": incident.title,
        "status": incident.status,
        "impact": "maintenance" if incident.is_maintenance else incident.impact,
        "created_at": timestamp(incident.created_at),
        "updated_at": timestamp(incident.updated_at),
        "monitoring_at": timestamp(incident.monitoring_at),
        "resolved_at": timestamp(incident.resolved_at),
        "started_at": timestamp(incident.started_at),
        "shortlink": settings.SITE_URL + incident.get_absolute_url(),
        "page_id": settings.STATUS_PAGE_ID,
        "incident_updates": [update_object(u, incident) for u in incident.published_updates],
        "components": [component_object(c) for c in incident.public_components],
    }
    if incident.is_maintenance:
        data["scheduled_for"] = timestamp(incident.scheduled_for)
        data["scheduled_until"] = timestamp(incident.scheduled_until)
    return data


def update_object(update: IncidentUpdate, incident: Incident) -> dict:
    changes = [
        {
            "code": change.component.public_id,
            "name": change.component.name,
            "old_status": change.old_status,
            "new_status": change.new_status,
        }
        for change in update.public_changes
    ]
    return {
        "id": update.public_id,
        "status": update.status,
        # Statuspage posts have no headline: it leads the body, as the page shows it.
        "body": "\n\n".join(part for part in (update.headline, update.body) if part),
        "incident_id": incident.public_id,
        "created_at": timestamp(update.created_at),
        "updated_at": timestamp(update.updated_at),
        "display_at": timestamp(update.published_at),
        "affected_components": changes or None,
        "deliver_notifications": update.notify,
        "custom_tweet": None,
        "tweet_id": None,
    }
