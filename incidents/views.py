"""The public pages: the status page itself, one incident, the archive."""

import datetime
from collections import defaultdict

from django.core.paginator import EmptyPage, Paginator
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from statuspage.public_cache import PAGE, public_page

from .models import (
    Component,
    Incident,
    IncidentKind,
    IncidentUpdate,
)
from .rollup import page_status
from .uptime import uptime_history

POSTS_PER_PAGE = 20
INCIDENTS_PER_HISTORY_PAGE = 25
PAST_INCIDENT_DAYS = 15
# Days of uptime bars on wide, medium and narrow screens (the stylesheet hides the oldest).
UPTIME_WINDOWS = (90, 60, 30)


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


def with_uptime(components):
    """Give each component its daily history (`.uptime`) and uptime per window."""
    for entry in uptime_history(components, days=UPTIME_WINDOWS[0]):
        entry.component.uptime = entry
        entry.component.uptime_windows = [(n, entry.uptime_over_last(n)) for n in UPTIME_WINDOWS]
    return components


def past_incidents(days=PAST_INCIDENT_DAYS):
    """The last `days` days in the page's time zone, newest first, each with its incidents."""
    today = timezone.localdate()
    dates = [today - datetime.timedelta(days=n) for n in range(days)]
    start = timezone.make_aware(datetime.datetime.combine(dates[-1], datetime.time()))
    maintenance = Q(kind=IncidentKind.MAINTENANCE)
    incidents = (
        Incident.objects.public()
        .filter(
            (~maintenance & Q(started_at__gte=start))
            | (maintenance & Q(scheduled_for__gte=start, scheduled_for__lte=timezone.now()))
        )
        .prefetch_related(
            Prefetch("updates", queryset=_published_updates(), to_attr="published_updates")
        )
    )
    by_day = defaultdict(list)
    for incident in sorted(incidents, key=lambda i: i.began_at, reverse=True):
        by_day[timezone.localdate(incident.began_at)].append(incident)
    return [(date, by_day[date]) for date in dates]


def page_or_404(paginator, request):
    """The page of `paginator` the request asks for; one past the last is not found (and,
    being no 200, never stored: a page number cannot fill the store)."""
    number = PAGE.read(request)
    try:
        return paginator.page(number)
    except EmptyPage:
        raise Http404(f"There is no page {number}.") from None


@public_page(query=[PAGE])
def home(request):
    # The page number first: one past the last costs a count, not the whole page.
    posts = page_or_404(
        Paginator(_published_updates().select_related("incident"), POSTS_PER_PAGE), request
    )
    components = with_uptime(list(Component.objects.public().select_related("group")))
    pinned = list(
        _with_published_updates(Incident.objects.public().open()).order_by(
            "kind", "scheduled_for", "-started_at"
        )
    )
    return render(
        request,
        "incidents/home.html",
        {
            "status": page_status(components, pinned),
            "component_rows": component_rows(components),
            "active_incidents": [i for i in pinned if i.kind == IncidentKind.INCIDENT],
            "maintenances": [i for i in pinned if i.kind == IncidentKind.MAINTENANCE],
            "past_days": past_incidents(),
            "posts": posts,
        },
    )


@public_page
def incident_detail(request, public_id):
    incident = get_object_or_404(
        _with_published_updates(Incident.objects.public()), public_id=public_id
    )
    return render(request, "incidents/incident_detail.html", {"incident": incident})


@public_page(query=[PAGE])
def history(request):
    incidents = page_or_404(
        Paginator(_with_published_updates(Incident.objects.public()), INCIDENTS_PER_HISTORY_PAGE),
        request,
    )
    return render(request, "incidents/history.html", {"incidents": incidents})
