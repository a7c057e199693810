"""The /api/v2/ endpoints, listed once: the URLs, the OpenAPI document, the page about
the API and the public store's warming all read this list.

The view of an endpoint is the function of api/views.py with its name; its URL name is
`api_<name>`. A path may hold one parameter, written `{name}` as in OpenAPI; the store
warms only the paths without one (selectors.paths_to_warm adds the busiest of the rest).
"""

import re
from dataclasses import dataclass

from public_store.http import PAGE, WholeNumber

from ..uptime import DAYS as UPTIME_DAYS

DEFAULT_PER_PAGE = 50
PER_PAGE = WholeNumber("per_page", maximum=100, default=DEFAULT_PER_PAGE)
PAGING = [PAGE, PER_PAGE]  # read and checked by the public store, which keys on them


@dataclass(frozen=True)
class PathParameter:
    """The id in a path such as /incidents/{incident_id}.json. The route takes any
    segment: the view checks it, so that a bad one is a JSON 404 like an unknown one."""

    name: str
    description: str


@dataclass(frozen=True)
class Endpoint:
    path: str  # under /api/v2; a parameter as {name}
    name: str
    summary: str
    shape: str  # a key of openapi._response_schemas()
    paginated: bool = False
    parameter: PathParameter | None = None

    @property
    def route(self) -> str:
        """The path as a Django route: {incident_id} becomes <str:incident_id>."""
        return re.sub(r"\{(\w+)\}", r"<str:\1>", f"api/v2{self.path}")


INCIDENT_ID = PathParameter("incident_id", "The id of an incident or a maintenance.")
MAINTENANCE_ID = PathParameter("maintenance_id", "The id of a maintenance.")


ENDPOINTS = [
    Endpoint(
        "/summary.json",
        "summary",
        "Page, status, every component, unresolved incidents, upcoming and active maintenances.",
        "summary",
    ),
    Endpoint("/status.json", "status", "Page and the overall status (the roll-up).", "status"),
    Endpoint(
        "/components.json",
        "components",
        "Page and every component in display order: each group, then its members.",
        "components",
    ),
    Endpoint(
        "/incidents.json",
        "incidents",
        f"Page and the incidents and maintenances, newest first; {DEFAULT_PER_PAGE} a page.",
        "incidents",
        paginated=True,
    ),
    Endpoint(
        "/incidents/unresolved.json",
        "unresolved_incidents",
        "Page and the incidents investigating, identified or monitoring, newest first.",
        "unresolved",
    ),
    # After /incidents/unresolved.json, which would otherwise be read as an id.
    Endpoint(
        "/incidents/{incident_id}.json",
        "incident",
        "Page and one incident or maintenance, as Statuspage serves it to scrapers.",
        "incident",
        parameter=INCIDENT_ID,
    ),
    Endpoint(
        "/scheduled-maintenances.json",
        "scheduled_maintenances",
        f"Page and the maintenances, latest window first; {DEFAULT_PER_PAGE} a page.",
        "maintenances",
        paginated=True,
    ),
    Endpoint(
        "/scheduled-maintenances/upcoming.json",
        "upcoming_maintenances",
        "Page and the maintenances still scheduled, soonest first.",
        "maintenances",
    ),
    Endpoint(
        "/scheduled-maintenances/active.json",
        "active_maintenances",
        "Page and the maintenances in progress or verifying, soonest first.",
        "maintenances",
    ),
    Endpoint(
        "/scheduled-maintenances/{maintenance_id}.json",
        "scheduled_maintenance",
        "Page and one maintenance, in the same shape as /incidents/{incident_id}.json.",
        "maintenance",
        parameter=MAINTENANCE_ID,
    ),
    Endpoint(
        "/uptime.json",
        "uptime",
        f"Beyond Statuspage: each component's daily uptime over the last {UPTIME_DAYS} days.",
        "uptime",
    ),
]
