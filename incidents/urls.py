from django.urls import path

from . import badges, calendar, feeds, views
from .api import urls as api_urls

urlpatterns = [
    path("", views.home, name="home"),
    path("incidents/<slug:public_id>", views.incident_detail, name="incident_detail"),
    path("history", views.history, name="history"),
    path("history.rss", feeds.rss, name="feed_rss"),
    path("history.atom", feeds.atom, name="feed_atom"),
    path("badge.svg", badges.page_badge, name="badge"),
    path("components/<slug:public_id>/badge.svg", badges.component_badge, name="component_badge"),
    path("maintenance.ics", calendar.maintenance_calendar, name="maintenance_calendar"),
    *api_urls.urlpatterns,
]
