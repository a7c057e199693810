"""import_statuspage: what an import writes, keeps and refreshes, and that it writes
everything or nothing."""

import copy
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from incidents import services
from incidents.api import importer
from incidents.models import (
    Component,
    ComponentStatusChange,
    Incident,
    IncidentUpdate,
)
from subscribers.models import Notification

from ..schema import get_json
from .conftest import ALLOW_PRIVATE, DOCUMENTS, counts, run, source

pytestmark = pytest.mark.django_db

TIME_KEYS = ["created_at", "updated_at", "started_at", "monitoring_at", "resolved_at"]
UPDATE_TIME_KEYS = ["created_at", "updated_at", "display_at"]


def same_time(ours, theirs):
    if theirs is None:
        return ours is None
    return datetime.datetime.fromisoformat(ours) == datetime.datetime.fromisoformat(theirs)


def test_round_trip_of_incidents_json(client):
    theirs = source("incidents.json")["incidents"]
    run(DOCUMENTS / "incidents.json")
    ours = get_json(client, "/api/v2/incidents.json", "incidents.json")["incidents"]
    assert [i["id"] for i in ours] == [i["id"] for i in theirs]
    for mine, original in zip(ours, theirs, strict=True):
        for key in ["name", "status", "impact"]:
            assert mine[key] == original[key], (original["id"], key)
        for key in TIME_KEYS + (
            ["scheduled_for", "scheduled_until"] if "scheduled_for" in original else []
        ):
            assert same_time(mine[key], original[key]), (original["id"], key)
        assert [c["id"] for c in mine["components"]] == [c["id"] for c in original["components"]]
        assert len(mine["incident_updates"]) == len(original["incident_updates"])
        for update, their_update in zip(
            mine["incident_updates"], original["incident_updates"], strict=True
        ):
            for key in ["id", "status", "body", "incident_id", "affected_components"]:
                assert update[key] == their_update[key], (their_update["id"], key)
            for key in UPDATE_TIME_KEYS:
                assert same_time(update[key], their_update[key]), (their_update["id"], key)


def test_old_links_keep_their_meaning(client):
    run(DOCUMENTS / "incidents.json")
    response = client.get("/incidents/inc0login001")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dashboard login failures" in html and 'id="update-upd0login002"' in html
    assert "<p>We’re monitoring the results.</p>" in html  # Markdown, rendered once


def test_a_page_base_url_brings_in_everything(client, statuspage_site):
    out, _ = run(statuspage_site, ALLOW_PRIVATE)
    assert "Import complete." in out
    assert counts()[:4] == [2, 4, 5, 13]
    data = get_json(client, "/api/v2/summary.json", "summary.json")
    assert data["status"] == {"indicator": "major", "description": "Partial System Outage"}
    assert [c["name"] for c in data["components"]] == [
        "Europe",
        "API (Europe)",
        "Database",
        "North America",
        "API (North America)",
        "Dashboard",
    ]
    assert [i["id"] for i in data["incidents"]] == ["inc0errors01"]
    assert [m["id"] for m in data["scheduled_maintenances"]] == ["mnt0switch01"]


def test_the_same_base_url_with_api_v2_or_a_slash_works(statuspage_site):
    run(f"{statuspage_site}/api/v2/", ALLOW_PRIVATE)
    run(f"{statuspage_site}/", ALLOW_PRIVATE)
    assert counts()[:4] == [2, 4, 5, 13]


def test_one_document_by_url(statuspage_site):
    run(f"{statuspage_site}/api/v2/summary.json", ALLOW_PRIVATE)
    assert set(Incident.objects.values_list("public_id", flat=True)) == {
        "inc0errors01",
        "mnt0switch01",
    }


def test_components_keep_their_groups_statuses_and_details(db):
    run(DOCUMENTS / "components.json")
    api_us = Component.objects.get(public_id="us0api000001")
    assert (api_us.name, api_us.status, api_us.group.name) == (
        "API (North America)",
        "partial_outage",
        "North America",
    )
    assert api_us.start_date == datetime.date(2024, 5, 1)
    assert api_us.created_at == datetime.datetime(2024, 5, 1, 16, tzinfo=datetime.UTC)
    assert api_us.updated_at == datetime.datetime(2026, 3, 2, 17, 30, tzinfo=datetime.UTC)
    dashboard = Component.objects.get(public_id="dash00000001")
    assert dashboard.group is None and dashboard.description.startswith("The web console")


def test_importing_twice_creates_nothing_new_and_keeps_ids(statuspage_site):
    run(statuspage_site, ALLOW_PRIVATE)
    before = counts()
    ids = sorted(Incident.objects.values_list("public_id", flat=True))
    out, _ = run(statuspage_site, ALLOW_PRIVATE)
    assert counts() == before
    assert sorted(Incident.objects.values_list("public_id", flat=True)) == ids
    assert "created" not in out and "0 new" in out


def test_a_later_import_refreshes_what_changed(write_json):
    run(DOCUMENTS / "incidents.json")
    data = source("incidents.json")
    errors = data["incidents"][0]
    errors["status"] = "resolved"
    errors["resolved_at"] = "2026-03-02T11:00:00.000-08:00"
    errors["incident_updates"].insert(
        0,
        {
            **errors["incident_updates"][0],
            "id": "upd0errors04",
            "status": "resolved",
            "body": "Fixed.",
            "display_at": "2026-03-02T11:00:00.000-08:00",
            "created_at": "2026-03-02T11:00:00.000-08:00",
        },
    )
    errors["incident_updates"][1]["body"] = "Edited on Statuspage."
    out, _ = run(write_json(data))
    incident = Incident.objects.get(public_id="inc0errors01")
    assert incident.status == "resolved" and incident.updates.count() == 4
    assert IncidentUpdate.objects.get(public_id="upd0errors03").body == "Edited on Statuspage."
    assert "updated incident 'Elevated API error rates in North America'" in out
    assert "4 updates, 1 new" in out


def test_dry_run_writes_nothing_and_says_what_it_would_do(statuspage_site):
    out, _ = run(statuspage_site, ALLOW_PRIVATE, "--dry-run")
    assert counts() == [0, 0, 0, 0, 0]
    assert "would create group 'Europe' (eu0grp000001)" in out
    assert "would create component 'API (North America)' (us0api000001)" in out
    assert (
        "would create incident 'Dashboard login failures' (inc0login001), resolved: "
        "3 updates, 3 new"
    ) in out
    assert "would create maintenance 'Core switch replacement in Frankfurt'" in out
    assert "Dry run: nothing was written." in out
    assert "STATUS_PAGE_ID=y2j98763l56x" in out


def test_imported_posts_mail_nobody_and_history_leaves_statuses_alone(statuspage_site):
    run(statuspage_site, ALLOW_PRIVATE)
    assert not Notification.objects.exists()
    # deliver_notifications is kept as history (whether Statuspage mailed the post).
    quiet = IncidentUpdate.objects.filter(notify=False).values_list("public_id", flat=True)
    assert set(quiet) == {"upd0login001", "upd0login002", "upd0mail0001", "upd0mail0003"}
    assert not IncidentUpdate.objects.live_pending().exists()
    assert services.updates_release_due() == 0
    statuses = dict(Component.objects.values_list("public_id", "status"))
    assert statuses == {
        "eu0api000001": "operational",
        "eu0db0000001": "operational",
        "us0api000001": "partial_outage",
        "dash00000001": "operational",
    }


def test_imported_history_counts_for_uptime(client):
    run(DOCUMENTS / "incidents.json")
    changes = ComponentStatusChange.objects.applied().filter(component__public_id="dash00000001")
    assert [(c.old_status, c.new_status) for c in changes] == [
        ("operational", "major_outage"),
        ("major_outage", "operational"),
    ]
    assert changes[0].changed_at == datetime.datetime(2026, 2, 20, 19, tzinfo=datetime.UTC)


def test_an_import_refreshes_the_public_pages(
    client, public_store, django_capture_on_commit_callbacks
):
    assert client.get("/api/v2/components.json").json()["components"] == []
    with django_capture_on_commit_callbacks(execute=True):
        run(DOCUMENTS / "components.json")
    assert client.get("/api/v2/components.json").json()["components"] != []


def test_a_name_taken_here_is_refused_and_nothing_is_imported(db):
    services.component_save(component=Component(name="Dashboard"))
    with pytest.raises(CommandError) as error:
        run(DOCUMENTS / "components.json")
    assert "components[5].name: 'Dashboard' is already the name of another component" in str(
        error.value
    )
    assert counts()[:4] == [0, 1, 0, 0]


def test_a_bare_status_change_keeps_its_empty_body_and_is_titled_with_its_status(
    write_json, client
):
    # Statuspage has posts with no message; once given a made-up headline ("Resolved")
    # that the API then served as their body.
    data = source("incidents.json")
    data["incidents"][1]["incident_updates"][0]["body"] = ""
    run(write_json(data))
    update = IncidentUpdate.objects.get(public_id="upd0login003")
    assert (update.headline, update.body) == ("", "")
    assert update.title == "Dashboard login failures: Resolved"
    served = get_json(client, "/api/v2/incidents/inc0login001.json", "incidents/{id}.json")
    assert served["incident"]["incident_updates"][0]["body"] == ""
    assert "Dashboard login failures: Resolved" in client.get("/incidents/inc0login001").text


def test_a_late_fault_rolls_back_everything_written_before_it(write_json, monkeypatch):
    calls = []

    def failing_update_import(**kwargs):
        calls.append(kwargs["public_id"])
        if len(calls) == 5:
            raise ValidationError("The database said no.")
        return original(**kwargs)

    original = services.update_import
    monkeypatch.setattr(services, "update_import", failing_update_import)
    with pytest.raises(CommandError, match=r"incident_updates\[\d\]: The database said no"):
        run(DOCUMENTS / "incidents.json")
    assert counts() == [0, 0, 0, 0, 0]


def test_the_same_incident_in_two_documents_keeps_every_update(write_json):
    maintenance = copy.deepcopy(source("incidents.json")["incidents"][2])
    older = {**maintenance, "incident_updates": maintenance["incident_updates"][1:]}
    importer_documents = [
        ("a", {"incidents": [maintenance]}),
        ("b", {"scheduled_maintenances": [older]}),
    ]
    plan = importer.plan(importer_documents)
    assert len(plan.incidents["mnt0dbupgr01"].updates) == 3


def test_a_post_moved_to_another_incident_is_refused(write_json):
    run(DOCUMENTS / "incidents.json")
    data = source("incidents.json")
    moved = data["incidents"][1]["incident_updates"].pop()
    data["incidents"][0]["incident_updates"].append(moved)
    before = counts()
    with pytest.raises(CommandError, match=r"incidents\[0\]\.incident_updates\[3\]: id: .*another"):
        run(write_json(data))
    assert counts() == before
    assert IncidentUpdate.objects.get(public_id=moved["id"]).incident.public_id == "inc0login001"
