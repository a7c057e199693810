import re

import pytest
from django.urls import reverse

from incidents import services
from incidents.models import Component, Incident, IncidentUpdate

from .conftest import open_incident

pytestmark = pytest.mark.django_db


def open_form(client, **overrides):
    data = {
        "title": "Database slow",
        "kind": "incident",
        "impact": "major",
        "status": "investigating",
        "headline": "",
        "body": "Queries are *slow*.",
        "published_at": "",
        "notify": "auto",
    }
    return client.post(reverse("admin:incidents_incident_add"), data | overrides)


def test_operator_opens_an_incident_with_components_in_one_form(operator_client, database, web):
    form = operator_client.get(reverse("admin:incidents_incident_add"))
    assert form.status_code == 200
    assert f'name="component_{database.pk}"' in form.content.decode()
    response = open_form(operator_client, **{f"component_{database.pk}": "degraded_performance"})
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert (incident.title, incident.status, incident.impact) == (
        "Database slow",
        "investigating",
        "major",
    )
    update = incident.updates.get()
    assert update.author.username == "olivia"
    assert update.notify is True
    database.refresh_from_db()
    web.refresh_from_db()
    assert (database.status, web.status) == ("degraded_performance", "operational")


def test_invalid_open_form_comes_back_with_errors_and_writes_nothing(operator_client, database):
    response = open_form(operator_client, status="completed")  # a maintenance status
    assert response.status_code == 200
    assert "Select a valid choice. completed is not one of" in response.content.decode()
    response = open_form(operator_client, body="", headline="")
    assert "Write a message or a headline." in response.content.decode()
    assert not Incident.objects.exists()


def test_preview_renders_the_message_without_publishing(operator_client, db):
    response = open_form(operator_client, body="**Bold** <script>x()</script>", _preview="1")
    html = response.content.decode()
    assert "<strong>Bold</strong>" in html
    assert "<script>x()" not in html
    assert not Incident.objects.exists()


def test_follow_up_is_one_click_from_the_list_and_one_form(operator_client, network):
    incident = open_incident(component_changes={network: "major_outage"}).incident
    listing = operator_client.get(reverse("admin:incidents_incident_changelist")).content.decode()
    url = reverse("admin:incidents_incident_post_update", args=[incident.pk])
    assert f'href="{url}"' in listing
    form = operator_client.get(url).content.decode()
    assert 'value="resolved"' in form and 'value="completed"' not in form
    response = operator_client.post(
        url,
        {
            "status": "resolved",
            "body": "Fixed.",
            "headline": "Network restored",
            "notify": "auto",
            f"component_{network.pk}": "operational",
        },
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    network.refresh_from_db()
    assert incident.status == "resolved" and network.status == "operational"
    assert incident.updates.first().headline == "Network restored"


def test_incident_list_shows_status_impact_last_update_and_filters(operator_client, network):
    open_incident(title="Alpha", component_changes={network: "major_outage"})
    open_incident(title="Beta")
    url = reverse("admin:incidents_incident_changelist")
    html = operator_client.get(url).content.decode()
    assert "Last update" in html and "Status and impact" in html
    assert "Investigating, minor impact" in html
    for filter_name in ["status", "kind", "impact", "components"]:
        assert f"By {filter_name}" in html.replace("By affected components", "By components")
    assert html.index("Beta") < html.index("Alpha")  # newest first
    filtered = operator_client.get(url, {"components__id__exact": network.pk}).content.decode()
    assert "Alpha" in filtered and "Beta" not in filtered
    searched = operator_client.get(url, {"q": "Beta"}).content.decode()
    assert "Beta" in searched and ">Alpha<" not in searched


def test_editing_a_post_in_the_admin_rerenders_it_and_shows_the_rendering(operator_client):
    update = open_incident(body="old")
    url = reverse("admin:incidents_incidentupdate_change", args=[update.pk])
    page = operator_client.get(url).content.decode()
    assert "Rendered message" in page and "<p>old</p>" in page
    form_fields = {
        "status": "identified",
        "headline": "",
        "body": "*new*",
        "notify": "on",
        "published_at_0": update.published_at.strftime("%Y-%m-%d"),
        "published_at_1": update.published_at.strftime("%H:%M:%S"),
    }
    response = operator_client.post(url, form_fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    update.refresh_from_db()
    assert update.body_html == "<p><em>new</em></p>\n"
    assert update.incident.status == "identified"


def test_a_drafts_impact_is_edited_in_the_admin_and_applied_when_it_is_published(
    operator_client,
):
    incident = open_incident().incident
    draft = services.update_create(
        incident=incident, status="identified", body="x", impact="major", is_draft=True
    )
    url = reverse("admin:incidents_incidentupdate_change", args=[draft.pk])
    form = {
        "status": "identified",
        "headline": "",
        "body": "x",
        "impact": "critical",
        "is_draft": "on",
        "notify": "on",
        "published_at_0": draft.published_at.strftime("%Y-%m-%d"),
        "published_at_1": draft.published_at.strftime("%H:%M:%S"),
    }
    assert operator_client.post(url, form).status_code == 302
    assert IncidentUpdate.objects.get(pk=draft.pk).impact == "critical"
    assert Incident.objects.get(pk=incident.pk).impact == "minor"
    assert operator_client.post(url, form | {"is_draft": ""}).status_code == 302
    assert Incident.objects.get(pk=incident.pk).impact == "critical"
    page = operator_client.get(url).content.decode()
    assert 'name="impact"' not in page  # applied: edited on the incident from now on


def test_deleting_a_post_in_the_admin_removes_it_from_the_page(operator_client, client):
    update = open_incident(headline="Oops, wrong page")
    services.update_create(incident=update.incident, status="identified", body="Keep me")
    url = reverse("admin:incidents_incidentupdate_delete", args=[update.pk])
    assert operator_client.post(url, {"post": "yes"}).status_code == 302
    assert not IncidentUpdate.objects.filter(pk=update.pk).exists()
    operator_client.logout()
    html = client.get("/").content.decode()
    assert "Oops, wrong page" not in html and "Keep me" in html


def test_component_status_change_in_the_list_goes_through_the_service(operator_client, network):
    url = reverse("admin:incidents_component_changelist")
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": str(network.pk),
        "form-0-status": "partial_outage",
        "form-0-position": "2",
        "_save": "Save",
    }
    assert operator_client.post(url, data).status_code == 302
    assert Component.objects.get(pk=network.pk).status == "partial_outage"
    assert network.status_changes.get().new_status == "partial_outage"


def test_operators_cannot_manage_users(operator_client):
    assert operator_client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert operator_client.get(reverse("admin:incidents_incident_changelist")).status_code == 200


def test_visitors_cannot_reach_the_admin_forms(client, db):
    response = client.get(reverse("admin:incidents_incident_add"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_operator_without_change_permission_cannot_post_updates(client, django_user_model):
    viewer = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    client.force_login(viewer)
    incident = open_incident().incident
    url = reverse("admin:incidents_incident_post_update", args=[incident.pk])
    assert (
        client.post(url, {"status": "resolved", "body": "x", "notify": "auto"}).status_code == 403
    )
    assert incident.updates.count() == 1


def test_admin_list_of_posts_renders(operator_client):
    open_incident()
    html = operator_client.get(
        reverse("admin:incidents_incidentupdate_changelist")
    ).content.decode()
    assert re.search(r"Network problem: Investigating", html)
