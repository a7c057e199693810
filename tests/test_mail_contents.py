"""What a post's mail says (issue 12): its status first, the components it affects with
their new status, and the incident's impact; read back from the bytes a real SMTP
server received, with the standard library's email parser."""

import email
import email.policy

import pytest

from incidents import services
from incidents.models import Component

from .conftest import follower, open_incident, run_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def last_mail(smtp_sink, address="ada@example.org"):
    data = smtp_sink.raw_to(address)[-1]
    message = email.message_from_bytes(data, policy=email.policy.default)
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(("html",)).get_content()
    return message, text, html


def test_a_post_lists_the_components_it_changed_and_the_impact(smtp_sink, network, web):
    follower()
    open_incident(
        title="Cable cut",
        impact="major",
        component_changes={network: "major_outage", web: "degraded_performance"},
    )
    run_tasks()
    _, text, html = last_mail(smtp_sink)

    assert text.splitlines()[0] == "Status: Investigating"
    assert "- Network: Major outage\n" in text
    assert "- Servers - Web servers: Degraded performance\n" in text
    assert "Impact: major" in text
    assert "<li>Network: <strong>Major outage</strong></li>" in html
    assert "Impact: <strong>major</strong>" in html
    assert html.index("Status: Investigating") < html.index("<h1")


def test_a_post_that_changes_nothing_lists_the_incidents_components_as_they_are(
    smtp_sink, network, web
):
    follower()
    first = open_incident(title="Cable cut", component_changes={network: "major_outage"})
    services.update_create(
        incident=first.incident, status="identified", body="Found it.", impact="critical"
    )
    run_tasks()
    _, text, html = last_mail(smtp_sink)

    assert text.splitlines()[0] == "Status: Identified"
    assert "- Network: Major outage\n" in text
    assert "Web servers" not in text  # not one of this incident's components
    assert "Impact: critical" in text and "Impact: <strong>critical</strong>" in html


def test_the_status_in_the_body_follows_each_post_and_resolving_shows_the_new_status(
    smtp_sink, network
):
    follower()
    first = open_incident(title="Cable cut", component_changes={network: "major_outage"})
    services.update_create(
        incident=first.incident,
        status="resolved",
        body="Fixed.",
        component_changes={network: "operational"},
    )
    run_tasks()
    _, text, _ = last_mail(smtp_sink)
    assert text.splitlines()[0] == "Status: Resolved"
    assert "- Network: Operational\n" in text and "Major outage" not in text


def test_hidden_components_are_not_named_in_mail(smtp_sink, network):
    secret = services.component_save(component=Component(name="Secret box", is_hidden=True))
    follower()
    open_incident(
        title="Cable cut", component_changes={network: "partial_outage", secret: "major_outage"}
    )
    run_tasks()
    _, text, html = last_mail(smtp_sink)
    assert "- Network: Partial outage" in text
    assert "Secret box" not in text and "Secret box" not in html


def test_a_post_about_no_component_says_only_the_impact(smtp_sink):
    follower()
    open_incident(title="General notice", impact="none")
    run_tasks()
    _, text, _ = last_mail(smtp_sink)
    assert "Affected components" not in text
    assert "Impact: none" in text


def test_a_chat_message_names_the_same_components_and_impact_as_the_mail(
    smtp_sink, receiver, network
):
    import json

    from .conftest import call_due, channel

    follower()
    channel("discord", receiver.url("/discord"))
    first = open_incident(
        title="Cable cut", impact="major", component_changes={network: "major_outage"}
    )
    run_tasks()
    call_due()
    services.update_create(incident=first.incident, status="identified", body="Found it.")
    run_tasks()
    call_due()
    _, text, _ = last_mail(smtp_sink)
    assert "- Network: Major outage\n" in text and "Impact: major" in text

    messages = [json.loads(r.body) for r in receiver.requests if r.path == "/discord"]
    [embed] = messages[-1]["embeds"]
    assert embed["description"].startswith("**Identified**")
    assert embed["fields"] == [
        {"name": "Network", "value": "Major outage", "inline": True},
        {"name": "Impact", "value": "major", "inline": True},
    ]
