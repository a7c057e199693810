"""The Statuspage-compatible JSON API under /api/v2/, its OpenAPI document and a page
about it for people.

Statuspage's clients switch on exact keys and strings (serializers.py), and the roll-up
is `selectors.page_status()`, as for the HTML banner, so the two always agree. Beyond
Statuspage: `?page=&per_page=` on the two long lists (paging links go in headers, so the
bodies keep Statuspage's shape) and uptime.json.
"""

import re
from urllib.parse import urlencode

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render

from public_store.http import public_resource
from public_store.serving import cache_control

from .. import selectors
from ..models import PUBLIC_ID_PATTERN
from ..uptime import daily_uptime
from . import openapi
from .endpoints import ENDPOINTS, PAGE, PAGING, PER_PAGE
from .serializers import (
    component_list,
    incident_object,
    page_object,
    status_object,
)


def _json(data: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _incident_list(key: str, incidents) -> JsonResponse:
    objects = [incident_object(i) for i in selectors.with_public_details(incidents)]
    return _json({"page": page_object(), key: objects})


@public_resource
def summary(request):
    components = selectors.public_components()
    open_incidents = list(selectors.with_public_details(selectors.open_incidents()))
    maintenances = [i for i in open_incidents if i.is_maintenance]  # soonest first
    return _json(
        {
            "page": page_object(),
            "status": status_object(selectors.page_status(components, open_incidents)),
            "components": component_list(components),
            "incidents": [incident_object(i) for i in open_incidents if not i.is_maintenance],
            "scheduled_maintenances": [incident_object(i) for i in maintenances],
        }
    )


@public_resource
def status(request):
    return _json({"page": page_object(), "status": status_object(selectors.page_status())})


@public_resource
def components(request):
    return _json(
        {"page": page_object(), "components": component_list(selectors.public_components())}
    )


@public_resource(query=PAGING)
def incidents(request):
    return _paginated_list(request, "incidents", selectors.incidents_and_maintenances())


@public_resource
def unresolved_incidents(request):
    return _incident_list("incidents", selectors.incidents().open())


@public_resource
def incident(request, incident_id):
    return _one_incident(selectors.incidents_and_maintenances(), incident_id, "incident")


@public_resource
def scheduled_maintenance(request, maintenance_id):
    return _one_incident(selectors.maintenances(), maintenance_id, "maintenance")


def _one_incident(incidents, public_id: str, kind: str) -> JsonResponse:
    """{"page", "incident"}, what Statuspage serves for one incident; a 404 otherwise."""
    # Checked before the lookup: an odd id (a NUL, 40 characters) never reaches a query.
    found = re.fullmatch(PUBLIC_ID_PATTERN, public_id) and (
        selectors.with_public_details(incidents).filter(public_id=public_id).first()
    )
    if not found:
        return _json({"error": f"There is no {kind} with this id."}, status=404)
    return _json({"page": page_object(), "incident": incident_object(found)})


@public_resource(query=PAGING)
def scheduled_maintenances(request):
    return _paginated_list(request, "scheduled_maintenances", selectors.maintenances())


@public_resource
def upcoming_maintenances(request):
    return _incident_list("scheduled_maintenances", selectors.upcoming_maintenances())


@public_resource
def active_maintenances(request):
    return _incident_list("scheduled_maintenances", selectors.active_maintenances())


@public_resource
def uptime(request):
    report = daily_uptime(selectors.in_display_order(selectors.public_components()))
    days = report[0].days if report else []
    return _json(
        {
            "page": page_object(),
            "period": {
                "start": days[0].date.isoformat() if days else None,
                "end": days[-1].date.isoformat() if days else None,
            },
            "components": [_uptime_object(entry) for entry in report],
        }
    )


def _uptime_object(entry) -> dict:
    return {
        "id": entry.component.public_id,
        "name": entry.component.name,
        "uptime": _ratio(entry.uptime),
        "days": [
            {
                "date": day.date.isoformat(),
                "uptime": _ratio(day.uptime),
                "partial_outage_seconds": day.partial_outage_seconds,
                "major_outage_seconds": day.major_outage_seconds,
            }
            for day in entry.days
        ],
    }


def _ratio(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


@public_resource
def openapi_document(request):
    return _json(openapi.document())


@public_resource
def docs(request):
    context = {
        "endpoints": ENDPOINTS,
        "cache_control": cache_control(),
        "shared_max_age": settings.PUBLIC_MAX_AGE,
        "per_page": PER_PAGE,
    }
    return render(request, "incidents/api.html", context)


def _paginated_list(request, key: str, incidents) -> JsonResponse:
    page, per_page = PAGE.read(request), PER_PAGE.read(request)
    total = incidents.count()
    last = _last_page(total, per_page)
    if page > last:  # a 404, not an empty list: no stored copy per page number asked for
        return _json({"error": f"page {page} is past the last page, {last}."}, status=404)
    start = (page - 1) * per_page
    response = _incident_list(key, incidents[start : start + per_page])
    response["X-Total-Count"] = str(total)
    links = _page_links(request.path, page, per_page, total)
    if links:
        response["Link"] = ", ".join(links)
    return response


def _last_page(total: int, per_page: int) -> int:
    return max((total + per_page - 1) // per_page, 1)  # an empty list has one empty page


def _page_links(path: str, page: int, per_page: int, total: int) -> list[str]:
    """RFC 8288 links to the neighbouring pages, as GitHub's API gives them."""
    last = _last_page(total, per_page)
    wanted = {"first": 1, "last": last}
    if page < last:
        wanted["next"] = page + 1
    if page > 1:
        wanted["prev"] = min(page - 1, last)
    return [
        f'<{settings.SITE_URL}{path}?{urlencode({"page": n, "per_page": per_page})}>; rel="{rel}"'
        for rel, n in wanted.items()
    ]
