"""Who created, edited or deleted which incident, post or component, and what changed."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from incidents import audit, services
from incidents.models import AuditEntry, Component, ComponentGroup, IncidentUpdate

from .conftest import ago, later, open_incident

pytestmark = pytest.mark.django_db


def entries():
    return [
        (e.actor_name, e.action, e.object_type, e.object_label)
        for e in AuditEntry.objects.order_by("id")
    ]


def test_opening_an_incident_records_the_incident_and_its_first_post(operator, network):
    update = open_incident(
        title="Network problem", author=operator, component_changes={network: "major_outage"}
    )
    assert entries()[-2:] == [
        ("olivia", "created", "incident", "Network problem"),
        ("olivia", "created", "update", "Network problem: Investigating"),
    ]
    post = AuditEntry.objects.get(object_type="update")
    assert post.object_id == update.public_id and post.actor == operator
    assert post.changes["status"] == [None, "Investigating"]
    assert post.changes["body"] == [None, "Looking into it."]
    assert post.changes["component_changes"] == [None, "Network: Major outage"]


def test_editing_a_published_post_records_each_change_old_to_new(operator):
    update = open_incident(headline="Slow pages", body="We are looking.")
    services.update_edit(update=update, actor=operator, status="identified", body="Found it.")
    entry = AuditEntry.objects.get(action="edited")
    assert (entry.actor_name, entry.object_type, entry.object_label) == (
        "olivia",
        "update",
        "Network problem: Slow pages",
    )
    assert entry.changes == {
        "status": ["Investigating", "Identified"],
        "body": ["We are looking.", "Found it."],
    }
    assert audit.describe(entry) == (
        "status: “Investigating” → “Identified”; body: “We are looking.” → “Found it.”"
    )


def test_an_edit_that_changes_nothing_is_not_recorded(operator):
    update = open_incident()
    services.update_edit(update=update, actor=operator, body=update.body)
    assert not AuditEntry.objects.filter(action="edited").exists()


def test_deleting_a_published_post_records_what_it_said(operator):
    first = open_incident(body="First words.")
    services.update_create(incident=first.incident, status="identified", body="Second words.")
    services.update_delete(update=first, actor=operator)
    entry = AuditEntry.objects.get(action="deleted")
    assert (entry.actor, entry.object_type, entry.object_id) == (
        operator,
        "update",
        first.public_id,
    )
    assert entry.changes["body"] == ["First words.", None]
    assert "body: “First words.”" in audit.describe(entry)


def test_deleting_the_last_post_records_the_incident_going_too(operator):
    update = open_incident(title="Gone")
    services.update_delete(update=update, actor=operator)
    assert entries()[-2:] == [
        ("olivia", "deleted", "update", "Gone: Investigating"),
        ("olivia", "deleted", "incident", "Gone"),
    ]


def test_incidents_components_and_groups_are_recorded(operator):
    group = services.group_save(group=ComponentGroup(name="Servers"), actor=operator)
    component = services.component_save(component=Component(name="Web"), actor=operator)
    component.group, component.status = group, "partial_outage"
    services.component_save(component=component, actor=operator)
    incident = open_incident(title="Old title").incident
    services.incident_edit(incident=incident, actor=operator, title="New title", impact="major")
    services.incident_delete(incident=incident, actor=operator)
    services.component_delete(component=component, actor=operator)
    services.group_delete(group=group, actor=operator)
    assert [(e.action, e.object_type) for e in AuditEntry.objects.filter(actor=operator)] == [
        ("deleted", "group"),
        ("deleted", "component"),
        ("deleted", "incident"),
        ("edited", "incident"),
        ("edited", "component"),
        ("created", "component"),
        ("created", "group"),
    ]
    edit = AuditEntry.objects.get(action="edited", object_type="component")
    assert edit.changes == {
        "group": [None, "Servers"],
        "status": ["Operational", "Partial outage"],
    }
    renamed = AuditEntry.objects.get(action="edited", object_type="incident")
    assert renamed.changes == {"title": ["Old title", "New title"], "impact": ["Minor", "Major"]}


def test_work_without_a_person_is_recorded_without_one(db):
    open_incident()
    assert {e.actor_name for e in AuditEntry.objects.all()} == {""}
    assert not AuditEntry.objects.filter(actor__isnull=False).exists()


def test_an_entry_outlives_its_user_and_keeps_the_name(django_user_model):
    sam = django_user_model.objects.create_user("sam", password="pw", is_staff=True)
    open_incident(author=sam)
    sam.delete()
    assert {(e.actor, e.actor_name) for e in AuditEntry.objects.all()} == {(None, "sam")}


def test_a_failed_write_leaves_no_entry(operator):
    update = open_incident()
    before = AuditEntry.objects.count()
    with pytest.raises(Exception, match="not a status"):
        services.update_edit(update=update, actor=operator, status="completed")
    assert AuditEntry.objects.count() == before


def test_admin_edits_are_recorded_with_the_old_values_from_the_database(operator_client):
    update = open_incident(body="old words")
    url = reverse("admin:incidents_incidentupdate_change", args=[update.pk])
    form = {
        "status": "investigating",
        "headline": "",
        "body": "new words",
        "notify": "on",
        "published_at_0": update.published_at.strftime("%Y-%m-%d"),
        "published_at_1": update.published_at.strftime("%H:%M:%S"),
    }
    assert operator_client.post(url, form).status_code == 302
    entry = AuditEntry.objects.get(action="edited")
    assert entry.actor_name == "olivia"
    assert entry.changes == {"body": ["old words", "new words"]}


def test_the_admin_shows_the_trail_read_only_and_filterable(operator_client, operator):
    open_incident(title="Alpha", author=operator)
    services.component_save(component=Component(name="Web"))
    url = reverse("admin:incidents_auditentry_changelist")
    html = operator_client.get(url).content.decode()
    assert "Alpha" in html and "Web" in html and "status: “Investigating”" in html
    for title in ["By user", "By action", "By object type"]:
        assert title in html
    only_posts = operator_client.get(url, {"object_type__exact": "update"}).content.decode()
    assert "Alpha: Investigating" in only_posts and ">Web<" not in only_posts
    mine = operator_client.get(url, {"actor__id__exact": operator.pk}).content.decode()
    assert "Alpha" in mine and ">Web<" not in mine
    entry = AuditEntry.objects.first()
    detail = operator_client.get(reverse("admin:incidents_auditentry_change", args=[entry.pk]))
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()


@pytest.mark.parametrize("who", ["operator", "superuser"])
def test_nobody_can_add_change_or_delete_entries(client, operator, who):
    user = operator
    if who == "superuser":
        user = User.objects.create_superuser("root", password="pw")
    client.force_login(user)
    open_incident()
    entry = AuditEntry.objects.get(object_type="incident")
    add = client.get(reverse("admin:incidents_auditentry_add"))
    change = client.post(
        reverse("admin:incidents_auditentry_change", args=[entry.pk]), {"object_label": "x"}
    )
    delete = client.post(
        reverse("admin:incidents_auditentry_delete", args=[entry.pk]), {"post": "yes"}
    )
    assert add.status_code == 403 and change.status_code == 403 and delete.status_code == 403
    entry.refresh_from_db()
    assert entry.object_label == "Network problem"


def test_bulk_deletes_in_the_admin_go_through_the_services_one_by_one(operator_client):
    first, second = (open_incident(title=t).incident for t in ["First", "Second"])
    url = reverse("admin:incidents_incident_changelist")
    data = {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"}
    assert operator_client.post(url, data).status_code == 302
    deleted = AuditEntry.objects.filter(action="deleted", object_type="incident")
    assert sorted(deleted.values_list("object_label", flat=True)) == ["First", "Second"]
    assert all(entry.actor_name == "olivia" for entry in deleted)


def test_a_posts_impact_is_recorded_on_the_post_and_on_the_incident_when_it_goes_live(operator):
    incident = open_incident(title="Outage").incident
    draft = services.update_create(
        incident=incident,
        status="identified",
        body="x",
        impact="critical",
        is_draft=True,
        author=operator,
    )
    post = AuditEntry.objects.get(object_type="update", object_id=draft.public_id)
    assert post.changes["impact"] == [None, "Critical"]
    assert not AuditEntry.objects.filter(object_type="incident", action="edited").exists()
    services.update_edit(update=draft, actor=operator, is_draft=False)
    entry = AuditEntry.objects.get(object_type="incident", action="edited")
    assert (entry.actor_name, entry.object_label) == ("olivia", "Outage")
    assert entry.changes == {"impact": ["Minor", "Critical"]}


def test_an_impact_released_by_the_worker_is_recorded_without_a_person(operator):
    incident = open_incident(title="Outage").incident
    update = services.update_create(
        incident=incident,
        status="identified",
        body="x",
        impact="major",
        published_at=later(minutes=5),
        author=operator,
    )
    IncidentUpdate.objects.filter(pk=update.pk).update(published_at=ago(seconds=1))
    services.updates_release_due()
    entry = AuditEntry.objects.get(object_type="incident", action="edited")
    assert entry.actor_name == "" and entry.changes == {"impact": ["Minor", "Major"]}
