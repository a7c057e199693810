"""The Statuspage-compatible side: the /api/v2/ endpoints (endpoints.py lists them once;
views.py answers them; serializers.py writes our objects in Statuspage's JSON shapes),
their OpenAPI document (openapi.py), and the importer of the same shapes (importer/)."""
