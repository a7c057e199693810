"""Every public URL of the status page, for the static mirrors (public_store.mirrors).

An incident closed for good (resolved, with an end) gives its page a version: what can
change it (the incident, its posts, the components' names). The mirrors render such a
page again only when its version changes, so a post renders a few pages, not every
incident's.
"""

import hashlib
import math

from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone

from public_store.mirrors import SitePath

from . import selectors, views
from .api.endpoints import ENDPOINTS
from .models import CLOSED_STATUSES, Component

PAGES = ("home", "feed_rss", "feed_atom", "badge", "maintenance_calendar")
API_PAGES = ("api_docs", "api_openapi")


def public_urls():
    """The pages, feeds, badges, calendar and API documents (the first page of the
    API's long lists: each page carries the page's `updated_at`, so later pages would
    change with every post, and Statuspage's clients read only the first)."""
    yield from (reverse(name) for name in PAGES + API_PAGES)
    yield from (reverse(f"api_{e.name}") for e in ENDPOINTS if not e.parameter)
    history = reverse("history")
    count = selectors.incidents_and_maintenances().count()
    pages = math.ceil(count / views.INCIDENTS_PER_HISTORY_PAGE)
    yield history
    yield from (f"{history}?page={n}" for n in range(2, pages + 1))
    yield from (reverse("component_badge", args=[c.public_id]) for c in Component.objects.public())
    yield from incident_pages()


def incident_pages():
    components = Component.objects.aggregate(at=Max("updated_at"), n=Count("id"))
    shared = f"{components['at']}/{components['n']}"
    published = Q(updates__is_draft=False, updates__published_at__lte=timezone.now())
    incidents = selectors.incidents_and_maintenances().annotate(
        posts=Count("updates", filter=published),
        posts_changed=Max("updates__updated_at"),
    )
    fields = ("public_id", "kind", "status", "resolved_at", "updated_at")
    for incident in incidents.only(*fields):
        # Its page and its API documents (as Statuspage serves them to scrapers).
        urls = [incident.get_absolute_url(), reverse("api_incident", args=[incident.public_id])]
        if incident.is_maintenance:
            urls.append(reverse("api_scheduled_maintenance", args=[incident.public_id]))
        if incident.status not in CLOSED_STATUSES or incident.resolved_at is None:
            yield from (SitePath(url) for url in urls)  # its duration grows: every time
            continue
        facts = f"{incident.updated_at}/{incident.posts}/{incident.posts_changed}/{shared}"
        version = hashlib.sha256(facts.encode()).hexdigest()[:16]
        yield from (SitePath(url, version) for url in urls)
