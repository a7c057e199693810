"""Grafana's webhook contact point, Uptime Kuma's webhook notification and the generic
shape, posted as each system sends them; and alerts that name no known component."""

import json

import pytest

from incidents import services
from incidents.models import Component, Incident
from integrations.models import AlertGroup

from .alerts import integration, payload, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def components(db):
    return {
        name: services.component_save(component=Component(name=name))
        for name in ["Web servers", "Database servers", "Email"]
    }


def status_of(name):
    return Component.objects.get(name=name).status


def test_grafana_alerts_open_one_incident_per_group(client, components):
    _, token = integration("grafana", "Grafana", auto_publish=True, hold_down=0)
    response = send(client, token, payload("grafana-firing"))
    assert response.status_code == 200, response.content
    [incident] = Incident.objects.all()
    assert incident.title == "This alert was triggered for zone us-1"  # the summary
    body = incident.updates.get().body
    assert "The system has high memory usage" in body and "high CPU usage" in body
    # One alert is a warning, the other an error: the component takes the worse.
    assert status_of("Database servers") == "partial_outage"
    assert AlertGroup.objects.get().key == "{}:{}"
    assert send(client, token, payload("grafana-resolved")).status_code == 200
    incident.refresh_from_db()
    assert incident.status == "resolved" and status_of("Database servers") == "operational"


def test_an_uptime_kuma_monitor_feeds_its_integrations_component(client, components):
    _, token = integration(
        "uptime-kuma",
        "Kuma",
        auto_publish=True,
        hold_down=0,
        component=components["Email"],
    )
    assert send(client, token, payload("uptime-kuma-down")).status_code == 200
    [incident] = Incident.objects.all()
    assert incident.title == "Mail server is down"
    assert "getaddrinfo ENOTFOUND mail.example.org" in incident.updates.get().body
    assert status_of("Email") == "major_outage"
    assert AlertGroup.objects.get().key == "monitor:29"
    assert send(client, token, payload("uptime-kuma-up")).status_code == 200
    incident.refresh_from_db()
    assert incident.status == "resolved" and status_of("Email") == "operational"


def test_an_uptime_kuma_monitor_tag_names_the_component_and_severity(client, components):
    _, token = integration("uptime-kuma", "Kuma", auto_publish=True, hold_down=0)
    body = payload("uptime-kuma-down")
    body["monitor"]["tags"] = [
        {"id": 1, "monitor_id": 29, "tag_id": 3, "name": "component", "value": "Web servers"},
        {"id": 2, "monitor_id": 29, "tag_id": 4, "name": "severity", "value": "warning"},
    ]
    send(client, token, body)
    assert status_of("Web servers") == "degraded_performance"


def test_uptime_kumas_test_button_is_accepted_and_changes_nothing(client, components):
    integration_, token = integration("uptime-kuma", "Kuma", component=components["Email"])
    response = send(client, token, payload("uptime-kuma-test"))
    assert response.status_code == 200 and "nothing to do" in response.json()["result"]
    assert not Incident.objects.exists()
    assert integration_.events.filter(message__contains="Uptime Kuma Alert - Testing").exists()


def test_uptime_kuma_pending_and_maintenance_beats_change_nothing(client, components):
    _, token = integration("uptime-kuma", "Kuma", component=components["Email"])
    for status in (2, 3):
        body = payload("uptime-kuma-down")
        body["heartbeat"]["status"] = status
        assert send(client, token, body).status_code == 200
    assert not Incident.objects.exists()


GENERIC = {
    "status": "firing",
    "component": "Web servers",
    "severity": "critical",
    "title": "Checkout is failing",
    "message": "Payments time out after 30 s.",
    "fingerprint": "checkout-1",
}


def test_the_generic_shape_opens_and_resolves_by_fingerprint(client, components):
    _, token = integration("generic", "Scripts", auto_publish=True, hold_down=0)
    assert send(client, token, GENERIC, bearer=True).status_code == 200
    [incident] = Incident.objects.all()
    assert incident.title == "Checkout is failing" and status_of("Web servers") == "major_outage"
    assert "Payments time out" in incident.updates.get().body
    send(client, token, GENERIC | {"fingerprint": "checkout-2", "title": "Also slow"})
    assert Incident.objects.count() == 2  # one incident per fingerprint
    send(client, token, {"status": "resolved", "fingerprint": "checkout-1"}, bearer=True)
    incident.refresh_from_db()
    assert incident.status == "resolved"
    assert status_of("Web servers") == "major_outage"  # checkout-2 still fires


def test_without_a_fingerprint_the_same_component_and_title_are_one_alert(client, components):
    _, token = integration("generic", "Scripts", auto_publish=True, hold_down=0)
    alert = {k: v for k, v in GENERIC.items() if k != "fingerprint"}
    send(client, token, alert)
    send(client, token, alert)
    send(client, token, alert | {"status": "resolved"})
    assert Incident.objects.get().status == "resolved"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"status": "on fire", "title": "x"}, "status: Input should be 'firing' or 'resolved'"),
        ({"title": "x"}, "status: Field required"),
        ({"status": "firing"}, "an alert needs a title or a fingerprint"),
        ({"status": "firing", "title": ["x"]}, "title: Input should be a valid string"),
        ([GENERIC], "Input should be an object"),
    ],
)
def test_a_malformed_generic_alert_is_a_400_with_the_reason(client, components, body, reason):
    _, token = integration("generic", "Scripts")
    response = send(client, token, body)
    assert response.status_code == 400 and reason in response.json()["error"]
    assert not Incident.objects.exists() and not AlertGroup.objects.exists()


def test_an_unknown_component_is_accepted_logged_and_opens_nothing(client, components):
    integration_, token = integration("generic", "Scripts", auto_publish=True, hold_down=0)
    response = send(client, token, GENERIC | {"component": "Billing"})
    assert response.status_code == 200 and "no incident" in response.json()["result"]
    assert not Incident.objects.exists() and not AlertGroup.objects.exists()
    [event] = integration_.events.filter(level="warning")
    assert "Unknown component “Billing”" in event.message
    send(client, token, GENERIC | {"component": "Billing"})  # the log says it once an hour
    assert integration_.events.filter(level="warning").count() == 1
    assert integration_.payloads.count() == 2


def test_alertmanagers_watchdog_names_no_component_and_opens_nothing(client, components):
    integration_, token = integration(auto_publish=True, hold_down=0)
    for _ in range(3):
        assert send(client, token, payload("alertmanager-watchdog")).status_code == 200
    assert not Incident.objects.exists()
    integration_.refresh_from_db()
    assert integration_.last_delivery_at is not None  # it shows the pipeline works
    assert integration_.events.filter(message__contains="names no component").count() == 1


def test_wording_follows_the_integrations_templates(client, components):
    _, token = integration(
        auto_publish=True,
        hold_down=0,
        title_template="{{ components }}: {{ labels.alertname }} ({{ count }})",
        message_template="{% for a in alerts %}* {{ a.labels.instance }}\n{% endfor %}",
    )
    send(client, token, payload("alertmanager-firing"))
    incident = Incident.objects.get()
    assert incident.title == "Web servers: ProbeFailure (2)"
    assert incident.updates.get().body == ("* https://www.example.org\n* https://shop.example.org")


def test_a_failing_template_falls_back_to_the_default_wording(client, components):
    integration_, token = integration(
        auto_publish=True, hold_down=0, message_template='{% include "nowhere.html" %}'
    )
    assert send(client, token, payload("alertmanager-firing")).status_code == 200
    assert "Our monitoring reports a problem" in Incident.objects.get().updates.get().body
    assert integration_.events.filter(message__contains="template failed").exists()


def test_alert_text_no_feed_can_carry_is_replaced_not_refused(client, components):
    _, token = integration("generic", "Scripts", auto_publish=True, hold_down=0)
    body = json.dumps(GENERIC | {"title": "Disk\u0000 full\n\tnow", "message": "\u0007bell"})
    assert send(client, token, body.encode()).status_code == 200
    incident = Incident.objects.get()
    assert incident.title == "Disk\ufffd full now"
    assert "\ufffdbell" in incident.updates.get().body
    feed = client.get("/history.atom")
    assert feed.status_code == 200 and "Disk\ufffd full now" in feed.content.decode()
