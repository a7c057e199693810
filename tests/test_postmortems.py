"""Postmortems (issue 12): Markdown written as a draft, published on the incident's page
and in the API (Statuspage's keys, checked against the JSON schema), mailed once to
followers when asked."""

import email
import email.policy

import pytest
from django.core.exceptions import ValidationError

from incidents import services
from subscribers.models import Delivery, EventKind, Notification

from .conftest import follower, later, open_incident, run_tasks
from .schema import get_json

pytestmark = pytest.mark.django_db(transaction=True)

BODY = "## What happened\n\nA **cable** was cut.\n\n<script>alert(1)</script>"


@pytest.fixture
def incident(network):
    return open_incident(title="Cable cut", component_changes={network: "major_outage"}).incident


def api_incident(client, incident):
    url = f"/api/v2/incidents/{incident.public_id}.json"
    return get_json(client, url, "incidents/{id}.json")["incident"]


def test_a_draft_postmortem_is_nowhere_public(client, incident):
    services.postmortem_save(incident=incident, body=BODY)
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "Postmortem" not in page and "cable" not in page.lower().replace("cable cut", "")
    data = api_incident(client, incident)
    assert data["postmortem_body"] is None and data["postmortem_published_at"] is None
    [listed] = get_json(client, "/api/v2/incidents.json")["incidents"]
    assert listed["postmortem_body"] is None
    incident.refresh_from_db()
    assert "<strong>cable</strong>" in incident.postmortem_html  # rendered once, on save


def test_a_published_postmortem_is_on_the_page_and_in_the_api(client, incident):
    services.postmortem_save(incident=incident, body=BODY)
    services.postmortem_publish(incident=incident)
    page = client.get(incident.get_absolute_url()).content.decode()
    assert '<h2 id="postmortem-heading">Postmortem</h2>' in page
    assert "<strong>cable</strong>" in page and "<script>alert" not in page
    data = api_incident(client, incident)
    assert data["postmortem_body"] == BODY
    assert data["postmortem_published_at"].endswith("Z")
    assert data["postmortem_body_last_updated_at"].endswith("Z")
    assert data["postmortem_notified_subscribers"] is False
    [listed] = get_json(client, "/api/v2/summary.json")["incidents"]
    assert listed["postmortem_body"] == BODY


def test_unpublishing_makes_it_a_draft_again(client, incident):
    services.postmortem_save(incident=incident, body=BODY)
    services.postmortem_publish(incident=incident)
    services.postmortem_unpublish(incident=incident)
    assert "postmortem-heading" not in client.get(incident.get_absolute_url()).content.decode()
    assert api_incident(client, incident)["postmortem_body"] is None


def test_publishing_with_notify_mails_followers_once(smtp_sink, incident, client):
    follower()
    services.postmortem_save(incident=incident, body=BODY)
    services.postmortem_publish(incident=incident, notify=True)
    services.postmortem_unpublish(incident=incident)
    services.postmortem_publish(incident=incident, notify=True)  # again: no second mail
    run_tasks()
    run_tasks()

    [post, postmortem] = [
        email.message_from_bytes(data, policy=email.policy.default)
        for data in smtp_sink.raw_to("ada@example.org")
    ]
    assert postmortem["Subject"] == post["Subject"] == "[Example Hosting Status] Cable cut"
    assert postmortem["In-Reply-To"] == post["Message-ID"]
    text = postmortem.get_body(("plain",)).get_content()
    html = postmortem.get_body(("html",)).get_content()
    assert text.startswith("Postmortem: Cable cut") and "A **cable** was cut." in text
    assert "<strong>cable</strong>" in html and "<script>" not in html
    assert Notification.objects.filter(kind=EventKind.POSTMORTEM).count() == 1
    assert Delivery.objects.filter(notification__kind=EventKind.POSTMORTEM).count() == 1
    assert api_incident(client, incident)["postmortem_notified_subscribers"] is True


def test_publishing_without_notify_mails_nobody(smtp_sink, incident):
    follower()
    services.postmortem_save(incident=incident, body=BODY)
    services.postmortem_publish(incident=incident)
    run_tasks()
    [post] = smtp_sink.to("ada@example.org")  # the incident's post, nothing more
    assert post.get_body(("plain",)).get_content().startswith("Status: Investigating")
    assert not Notification.objects.filter(kind=EventKind.POSTMORTEM).exists()


def test_only_followers_of_its_components_get_the_postmortem(smtp_sink, incident, web):
    follower("web@example.org", components=[web])
    services.postmortem_save(incident=incident, body=BODY)
    services.postmortem_publish(incident=incident, notify=True)
    run_tasks()
    assert smtp_sink.to("web@example.org") == []


def test_publishing_without_a_text_is_a_clear_error(incident):
    with pytest.raises(ValidationError, match="Write the postmortem before publishing it"):
        services.postmortem_publish(incident=incident, notify=True)
    incident.refresh_from_db()
    assert incident.postmortem_published_at is None


def test_the_postmortem_of_an_incident_not_yet_public_cannot_be_published(smtp_sink):
    follower()
    draft = open_incident(title="Not yet", is_draft=True).incident
    services.postmortem_save(incident=draft, body=BODY)
    with pytest.raises(ValidationError, match="The incident is not public yet"):
        services.postmortem_publish(incident=draft, notify=True)
    draft.refresh_from_db()
    assert draft.postmortem_published_at is None and draft.postmortem_notified_at is None
    assert not Notification.objects.filter(kind=EventKind.POSTMORTEM).exists()


def test_a_maintenance_has_no_postmortem(db):
    maintenance = open_incident(
        title="Upgrade",
        kind="maintenance",
        status="scheduled",
        scheduled_for=later(hours=1),
        scheduled_until=later(hours=2),
    ).incident
    with pytest.raises(ValidationError, match="A maintenance has no postmortem"):
        services.postmortem_save(incident=maintenance, body=BODY)


def test_a_body_with_forbidden_characters_is_refused(incident):
    with pytest.raises(ValidationError):
        services.postmortem_save(incident=incident, body="Bad \x00 byte")
    incident.refresh_from_db()
    assert incident.postmortem_body == ""


def test_publishing_is_in_the_audit_trail(incident):
    from incidents.models import AuditEntry

    services.postmortem_save(incident=incident, body=BODY)
    services.postmortem_publish(incident=incident)
    changes = [e.changes for e in AuditEntry.objects.filter(object_id=incident.public_id)]
    assert any("postmortem_body" in c for c in changes)
    assert any("postmortem_published_at" in c for c in changes)


@pytest.mark.parametrize("url", ["/history.rss", "/history.atom"])
def test_a_published_postmortem_is_an_entry_of_the_feeds_and_a_draft_is_not(client, incident, url):
    import feedparser

    services.postmortem_save(incident=incident, body=BODY)
    feed = feedparser.parse(client.get(url).content)
    assert [e.title for e in feed.entries] == ["Cable cut: Investigating"]
    services.postmortem_publish(incident=incident)
    feed = feedparser.parse(client.get(url).content)
    assert not feed.bozo
    assert [e.title for e in feed.entries] == ["Postmortem: Cable cut", "Cable cut: Investigating"]
    assert feed.entries[0].link.endswith(f"/incidents/{incident.public_id}#postmortem-heading")
    assert "<strong>cable</strong>" in feed.entries[0].summary
