"""The /api/v2/ endpoints, listed once: the URLs, the OpenAPI document, the page about
the API and the public store's warming all read this list.

The view of an endpoint is the function of api/views.py with its name; its URL name is
`api_<name>`.
"""

from dataclasses import dataclass

from public_store.http import PAGE, WholeNumber

from ..uptime import DAYS as UPTIME_DAYS

DEFAULT_PER_PAGE = 50
PER_PAGE = WholeNumber("per_page", maximum=100, default=DEFAULT_PER_PAGE)
PAGING = [PAGE, PER_PAGE]  # read and checked by the public store, which keys on them


@dataclass(frozen=True)
class Endpoint:
    path: str  # under /api/v2
    name: str
    summary: str
    shape: str  # a key of openapi._response_schemas()
    paginated: bool = False


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
        "Page and the maintenances still scheduled.",
        "maintenances",
    ),
    Endpoint(
        "/scheduled-maintenances/active.json",
        "active_maintenances",
        "Page and the maintenances in progress or verifying.",
        "maintenances",
    ),
    Endpoint(
        "/uptime.json",
        "uptime",
        f"Beyond Statuspage: each component's daily uptime over the last {UPTIME_DAYS} days.",
        "uptime",
    ),
]
