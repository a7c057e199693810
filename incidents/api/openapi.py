"""The OpenAPI 3.1 document of /api/v2/ (served as openapi.json and summarised on /api/v2/)."""

from django.conf import settings

from public_store.http import CORS_HEADERS
from public_store.serving import cache_control

from ..models import INCIDENT_IMPACTS, PUBLIC_ID_PATTERN, ComponentStatus, Impact, IncidentStatus
from ..uptime import DAYS as UPTIME_DAYS
from .endpoints import ENDPOINTS, PAGE, PER_PAGE

TIMESTAMP = {"type": "string", "format": "date-time", "description": "ISO 8601, UTC (Z)."}
NULLABLE_TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict, description: str = "") -> dict:
    schema = {
        "type": "object",
        "required": list(properties),
        "properties": properties,
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def _list_of(name: str) -> dict:
    return {"type": "array", "items": _ref(name)}


def _component_properties(*, group: bool) -> dict:
    return {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "status": {"enum": ComponentStatus.values},
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
        "position": {"type": "integer"},
        "description": {"type": ["string", "null"]},
        "showcase": {"type": "boolean"},
        "start_date": {"type": ["string", "null"], "format": "date"},
        "group_id": {"type": ["string", "null"]},
        "page_id": {"type": "string"},
        "group": {"const": group},
        "only_show_if_degraded": {"type": "boolean"},
    }


def _incident_properties(*, maintenance: bool) -> dict:
    properties = {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "status": {"enum": IncidentStatus.values},
        "impact": {"enum": Impact.values if maintenance else [str(i) for i in INCIDENT_IMPACTS]},
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
        "monitoring_at": NULLABLE_TIMESTAMP,
        "resolved_at": NULLABLE_TIMESTAMP,
        "started_at": TIMESTAMP,
        "shortlink": {"type": "string", "format": "uri"},
        "page_id": {"type": "string"},
        "incident_updates": {**_list_of("IncidentUpdate"), "description": "Newest first."},
        "components": _list_of("Component"),
    }
    if maintenance:
        properties |= {"scheduled_for": TIMESTAMP, "scheduled_until": TIMESTAMP}
    else:
        nullable_text = {
            "type": ["string", "null"],
            "description": "Markdown; null: none published.",
        }
        properties |= {
            "postmortem_body": nullable_text,
            "postmortem_body_last_updated_at": NULLABLE_TIMESTAMP,
            "postmortem_ignored": {"type": "boolean"},
            "postmortem_notified_subscribers": {"type": "boolean"},
            "postmortem_notified_twitter": {"type": "boolean"},
            "postmortem_published_at": NULLABLE_TIMESTAMP,
        }
    return properties


def _schemas() -> dict:
    return {
        "Page": _object(
            {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "url": {"type": "string", "format": "uri"},
                "time_zone": {"type": "string", "description": "IANA time zone name."},
                "updated_at": {
                    **TIMESTAMP,
                    "description": "Last change of the public state (1970-01-01 if none).",
                },
            }
        ),
        "Status": _object(
            {
                "indicator": {"enum": ["none", "minor", "major", "critical", "maintenance"]},
                "description": {
                    "enum": [
                        "All Systems Operational",
                        "Minor Service Outage",
                        "Partial System Outage",
                        "Major System Outage",
                        "Degraded System Service",
                        "Partially Degraded Service",
                        "Service Under Maintenance",
                    ]
                },
            }
        ),
        "Component": _object(_component_properties(group=False)),
        "ComponentGroup": _object(
            _component_properties(group=True)
            | {"components": {"type": "array", "items": {"type": "string"}}},
            "A group: its status is its worst member's; the members follow it in the list.",
        ),
        "AffectedComponent": _object(
            {
                "code": {"type": "string", "description": "The component's id."},
                "name": {
                    "type": "string",
                    "description": "Its name when it changed; `Group - Component` if grouped.",
                },
                "old_status": {"enum": ComponentStatus.values},
                "new_status": {"enum": ComponentStatus.values},
            }
        ),
        "IncidentUpdate": _object(
            {
                "id": {"type": "string"},
                "status": {"enum": IncidentStatus.values},
                "body": {
                    "type": "string",
                    "description": "Markdown; a post's headline, if any, is its first paragraph.",
                },
                "incident_id": {"type": "string"},
                "created_at": TIMESTAMP,
                "updated_at": TIMESTAMP,
                "display_at": TIMESTAMP,
                "affected_components": {
                    "oneOf": [_list_of("AffectedComponent"), {"type": "null"}],
                    "description": "null when the post changed no component.",
                },
                "deliver_notifications": {"type": "boolean"},
                "custom_tweet": {"type": "null"},
                "tweet_id": {"type": "null"},
            }
        ),
        "Incident": _object(_incident_properties(maintenance=False)),
        "ScheduledMaintenance": _object(
            _incident_properties(maintenance=True),
            "A maintenance: an incident with a window; its impact is `maintenance` unless it "
            "was given another.",
        ),
        "AnyIncident": {"oneOf": [_ref("Incident"), _ref("ScheduledMaintenance")]},
        "UptimeDay": _object(
            {
                "date": {"type": "string", "format": "date"},
                "uptime": {
                    "type": ["number", "null"],
                    "description": "1 - (major + 0.3 × partial outage seconds) / seconds in the "
                    "day (today: so far). null before the component was monitored: before its "
                    "start_date, or without one before it was created or first changed status.",
                },
                "partial_outage_seconds": {"type": "integer"},
                "major_outage_seconds": {"type": "integer"},
            }
        ),
        "ComponentUptime": _object(
            {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "uptime": {
                    "type": ["number", "null"],
                    "description": "Over the monitored part of the period.",
                },
                "days": {
                    **_list_of("UptimeDay"),
                    "description": f"Oldest first, {UPTIME_DAYS} days.",
                },
            }
        ),
        "Error": _object({"error": {"type": "string"}}),
    }


def _response_schemas() -> dict:
    page = {"page": _ref("Page")}
    components = {"type": "array", "items": {"oneOf": [_ref("Component"), _ref("ComponentGroup")]}}
    return {
        "summary": _object(
            page
            | {
                "status": _ref("Status"),
                "components": components,
                "incidents": _list_of("Incident"),
                "scheduled_maintenances": _list_of("ScheduledMaintenance"),
            }
        ),
        "status": _object(page | {"status": _ref("Status")}),
        "incident": _object(page | {"incident": _ref("AnyIncident")}),
        "maintenance": _object(page | {"incident": _ref("ScheduledMaintenance")}),
        "components": _object(page | {"components": components}),
        "incidents": _object(page | {"incidents": _list_of("AnyIncident")}),
        "unresolved": _object(page | {"incidents": _list_of("Incident")}),
        "maintenances": _object(
            page | {"scheduled_maintenances": _list_of("ScheduledMaintenance")}
        ),
        "uptime": _object(
            page
            | {
                "period": _object(
                    {
                        "start": {"type": ["string", "null"], "format": "date"},
                        "end": {"type": ["string", "null"], "format": "date"},
                    }
                ),
                "components": _list_of("ComponentUptime"),
            }
        ),
    }


def _paging_parameter(parameter, description: str) -> dict:
    return {
        "name": parameter.name,
        "in": "query",
        "description": description,
        "schema": {
            "type": "integer",
            "minimum": 1,
            "maximum": parameter.maximum,
            "default": parameter.default,
        },
    }


PAGINATION_PARAMETERS = [
    _paging_parameter(PAGE, f"Page number, from 1 (beyond Statuspage). Default {PAGE.default}."),
    _paging_parameter(
        PER_PAGE,
        f"Items per page (beyond Statuspage). Default {PER_PAGE.default}, "
        f"at most {PER_PAGE.maximum}.",
    ),
]
PAGINATION_HEADERS = {
    "Link": {
        "description": "RFC 8288 links: first, last, and next/prev when they exist.",
        "schema": {"type": "string"},
    },
    "X-Total-Count": {"description": "Items in all pages.", "schema": {"type": "integer"}},
}


def _cors_headers() -> dict:
    """What public_store.http sets on every answer of the API, refusals included."""
    return {
        name: {"description": f"Always `{value}`.", "schema": {"type": "string", "const": value}}
        for name, value in CORS_HEADERS.items()
    }


def _store_headers() -> dict:
    """What public_store.serving sets on every answer it serves (200 and 304)."""
    return {
        "ETag": {
            "description": "Send it back as If-None-Match: 304 if unchanged. Each content "
            "coding has its own.",
            "schema": {"type": "string"},
        },
        "Last-Modified": {
            "description": "When this copy was rendered; If-Modified-Since works too.",
            "schema": {"type": "string"},
        },
        "Cache-Control": {
            "description": f"Always `{cache_control()}`: browsers revalidate every time, a "
            f"shared cache keeps a copy {settings.PUBLIC_MAX_AGE} s (PUBLIC_MAX_AGE).",
            "schema": {"type": "string", "const": cache_control()},
        },
        "Vary": {
            "description": "Always `Accept-Encoding` (gzip, br or none).",
            "schema": {"type": "string", "const": "Accept-Encoding"},
        },
    }


def _error(description: str) -> dict:
    return {
        "description": description,
        "headers": _cors_headers(),
        "content": {"application/json": {"schema": _ref("Error")}},
    }


def _path_parameter(parameter) -> dict:
    return {
        "name": parameter.name,
        "in": "path",
        "required": True,
        "description": parameter.description,
        "schema": {"type": "string", "pattern": f"^{PUBLIC_ID_PATTERN}$"},
    }


def _operation(endpoint) -> dict:
    responses = _response_schemas()
    ok = {
        "description": "OK",
        "headers": _store_headers()
        | _cors_headers()
        | (PAGINATION_HEADERS if endpoint.paginated else {}),
        "content": {"application/json": {"schema": responses[endpoint.shape]}},
    }
    not_modified = {
        "description": "Not modified (If-None-Match).",
        "headers": _store_headers() | _cors_headers(),
    }
    operation = {
        "operationId": endpoint.name,
        "summary": endpoint.summary,
        "responses": {"200": ok, "304": not_modified},
    }
    if endpoint.paginated:
        operation["parameters"] = PAGINATION_PARAMETERS
        operation["responses"]["400"] = _error("A bad page or per_page.")
        operation["responses"]["404"] = _error("A page past the last one.")
    if endpoint.parameter:
        operation["parameters"] = [_path_parameter(endpoint.parameter)]
        operation["responses"]["404"] = _error("No such id (or not public).")
    return {"get": operation}


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{settings.STATUS_PAGE_NAME} API",
            "version": "2.0.0",
            "description": "Atlassian Statuspage's public API (v2), served exactly, plus "
            "pagination of the long lists and daily uptime. No authentication; GET only.",
        },
        "servers": [{"url": f"{settings.SITE_URL}/api/v2"}],
        "paths": {endpoint.path: _operation(endpoint) for endpoint in ENDPOINTS},
        "components": {"schemas": _schemas()},
    }
