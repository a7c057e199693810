"""Every machine-readable public response: CORS, a short shared cache, ETag and 304."""

import pytest
from django.utils import timezone

from incidents import services, uptime

from .conftest import later, open_incident

pytestmark = pytest.mark.django_db
# Browsers revalidate every time (a cheap 304); CDNs keep a copy 2 s, and may serve it
# stale while revalidating or when the origin fails.
PUBLIC_CACHE_CONTROL = (
    "public, max-age=0, s-maxage=2, stale-while-revalidate=30, stale-if-error=86400"
)

URLS = [
    "/api/v2/",
    "/api/v2/openapi.json",
    "/api/v2/summary.json",
    "/api/v2/status.json",
    "/api/v2/components.json",
    "/api/v2/incidents.json",
    "/api/v2/incidents/unresolved.json",
    "/api/v2/scheduled-maintenances.json",
    "/api/v2/scheduled-maintenances/upcoming.json",
    "/api/v2/scheduled-maintenances/active.json",
    "/api/v2/uptime.json",
    "/history.rss",
    "/history.atom",
    "/badge.svg",
    "/maintenance.ics",
]


@pytest.fixture(autouse=True)
def _frozen_minute(monkeypatch):
    # During an outage today's uptime moves every minute: keep the test inside one.
    now = timezone.now()
    monkeypatch.setattr(uptime, "_this_minute", lambda: now)


@pytest.fixture
def posts(network):
    open_incident(component_changes={network: "major_outage"})
    open_incident(
        title="Upgrade",
        kind="maintenance",
        status="scheduled",
        scheduled_for=later(days=1),
        scheduled_until=later(days=1, hours=1),
    )


@pytest.mark.parametrize("url", [*URLS, "component-badge"])
def test_public_responses_are_cors_open_briefly_cached_and_tagged(client, posts, network, url):
    if url == "component-badge":
        url = f"/components/{network.public_id}/badge.svg"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cache-Control"] == PUBLIC_CACHE_CONTROL
    assert response["ETag"].startswith('"') and len(response["ETag"]) > 10
    assert "Cookie" not in response.get("Vary", "") and not response.cookies


@pytest.mark.parametrize("url", URLS)
def test_the_same_state_gives_the_same_bytes(client, posts, url):
    first, second = client.get(url), client.get(url)
    assert first.content == second.content
    assert first["ETag"] == second["ETag"]


@pytest.mark.parametrize("url", URLS)
def test_a_matching_if_none_match_gets_304_without_a_body(client, posts, url):
    etag = client.get(url)["ETag"]
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cache-Control"] == PUBLIC_CACHE_CONTROL


def test_a_change_makes_the_old_etag_stale(client, posts, network):
    etag = client.get("/api/v2/summary.json")["ETag"]
    services.component_set_status(component=network, status="operational")
    response = client.get("/api/v2/summary.json", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert response.json()["components"][0]["status"] == "operational"


def test_other_etags_and_weak_matches_are_handled(client, posts):
    etag = client.get("/api/v2/status.json")["ETag"]
    assert (
        client.get("/api/v2/status.json", headers={"If-None-Match": '"other"'}).status_code == 200
    )
    both = f'"other", W/{etag}'
    assert client.get("/api/v2/status.json", headers={"If-None-Match": both}).status_code == 304
    assert client.get("/api/v2/status.json", headers={"If-None-Match": "*"}).status_code == 304


def test_head_gets_the_headers_without_the_body(client, posts):
    response = client.head("/api/v2/summary.json")
    assert response.status_code == 200 and response.content == b""
    assert response["ETag"] == client.get("/api/v2/summary.json")["ETag"]


def test_a_preflight_allows_revalidation_from_scripts(client, db):
    response = client.options("/api/v2/summary.json")
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "If-None-Match" in response["Access-Control-Allow-Headers"]
    assert "GET" in response["Access-Control-Allow-Methods"]


def test_scripts_may_read_the_etag_and_paging_headers(client, db):
    exposed = client.get("/api/v2/incidents.json")["Access-Control-Expose-Headers"]
    assert {"ETag", "Link", "X-Total-Count"} <= {h.strip() for h in exposed.split(",")}


def test_writes_are_refused_with_cors_so_scripts_see_why(client, db):
    response = client.post("/history.rss")
    assert response.status_code == 405
    assert response["Access-Control-Allow-Origin"] == "*"
