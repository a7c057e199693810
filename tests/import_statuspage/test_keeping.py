"""import_statuspage keeps what real captured pages hold: one incident's document,
components known only from the history, names at the time, deliver_notifications,
showcase and only_show_if_degraded, updates that share an id, a maintenance's impact."""

import copy

import pytest

from incidents import services
from incidents.models import Component, ComponentStatusChange, Incident, IncidentUpdate

from ..schema import get_json
from .conftest import ALLOW_PRIVATE, DOCUMENTS, counts, run, source

pytestmark = pytest.mark.django_db


def served_update(client, update_id):
    incidents = get_json(client, "/api/v2/incidents.json")["incidents"]
    updates = [u for i in incidents for u in i["incident_updates"]]
    return next(u for u in updates if u["id"] == update_id)


# One incident's document ({"page", "incident"}), what /api/v2/incidents/<id>.json serves.


def test_a_single_incident_document_is_imported(client):
    out, _ = run(DOCUMENTS / "incidents" / "inc0login001.json")
    assert "created incident 'Dashboard login failures' (inc0login001), resolved" in out
    assert counts()[2:4] == [1, 3]
    assert client.get("/incidents/inc0login001").status_code == 200


def test_a_single_incident_document_is_read_from_its_url(statuspage_site):
    run(f"{statuspage_site}/api/v2/incidents/inc0login001.json", ALLOW_PRIVATE)
    assert list(Incident.objects.values_list("public_id", flat=True)) == ["inc0login001"]


def test_a_single_maintenance_document_is_imported_under_either_key(write_json):
    maintenance = source("scheduled-maintenances.json")["scheduled_maintenances"][1]
    run(write_json({"page": {"id": "y2j98763l56x"}, "incident": maintenance}))
    other = copy.deepcopy(source("scheduled-maintenances.json")["scheduled_maintenances"][0])
    run(write_json({"scheduled_maintenance": other}))
    assert set(Incident.objects.values_list("public_id", "kind")) == {
        ("mnt0dbupgr01", "maintenance"),
        ("mnt0switch01", "maintenance"),
    }


def test_a_fault_in_a_single_incident_names_its_field(write_json):
    data = source("incidents/inc0login001.json")
    data["incident"]["incident_updates"][1]["status"] = "exploded"
    with pytest.raises(Exception, match=r"incident\.incident_updates\[1\]\.status: 'exploded'"):
        run(write_json(data))
    assert counts() == [0, 0, 0, 0, 0]


# Components that only a post's changes name (deleted on Statuspage since).


def only_in_history():
    data = source("incidents.json")
    data["incidents"][1]["components"] = []  # the Dashboard: in the changes, nowhere else
    return data


def test_a_component_known_only_from_the_history_is_created_hidden_with_its_changes(
    write_json, client
):
    _, err = run(write_json(only_in_history()))
    assert (
        "Warning: incidents[1].incident_updates[0].affected_components[0].code: component "
        "'dash00000001' (Dashboard) is not on the page, only in its history: it is created "
        "hidden, with its changes." in err
    )
    dashboard = Component.objects.get(public_id="dash00000001")
    assert (dashboard.name, dashboard.is_hidden, dashboard.status) == (
        "Dashboard",
        True,
        "operational",
    )
    changes = ComponentStatusChange.objects.filter(component=dashboard).order_by("changed_at")
    assert [(c.update.public_id, c.old_status, c.new_status) for c in changes] == [
        ("upd0login001", "operational", "major_outage"),
        ("upd0login003", "major_outage", "operational"),
    ]
    # Hidden: in no public answer, like every hidden component.
    assert "dash00000001" not in client.get("/api/v2/incidents.json").content.decode()


def test_importing_it_again_creates_nothing_new_and_the_page_list_shows_it(write_json):
    path = write_json(only_in_history())
    run(path)
    before = counts()
    run(path)
    assert counts() == before
    run(DOCUMENTS / "components.json")  # the page lists it after all
    assert Component.objects.get(public_id="dash00000001").is_hidden is False


def test_a_hidden_components_name_taken_here_gets_its_id(write_json):
    services.component_save(component=Component(name="Dashboard"))
    run(write_json(only_in_history()))
    assert Component.objects.get(public_id="dash00000001").name == "Dashboard (dash00000001)"


def test_a_component_the_pages_list_leaves_out_is_created_hidden(write_json):
    data = source("incidents.json")
    page = source("components.json")["components"]
    data["components"] = [c for c in page if c["id"] != "dash00000001"]
    out, _ = run(write_json(data))
    assert "created component 'Dashboard' (dash00000001), hidden" in out
    assert Component.objects.get(public_id="dash00000001").is_hidden
    assert not Component.objects.get(public_id="us0api000001").is_hidden


def test_an_import_without_a_list_never_shows_a_component_hidden_here(write_json):
    run(DOCUMENTS / "components.json")
    api = Component.objects.get(public_id="us0api000001")
    api.is_hidden = True
    services.component_save(component=api)
    run(DOCUMENTS / "incidents.json")  # it has the component, but is no list of the page's
    assert Component.objects.get(public_id="us0api000001").is_hidden
    run(DOCUMENTS / "components.json")  # the page's list: shown, as the page shows it
    assert not Component.objects.get(public_id="us0api000001").is_hidden


# Names at the time, deliver_notifications, showcase, only_show_if_degraded.


def test_a_changes_name_at_the_time_is_kept_after_a_rename(client):
    run(DOCUMENTS / "components.json")
    run(DOCUMENTS / "incidents.json")
    api = Component.objects.get(public_id="us0api000001")
    api.name = "Public API"
    services.component_save(component=api)
    [change] = served_update(client, "upd0errors02")["affected_components"]
    assert change["name"] == "North America - API"


def test_a_change_without_a_name_gets_the_components(write_json, client):
    run(DOCUMENTS / "components.json")
    data = source("incidents.json")
    data["incidents"][0]["incident_updates"][1]["affected_components"][0]["name"] = None
    run(write_json(data))
    [change] = served_update(client, "upd0errors02")["affected_components"]
    assert change["name"] == "North America - API"  # "API (North America)", as Statuspage


def test_deliver_notifications_is_kept_as_history(client):
    run(DOCUMENTS / "incidents.json")
    assert served_update(client, "upd0login002")["deliver_notifications"] is False
    assert served_update(client, "upd0login003")["deliver_notifications"] is True
    assert IncidentUpdate.objects.get(public_id="upd0login003").notify is True


def test_showcase_and_only_show_if_degraded_are_kept_and_served(client):
    run(DOCUMENTS / "components.json")
    europe_db = Component.objects.get(public_id="eu0db0000001")
    europe_api = Component.objects.get(public_id="eu0api000001")
    assert (europe_db.showcase, europe_db.only_show_if_degraded) == (False, False)
    assert (europe_api.showcase, europe_api.only_show_if_degraded) == (True, True)
    served = {c["id"]: c for c in get_json(client, "/api/v2/components.json")["components"]}
    assert served["eu0db0000001"]["showcase"] is False
    assert served["eu0api000001"]["only_show_if_degraded"] is True


# Updates that share an id, and a maintenance's own impact.


def with_a_second_update_under_the_same_id():
    data = source("incidents.json")
    updates = data["incidents"][1]["incident_updates"]
    twin = updates[1] | {
        "body": "A second post under the same id.",
        "display_at": "2026-02-20T12:30:00.000-08:00",
        "created_at": "2026-02-20T12:30:00.000-08:00",
    }
    updates.insert(1, twin)
    updates.append(copy.deepcopy(updates[-1]))  # an exact repeat: the same update twice
    return data


def test_two_updates_sharing_an_id_are_both_kept_and_the_output_says_so(write_json, client):
    path = write_json(with_a_second_update_under_the_same_id())
    out, err = run(path)
    assert "'Dashboard login failures' (inc0login001), resolved: 4 updates, 4 new" in out
    [warning] = [line for line in err.splitlines() if "upd0login002" in line]
    derived = warning.rsplit("'", 2)[1]
    assert warning == (
        "Warning: incidents[1].incident_updates[1].id: 'upd0login002' is also the id of "
        f"incidents[1].incident_updates[2], a different update; this one is kept as '{derived}'."
    )
    bodies = {
        u.public_id: u.body
        for u in IncidentUpdate.objects.filter(incident__public_id="inc0login001")
    }
    assert bodies[derived] == "A second post under the same id."
    assert bodies["upd0login002"].startswith("A fix has been deployed")
    assert len(derived) == 12 and derived.isalnum()
    get_json(client, "/api/v2/incidents/inc0login001.json", "incidents/{id}.json")
    out, _ = run(path)  # the same derived id again: nothing new
    assert "4 updates, 0 new" in out and IncidentUpdate.objects.count() == 13


@pytest.mark.parametrize(
    ("impact", "served"), [("none", "none"), ("minor", "minor"), (None, "maintenance")]
)
def test_a_maintenance_keeps_its_own_impact(write_json, client, impact, served):
    data = source("scheduled-maintenances.json")
    if impact is None:
        del data["scheduled_maintenances"][0]["impact"]
    else:
        data["scheduled_maintenances"][0]["impact"] = impact
    run(write_json(data))
    listed = get_json(client, "/api/v2/scheduled-maintenances.json")["scheduled_maintenances"]
    assert {m["id"]: m["impact"] for m in listed} == {
        "mnt0switch01": served,
        "mnt0dbupgr01": "maintenance",
    }


@pytest.mark.django_db(transaction=True)
def test_importing_mails_nobody_even_posts_statuspage_mailed(
    smtp_sink, statuspage_site, public_store
):
    from worker import jobs

    from ..conftest import follower, run_tasks

    follower("ada@example.org")
    run_tasks()
    before = len(smtp_sink.raw)
    run(statuspage_site, ALLOW_PRIVATE)
    assert IncidentUpdate.objects.filter(notify=True).count() == 9  # as the source says
    for job in jobs.registered():  # what the worker runs (but its heartbeat), then its queue
        if not job.__module__.startswith("worker."):
            job()
    run_tasks()
    assert len(smtp_sink.raw) == before
    assert not IncidentUpdate.objects.filter(notifications__isnull=False).exists()
