"""Incident templates: kept under a name in the admin (through the services, audited),
and picked in the "Open an incident" form, which they fill in."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from incidents import services
from incidents.models import AuditEntry, Incident, IncidentTemplate

pytestmark = pytest.mark.django_db


def template(name="Database down", *, component_statuses=None, **fields):
    values = {
        "title": "Database servers unreachable",
        "status": "investigating",
        "impact": "major",
        "headline": "Database down",
        "body": "We are **looking into it**.",
    }
    return services.template_save(
        template=IncidentTemplate(name=name, **values | fields),
        component_statuses=component_statuses,
    )


def test_saving_a_template_keeps_its_component_statuses_and_audits_it(operator, database, web):
    saved = services.template_save(
        template=IncidentTemplate(name="DB", title="Database down", status="identified"),
        component_statuses={database: "major_outage"},
        actor=operator,
    )
    assert saved.component_changes() == {database: "major_outage"}
    services.template_save(
        template=saved, component_statuses={web: "partial_outage"}, actor=operator
    )
    assert saved.component_changes() == {web: "partial_outage"}
    created, edited = AuditEntry.objects.filter(object_type="template").order_by("id")
    assert (created.action, created.actor_name, created.object_label) == ("created", "olivia", "DB")
    assert created.changes["component_statuses"] == [None, "Database: Major outage"]
    assert edited.changes["component_statuses"] == [
        "Database: Major outage",
        "Web servers: Partial outage",
    ]
    services.template_delete(template=saved, actor=operator)
    assert not IncidentTemplate.objects.exists()
    assert AuditEntry.objects.filter(object_type="template", action="deleted").count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "incident", "status": "scheduled"}, "Not a status of this kind"),
        ({"kind": "maintenance", "status": "investigating"}, "Not a status of this kind"),
        ({"kind": "incident", "impact": "maintenance"}, "Only a maintenance"),
        ({"name": "bad\x00name"}, "A control character"),
    ],
)
def test_a_template_that_does_not_fit_its_kind_is_refused_and_nothing_written(fields, message):
    values = {"name": "T", "title": "T", "status": "investigating"} | fields
    with pytest.raises(ValidationError, match=message):
        services.template_save(template=IncidentTemplate(**values))
    assert not IncidentTemplate.objects.exists() and not AuditEntry.objects.exists()


def test_the_names_are_unique(db):
    template("Same")
    with pytest.raises(ValidationError, match="already exists"):
        template("Same")


def test_an_operator_adds_a_template_in_the_admin_with_component_statuses(
    operator_client, database
):
    url = reverse("admin:incidents_incidenttemplate_add")
    form = operator_client.get(url)
    assert form.status_code == 200
    assert "Component statuses it sets" in form.text
    response = operator_client.post(
        url,
        {
            "name": "Database down",
            "kind": "incident",
            "title": "Database unreachable",
            "status": "investigating",
            "impact": "critical",
            "headline": "",
            "body": "Looking into it.",
            f"component_{database.pk}": "major_outage",
        },
    )
    assert response.status_code == 302
    saved = IncidentTemplate.objects.get()
    assert (saved.title, saved.impact) == ("Database unreachable", "critical")
    assert saved.component_changes() == {database: "major_outage"}
    assert AuditEntry.objects.get(object_type="template").actor_name == "olivia"
    change = operator_client.get(
        reverse("admin:incidents_incidenttemplate_change", args=[saved.pk])
    )
    assert '<option value="major_outage" selected>' in change.text


def test_a_bad_template_in_the_admin_comes_back_with_an_error(operator_client):
    response = operator_client.post(
        reverse("admin:incidents_incidenttemplate_add"),
        {
            "name": "X",
            "kind": "maintenance",
            "title": "X",
            "status": "identified",
            "impact": "minor",
        },
    )
    assert response.status_code == 200
    assert "Not a status of this kind" in response.text
    assert not IncidentTemplate.objects.exists()


def test_deleting_templates_in_bulk_goes_through_the_service(operator_client):
    first, second = template("A"), template("B")
    response = operator_client.post(
        reverse("admin:incidents_incidenttemplate_changelist"),
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not IncidentTemplate.objects.exists()
    assert AuditEntry.objects.filter(object_type="template", action="deleted").count() == 2


def test_the_open_form_offers_only_its_kinds_templates(operator_client):
    url = reverse("admin:incidents_incident_add")
    assert "Use template" not in operator_client.get(url).text  # none yet
    template("Database down")
    template("Reboot", kind="maintenance", status="scheduled", impact="maintenance")
    html = operator_client.get(url).text
    assert "Use template" in html and ">Database down</option>" in html
    assert ">Reboot</option>" not in html
    maintenance = operator_client.get(reverse("admin:incidents_incident_add_maintenance")).text
    assert ">Reboot</option>" in maintenance and ">Database down</option>" not in maintenance


def test_using_a_template_fills_in_the_form_which_then_opens_the_incident(
    operator_client, database
):
    chosen = template(component_statuses={database: "major_outage"})
    url = reverse("admin:incidents_incident_add")
    html = operator_client.get(url, {"template": chosen.pk}).text
    assert 'value="Database servers unreachable"' in html
    assert '<option value="major" selected>' in html
    assert "We are **looking into it**.</textarea>" in html
    assert f'<option value="{chosen.pk}" selected>' in html
    assert '<option value="major_outage" selected>' in html
    assert not Incident.objects.exists()  # filling in posts nothing
    response = operator_client.post(
        url,
        {
            "title": "Database servers unreachable",
            "impact": "major",
            "status": "investigating",
            "body": chosen.body,
            "notify": "auto",
            f"component_{database.pk}": "major_outage",
        },
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert (incident.title, incident.impact) == ("Database servers unreachable", "major")
    database.refresh_from_db()
    assert database.status == "major_outage"


def test_an_unknown_template_is_an_error_on_the_form_not_a_crash(operator_client):
    template()
    response = operator_client.get(reverse("admin:incidents_incident_add"), {"template": "999"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert 'name="title" value=' not in response.text  # nothing filled in
    response = operator_client.get(reverse("admin:incidents_incident_add"), {"template": "x\x00"})
    assert response.status_code == 200


def test_the_audit_trail_lists_and_describes_template_changes(operator_client, operator, web):
    saved = template(component_statuses={web: "partial_outage"})
    services.template_save(template=saved, actor=operator, component_statuses={})
    html = operator_client.get(reverse("admin:incidents_auditentry_changelist")).text
    assert "Incident template" in html
    entry = AuditEntry.objects.get(action="edited")
    page = operator_client.get(reverse("admin:incidents_auditentry_change", args=[entry.pk]))
    assert "component statuses: “Web servers: Partial outage” → “none”" in page.text
