from django.contrib import admin
from django.urls import include, path

from health.views import healthz

urlpatterns = [
    path("", include("incidents.urls")),
    path("", include("subscribers.urls")),
    path("", include("integrations.urls")),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

handler500 = "public_store.outage.server_error"
