from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("incidents/<slug:public_id>", views.incident_detail, name="incident_detail"),
    path("history", views.history, name="history"),
]
