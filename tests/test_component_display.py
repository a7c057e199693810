"""Statuspage's component settings, honoured: only_show_if_degraded (listed on the page
only while not operational), showcase (the uptime bars), and the name a post's change
gives a component (its name at the time, "Group - Component" when grouped)."""

import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from incidents import services
from incidents.models import Component

from .conftest import open_incident
from .schema import get_json

pytestmark = pytest.mark.django_db


def listed_on_home(client):
    html = client.get("/").content.decode()
    return re.findall(r'<span class="component-name">([^<]*)</span>', html)


def component_items(client):
    """Each component of `/`, as its name and whether it has uptime bars."""
    html = client.get("/").content.decode()
    items = re.findall(
        r'<li class="component">(.*?)</li>\s*(?=<li class="component"|</ul>)', html, re.S
    )
    return {
        re.search(r'class="component-name">([^<]*)<', item).group(1): 'class="uptime"' in item
        for item in items
    }


def test_a_component_shown_only_while_degraded_leaves_the_page_when_operational(
    client, network, web, database
):
    network.only_show_if_degraded = True
    services.component_save(component=network)
    assert "Network" not in listed_on_home(client)
    assert "Web servers" in listed_on_home(client)
    # The API lists it all the same, with the setting, as Statuspage does.
    served = {c["name"]: c for c in get_json(client, "/api/v2/components.json")["components"]}
    assert served["Network"]["only_show_if_degraded"] is True
    for status in ["degraded_performance", "under_maintenance", "major_outage"]:
        services.component_set_status(component=network, status=status)
        assert "Network" in listed_on_home(client), status
    services.component_set_status(component=network, status="operational")
    assert "Network" not in listed_on_home(client)


def test_a_group_whose_members_are_all_unlisted_leaves_the_page_too(client, web, database):
    for component in (web, database):
        component.only_show_if_degraded = True
        services.component_save(component=component)
    assert listed_on_home(client) == []
    services.component_set_status(component=web, status="partial_outage")
    assert listed_on_home(client) == ["Servers", "Web servers"]


def test_showcase_decides_whether_a_component_has_uptime_bars(client, network, web):
    assert component_items(client) == {"Web servers": True, "Network": True}
    network.showcase = False
    services.component_save(component=network)
    assert component_items(client) == {"Web servers": True, "Network": False}
    served = {c["name"]: c for c in get_json(client, "/api/v2/components.json")["components"]}
    assert served["Network"]["showcase"] is False and served["Web servers"]["showcase"] is True


def test_operators_set_both_in_the_admin(operator_client, network):
    page = operator_client.get(f"/admin/incidents/component/{network.pk}/change/").content.decode()
    assert 'name="showcase"' in page and 'name="only_show_if_degraded"' in page


def test_a_posts_changes_name_the_component_as_it_was_grouped_or_not(client, web, network):
    first = open_incident(component_changes={web: "major_outage", network: "partial_outage"})
    web.name = "Front ends"
    services.component_save(component=web)
    services.update_create(
        incident=first.incident,
        status="resolved",
        body="Fixed.",
        component_changes={web: "operational"},
    )
    [incident] = get_json(client, "/api/v2/incidents.json")["incidents"]
    later_post, first_post = incident["incident_updates"]
    assert [c["name"] for c in first_post["affected_components"]] == [
        "Servers - Web servers",
        "Network",
    ]
    # Network, not named by the resolution, comes back by default.
    assert [c["name"] for c in later_post["affected_components"]] == [
        "Servers - Front ends",
        "Network",
    ]


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_what_the_api_served():
    """Before it, every maintenance was served with the impact "maintenance", and a
    change with its component's name: both are now stored, as they were served."""
    executor = MigrationExecutor(connection)
    before, after = (
        [("incidents", "0005_field_validators")],
        [("incidents", "0006_statuspage_fidelity")],
    )
    executor.migrate(before)
    try:
        _check_the_migration(executor, before, after)
    finally:  # back to the latest state, for the tests that come next
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def _check_the_migration(executor, before, after):
    old = executor.loader.project_state(before).apps
    group = old.get_model("incidents", "ComponentGroup").objects.create(name="Europe")
    component = old.get_model("incidents", "Component").objects.create(
        name="API (Europe)", group=group
    )
    Incident = old.get_model("incidents", "Incident")
    Incident.objects.create(title="Upgrade", kind="maintenance", impact="minor", status="completed")
    Incident.objects.create(title="Outage", kind="incident", impact="minor", status="resolved")
    old.get_model("incidents", "ComponentStatusChange").objects.create(
        component=component, old_status="operational", new_status="major_outage"
    )
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    impacts = dict(new.get_model("incidents", "Incident").objects.values_list("title", "impact"))
    assert impacts == {"Upgrade": "maintenance", "Outage": "minor"}
    change = new.get_model("incidents", "ComponentStatusChange").objects.get()
    assert change.component_name == "Europe - API"
    # Back to the latest migrations, which the tests after this one need.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert Component.objects.get().full_name == "Europe - API"
