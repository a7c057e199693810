"""The API's long lists are paged (links in headers, Statuspage's default of 50); bad
parameters are a clear 400; the API is read-only and its cost does not grow."""

import re

import pytest
from django.conf import settings

from incidents import services

from .conftest import ago, later, open_incident
from .schema import assert_matches
from .test_api import api

pytestmark = pytest.mark.django_db


def test_long_lists_are_paged_with_links_in_headers(client, db):
    for n in range(7):
        open_incident(title=f"Incident {n}", published_at=ago(hours=n))
    response = client.get("/api/v2/incidents.json", {"page": 2, "per_page": 3})
    assert_matches(response.json(), "incidents.json")
    assert [i["name"] for i in response.json()["incidents"]] == [
        "Incident 3",
        "Incident 4",
        "Incident 5",
    ]
    assert response["X-Total-Count"] == "7"
    links = dict((rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response["Link"]))
    base = f"{settings.SITE_URL}/api/v2/incidents.json"
    assert links == {
        "first": f"{base}?page=1&per_page=3",
        "last": f"{base}?page=3&per_page=3",
        "next": f"{base}?page=3&per_page=3",
        "prev": f"{base}?page=1&per_page=3",
    }


def test_lists_default_to_fifty_like_statuspage(client, db):
    incident = open_incident().incident
    for n in range(54):
        incident.pk, incident.public_id = None, f"copy{n:08d}"
        incident.save()
        services.update_create(incident=incident, status="investigating", body="x")
    data = api(client, "incidents.json")
    assert len(data["incidents"]) == 50
    assert len(api(client, "incidents.json", page=2)["incidents"]) == 5


@pytest.mark.parametrize("endpoint", ["incidents.json", "scheduled-maintenances.json"])
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("page", "abc"),
        ("page", "0"),
        ("page", "-1"),
        ("page", ""),
        ("page", "1.5"),
        ("page", "1e3"),
        ("page", "١"),
        ("page", "100001"),
        ("page", "9" * 30),
        ("per_page", "0"),
        ("per_page", "101"),
        ("per_page", "-5"),
        ("per_page", "all"),
    ],
)
def test_bad_paging_parameters_are_a_clear_400(client, db, endpoint, name, value):
    response = client.get(f"/api/v2/{endpoint}", {name: value})
    assert response.status_code == 400
    assert_matches(response.json(), "error")
    assert response.json()["error"].startswith(f"{name} must be a whole number from 1 to ")
    assert response["Access-Control-Allow-Origin"] == "*"


def test_the_api_is_read_only(client, db):
    for method in (client.post, client.put, client.delete):
        response = method("/api/v2/summary.json")
        assert response.status_code == 405
        assert "GET" in response["Allow"]


def test_summary_query_count_does_not_grow_with_incidents(
    client, django_assert_max_num_queries, web, network
):
    for n in range(15):
        update = open_incident(title=f"Incident {n}", component_changes={network: "major_outage"})
        services.update_create(incident=update.incident, status="identified", body="More.")
        open_incident(
            title=f"Maintenance {n}",
            kind="maintenance",
            status="scheduled",
            scheduled_for=later(days=n + 1),
            scheduled_until=later(days=n + 1, hours=1),
            component_changes={web: "operational"},
        )
    with django_assert_max_num_queries(9):
        data = client.get("/api/v2/summary.json").json()
    assert len(data["incidents"]) == 15 and len(data["scheduled_maintenances"]) == 15
    with django_assert_max_num_queries(9):
        client.get("/api/v2/incidents.json")
