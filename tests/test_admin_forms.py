"""Opening an incident and scheduling a maintenance are two forms: an incident never
shows a maintenance's statuses or window; each incident's page has "Post update"."""

import re

import pytest
from django.urls import reverse

from incidents.models import Incident

from .conftest import later, open_incident

pytestmark = pytest.mark.django_db

INCIDENT_STATUSES = ["investigating", "identified", "monitoring", "resolved", "postmortem"]
MAINTENANCE_STATUSES = ["scheduled", "in_progress", "verifying", "completed"]
WINDOW = {"scheduled_for": "2031-01-15T02:00", "scheduled_until": "2031-01-15T04:00"}


def options(html, name):
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no <select name={name}>"
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def post(client, url, **fields):
    data = {"title": "Database slow", "body": "Slow.", "notify": "auto"} | fields
    return client.post(reverse(url), data)


def test_the_incident_form_shows_only_an_incidents_statuses_impacts_and_no_window(
    operator_client,
):
    html = operator_client.get(reverse("admin:incidents_incident_add")).content.decode()
    assert "<h1>Open an incident</h1>" in html
    assert options(html, "status") == INCIDENT_STATUSES
    assert options(html, "impact") == ["none", "minor", "major", "critical"]
    assert 'option value="minor" selected' in html
    # keep_components: a first post changes only the components it names.
    for name in ["scheduled_for", "scheduled_until", "auto_transition", "kind", "keep_components"]:
        assert f'name="{name}"' not in html
    assert 'value="Open incident"' in html


def test_the_maintenance_form_shows_its_statuses_its_window_and_automatic_transition(
    operator_client,
):
    url = reverse("admin:incidents_incident_add_maintenance")
    assert url == "/admin/incidents/incident/add-maintenance/"
    html = operator_client.get(url).content.decode()
    assert "<h1>Schedule a maintenance</h1>" in html
    assert options(html, "status") == MAINTENANCE_STATUSES
    assert options(html, "impact") == ["maintenance", "none", "minor", "major", "critical"]
    for name in ["scheduled_for", "scheduled_until", "auto_transition"]:
        assert f'name="{name}"' in html
    assert 'value="Schedule maintenance"' in html


def test_opening_an_incident_makes_an_incident(operator_client):
    response = post(
        operator_client, "admin:incidents_incident_add", status="identified", impact="major"
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert (incident.kind, incident.status, incident.impact) == ("incident", "identified", "major")
    assert incident.scheduled_for is None


def test_a_maintenance_status_or_window_sent_to_the_incident_form_is_refused_or_ignored(
    operator_client,
):
    response = post(
        operator_client,
        "admin:incidents_incident_add",
        status="scheduled",
        impact="minor",
        kind="maintenance",
    )
    assert response.status_code == 200
    assert "Select a valid choice. scheduled is not one of" in response.text
    response = post(
        operator_client,
        "admin:incidents_incident_add",
        status="investigating",
        impact="maintenance",
    )
    assert response.status_code == 200 and "maintenance is not one of" in response.text
    assert not Incident.objects.exists()
    post(
        operator_client,
        "admin:incidents_incident_add",
        status="investigating",
        impact="minor",
        kind="maintenance",
        **WINDOW,
    )
    incident = Incident.objects.get()
    assert (incident.kind, incident.scheduled_for) == ("incident", None)


def test_scheduling_a_maintenance_makes_one_with_its_window(operator_client, network):
    response = post(
        operator_client,
        "admin:incidents_incident_add_maintenance",
        title="Upgrade",
        status="scheduled",
        impact="maintenance",
        auto_transition="on",
        **{f"component_{network.pk}": "under_maintenance"},
        **WINDOW,
    )
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("admin:incidents_incident_changelist")
    incident = Incident.objects.get()
    assert (incident.kind, incident.status, incident.impact) == (
        "maintenance",
        "scheduled",
        "maintenance",
    )
    assert incident.auto_transition and incident.scheduled_for.year == 2031
    assert list(incident.components.all()) == [network]


def test_a_maintenance_needs_its_window_and_an_incidents_status_is_refused(operator_client):
    url = "admin:incidents_incident_add_maintenance"
    response = post(operator_client, url, status="scheduled", impact="maintenance")
    assert response.status_code == 200
    assert response.text.count("This field is required.") == 2
    response = post(operator_client, url, status="investigating", impact="maintenance", **WINDOW)
    assert "investigating is not one of" in response.text
    assert not Incident.objects.exists()


def test_the_changelist_offers_both_forms_and_no_generic_add(operator_client):
    html = operator_client.get(reverse("admin:incidents_incident_changelist")).text
    assert (
        f'href="{reverse("admin:incidents_incident_add")}" class="addlink">Open an incident' in html
    )
    maintenance = reverse("admin:incidents_incident_add_maintenance")
    assert f'href="{maintenance}" class="addlink">Schedule a maintenance' in html
    assert "Add incident" not in html


def test_someone_without_the_right_to_add_gets_neither_form(client, django_user_model):
    viewer = django_user_model.objects.create_user("viewer", is_staff=True)
    client.force_login(viewer)
    for url in ["admin:incidents_incident_add", "admin:incidents_incident_add_maintenance"]:
        assert client.get(reverse(url)).status_code == 403


def test_an_incidents_change_page_has_no_maintenance_fields_and_has_post_update(
    operator_client,
):
    incident = open_incident().incident
    html = operator_client.get(reverse("admin:incidents_incident_change", args=[incident.pk])).text
    for name in ["scheduled_for", "scheduled_until", "auto_transition"]:
        assert f'name="{name}' not in html
    post_update = reverse("admin:incidents_incident_post_update", args=[incident.pk])
    tools = re.search(r'<ul class="object-tools">(.*?)</ul>', html, re.S).group(1)
    assert f'<a href="{post_update}">Post update</a>' in tools
    assert f'<a href="{post_update}?status=resolved">Resolve</a>' in tools
    resolve = operator_client.get(f"{post_update}?status=resolved").text
    assert '<option value="resolved" selected>' in resolve


def test_a_maintenances_change_page_keeps_its_window(operator_client):
    incident = open_incident(
        kind="maintenance",
        status="scheduled",
        scheduled_for=later(days=1),
        scheduled_until=later(days=1, hours=2),
    ).incident
    html = operator_client.get(reverse("admin:incidents_incident_change", args=[incident.pk])).text
    for name in ["scheduled_for", "scheduled_until", "auto_transition"]:
        assert f'name="{name}' in html
    assert "?status=completed" in html and ">Complete</a>" in html


def test_editing_an_incident_on_its_change_page_still_saves(operator_client):
    incident = open_incident().incident
    url = reverse("admin:incidents_incident_change", args=[incident.pk])
    inline = {"updates-TOTAL_FORMS": "1", "updates-INITIAL_FORMS": "1"}
    inline["updates-0-id"] = str(incident.updates.get().pk)
    response = operator_client.post(url, {"title": "Renamed", "impact": "major"} | inline)
    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.title, incident.impact) == ("Renamed", "major")
