"""Writing and publishing a postmortem in the incident's admin page (issue 12), and the
stored public pages it renews."""

import re

import pytest
from django.urls import reverse

from incidents import services
from incidents.models import Incident
from subscribers.models import EventKind, Notification

from .conftest import follower, later, open_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(network):
    return open_incident(title="Cable cut", component_changes={network: "major_outage"}).incident


def change_url(incident):
    return reverse("admin:incidents_incident_change", args=[incident.pk])


def change_form(client, incident, **overrides):
    """The change form as the browser sends it back (one post inline), with `overrides`;
    an override of None leaves the field out (an unticked box)."""
    update = incident.updates.get()
    data = {
        "title": incident.title,
        "impact": incident.impact,
        "postmortem_body": incident.postmortem_body,
        "postmortem_publish": "on" if incident.postmortem_published_at else None,
        "updates-TOTAL_FORMS": "1",
        "updates-INITIAL_FORMS": "1",
        "updates-0-id": update.pk,
        "updates-0-incident": incident.pk,
    }
    data |= overrides
    return client.post(change_url(incident), {k: v for k, v in data.items() if v is not None})


def test_the_incident_page_has_a_postmortem_fieldset(operator_client, incident):
    html = operator_client.get(change_url(incident)).content.decode()
    assert re.search(r"<h2[^>]*>\s*Postmortem\s*</h2>", html), html
    assert 'name="postmortem_body"' in html and 'name="postmortem_publish"' in html
    assert 'name="postmortem_notify"' in html and "None written" in html


def test_a_maintenance_page_has_none(operator_client, db):
    maintenance = open_incident(
        title="Upgrade",
        kind="maintenance",
        status="scheduled",
        scheduled_for=later(hours=1),
        scheduled_until=later(hours=2),
    ).incident
    html = operator_client.get(change_url(maintenance)).content.decode()
    assert "postmortem_body" not in html


def test_saving_a_draft_keeps_it_off_the_public_page(operator_client, client, incident):
    response = change_form(operator_client, incident, postmortem_body="We *learned*.")
    assert response.status_code == 302, response.content.decode()
    incident.refresh_from_db()
    assert incident.postmortem_body == "We *learned*."
    assert incident.postmortem_html.strip() == "<p>We <em>learned</em>.</p>"
    assert incident.postmortem_published_at is None
    assert "learned" not in client.get(incident.get_absolute_url()).content.decode()


def test_publishing_with_notify_from_the_admin_mails_followers(operator_client, client, incident):
    follower()
    response = change_form(
        operator_client,
        incident,
        postmortem_body="We *learned*.",
        postmortem_publish="on",
        postmortem_notify="on",
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.postmortem_published_at and incident.postmortem_notified_at
    assert "<em>learned</em>" in client.get(incident.get_absolute_url()).content.decode()
    assert Notification.objects.filter(kind=EventKind.POSTMORTEM, incident=incident).count() == 1
    page = operator_client.get(change_url(incident)).content.decode()
    assert "followers mailed" in page
    assert re.search(r'name="postmortem_notify"[^>]*disabled', page)


def test_publishing_without_a_text_comes_back_with_an_error(operator_client, incident):
    response = change_form(operator_client, incident, postmortem_publish="on")
    assert response.status_code == 200
    assert "Write the postmortem before publishing it." in response.content.decode()
    incident.refresh_from_db()
    assert incident.postmortem_published_at is None


def test_unticking_publish_makes_it_a_draft(operator_client, client, incident):
    services.postmortem_save(incident=incident, body="We *learned*.")
    services.postmortem_publish(incident=incident)
    response = change_form(operator_client, incident, postmortem_publish=None)
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.postmortem_published_at is None
    assert "learned" not in client.get(incident.get_absolute_url()).content.decode()


def test_the_list_action_publishes_without_mail(operator_client, incident, network):
    services.postmortem_save(incident=incident, body="We *learned*.")
    empty = open_incident(title="No text yet").incident
    response = operator_client.post(
        reverse("admin:incidents_incident_changelist"),
        {"action": "publish_postmortems", "_selected_action": [incident.pk, empty.pk]},
        follow=True,
    )
    html = response.content.decode()
    assert "the postmortem is published" in html
    assert "Write the postmortem before publishing it." in html
    assert Incident.objects.get(pk=incident.pk).postmortem_published_at is not None
    assert Incident.objects.get(pk=empty.pk).postmortem_published_at is None
    assert not Notification.objects.filter(kind=EventKind.POSTMORTEM).exists()


def test_publishing_renews_the_stored_pages(
    client, public_store, incident, django_capture_on_commit_callbacks
):
    services.postmortem_save(incident=incident, body="We *learned*.")
    urls = [incident.get_absolute_url(), "/api/v2/incidents.json"]
    before = {url: client.get(url).content for url in urls}
    with django_capture_on_commit_callbacks(execute=True):
        services.postmortem_publish(incident=incident)
    for url in urls:
        assert client.get(url).content != before[url], url
    assert b"<em>learned</em>" in client.get(incident.get_absolute_url()).content
