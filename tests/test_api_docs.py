"""The OpenAPI document and the page about the API: valid by a validator we did not
write, and saying what the responses really carry."""

import copy
import re

import pytest
from django.urls import get_resolver
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from .conftest import later, open_incident
from .test_public_pages import h1_count

pytestmark = pytest.mark.django_db


def api_json_routes():
    """The JSON routes of /api/v2/, parameters written as OpenAPI writes them."""
    return {
        re.sub(r"<str:(\w+)>", r"{\1}", str(pattern.pattern)).removeprefix("api/v2")
        for pattern in get_resolver().url_patterns[0].url_patterns
        if str(pattern.pattern).startswith("api/v2/")
        and pattern.name != "api_openapi"
        and str(pattern.pattern).endswith(".json")
    }


@pytest.fixture
def page_with_everything(network, web):
    outage = open_incident(component_changes={network: "major_outage"}).incident
    maintenance = open_incident(
        title="Upgrade",
        kind="maintenance",
        status="in_progress",
        scheduled_for=later(minutes=-5),
        scheduled_until=later(hours=1),
        component_changes={web: "under_maintenance"},
    ).incident
    return {"incident_id": outage.public_id, "maintenance_id": maintenance.public_id}


def real_path(path, ids):
    return path.format(**ids)


def test_openapi_document_describes_every_json_endpoint(client):
    document = client.get("/api/v2/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == api_json_routes()
    assert len(document["paths"]) == 11
    for path, item in document["paths"].items():
        assert set(item) == {"get"}, path
        assert "200" in item["get"]["responses"]


def test_openapi_document_is_valid_for_openapi_spec_validator(client):
    document = client.get("/api/v2/openapi.json").json()
    validate(document)  # raises on the first fault
    assert list(OpenAPIV31SpecValidator(document).iter_errors()) == []
    # The validator can fail: a header without a schema is what it once found 27 times.
    broken = copy.deepcopy(document)
    del broken["paths"]["/status.json"]["get"]["responses"]["200"]["headers"]["ETag"]["schema"]
    assert list(OpenAPIV31SpecValidator(broken).iter_errors()) != []


def test_openapi_schemas_accept_the_live_responses(client, page_with_everything):
    document = client.get("/api/v2/openapi.json").json()
    Draft202012Validator.check_schema({"$defs": document["components"]["schemas"]})
    for path, item in document["paths"].items():
        ok = item["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        validator = Draft202012Validator({**ok, "components": document["components"]})
        response = client.get(f"/api/v2{real_path(path, page_with_everything)}")
        assert response.status_code == 200, path
        errors = [e.message for e in validator.iter_errors(response.json())]
        assert not errors, (path, errors[:3])


def test_documented_headers_are_the_headers_sent(client, public_store, page_with_everything):
    """Every header the document lists is sent, with the value it says when it says one;
    every header the store and CORS add is listed. Nothing is written twice to drift."""
    document = client.get("/api/v2/openapi.json").json()
    checked = 0
    for path, item in document["paths"].items():
        url = f"/api/v2{real_path(path, page_with_everything)}"
        responses = item["get"]["responses"]
        first = client.get(url)
        not_modified = client.get(url, headers={"If-None-Match": first["ETag"]})
        assert not_modified.status_code == 304
        for response, documented in [(first, responses["200"]), (not_modified, responses["304"])]:
            for name, header in documented["headers"].items():
                assert response.has_header(name), (path, name)
                if "const" in header["schema"]:
                    assert response[name] == header["schema"]["const"], (path, name)
                    assert header["schema"]["const"] in header["description"], (path, name)
                checked += 1
            sent = {"ETag", "Last-Modified", "Cache-Control", "Vary"} | {
                name for name in response.headers if name.startswith("Access-Control-")
            }
            assert sent <= set(documented["headers"]), (path, sent - set(documented["headers"]))
    assert checked > 100


def test_documented_refusals_are_the_refusals_sent(client, page_with_everything):
    document = client.get("/api/v2/openapi.json").json()
    cases = {
        "/incidents.json": ("?page=x", "400"),
        "/scheduled-maintenances.json": ("?page=99", "404"),
        "/incidents/{incident_id}.json": ("", "404"),
    }
    for path, (query, status) in cases.items():
        url = "/api/v2" + path.format(incident_id="nosuchid0000") + query
        response = client.get(url)
        documented = document["paths"][path]["get"]["responses"][status]
        assert str(response.status_code) == status, url
        assert set(response.json()) == {"error"}
        for name, header in documented["headers"].items():
            assert response[name] == header["schema"]["const"], (url, name)


def test_openapi_documents_paging_and_path_parameters(client):
    document = client.get("/api/v2/openapi.json").json()

    def parameters(where):
        return {
            path
            for path, item in document["paths"].items()
            if any(p["in"] == where for p in item["get"].get("parameters", []))
        }

    assert parameters("query") == {"/incidents.json", "/scheduled-maintenances.json"}
    assert parameters("path") == {
        "/incidents/{incident_id}.json",
        "/scheduled-maintenances/{maintenance_id}.json",
    }
    per_page = document["paths"]["/incidents.json"]["get"]["parameters"][1]
    assert per_page["schema"]["maximum"] == 100 and "at most 100" in per_page["description"]


def test_api_page_explains_the_endpoints_for_people(client):
    response = client.get("/api/v2/")
    html = response.content.decode()
    assert response.status_code == 200 and h1_count(html) == 1
    assert 'href="/api/v2/openapi.json"' in html
    for route in api_json_routes():
        if "{" in route:
            assert f"<code>/api/v2{route}</code>" in html, route
        else:
            assert f'href="/api/v2{route}"' in html, route
    for url in ["/history.rss", "/history.atom", "/maintenance.ics", "/badge.svg"]:
        assert f'"{url}"' in html
    assert "csrfmiddlewaretoken" not in html and "nonce" not in html
    assert re.search(r"<footer.*/api/v2/", html, re.S)


def test_api_page_states_the_caching_the_responses_carry(client, settings):
    settings.PUBLIC_MAX_AGE = 7
    sent = client.get("/api/v2/status.json")["Cache-Control"]
    html = client.get("/api/v2/").content.decode()
    assert f"<code>Cache-Control: {sent}</code>" in html
    assert "for 7 seconds" in html
    assert "30 seconds" not in html  # what it once said, and never was
    assert "per_page=100" in html and "at most 100 a page" in html
