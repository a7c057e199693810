"""/api/v2/incidents/<id>.json and /api/v2/scheduled-maintenances/<id>.json: one incident
or maintenance, as Statuspage serves it to the scrapers that fetch it, from the store."""

import json

import pytest
from django.urls import reverse

from incidents import selectors, services
from incidents.models import Component
from public_store import warming

from .conftest import later, open_incident
from .schema import assert_matches, get_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def outage(network):
    update = open_incident(title="Network outage", component_changes={network: "major_outage"})
    services.update_create(incident=update.incident, status="identified", body="Cable cut.")
    return update.incident


@pytest.fixture
def maintenance(web):
    return open_incident(
        title="Kernel upgrade",
        kind="maintenance",
        status="scheduled",
        body="Planned work.",
        scheduled_for=later(days=1),
        scheduled_until=later(days=1, hours=1),
        component_changes={web: "under_maintenance"},
    ).incident


def one(client, path, definition):
    return get_json(client, path, definition)


def test_an_incident_is_served_as_in_the_lists(client, outage, maintenance):
    data = one(client, f"/api/v2/incidents/{outage.public_id}.json", "incidents/{id}.json")
    assert set(data) == {"page", "incident"}
    listed = get_json(client, "/api/v2/incidents.json")
    assert data["page"] == listed["page"]
    assert data["incident"] == next(i for i in listed["incidents"] if i["id"] == outage.public_id)
    assert [u["body"] for u in data["incident"]["incident_updates"]] == [
        "Cable cut.",
        "Looking into it.",
    ]


def test_a_maintenance_is_served_at_both_addresses(client, outage, maintenance):
    by_incident = one(
        client, f"/api/v2/incidents/{maintenance.public_id}.json", "incidents/{id}.json"
    )
    by_maintenance = one(
        client,
        f"/api/v2/scheduled-maintenances/{maintenance.public_id}.json",
        "scheduled-maintenances/{id}.json",
    )
    assert by_incident == by_maintenance
    assert by_maintenance["incident"]["scheduled_for"] is not None
    assert by_maintenance["incident"]["impact"] == "maintenance"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v2/incidents/{unknown}.json",
        "/api/v2/scheduled-maintenances/{unknown}.json",
        "/api/v2/scheduled-maintenances/{incident}.json",  # an incident is no maintenance
        "/api/v2/incidents/{draft}.json",
        "/api/v2/incidents/{future}.json",
        "/api/v2/incidents/{long}.json",
        "/api/v2/incidents/a.b.json",
        "/api/v2/incidents/%00.json",
        "/api/v2/incidents/caf%C3%A9.json",
        "/api/v2/incidents/%20.json",
    ],
)
def test_an_unknown_or_unpublished_id_is_a_json_404(client, outage, path):
    draft = open_incident(title="Secret draft", is_draft=True).incident
    future = open_incident(title="Future post", published_at=later(hours=1)).incident
    url = path.format(
        unknown="nosuchid0000",
        incident=outage.public_id,
        draft=draft.public_id,
        future=future.public_id,
        long="x" * 40,
    )
    response = client.get(url)
    assert response.status_code == 404, url
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert_matches(response.json(), "error")
    assert "Secret draft" not in response.content.decode()


def test_the_fixed_addresses_are_not_read_as_ids(client, outage, maintenance):
    assert get_json(client, "/api/v2/incidents/unresolved.json")["incidents"]
    upcoming = get_json(client, "/api/v2/scheduled-maintenances/upcoming.json")
    assert [m["id"] for m in upcoming["scheduled_maintenances"]] == [maintenance.public_id]
    assert get_json(client, "/api/v2/scheduled-maintenances/active.json")


def test_hidden_components_and_drafts_stay_out(client, outage):
    hidden = services.component_save(component=Component(name="Internal", is_hidden=True))
    services.update_create(
        incident=outage,
        status="monitoring",
        body="Hidden follow-up",
        is_draft=True,
        component_changes={hidden: "major_outage"},
    )
    services.update_create(
        incident=outage,
        status="identified",
        body="x",
        component_changes={hidden: "degraded_performance"},
    )
    data = one(client, f"/api/v2/incidents/{outage.public_id}.json", "incidents/{id}.json")
    body = json.dumps(data)
    assert data["incident"]["incident_updates"][0]["body"] == "x"
    assert "Hidden follow-up" not in body and "Internal" not in body
    assert hidden.public_id not in body


def test_served_from_the_store_with_cors_and_304(
    client, public_store, outage, django_assert_num_queries
):
    url = f"/api/v2/incidents/{outage.public_id}.json"
    first = client.get(url)
    assert first["Access-Control-Allow-Origin"] == "*" and first["ETag"]
    with django_assert_num_queries(0):
        again = client.get(url)
        revalidated = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert again.content == first.content
    assert revalidated.status_code == 304
    assert revalidated["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(url, headers={"Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 204
    assert client.post(url).status_code == 405


def test_the_latest_incidents_documents_are_warmed(
    client, public_store, outage, maintenance, django_assert_num_queries
):
    paths = selectors.paths_to_warm()
    for incident in (outage, maintenance):
        assert reverse("api_incident", args=[incident.public_id]) in paths
    assert not any("{" in path or "<" in path for path in paths)
    warming.warm()
    with django_assert_num_queries(0):
        assert client.get(f"/api/v2/incidents/{outage.public_id}.json").status_code == 200


def test_a_new_post_is_in_the_document_at_once(
    client, public_store, outage, django_capture_on_commit_callbacks
):
    url = f"/api/v2/incidents/{outage.public_id}.json"
    assert client.get(url).json()["incident"]["status"] == "identified"
    with django_capture_on_commit_callbacks(execute=True):
        services.update_create(incident=outage, status="resolved", body="Fixed.")
    assert client.get(url).json()["incident"]["status"] == "resolved"
