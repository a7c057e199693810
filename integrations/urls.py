from django.urls import path

from . import views

app_name = "integrations"
urlpatterns = [
    path("integrations", views.receive, name="receive_bearer"),
    path("integrations/<str:token>", views.receive, name="receive"),
]
