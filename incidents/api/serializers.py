"""Our objects in Atlassian Statuspage's public JSON shapes (see the reference document).

Clients compare exact keys and strings, so every key is always present (`null`, not
missing, when empty) and lists keep the product's order: newest first. What is visible
is decided by incidents.selectors; incidents come prefetched by `with_public_details()`.
"""

import datetime

from django.conf import settings

from ..models import Component, ComponentGroup, Incident, IncidentUpdate, worst_status
from ..rollup import PageStatus
from ..selectors import component_rows, last_public_change


def timestamp(value: datetime.datetime | None) -> str | None:
    if value is None:
        return None
    utc = value.astimezone(datetime.UTC).isoformat(timespec="milliseconds")
    return utc.replace("+00:00", "Z")


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


def component_object(component: Component) -> dict:
    return {
        "id": component.public_id,
        "name": component.name,
        "status": component.status,
        "created_at": timestamp(component.created_at),
        "updated_at": timestamp(component.updated_at),
        "position": component.position,
        "description": component.description or None,
        "showcase": component.showcase,
        "start_date": component.start_date.isoformat() if component.start_date else None,
        "group_id": component.group.public_id if component.group_id else None,
        "page_id": settings.STATUS_PAGE_ID,
        "group": False,
        "only_show_if_degraded": component.only_show_if_degraded,
    }


def group_object(group: ComponentGroup, members: list[Component]) -> dict:
    return {
        "id": group.public_id,
        "name": group.name,
        "status": worst_status(m.status for m in members),  # a group shows its worst member's
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
        "impact": incident.impact,
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
    else:
        data |= postmortem_fields(incident)
    return data


def postmortem_fields(incident: Incident) -> dict:
    """Statuspage's postmortem keys: null until it is published (a draft is not public)."""
    public = incident.has_public_postmortem
    return {
        "postmortem_body": incident.postmortem_body if public else None,
        "postmortem_body_last_updated_at": timestamp(incident.postmortem_updated_at)
        if public
        else None,
        "postmortem_ignored": False,
        "postmortem_notified_subscribers": public and incident.postmortem_notified_at is not None,
        "postmortem_notified_twitter": False,
        "postmortem_published_at": timestamp(incident.postmortem_published_at) if public else None,
    }


def update_object(update: IncidentUpdate, incident: Incident) -> dict:
    changes = [
        {
            "code": change.component.public_id,
            "name": change.component_name or change.component.full_name,
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
