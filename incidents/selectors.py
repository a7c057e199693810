"""What the public sees, read in one place.

Every public page, feed, badge, calendar and API response reads through these, on the
one visibility rule (`IncidentUpdate.objects.published()`, and `Incident.objects.public()`:
"has a published update"). Ordering that defines the product is here or on the models.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Max, Prefetch, Q, prefetch_related_objects
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone

from . import rollup
from .api.endpoints import ENDPOINTS
from .models import (
    ACTIVE_MAINTENANCE_STATUSES,
    Component,
    ComponentGroup,
    ComponentStatusChange,
    Incident,
    IncidentKind,
    IncidentStatus,
    IncidentUpdate,
)
from .rollup import PageStatus

# Shown as the page's last change before anything has been published.
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
# A maintenance is "newer" when its window is later.
MAINTENANCE_ORDER = ["-scheduled_for", "-id"]
# Maintenances still ahead or under way: the soonest first, as Statuspage lists them.
SOONEST_FIRST = ["scheduled_for", "id"]
# How many of the latest incidents' pages the store renders ahead.
WARMED_INCIDENTS = 20
# What "Past incidents" shows of an incident, beside its posts.
PAST_INCIDENT_FIELDS = ["public_id", "title", "kind", "impact", "started_at", "scheduled_for"]


def public_components() -> list[Component]:
    """The components the public sees, with their groups, in the models' order."""
    return list(Component.objects.public().select_related("group"))


def listed_on_page(components: list[Component]) -> list[Component]:
    """The components the page lists now: all but those shown only while degraded
    (Statuspage's only_show_if_degraded) that are operational. The API lists them all."""
    return [component for component in components if component.is_listed]


def public_groups():
    """Groups with at least one component the public sees."""
    return ComponentGroup.objects.filter(components__is_hidden=False).distinct()


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


def in_display_order(components: list[Component]) -> list[Component]:
    """The components alone (no groups), in the order the page lists them."""
    ordered = []
    for row in component_rows(components):
        ordered.extend(row["members"] or [row["item"]])
    return ordered


def with_public_details(incidents, *, components=True, changes=True):
    """Prefetch what the public sees of each incident: `published_updates` (newest first),
    `public_components`, and each update's `public_changes` (the component changes it
    made); a page that shows less asks for less."""
    updates = IncidentUpdate.objects.published()
    if changes:
        public_changes = ComponentStatusChange.objects.filter(
            component__in=Component.objects.public()
        ).select_related("component__group")
        updates = updates.prefetch_related(
            Prefetch("component_changes", queryset=public_changes, to_attr="public_changes")
        )
    incidents = incidents.prefetch_related(
        Prefetch("updates", queryset=updates, to_attr="published_updates")
    )
    if components:
        public = Component.objects.public().select_related("group")
        incidents = incidents.prefetch_related(
            Prefetch("components", queryset=public, to_attr="public_components")
        )
    return incidents


def page_status(components=None, unresolved=None) -> PageStatus:
    """The overall status: the banner on `/`, status.json, summary.json and the badge.
    Pass the public components and open incidents the caller has read, or nothing."""
    if components is None:
        components = Component.objects.public()
    if unresolved is None:
        unresolved = open_incidents()
    return rollup.page_status(components, unresolved)


def timeline():
    """Every published update, newest first: the posts of `/` and the feeds."""
    return IncidentUpdate.objects.published().select_related("incident")


def published_postmortems():
    """Incidents whose postmortem is public (Incident.has_public_postmortem), the latest
    published first."""
    published = Incident.objects.public().filter(postmortem_published_at__isnull=False)
    return published.order_by("-postmortem_published_at")


def open_incidents():
    """Incidents and maintenances not closed: incidents first (newest first), then
    maintenances, the soonest window first."""
    return Incident.objects.public().open().order_by("kind", *SOONEST_FIRST, "-started_at")


def incidents_and_maintenances():
    """The archive: everything public, newest first."""
    return Incident.objects.public()


def incidents():
    return Incident.objects.public().filter(kind=IncidentKind.INCIDENT)


def maintenances():
    return (
        Incident.objects.public().filter(kind=IncidentKind.MAINTENANCE).order_by(*MAINTENANCE_ORDER)
    )


def upcoming_maintenances():
    return maintenances().filter(status=IncidentStatus.SCHEDULED).order_by(*SOONEST_FIRST)


def active_maintenances():
    return maintenances().filter(status__in=ACTIVE_MAINTENANCE_STATUSES).order_by(*SOONEST_FIRST)


def maintenance_windows(since: datetime.datetime):
    """Maintenances whose window ends after `since`, earliest window first (the calendar)."""
    return with_public_details(
        Incident.objects.public()
        .filter(kind=IncidentKind.MAINTENANCE, scheduled_until__gte=since)
        .order_by("scheduled_for", "id"),
        changes=False,
    )


@dataclass(frozen=True)
class PastDay:
    """One day of "Past incidents": its first few incidents (with their posts) and how many
    more began that day, which /history?day= lists in full."""

    date: datetime.date
    incidents: list[Incident]
    more: int = 0


def past_incidents(days: int, *, shown: int) -> list[PastDay]:
    """The last `days` days in the page's time zone, newest first, each with the first
    `shown` incidents that began that day (newest first) and how many more did.

    Two queries, whatever the number of incidents: every incident of the period with
    the few fields a day needs, then the posts of the shown ones."""
    today = timezone.localdate()
    dates = [today - datetime.timedelta(days=n) for n in range(days)]
    start = timezone.make_aware(datetime.datetime.combine(dates[-1], datetime.time()))
    found = Incident.objects.public().filter(began_between(start, timezone.now()))
    by_day = defaultdict(list)
    for incident in found.only(*PAST_INCIDENT_FIELDS):
        by_day[timezone.localdate(incident.began_at)].append(incident)
    for incidents in by_day.values():
        incidents.sort(key=lambda i: (i.began_at, i.pk), reverse=True)
    past = [
        PastDay(date, by_day[date][:shown], max(len(by_day[date]) - shown, 0)) for date in dates
    ]
    published = IncidentUpdate.objects.published()
    prefetch_related_objects(
        [incident for day in past for incident in day.incidents],
        Prefetch("updates", queryset=published, to_attr="published_updates"),
    )
    return past


def began_between(start: datetime.datetime, end: datetime.datetime) -> Q:
    """Incidents that began in [start, end): an incident at its first post, a maintenance
    at its window (one announced ahead has not begun yet)."""
    maintenance = Q(kind=IncidentKind.MAINTENANCE)
    return (~maintenance & Q(started_at__gte=start, started_at__lt=end)) | (
        maintenance & Q(scheduled_for__gte=start, scheduled_for__lt=end)
    )


def incidents_of_day(day: datetime.date):
    """Every public incident and maintenance that began on `day` in the page's time zone,
    newest first: the history of one busy day."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
    next_day = day + datetime.timedelta(days=1)
    end = timezone.make_aware(datetime.datetime.combine(next_day, datetime.time()))
    return Incident.objects.public().filter(began_between(start, min(end, timezone.now())))


def last_public_change() -> datetime.datetime:
    """When the public state last changed (the API's page.updated_at)."""
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


def paths_to_warm() -> list[str]:
    """The public paths worth rendering before anyone asks (for the public store): every
    page without a parameter, and the pages and API documents of the latest incidents."""
    latest = list(Incident.objects.public()[:WARMED_INCIDENTS])
    return [
        *(reverse(name) for name in ("home", "history", "feed_rss", "feed_atom")),
        *(reverse(name) for name in ("badge", "maintenance_calendar", "api_docs")),
        *(reverse(f"api_{endpoint.name}") for endpoint in ENDPOINTS if not endpoint.parameter),
        *(incident.get_absolute_url() for incident in latest),
        *(reverse("api_incident", args=[incident.public_id]) for incident in latest),
        *(reverse("component_badge", args=[c.public_id]) for c in Component.objects.public()),
    ]
