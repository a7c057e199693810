"""The /api/v2/ URLs, one per endpoint of endpoints.py, plus the docs and OpenAPI."""

from django.urls import path

from . import views
from .endpoints import ENDPOINTS

urlpatterns = [
    path("api/v2/", views.docs, name="api_docs"),
    path("api/v2/openapi.json", views.openapi_document, name="api_openapi"),
    *(path(e.route, getattr(views, e.name), name=f"api_{e.name}") for e in ENDPOINTS),
]
