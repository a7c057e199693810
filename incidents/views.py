"""The public pages: the status page itself, one incident, the archive."""

from django.core.paginator import EmptyPage, Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from public_store.http import PAGE, Date, public_page

from . import selectors
from .models import IncidentKind
from .uptime import uptime_history

UPDATES_PER_PAGE = 20
INCIDENTS_PER_HISTORY_PAGE = 25
PAST_INCIDENT_DAYS = 15
# Incidents listed per day under "Past incidents"; a busier day links to the rest.
PAST_INCIDENTS_SHOWN = 3
# /history?day=2026-11-06: the incidents of one day (where "and 7 more" leads).
DAY = Date("day")
# Days of uptime bars on wide, medium and narrow screens (the stylesheet hides the oldest).
UPTIME_WINDOWS = (90, 60, 30)


def with_uptime(components):
    """Give each component its daily history (`.uptime`) and uptime per window."""
    for entry in uptime_history(components, days=UPTIME_WINDOWS[0]):
        entry.component.uptime = entry
        entry.component.uptime_windows = [(n, entry.uptime_over_last(n)) for n in UPTIME_WINDOWS]
    return components


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
    timeline = page_or_404(Paginator(selectors.timeline(), UPDATES_PER_PAGE), request)
    components = with_uptime(selectors.listed_on_page(selectors.public_components()))
    pinned = list(selectors.with_public_details(selectors.open_incidents(), changes=False))
    return render(
        request,
        "incidents/home.html",
        {
            "status": selectors.page_status(components, pinned),
            "component_rows": selectors.component_rows(components),
            "active_incidents": [i for i in pinned if i.kind == IncidentKind.INCIDENT],
            "maintenances": [i for i in pinned if i.kind == IncidentKind.MAINTENANCE],
            "past_days": selectors.past_incidents(PAST_INCIDENT_DAYS, shown=PAST_INCIDENTS_SHOWN),
            "timeline": timeline,
        },
    )


@public_page
def incident_detail(request, public_id):
    incident = get_object_or_404(
        selectors.with_public_details(selectors.incidents_and_maintenances(), changes=False),
        public_id=public_id,
    )
    return render(request, "incidents/incident_detail.html", {"incident": incident})


@public_page(query=[PAGE, DAY])
def history(request):
    day = DAY.read(request)
    incidents = selectors.incidents_of_day(day) if day else selectors.incidents_and_maintenances()
    incidents = selectors.with_public_details(incidents, changes=False)
    page = page_or_404(Paginator(incidents, INCIDENTS_PER_HISTORY_PAGE), request)
    if day and not page.paginator.count:
        # Only days with incidents have a page, so no date can fill the store.
        raise Http404(f"No incidents began on {day:%-d %b %Y}.")
    return render(request, "incidents/history.html", {"incidents": page, "day": day})
