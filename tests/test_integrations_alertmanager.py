"""Alertmanager's webhook (version 4) opens incidents that people approve: grouping,
drafts, auto-publish and its hold-down, resolution, and reopening."""

import datetime
import json

import pytest
from django.utils import timezone

from incidents import selectors, services
from incidents.models import Component, Incident, IncidentUpdate
from integrations.models import AlertGroup, AutomaticPost, GroupState
from integrations.services import group_publish, groups_release_due
from subscribers.models import Notification

from .alerts import integration, payload, resolved, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(db):
    return services.component_save(component=Component(name="Web servers"))


def firing(client, token, body=None):
    response = send(client, token, body or payload("alertmanager-firing"))
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def public_titles(client):
    return [i["name"] for i in client.get("/api/v2/incidents.json").json()["incidents"]]


def only_group():
    [group] = AlertGroup.objects.all()
    return group


def test_an_alert_opens_a_draft_incident_that_changes_nothing_public(client, web):
    _, token = integration()
    assert firing(client, token)["status"] == "accepted"
    [incident] = Incident.objects.all()
    [update] = incident.updates.all()
    assert update.is_draft and incident.title == "BlackBox Probe Failure: https://www.example.org"
    assert "https://shop.example.org has been down" in update.body
    assert [(c.component, c.new_status) for c in update.component_changes.all()] == [
        (web, "major_outage")
    ]
    web.refresh_from_db()
    assert web.status == "operational"
    assert public_titles(client) == [] and incident.title not in client.get("/").content.decode()
    assert not Notification.objects.exists()
    assert only_group().state == GroupState.FIRING and only_group().incident == incident


def test_the_same_group_sent_again_changes_nothing(client, web):
    _, token = integration()
    firing(client, token)
    firing(client, token)  # Alertmanager resends the whole group every group_interval
    assert Incident.objects.count() == 1 and IncidentUpdate.objects.count() == 1


def test_a_new_alert_of_an_open_group_updates_its_incident(client, web):
    _, token = integration()
    body = payload("alertmanager-firing")
    firing(client, token, body)
    more = json.loads(json.dumps(body))
    more["alerts"].append(
        dict(body["alerts"][0], fingerprint="99aa", annotations={"summary": "API probe failure"})
    )
    assert "Alerts changed" in firing(client, token, more)["result"]
    [incident] = Incident.objects.all()
    latest = incident.updates.order_by("-id").first()
    assert latest.headline == "Alerts changed" and latest.is_draft  # not public yet
    assert "API probe failure" in latest.body


def test_publishing_makes_the_incident_public_and_mails_it(client, web, operator):
    _, token = integration()
    firing(client, token)
    assert group_publish(only_group(), actor=operator) == 1
    [incident] = Incident.objects.all()
    assert public_titles(client) == [incident.title]
    web.refresh_from_db()
    assert web.status == "major_outage" and incident.impact == "critical"
    assert Notification.objects.filter(update__incident=incident).count() == 1


def test_auto_publish_with_no_hold_down_is_public_at_once(client, web):
    _, token = integration(auto_publish=True, hold_down=0)
    assert "published" in firing(client, token)["result"]
    [incident] = selectors.incidents()
    assert incident.status == "investigating" and public_titles(client) == [incident.title]
    web.refresh_from_db()
    assert web.status == "major_outage"
    assert Notification.objects.filter(update__incident=incident).count() == 1  # the post


def test_a_held_down_alert_goes_public_when_the_hold_down_has_passed(client, web):
    _, token = integration(auto_publish=True, hold_down=120)
    assert "held down" in firing(client, token)["result"]
    assert not Incident.objects.exists() and only_group().state == GroupState.HOLDING
    assert groups_release_due() == 0  # not yet
    AlertGroup.objects.update(firing_since=timezone.now() - datetime.timedelta(seconds=121))
    assert groups_release_due() == 1
    [incident] = Incident.objects.all()
    assert public_titles(client) == [incident.title]
    assert incident.started_at == only_group().firing_since  # when it started, not later


def test_an_alert_that_resolves_within_the_hold_down_never_becomes_public(client, web):
    _, token = integration(auto_publish=True, hold_down=120)
    body = payload("alertmanager-firing")
    firing(client, token, body)
    assert "within the hold-down" in firing(client, token, resolved(body))["result"]
    AlertGroup.objects.update(firing_since=timezone.now() - datetime.timedelta(seconds=600))
    assert groups_release_due() == 0
    assert not Incident.objects.exists() and not Notification.objects.exists()
    web.refresh_from_db()
    assert web.status == "operational"


@pytest.fixture
def public_incident(client, web):
    _, token = integration(auto_publish=True, hold_down=0)
    firing(client, token)
    return token, Incident.objects.get()


def test_resolved_alerts_resolve_the_incident_and_restore_its_components(
    client, web, public_incident
):
    token, incident = public_incident
    body = payload("alertmanager-firing")
    firing(client, token, resolved(body, "1a30ba71cca2921f"))
    incident.refresh_from_db()
    assert incident.is_open  # one alert of the group still fires
    assert "resolved the incident" in firing(client, token, resolved(body))["result"]
    incident.refresh_from_db()
    web.refresh_from_db()
    assert incident.status == "resolved" and web.status == "operational"
    latest = incident.updates.first()
    assert latest.headline == "Alerts resolved" and not latest.is_draft
    assert Notification.objects.filter(update=latest).exists()


def test_after_a_persons_post_resolution_is_a_draft_for_that_person(
    client, web, public_incident, operator
):
    token, incident = public_incident
    services.update_create(
        incident=incident, status="identified", body="A cable was cut.", author=operator
    )
    assert "drafted" in firing(client, token, resolved(payload("alertmanager-firing")))["result"]
    incident.refresh_from_db()
    web.refresh_from_db()
    assert incident.status == "identified" and web.status == "major_outage"
    draft = incident.updates.get(is_draft=True)
    assert draft.headline == "Alerts resolved" and draft.status == "resolved"
    assert group_publish(only_group(), actor=operator) == 1  # the person's one click
    # Going live, the resolution brings back what the incident changed.
    assert [(c.component, c.new_status) for c in draft.component_changes.all()] == [
        (web, "operational")
    ]
    web.refresh_from_db()
    assert web.status == "operational"
    incident.refresh_from_db()
    web.refresh_from_db()
    assert incident.status == "resolved" and web.status == "operational"


def test_a_persons_draft_counts_as_their_post(client, web, public_incident, operator):
    token, incident = public_incident
    services.update_create(incident=incident, status="identified", body="…", is_draft=True)
    firing(client, token, resolved(payload("alertmanager-firing")))
    incident.refresh_from_db()
    assert incident.is_open


def test_firing_again_within_ten_minutes_reopens_the_same_incident(client, web, public_incident):
    token, incident = public_incident
    body = payload("alertmanager-firing")
    firing(client, token, resolved(body))
    assert "published" in firing(client, token, body)["result"]
    assert Incident.objects.count() == 1
    incident.refresh_from_db()
    web.refresh_from_db()
    latest = incident.updates.first()
    assert incident.status == "investigating" and latest.headline == "Firing again"
    assert web.status == "major_outage"
    kinds = list(AutomaticPost.objects.values_list("kind", flat=True))
    assert kinds == ["opened", "resolved", "reopened"]


def test_firing_again_later_opens_a_new_incident(client, web, public_incident):
    token, incident = public_incident
    body = payload("alertmanager-firing")
    firing(client, token, resolved(body))
    AlertGroup.objects.update(resolved_at=timezone.now() - datetime.timedelta(minutes=11))
    firing(client, token, body)
    assert Incident.objects.count() == 2
    incident.refresh_from_db()
    assert incident.status == "resolved"
    assert only_group().incident != incident


def test_a_group_whose_incident_was_deleted_stays_quiet_until_it_resolves(
    client, web, public_incident
):
    token, incident = public_incident
    services.incident_delete(incident=incident)
    body = payload("alertmanager-firing")
    assert "deleted" in firing(client, token, body)["result"]
    assert not Incident.objects.exists()
    firing(client, token, resolved(body))
    firing(client, token, body)  # a new episode: a new incident
    assert Incident.objects.count() == 1


def test_severity_maps_to_component_status_and_can_be_set_per_integration(client, web):
    body = payload("alertmanager-firing")
    for alert in body["alerts"]:
        alert["labels"]["severity"] = "warning"
    _, token = integration(auto_publish=True, hold_down=0)
    firing(client, token, body)
    web.refresh_from_db()
    assert web.status == "degraded_performance" and Incident.objects.get().impact == "minor"
    _, other = integration(
        name="Other", auto_publish=True, hold_down=0, severities={"page": "partial_outage"}
    )
    body["groupKey"], body["alerts"][0]["labels"]["severity"] = "other", "PAGE"
    firing(client, other, body)
    web.refresh_from_db()
    assert web.status == "partial_outage"


def test_a_component_is_restored_only_as_far_as_other_alerts_allow(client, web):
    _, token = integration(auto_publish=True, hold_down=0)
    critical = payload("alertmanager-firing")
    warning = payload("alertmanager-firing")
    warning["groupKey"] = '{}:{alertname="SlowPages"}'
    for alert in warning["alerts"]:
        alert["labels"]["severity"] = "warning"
        alert["fingerprint"] += "-slow"
    firing(client, token, warning)
    firing(client, token, critical)
    web.refresh_from_db()
    assert web.status == "major_outage"
    firing(client, token, resolved(critical))
    web.refresh_from_db()
    assert web.status == "degraded_performance"  # the other group still fires
    firing(client, token, resolved(warning))
    web.refresh_from_db()
    assert web.status == "operational"


def test_a_component_a_person_set_by_hand_is_left_alone(client, web, public_incident):
    token, _ = public_incident
    services.component_set_status(component=web, status="partial_outage")
    firing(client, token, resolved(payload("alertmanager-firing")))
    web.refresh_from_db()
    assert web.status == "partial_outage"


def test_a_component_is_named_by_public_id_or_name_in_any_case(client, web):
    _, token = integration()
    body = payload("alertmanager-firing")
    body["alerts"][0]["labels"]["component"] = web.public_id
    body["alerts"][1]["labels"]["component"] = "WEB SERVERS"
    firing(client, token, body)
    assert set(
        Incident.objects.get().updates.get().component_changes.values_list("component", flat=True)
    ) == {web.pk}


def test_drafts_published_together_leave_the_components_as_the_alerts_did(client, web, operator):
    _, token = integration()
    body = payload("alertmanager-firing")
    firing(client, token, body)
    firing(client, token, resolved(body))  # before anyone approved
    resolution = Incident.objects.get().updates.get(headline="Alerts resolved")
    assert resolution.is_draft
    assert group_publish(only_group(), actor=operator) == 2
    assert [(c.component, c.new_status) for c in resolution.component_changes.all()] == [
        (web, "operational")
    ]
    incident = Incident.objects.get()
    web.refresh_from_db()
    assert incident.status == "resolved" and web.status == "operational"
