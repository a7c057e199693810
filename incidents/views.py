"""The public pages: the status page itself, one incident, the archive."""

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from statuspage.public_cache import public_page

from .models import (
    Component,
    Incident,
    IncidentKind,
    IncidentUpdate,
)
from .rollup import page_status

POSTS_PER_PAGE = 20
INCIDENTS_PER_HISTORY_PAGE = 25


def _published_updates():
    return IncidentUpdate.objects.published()


def _with_published_updates(incidents):
    return incidents.prefetch_related(
        Prefetch("updates", queryset=_published_updates(), to_attr="published_updates"),
        Prefetch("components", queryset=Component.objects.public()),
    )


def component_rows(components):
    """Ungrouped components and groups (with their components), in display order."""
    rows, groups = [], {}
    for component in components:
        if component.group is None:
            rows.append((component.position, component.name, component, None))
        else:
            groups.setdefault(component.group, []).append(component)
    for group, members in groups.items():
        rows.append((group.position, group.name, group, members))
    rows.sort(key=lambda row: (row[0], row[1]))
    return [{"item": item, "members": members} for _, _, item, members in rows]


@public_page
def home(request):
    components = list(Component.objects.public().select_related("group"))
    pinned = list(
        _with_published_updates(Incident.objects.public().open()).order_by(
            "kind", "scheduled_for", "-started_at"
        )
    )
    timeline = Paginator(_published_updates().select_related("incident"), POSTS_PER_PAGE)
    posts = timeline.get_page(request.GET.get("page"))
    return render(
        request,
        "incidents/home.html",
        {
            "status": page_status(components, pinned),
            "component_rows": component_rows(components),
            "active_incidents": [i for i in pinned if i.kind == IncidentKind.INCIDENT],
            "maintenances": [i for i in pinned if i.kind == IncidentKind.MAINTENANCE],
            "posts": posts,
        },
    )


@public_page
def incident_detail(request, public_id):
    incident = get_object_or_404(
        _with_published_updates(Incident.objects.public()), public_id=public_id
    )
    return render(request, "incidents/incident_detail.html", {"incident": incident})


@public_page
def history(request):
    incidents = Paginator(
        _with_published_updates(Incident.objects.public()), INCIDENTS_PER_HISTORY_PAGE
    ).get_page(request.GET.get("page"))
    return render(request, "incidents/history.html", {"incidents": incidents})
