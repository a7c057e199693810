from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", include("incidents.urls")),
    path("", include("subscribers.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

handler500 = "statuspage.views.server_error"
