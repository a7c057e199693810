import pytest
from django.core.exceptions import ValidationError

from incidents import services
from incidents.models import (
    Component,
    ComponentStatusChange,
    Incident,
    IncidentUpdate,
)
from public_store import warming

from .conftest import ago, later, open_incident

pytestmark = pytest.mark.django_db


def test_opening_an_incident_sets_component_status_and_records_the_change(web, network):
    update = open_incident(component_changes={network: "major_outage"})
    network.refresh_from_db()
    assert network.status == "major_outage"
    change = ComponentStatusChange.objects.get(update=update)
    assert (change.old_status, change.new_status) == ("operational", "major_outage")
    assert list(update.incident.components.all()) == [network]
    web.refresh_from_db()
    assert web.status == "operational"


def test_follow_up_moves_incident_status_and_records_resolution(network):
    incident = open_incident(component_changes={network: "major_outage"}).incident
    resolved = services.update_create(
        incident=incident,
        status="resolved",
        body="Fixed.",
        component_changes={network: "operational"},
    )
    incident.refresh_from_db()
    network.refresh_from_db()
    assert incident.status == "resolved"
    assert incident.resolved_at == resolved.published_at
    assert network.status == "operational"
    assert [(c.old_status, c.new_status) for c in network.status_changes.all()] == [
        ("operational", "major_outage"),
        ("major_outage", "operational"),
    ]


def test_monitoring_time_is_recorded(db):
    incident = open_incident().incident
    monitoring = services.update_create(incident=incident, status="monitoring", body="Watching.")
    incident.refresh_from_db()
    assert incident.monitoring_at == monitoring.published_at
    assert incident.resolved_at is None


def test_unknown_status_is_refused_and_nothing_is_written(network):
    with pytest.raises(ValidationError, match="is not a status of an incident"):
        open_incident(status="completed", component_changes={network: "major_outage"})
    assert not Incident.objects.exists()
    network.refresh_from_db()
    assert network.status == "operational"


def test_unknown_component_status_is_refused(network):
    with pytest.raises(ValidationError, match="not a component status"):
        open_incident(component_changes={network: "on_fire"})
    assert not Incident.objects.exists()


def test_a_post_needs_a_message_or_a_headline(db):
    with pytest.raises(ValidationError, match="message or a headline"):
        open_incident(body="  ")
    assert open_incident(body="", headline="server1 being rebooted").headline


def test_a_maintenance_needs_an_ordered_window(db):
    with pytest.raises(ValidationError, match="window"):
        open_incident(kind="maintenance", status="scheduled")
    with pytest.raises(ValidationError, match="end after"):
        open_incident(
            kind="maintenance",
            status="scheduled",
            scheduled_for=later(hours=2),
            scheduled_until=later(hours=1),
        )


def test_drafts_and_future_posts_are_not_published(db):
    draft = open_incident(is_draft=True)
    future = open_incident(title="Planned", published_at=later(hours=1))
    assert not IncidentUpdate.objects.published().filter(pk__in=[draft.pk, future.pk]).exists()
    assert not Incident.objects.public().exists()


def test_a_draft_applies_its_component_changes_only_when_published(network):
    draft = open_incident(is_draft=True, component_changes={network: "major_outage"})
    network.refresh_from_db()
    assert network.status == "operational"
    services.update_edit(update=draft, is_draft=False)
    network.refresh_from_db()
    assert network.status == "major_outage"
    assert draft.incident in Incident.objects.public()


def test_a_future_post_goes_live_when_its_time_comes(network):
    update = open_incident(
        published_at=later(seconds=1), component_changes={network: "partial_outage"}
    )
    assert services.updates_release_due() == 0
    IncidentUpdate.objects.filter(pk=update.pk).update(published_at=ago(seconds=1))
    assert services.updates_release_due() == 1
    assert services.updates_release_due() == 0  # safe to repeat
    network.refresh_from_db()
    assert network.status == "partial_outage"


def test_backdated_change_keeps_the_current_status(network):
    open_incident(component_changes={network: "degraded_performance"})
    old = open_incident(
        title="Old outage",
        published_at=ago(days=30),
        component_changes={network: "major_outage"},
        confirmed=True,  # an open incident 30 days back
    )
    network.refresh_from_db()
    assert network.status == "degraded_performance"
    change = old.component_changes.get()
    assert (change.old_status, change.new_status) == ("operational", "major_outage")


def test_notify_defaults_on_for_new_posts_and_off_for_backdated_ones(db):
    assert open_incident().notify is True
    assert open_incident(published_at=ago(days=2)).notify is False
    assert open_incident(published_at=ago(days=2), notify=True).notify is True
    assert open_incident(notify=False).notify is False


def test_published_post_cannot_go_back_to_draft(db):
    update = open_incident()
    with pytest.raises(ValidationError, match="cannot go back to draft"):
        services.update_edit(update=update, is_draft=True)


def test_editing_a_post_rerenders_its_body(db):
    update = open_incident(body="old")
    services.update_edit(update=update, body="**new**")
    update.refresh_from_db()
    assert update.body_html == "<p><strong>new</strong></p>\n"


def test_deleting_the_latest_post_rolls_the_incident_status_back(db):
    incident = open_incident().incident
    resolved = services.update_create(incident=incident, status="resolved", body="Fixed.")
    services.update_delete(update=resolved)
    incident.refresh_from_db()
    assert incident.status == "investigating"
    assert incident.resolved_at is None


def test_deleting_the_only_post_deletes_the_incident(db):
    update = open_incident()
    services.update_delete(update=update)
    assert not Incident.objects.exists()


def test_deleting_a_post_keeps_the_component_history(network):
    update = open_incident(component_changes={network: "major_outage"})
    services.update_create(incident=update.incident, status="identified", body="Found it.")
    services.update_delete(update=update)
    assert network.status_changes.get().new_status == "major_outage"


def test_component_status_change_outside_a_post_is_recorded(network):
    services.component_set_status(component=network, status="under_maintenance")
    change = ComponentStatusChange.objects.get(component=network)
    assert change.update is None
    assert (change.old_status, change.new_status) == ("operational", "under_maintenance")
    assert Component.objects.get(pk=network.pk).status == "under_maintenance"


def test_public_ids_are_twelve_lowercase_alphanumerics(db):
    incident = open_incident().incident
    assert len(incident.public_id) == 12
    assert incident.public_id.isalnum() and incident.public_id == incident.public_id.lower()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "Outage\r\nBcc: x@y.z"}, "title"),
        ({"headline": "Fixed\x00"}, "headline"),
        ({"body": "Bell \x07 in a message"}, "body"),
        ({"title": "Line\u2028separator"}, "title"),
    ],
)
def test_control_characters_are_refused_with_the_field_named(db, fields, field):
    # They would break the XML feeds, and PostgreSQL refuses NUL.
    with pytest.raises(ValidationError) as refused:
        open_incident(**{"title": "Outage", "body": "Text.", **fields})
    assert field in refused.value.message_dict
    assert not Incident.objects.exists()


def test_line_breaks_and_tabs_in_a_message_are_fine(db):
    assert open_incident(body="First line\r\n\tSecond line").body == "First line\r\n\tSecond line"


def test_a_draft_changes_nothing_public_until_it_is_published(django_capture_on_commit_callbacks):
    incident = open_incident().incident
    before = Incident.objects.get(pk=incident.pk).updated_at
    with django_capture_on_commit_callbacks() as callbacks:
        draft = services.update_create(
            incident=incident, status="resolved", body="x", is_draft=True
        )
        services.update_edit(update=draft, body="Still a draft")
    assert callbacks == []  # no new generation of the public pages
    assert Incident.objects.get(pk=incident.pk).updated_at == before
    with django_capture_on_commit_callbacks() as callbacks:
        services.update_edit(update=draft, is_draft=False)
    assert callbacks.count(warming.public_state_changed) == 1  # once, however many rows it touched
    assert Incident.objects.get(pk=incident.pk).status == "resolved"


def test_moving_a_published_post_into_the_future_takes_it_off_the_incident(db):
    incident = open_incident().incident
    resolved = services.update_create(incident=incident, status="resolved", body="Fixed.")
    services.update_edit(
        update=IncidentUpdate.objects.get(pk=resolved.pk), published_at=later(hours=1)
    )
    incident.refresh_from_db()
    assert incident.status == "investigating" and incident.resolved_at is None


# A post's impact: the incident's impact from the moment the post goes live, not before.


def public_status(client):
    """What the public sees of the roll-up: status.json's indicator and the badge's words."""
    indicator = client.get("/api/v2/status.json").json()["status"]["indicator"]
    return indicator, "Major System Outage" in client.get("/badge.svg").content.decode()


def test_a_drafts_impact_changes_nothing_public_until_it_is_published(client, db):
    incident = open_incident().incident  # minor
    draft = services.update_create(
        incident=incident, status="identified", body="x", impact="critical", is_draft=True
    )
    assert Incident.objects.get(pk=incident.pk).impact == "minor"
    assert public_status(client) == ("minor", False)
    services.update_edit(update=draft, impact="critical")  # still a draft: still nothing
    assert Incident.objects.get(pk=incident.pk).impact == "minor"
    services.update_edit(update=draft, is_draft=False)
    assert Incident.objects.get(pk=incident.pk).impact == "critical"
    assert public_status(client) == ("critical", True)


def test_a_scheduled_posts_impact_applies_when_the_release_job_lets_it_go_live(client, db):
    incident = open_incident().incident
    update = services.update_create(
        incident=incident,
        status="identified",
        body="x",
        impact="critical",
        published_at=later(hours=1),
    )
    assert Incident.objects.get(pk=incident.pk).impact == "minor"
    assert public_status(client) == ("minor", False)
    IncidentUpdate.objects.filter(pk=update.pk).update(published_at=ago(seconds=1))
    assert services.updates_release_due() == 1
    assert Incident.objects.get(pk=incident.pk).impact == "critical"
    assert public_status(client) == ("critical", True)


def test_a_published_posts_impact_applies_at_once(client, db):
    incident = open_incident().incident
    services.update_create(incident=incident, status="identified", body="x", impact="major")
    assert Incident.objects.get(pk=incident.pk).impact == "major"
    assert public_status(client) == ("major", False)


def test_deleting_a_draft_leaves_the_impact_it_would_have_set_unapplied(client, db):
    incident = open_incident().incident
    draft = services.update_create(
        incident=incident, status="resolved", body="x", impact="none", is_draft=True
    )
    services.update_delete(update=draft)
    assert Incident.objects.get(pk=incident.pk).impact == "minor"
    assert public_status(client) == ("minor", False)


def test_released_posts_set_the_impact_in_the_order_they_were_dated(db):
    incident = open_incident().incident
    for impact in ("major", "critical"):
        services.update_create(
            incident=incident,
            status="identified",
            body=impact,
            impact=impact,
            published_at=later(minutes=5),
        )
    # Both due at once; the post saying "major" is dated later, so it has the last word.
    due = IncidentUpdate.objects.filter(incident=incident, is_draft=False)
    due.filter(body="major").update(published_at=ago(minutes=1))
    due.filter(body="critical").update(published_at=ago(minutes=2))
    assert services.updates_release_due() == 2
    assert Incident.objects.get(pk=incident.pk).impact == "major"


def test_a_backdated_post_does_not_override_the_current_impact(db):
    incident = open_incident().incident
    services.update_create(incident=incident, status="identified", body="x", impact="major")
    services.update_create(
        incident=incident,
        status="identified",
        body="old",
        impact="none",
        published_at=ago(hours=2),
        confirmed=True,  # before the incident started
    )
    assert Incident.objects.get(pk=incident.pk).impact == "major"


def test_the_impact_of_a_post_that_went_live_cannot_be_edited(db):
    update = services.update_create(
        incident=open_incident().incident, status="identified", body="x", impact="major"
    )
    with pytest.raises(ValidationError, match="change the incident's impact instead"):
        services.update_edit(update=update, impact="critical")
    assert Incident.objects.get(pk=update.incident.pk).impact == "major"


def test_only_a_maintenance_has_the_impact_maintenance(db):
    window = {"scheduled_for": later(days=1), "scheduled_until": later(days=1, hours=1)}
    usual = open_incident(kind="maintenance", status="scheduled", **window).incident
    assert usual.impact == "maintenance"
    with pytest.raises(ValidationError, match="is the impact of a maintenance"):
        open_incident(impact="maintenance")
    incident = open_incident().incident
    with pytest.raises(ValidationError, match="is the impact of a maintenance"):
        services.update_create(
            incident=incident, status="identified", body="x", impact="maintenance"
        )
    assert Incident.objects.get(pk=incident.pk).impact == "minor"
