"""Resolving (or completing a maintenance) brings back the components the incident changed."""

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import ComponentStatusChange, IncidentUpdate

from .conftest import ago, later, open_incident

pytestmark = pytest.mark.django_db


def resolve(incident, **kw):
    return services.update_create(incident=incident, status="resolved", body="Fixed.", **kw)


def status(component):
    component.refresh_from_db()
    return component.status


def test_resolving_returns_what_the_incident_changed_to_operational(network, web, database):
    services.component_set_status(component=database, status="partial_outage")  # by hand
    incident = open_incident(
        component_changes={network: "major_outage", web: "degraded_performance"}
    ).incident
    resolution = resolve(incident)
    assert (status(network), status(web)) == ("operational", "operational")
    assert status(database) == "partial_outage"  # not this incident's doing
    changes = {
        c.component: (c.old_status, c.new_status) for c in resolution.component_changes.all()
    }
    assert changes == {
        network: ("major_outage", "operational"),
        web: ("degraded_performance", "operational"),
    }


def test_the_uptime_history_records_the_restore_at_the_resolutions_time(network):
    incident = open_incident(component_changes={network: "major_outage"}).incident
    resolution = resolve(incident)
    last = ComponentStatusChange.objects.filter(component=network).last()
    assert last.update == resolution and last.changed_at == resolution.published_at
    assert (last.old_status, last.new_status) == ("major_outage", "operational")


def test_another_open_incident_keeps_the_component_at_its_latest_status(network):
    first = open_incident(title="Cable cut", component_changes={network: "major_outage"})
    second = open_incident(title="Router", component_changes={network: "partial_outage"})
    resolve(second.incident)
    assert status(network) == "major_outage"  # the cable is still cut
    resolve(first.incident)
    assert status(network) == "operational"


def test_the_worst_of_several_holding_incidents_wins(network):
    open_incident(title="A", component_changes={network: "degraded_performance"})
    b = open_incident(title="B", component_changes={network: "major_outage"})
    services.update_create(
        incident=b.incident,
        status="identified",
        body="Less bad.",
        component_changes={network: "partial_outage"},
    )
    c = open_incident(title="C", component_changes={network: "major_outage"})
    resolve(c.incident)
    assert status(network) == "partial_outage"  # B's latest word, worse than A's


def test_a_draft_incident_does_not_hold_a_component(network):
    open_incident(title="Draft", component_changes={network: "partial_outage"}, is_draft=True)
    incident = open_incident(component_changes={network: "major_outage"}).incident
    resolve(incident)
    assert status(network) == "operational"


def test_explicit_component_changes_in_the_resolution_win(network, web):
    incident = open_incident(component_changes={network: "major_outage", web: "major_outage"})
    resolve(incident.incident, component_changes={network: "degraded_performance"})
    assert (status(network), status(web)) == ("degraded_performance", "operational")


def test_keep_components_leaves_them_as_they_are(network):
    incident = open_incident(component_changes={network: "major_outage"}).incident
    resolution = resolve(incident, keep_components=True)
    assert status(network) == "major_outage"
    assert not resolution.component_changes.exists()


def test_a_status_set_by_hand_since_stays(network):
    incident = open_incident(component_changes={network: "major_outage"}).incident
    services.component_set_status(component=network, status="degraded_performance")
    resolve(incident)
    assert status(network) == "degraded_performance"


def test_a_non_final_post_changes_nothing(network):
    incident = open_incident(component_changes={network: "major_outage"}).incident
    services.update_create(incident=incident, status="monitoring", body="Watching.")
    assert status(network) == "major_outage"


def test_a_drafted_resolution_restores_when_it_is_published(network):
    incident = open_incident(component_changes={network: "major_outage"}).incident
    draft = resolve(incident, is_draft=True)
    assert status(network) == "major_outage" and not draft.component_changes.exists()
    services.update_edit(update=draft, is_draft=False)
    assert status(network) == "operational"
    assert draft.component_changes.get().new_status == "operational"


def test_a_scheduled_resolution_restores_when_its_time_comes(network):
    incident = open_incident(component_changes={network: "major_outage"}).incident
    scheduled = resolve(incident, published_at=later(hours=1))
    assert services.updates_release_due() == 0
    assert status(network) == "major_outage"
    IncidentUpdate.objects.filter(pk=scheduled.pk).update(published_at=timezone.now())
    assert services.updates_release_due() == 1
    assert status(network) == "operational"


def test_completing_a_maintenance_brings_its_components_back(network):
    window = {"scheduled_for": ago(hours=1), "scheduled_until": later(hours=1)}
    opened = open_incident(
        title="Upgrade",
        kind="maintenance",
        status="in_progress",
        component_changes={network: "under_maintenance"},
        **window,
    )
    services.update_create(incident=opened.incident, status="completed", body="Done.")
    assert status(network) == "operational"


def post_update(*args):
    out = io.StringIO()
    call_command("post_update", *args, stdout=out, stdin=io.StringIO(""))
    return out.getvalue()


def test_post_update_resolves_and_restores_by_default(network):
    incident = open_incident(component_changes={network: "major_outage"}).incident
    post_update("--incident", incident.public_id, "--status", "resolved", "--body", "Fixed.")
    assert status(network) == "operational"


def test_post_update_keep_components_opts_out(network):
    incident = open_incident(component_changes={network: "major_outage"}).incident
    post_update(
        "--incident", incident.public_id, "--status", "resolved", "--body", "x", "--keep-components"
    )
    incident.refresh_from_db()
    assert incident.status == "resolved" and status(network) == "major_outage"
    assert incident.updates.first().keep_components is True


def post_update_url(incident):
    return reverse("admin:incidents_incident_post_update", args=[incident.pk])


def selected(html, component):
    select = re.search(rf'<select name="component_{component.pk}".*?</select>', html, re.S)
    return re.search(r'<option value="([^"]*)" selected>', select.group()).group(1)


def test_the_admin_resolve_shortcut_preselects_and_lists_what_comes_back(operator_client, network):
    incident = open_incident(component_changes={network: "major_outage"}).incident
    form = operator_client.get(post_update_url(incident)).content.decode()
    assert 'href="?status=resolved">Resolve</a>' in form
    assert selected(form, network) == ""  # a follow-up changes nothing by default
    resolving = operator_client.get(post_update_url(incident), {"status": "resolved"})
    html = resolving.content.decode()
    assert '<option value="resolved" selected>' in html
    assert selected(html, network) == "operational"
    assert "<li>Network: major outage → operational</li>" in html


def test_the_admin_preview_of_a_resolution_shows_the_restores(operator_client, network, web):
    open_incident(title="Other", component_changes={web: "partial_outage"})
    incident = open_incident(
        component_changes={network: "major_outage", web: "major_outage"}
    ).incident
    data = {"status": "resolved", "body": "Fixed.", "notify": "auto", "_preview": "1"}
    html = operator_client.post(post_update_url(incident), data).content.decode()
    assert selected(html, network) == "operational"
    assert selected(html, web) == "partial_outage"  # the other incident still holds it
    start = html.index("<h2>Preview</h2>")
    preview = html[start : html.index('<form method="post"', start)]
    assert "<li>Network: major outage → operational</li>" in preview
    assert "<li>Web servers: major outage → partial outage</li>" in preview
    assert status(network) == "major_outage"  # a preview posts nothing


def test_resolving_in_the_admin_without_touching_components_restores_them(operator_client, network):
    incident = open_incident(component_changes={network: "major_outage"}).incident
    data = {"status": "resolved", "body": "Fixed.", "notify": "auto"}
    assert operator_client.post(post_update_url(incident), data).status_code == 302
    assert status(network) == "operational"


def test_keep_components_in_the_admin_leaves_them(operator_client, network):
    incident = open_incident(component_changes={network: "major_outage"}).incident
    data = {"status": "resolved", "body": "Fixed.", "notify": "auto", "keep_components": "on"}
    assert operator_client.post(post_update_url(incident), data).status_code == 302
    assert status(network) == "major_outage"
