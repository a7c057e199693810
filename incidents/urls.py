from django.urls import path

from . import api, badges, calendar, feeds, views

urlpatterns = [
    path("", views.home, name="home"),
    path("incidents/<slug:public_id>", views.incident_detail, name="incident_detail"),
    path("history", views.history, name="history"),
    path("history.rss", feeds.rss, name="feed_rss"),
    path("history.atom", feeds.atom, name="feed_atom"),
    path("badge.svg", badges.page_badge, name="badge"),
    path("components/<slug:public_id>/badge.svg", badges.component_badge, name="component_badge"),
    path("maintenance.ics", calendar.maintenance_calendar, name="maintenance_calendar"),
    path("api/v2/", api.docs, name="api_docs"),
    path("api/v2/openapi.json", api.openapi_document, name="api_openapi"),
    path("api/v2/summary.json", api.summary, name="api_summary"),
    path("api/v2/status.json", api.status, name="api_status"),
    path("api/v2/components.json", api.components, name="api_components"),
    path("api/v2/incidents.json", api.incidents, name="api_incidents"),
    path(
        "api/v2/incidents/unresolved.json",
        api.unresolved_incidents,
        name="api_unresolved_incidents",
    ),
    path(
        "api/v2/scheduled-maintenances.json",
        api.scheduled_maintenances,
        name="api_scheduled_maintenances",
    ),
    path(
        "api/v2/scheduled-maintenances/upcoming.json",
        api.upcoming_maintenances,
        name="api_upcoming_maintenances",
    ),
    path(
        "api/v2/scheduled-maintenances/active.json",
        api.active_maintenances,
        name="api_active_maintenances",
    ),
    path("api/v2/uptime.json", api.uptime, name="api_uptime"),
]
