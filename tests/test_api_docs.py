import re

import pytest
from django.urls import get_resolver
from jsonschema import Draft202012Validator

from .conftest import later, open_incident
from .test_public_pages import h1_count

pytestmark = pytest.mark.django_db


def api_json_routes():
    return {
        str(pattern.pattern).removeprefix("api/v2")
        for pattern in get_resolver().url_patterns[0].url_patterns
        if str(pattern.pattern).startswith("api/v2/")
        and pattern.name != "api_openapi"
        and str(pattern.pattern).endswith(".json")
    }


def test_openapi_document_describes_every_json_endpoint(client):
    document = client.get("/api/v2/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == api_json_routes()
    assert len(document["paths"]) == 9
    for path, item in document["paths"].items():
        assert set(item) == {"get"}, path
        assert "200" in item["get"]["responses"]


def test_openapi_schemas_accept_the_live_responses(client, network, web):
    open_incident(component_changes={network: "major_outage"})
    open_incident(
        title="Upgrade",
        kind="maintenance",
        status="in_progress",
        scheduled_for=later(minutes=-5),
        scheduled_until=later(hours=1),
        component_changes={web: "under_maintenance"},
    )
    document = client.get("/api/v2/openapi.json").json()
    Draft202012Validator.check_schema({"$defs": document["components"]["schemas"]})
    for path, item in document["paths"].items():
        ok = item["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        validator = Draft202012Validator({**ok, "components": document["components"]})
        data = client.get(f"/api/v2{path}").json()
        errors = [e.message for e in validator.iter_errors(data)]
        assert not errors, (path, errors[:3])


def test_openapi_documents_paging_on_the_two_long_lists(client):
    document = client.get("/api/v2/openapi.json").json()
    paged = {path for path, item in document["paths"].items() if item["get"].get("parameters")}
    assert paged == {"/incidents.json", "/scheduled-maintenances.json"}


def test_api_page_explains_the_endpoints_for_people(client):
    response = client.get("/api/v2/")
    html = response.content.decode()
    assert response.status_code == 200 and h1_count(html) == 1
    assert 'href="/api/v2/openapi.json"' in html
    for route in api_json_routes():
        assert f'href="/api/v2{route}"' in html, route
    for url in ["/history.rss", "/history.atom", "/maintenance.ics", "/badge.svg"]:
        assert f'"{url}"' in html
    assert "csrfmiddlewaretoken" not in html and "nonce" not in html
    assert re.search(r"<footer.*/api/v2/", html, re.S)
