import datetime
import re
from types import SimpleNamespace

import pytest
from django.conf import settings

from incidents import services
from incidents.models import Component

from .conftest import ago, later, open_incident
from .schema import assert_matches, get_json

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "summary.json",
    "status.json",
    "components.json",
    "incidents.json",
    "incidents/unresolved.json",
    "scheduled-maintenances.json",
    "scheduled-maintenances/upcoming.json",
    "scheduled-maintenances/active.json",
    "uptime.json",
]


def api(client, endpoint, **params):
    return get_json(client, f"/api/v2/{endpoint}", endpoint, **params)


def ids(objects):
    return [o["id"] for o in objects]


def parse(timestamp):
    return datetime.datetime.fromisoformat(timestamp)


def ms(value):
    """A time as the API gives it: to the millisecond, like Statuspage."""
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


@pytest.fixture
def hidden(db):
    return services.component_save(component=Component(name="Internal billing", is_hidden=True))


@pytest.fixture
def page(web, database, network, hidden):
    """A lived-in page: open and resolved incidents, maintenances in every state, drafts."""
    outage = open_incident(
        title="Network outage",
        impact="major",
        published_at=ago(hours=3),
        component_changes={network: "major_outage", hidden: "major_outage"},
    )
    identified = services.update_create(
        incident=outage.incident,
        status="identified",
        body="Cable cut.",
        published_at=ago(hours=2),
        notify=True,
    )
    slow = open_incident(
        title="Slow database",
        published_at=ago(days=3),
        component_changes={database: "degraded_performance"},
    )
    services.update_create(
        incident=slow.incident,
        status="resolved",
        body="Fast again.",
        published_at=ago(days=2),
        component_changes={database: "operational"},
    )
    window = {"kind": "maintenance", "body": "Planned work."}
    upcoming = open_incident(
        title="Kernel upgrade",
        status="scheduled",
        **window,
        scheduled_for=later(days=1),
        scheduled_until=later(days=1, hours=1),
    )
    active = open_incident(
        title="Switch swap",
        status="in_progress",
        **window,
        published_at=ago(minutes=30),
        scheduled_for=ago(minutes=30),
        scheduled_until=later(minutes=30),
    )
    done = open_incident(
        title="Disk swap",
        status="scheduled",
        **window,
        published_at=ago(days=9),
        scheduled_for=ago(days=5),
        scheduled_until=ago(days=5, hours=-1),
    )
    services.update_create(
        incident=done.incident, status="completed", body="Done.", published_at=ago(days=5)
    )
    draft = open_incident(title="Secret draft", is_draft=True)
    future = open_incident(title="Future post", published_at=later(hours=2))
    hidden_follow_up = services.update_create(
        incident=outage.incident, status="monitoring", body="Hidden follow-up", is_draft=True
    )
    return SimpleNamespace(
        outage=outage.incident,
        identified=identified,
        first_post=outage,
        slow=slow.incident,
        upcoming=upcoming.incident,
        active=active.incident,
        done=done.incident,
        draft=draft.incident,
        future=future.incident,
        hidden_follow_up=hidden_follow_up,
    )


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_endpoint_matches_the_documented_shape(client, page, endpoint):
    api(client, endpoint)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_an_empty_page_matches_the_documented_shape_too(client, db, endpoint):
    data = api(client, endpoint)
    assert data["page"]["updated_at"] == "1970-01-01T00:00:00.000Z"


def test_page_object_names_this_page(client, page, settings):
    settings.TIME_ZONE = "Europe/London"
    data = api(client, "status.json")["page"]
    assert data["id"] == settings.STATUS_PAGE_ID and re.fullmatch(r"[a-z0-9]{12}", data["id"])
    assert data["name"] == settings.STATUS_PAGE_NAME
    assert data["url"] == settings.SITE_URL
    assert data["time_zone"] == "Europe/London"
    assert parse(data["updated_at"]) >= ms(page.identified.published_at)


def test_page_updated_at_moves_with_a_public_change_only(client, page, network):
    before = api(client, "status.json")["page"]["updated_at"]
    services.component_set_status(component=network, status="partial_outage")
    after = api(client, "status.json")["page"]["updated_at"]
    assert parse(after) > parse(before)
    services.update_create(incident=page.outage, status="resolved", body="Not yet.", is_draft=True)
    assert api(client, "status.json")["page"]["updated_at"] == after  # a draft is not public


def test_summary_has_status_components_unresolved_incidents_and_current_maintenance(client, page):
    data = api(client, "summary.json")
    assert data["status"] == {"indicator": "major", "description": "Partial System Outage"}
    assert ids(data["incidents"]) == [page.outage.public_id]
    assert set(ids(data["scheduled_maintenances"])) == {
        page.upcoming.public_id,
        page.active.public_id,
    }
    assert [c["name"] for c in data["components"]] == [
        "Servers",
        "Web servers",
        "Database",
        "Network",
    ]


def test_status_json_rollup_agrees_with_the_home_page_banner(client, web, network, database):
    scenarios = [
        lambda: None,
        lambda: services.component_set_status(component=web, status="degraded_performance"),
        lambda: services.component_set_status(component=network, status="partial_outage"),
        lambda: services.component_set_status(component=network, status="major_outage"),
        lambda: open_incident(impact="critical"),
    ]
    seen = set()
    for change in scenarios:
        change()
        status = api(client, "status.json")["status"]
        banner = client.get("/").content.decode()
        assert f'class="banner indicator-{status["indicator"]}"' in banner
        assert f">{status['description']}</p>" in banner
        assert api(client, "summary.json")["status"] == status
        seen.add(status["description"])
    assert len(seen) == 5


def test_a_maintenance_under_way_is_service_under_maintenance(client, web):
    open_incident(
        title="Switch swap",
        kind="maintenance",
        status="in_progress",
        scheduled_for=ago(minutes=5),
        scheduled_until=later(hours=1),
    )
    status = api(client, "status.json")["status"]
    assert status == {"indicator": "maintenance", "description": "Service Under Maintenance"}


def test_hidden_components_appear_nowhere_and_do_not_change_the_rollup(client, hidden, network):
    update = open_incident(impact="none", component_changes={hidden: "major_outage"})
    assert api(client, "status.json")["status"]["indicator"] == "none"
    for endpoint in ENDPOINTS:
        body = client.get(f"/api/v2/{endpoint}").content.decode()
        assert hidden.public_id not in body and "Internal billing" not in body, endpoint
    [incident] = api(client, "incidents.json")["incidents"]
    assert incident["incident_updates"][0]["affected_components"] is None
    assert incident["components"] == []
    assert update.incident.public_id == incident["id"]


def test_drafts_and_future_posts_appear_nowhere(client, page):
    for endpoint in ENDPOINTS:
        body = client.get(f"/api/v2/{endpoint}").content.decode()
        for secret in ["Secret draft", "Future post", "Hidden follow-up"]:
            assert secret not in body, (endpoint, secret)
        assert page.hidden_follow_up.public_id not in body
    outage = next(
        i for i in api(client, "incidents.json")["incidents"] if i["id"] == page.outage.public_id
    )
    assert outage["status"] == "identified"


def test_incidents_and_their_updates_are_newest_first(client, page):
    incidents = api(client, "incidents.json")["incidents"]
    started = [parse(i["started_at"]) for i in incidents]
    assert started == sorted(started, reverse=True)
    outage = incidents[ids(incidents).index(page.outage.public_id)]
    assert ids(outage["incident_updates"]) == [
        page.identified.public_id,
        page.first_post.public_id,
    ]


def test_incidents_json_lists_incidents_and_maintenances(client, page):
    listed = set(ids(api(client, "incidents.json")["incidents"]))
    expected = {page.outage, page.slow, page.upcoming, page.active, page.done}
    assert listed == {i.public_id for i in expected}


def test_incident_fields_follow_statuspage(client, page):
    [outage] = api(client, "incidents/unresolved.json")["incidents"]
    assert outage["name"] == "Network outage"
    assert outage["impact"] == "major"
    assert outage["monitoring_at"] is None and outage["resolved_at"] is None
    assert parse(outage["started_at"]) == ms(page.first_post.published_at)
    assert outage["shortlink"] == settings.SITE_URL + page.outage.get_absolute_url()
    assert outage["page_id"] == settings.STATUS_PAGE_ID
    assert [c["name"] for c in outage["components"]] == ["Network"]
    update = outage["incident_updates"][0]
    assert update["incident_id"] == outage["id"]
    assert update["body"] == "Cable cut."
    assert parse(update["display_at"]) == ms(page.identified.published_at)
    assert update["deliver_notifications"] is True
    assert outage["incident_updates"][1]["deliver_notifications"] is False  # backdated
    assert update["custom_tweet"] is None and update["tweet_id"] is None


def test_resolved_incident_has_its_resolution_time(client, page):
    slow = next(
        i for i in api(client, "incidents.json")["incidents"] if i["id"] == page.slow.public_id
    )
    page.slow.refresh_from_db()
    assert slow["status"] == "resolved"
    assert parse(slow["resolved_at"]) == ms(page.slow.resolved_at)


def test_affected_components_list_the_changes_or_are_null(client, page):
    [outage] = api(client, "incidents/unresolved.json")["incidents"]
    follow_up, first = outage["incident_updates"]
    assert follow_up["affected_components"] is None
    network = Component.objects.get(name="Network")
    assert first["affected_components"] == [
        {
            "code": network.public_id,
            "name": "Network",
            "old_status": "operational",
            "new_status": "major_outage",
        }
    ]


def test_a_headline_leads_the_body(client, db):
    open_incident(headline="Network restored", body="All good.")
    open_incident(title="Quiet", headline="Headline only", body="")
    bodies = [i["incident_updates"][0]["body"] for i in api(client, "incidents.json")["incidents"]]
    assert sorted(bodies) == ["Headline only", "Network restored\n\nAll good."]


def test_groups_are_components_listing_their_members_which_follow_them(client, page, web):
    components = api(client, "components.json")["components"]
    group, first, second, network = components
    assert group["group"] is True and group["name"] == "Servers"
    assert group["components"] == [first["id"], second["id"]]
    assert first["group_id"] == second["group_id"] == group["id"]
    assert network["group_id"] is None and "components" not in network
    services.component_set_status(component=web, status="partial_outage")
    group = api(client, "components.json")["components"][0]
    assert group["status"] == "partial_outage"


def test_component_fields_use_null_for_empty_values(client, network):
    network.description, network.start_date = "", None
    services.component_save(component=network)
    [component] = api(client, "components.json")["components"]
    assert component["description"] is None and component["start_date"] is None
    network.description, network.start_date = "Links.", datetime.date(2024, 5, 1)
    services.component_save(component=network)
    [component] = api(client, "components.json")["components"]
    assert component["description"] == "Links." and component["start_date"] == "2024-05-01"


def test_maintenances_are_listed_by_state(client, page):
    def listed(endpoint):
        return ids(api(client, endpoint)["scheduled_maintenances"])

    assert listed("scheduled-maintenances/upcoming.json") == [page.upcoming.public_id]
    assert listed("scheduled-maintenances/active.json") == [page.active.public_id]
    assert listed("scheduled-maintenances.json") == [
        page.upcoming.public_id,
        page.active.public_id,
        page.done.public_id,
    ]
    done = api(client, "scheduled-maintenances.json")["scheduled_maintenances"][2]
    assert done["impact"] == "maintenance" and done["status"] == "completed"
    assert parse(done["scheduled_for"]) == ms(page.done.scheduled_for)


def test_unresolved_lists_only_open_incidents(client, page):
    services.update_create(incident=page.outage, status="monitoring", body="Watching.")
    [incident] = api(client, "incidents/unresolved.json")["incidents"]
    assert incident["id"] == page.outage.public_id and incident["status"] == "monitoring"
    assert incident["monitoring_at"] is not None


def test_a_page_past_the_end_is_not_found(client, page):
    # Not an empty list: that would be one stored copy per page number anyone asks for.
    response = client.get("/api/v2/scheduled-maintenances.json", {"page": 9, "per_page": 100})
    assert response.status_code == 404
    assert_matches(response.json(), "error")
    assert response.json()["error"] == "page 9 is past the last page, 1."
    assert response["Access-Control-Allow-Origin"] == "*"
    empty = client.get("/api/v2/incidents.json", {"page": 1})  # the first page always exists
    assert empty.status_code == 200


def test_maintenances_ahead_and_under_way_are_listed_soonest_first(client, db):
    def window(title, start, status="scheduled"):
        return open_incident(
            title=title,
            kind="maintenance",
            status=status,
            published_at=ago(days=1),
            scheduled_for=start,
            scheduled_until=start + datetime.timedelta(hours=1),
        ).incident.public_id

    later_one = window("Later", later(days=3))
    running = window("Running", ago(minutes=10), status="in_progress")
    soonest = window("Soonest", later(hours=2))
    middle = window("Middle", later(days=1))
    summary = api(client, "summary.json")["scheduled_maintenances"]
    assert ids(summary) == [running, soonest, middle, later_one]
    upcoming = api(client, "scheduled-maintenances/upcoming.json")["scheduled_maintenances"]
    assert ids(upcoming) == [soonest, middle, later_one]
    # The archive stays newest window first, like incidents.json.
    archive = api(client, "scheduled-maintenances.json")["scheduled_maintenances"]
    assert ids(archive) == [later_one, middle, soonest, running]
