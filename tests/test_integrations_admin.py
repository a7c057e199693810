"""Operators in the admin: integrations and their tokens, alerts awaiting approval
with one-click Publish (and Discard), what was received, the log, the warnings."""

import datetime
import re

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import Component, Incident
from integrations.models import Integration
from subscribers.models import Notification

from .alerts import integration, payload, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(db):
    return services.component_save(component=Component(name="Web servers"))


@pytest.fixture
def drafted(client, web):
    """An alert that opened a draft incident, awaiting approval."""
    integration_, token = integration()
    assert send(client, token, payload("alertmanager-firing")).status_code == 200
    return integration_.groups.get()


def shown_address(html):
    return re.search(r'value="(http://[^"]+/integrations/([A-Za-z0-9_-]+))"', html)


def test_an_operator_adds_an_integration_and_sees_its_address_once(operator_client, web):
    response = operator_client.post(
        reverse("admin:integrations_integration_add"),
        {
            "name": "Prometheus",
            "kind": "alertmanager",
            "is_active": "on",
            "hold_down": "120",
            "component_label": "component",
            "severities": '{"critical": "major_outage"}',
            "title_template": "{{ title }}",
            "message_template": "{{ alert.message }}",
            "resolved_template": "Back.",
            "rate_limit": "600",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200 and "It is shown only now" in html
    _, token = shown_address(html).groups()
    assert send(operator_client, token, payload("alertmanager-firing")).status_code == 200
    integration_ = Integration.objects.get()
    assert integration_.token_hint == token[:6] and token not in integration_.token_digest
    change = operator_client.get(
        reverse("admin:integrations_integration_change", args=[integration_.pk])
    )
    assert token not in change.content.decode()  # never shown again
    assert "Created by olivia" in change.content.decode()


def test_a_template_that_cannot_be_read_is_refused_in_the_form(operator_client, web):
    integration_, _ = integration()
    url = reverse("admin:integrations_integration_change", args=[integration_.pk])
    form = {
        "name": "Prometheus",
        "kind": "alertmanager",
        "hold_down": "120",
        "component_label": "component",
        "severities": '{"critical": "on fire"}',
        "title_template": "{% if %}",
        "message_template": "x",
        "resolved_template": "x",
        "rate_limit": "600",
    }
    html = operator_client.post(url, form).content.decode()
    assert "This template cannot be read" in html
    assert "“critical”: “on fire” is not a component status" in html


def test_replacing_the_token_shows_the_new_address_and_retires_the_old(operator_client, web):
    integration_, old = integration()
    url = reverse("admin:integrations_integration_rotate", args=[integration_.pk])
    assert "stops working at once" in operator_client.get(url).content.decode()
    new = shown_address(operator_client.post(url).content.decode()).group(2)
    assert new != old
    assert send(operator_client, old, payload("alertmanager-firing")).status_code == 404
    assert send(operator_client, new, payload("alertmanager-firing")).status_code == 200


def test_awaiting_approval_lists_the_draft_with_a_one_click_publish(operator_client, drafted):
    listing = operator_client.get(reverse("admin:integrations_awaitingapproval_changelist"))
    html = listing.content.decode()
    publish = reverse("admin:integrations_awaitingapproval_publish", args=[drafted.pk])
    assert drafted.incident.title in html
    # A button of the changelist's form, which carries the CSRF token: one click.
    assert f'formaction="{publish}">Publish</button>' in html
    draft = drafted.incident.updates.get()
    assert reverse("admin:incidents_incidentupdate_change", args=[draft.pk]) in html


def test_publish_makes_it_public_through_the_services(operator_client, drafted, web, client):
    url = reverse("admin:integrations_awaitingapproval_publish", args=[drafted.pk])
    response = operator_client.post(url)
    assert response.status_code == 302
    incident = Incident.objects.get()
    web.refresh_from_db()
    assert incident.updates.get().is_draft is False and web.status == "major_outage"
    assert Notification.objects.filter(update__incident=incident).exists()
    assert incident.title in client.get("/").content.decode()
    listing = operator_client.get(reverse("admin:integrations_awaitingapproval_changelist"))
    assert 'id="result_list"' not in listing.content.decode()  # nothing waits any more
    assert "published by olivia" in drafted.integration.events.first().message


def test_publish_is_a_post(operator_client, drafted):
    url = reverse("admin:integrations_awaitingapproval_publish", args=[drafted.pk])
    assert operator_client.get(url).status_code == 405
    assert Incident.objects.get().updates.get().is_draft


def test_discard_drops_the_drafts_and_their_incident(operator_client, drafted):
    page = reverse("admin:integrations_awaitingapproval_change", args=[drafted.pk])
    html = operator_client.get(page).content.decode()
    discard = reverse("admin:integrations_awaitingapproval_discard", args=[drafted.pk])
    assert f'formaction="{discard}"' in html
    assert operator_client.post(discard).status_code == 302
    assert not Incident.objects.exists()


def test_staff_without_the_right_to_change_posts_cannot_publish(client, drafted):
    user = User.objects.create_user("viewer", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_awaitingapproval"))
    client.force_login(user)
    assert client.get(reverse("admin:integrations_awaitingapproval_changelist")).status_code == 200
    url = reverse("admin:integrations_awaitingapproval_publish", args=[drafted.pk])
    assert client.post(url).status_code == 403
    assert Incident.objects.get().updates.get().is_draft


def test_a_silent_integration_is_flagged_in_the_admin(operator_client, web):
    integration(expected_interval=300)
    Integration.objects.update(
        last_delivery_at=timezone.now() - datetime.timedelta(minutes=10),
        created_at=timezone.now() - datetime.timedelta(days=1),
    )
    html = operator_client.get(reverse("admin:integrations_integration_changelist")).content
    html = html.decode()
    assert "has been silent for longer than expected" in html
    assert "silent longer than 300 s" in html


def test_operators_read_what_was_received_and_the_log(operator_client, drafted):
    payloads = operator_client.get(reverse("admin:integrations_alertpayload_changelist"))
    assert payloads.status_code == 200
    payload_ = drafted.integration.payloads.get()
    detail = operator_client.get(
        reverse("admin:integrations_alertpayload_change", args=[payload_.pk])
    ).content.decode()
    assert "&quot;groupKey&quot;" in detail and "BlackBox Probe Failure" in detail
    log = operator_client.get(reverse("admin:integrations_integrationevent_changelist"))
    assert "as a draft awaiting approval" in log.content.decode()
    group = operator_client.get(reverse("admin:integrations_alertgroup_changelist"))
    assert group.status_code == 200 and drafted.title in group.content.decode()


def test_a_hostile_payload_is_shown_as_received(operator_client, web):
    integration_, token = integration()
    for body in [b"[" * 100_000, b"\xff\xfe<script>alert(1)</script>"]:
        assert send(operator_client, token, body).status_code == 400
    for kept in integration_.payloads.all():
        url = reverse("admin:integrations_alertpayload_change", args=[kept.pk])
        response = operator_client.get(url)
        assert response.status_code == 200
        assert "<script>alert(1)" not in response.content.decode()
