"""Chat channels in their own formats, and the addresses no follower's URL may reach;
each against a real HTTP server on loopback."""

import json

import pytest
from django.core.exceptions import ValidationError

from incidents import services as incident_services
from subscribers.channels.targets import address_refusal, check_url
from subscribers.models import Delivery, DeliveryState, Subscriber

from .conftest import call_due, channel, open_incident, run_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def received_json(receiver):
    return [json.loads(request.body) for request in receiver.requests]


@pytest.fixture
def chats(receiver):
    return {kind: channel(kind, receiver.url(f"/{kind}")) for kind in CHAT_KINDS}


CHAT_KINDS = ["slack", "discord", "teams", "mattermost", "googlechat"]


def by_path(receiver):
    return {r.path.strip("/"): json.loads(r.body) for r in receiver.requests}


def test_each_chat_gets_a_post_in_its_own_format(receiver, chats, network):
    open_incident(
        title="R&D <net> down",
        body="@everyone We're looking into it.",
        component_changes={network: "major_outage"},
    )
    run_tasks()
    call_due()
    got = by_path(receiver)
    assert set(got) == set(CHAT_KINDS)  # the component's change came with the post

    slack = got["slack"]
    assert slack["text"].startswith("R&D <net> down: Investigating")
    header, section, fields, context = slack["blocks"]
    assert header == {"type": "header", "text": {"type": "plain_text", "text": "R&D <net> down"}}
    assert section["text"]["type"] == "mrkdwn"
    assert section["text"]["text"] == "*Investigating*\n@everyone We're looking into it."
    assert fields["fields"][0]["text"] == "*Network*\nMajor outage"
    assert context["elements"][0]["text"].startswith("<http://127.0.0.1:8000/incidents/")

    discord = got["discord"]
    assert discord["allowed_mentions"] == {"parse": []}  # "@everyone" pings nobody
    [embed] = discord["embeds"]
    assert embed["title"] == "R&D <net> down" and embed["url"].startswith("http://127.0.0.1")
    assert embed["fields"] == [
        {"name": "Network", "value": "Major outage", "inline": True},
        {"name": "Impact", "value": "minor", "inline": True},
    ]
    assert isinstance(embed["color"], int) and embed["timestamp"].endswith("Z")

    teams = got["teams"]
    assert teams["type"] == "message"
    [attachment] = teams["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert card["body"][0]["text"] == "R&D <net> down"
    assert card["body"][-1] == {
        "type": "FactSet",
        "facts": [
            {"title": "Network", "value": "Major outage"},
            {"title": "Impact", "value": "minor"},
        ],
    }
    assert card["actions"][0]["type"] == "Action.OpenUrl"

    [mattermost] = got["mattermost"]["attachments"]
    assert mattermost["title"] == "R&D <net> down" and mattermost["color"].startswith("#")
    assert got["googlechat"]["text"].startswith("*R&D <net> down*\n_Investigating_\n")
    assert all(not r.headers.get("webhook-signature") for r in receiver.requests)


def test_slack_text_is_escaped_as_slack_asks(receiver, chats):
    open_incident(title="A <b>", body="Use <https://evil.example|this> & that")
    run_tasks()
    call_due()
    section = by_path(receiver)["slack"]["blocks"][1]["text"]["text"]
    assert section == "*Investigating*\nUse &lt;https://evil.example|this&gt; &amp; that"


def test_a_component_changed_directly_reaches_chats_and_webhooks_but_not_mail(
    receiver, chats, network, smtp_sink
):
    from .conftest import follower

    follower("ada@example.org")
    hook = channel("webhook", receiver.url("/webhook"))
    incident_services.component_set_status(component=network, status="degraded_performance")
    run_tasks()
    call_due()
    got = by_path(receiver)
    assert set(got) == {*CHAT_KINDS, "webhook"}
    assert got["slack"]["text"].startswith("Network: Degraded performance")
    assert got["webhook"]["component_update"]["new_status"] == "degraded_performance"
    assert smtp_sink.count == 0
    assert hook.deliveries.get().state == DeliveryState.SENT


def test_followers_of_other_components_hear_nothing(receiver, network, web):
    channel("slack", receiver.url("/network"), components=[network])
    channel("slack", receiver.url("/web"), components=[web])
    open_incident(component_changes={web: "partial_outage"})
    run_tasks()
    call_due()
    assert [r.path for r in receiver.requests] == ["/web"]


def test_a_name_resolving_to_loopback_is_refused_without_the_allow_setting(receiver, settings):
    hook = channel("webhook", f"http://localhost:{receiver.port}/hook")
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    open_incident()
    run_tasks()
    call_due()
    assert receiver.requests == []
    delivery = hook.deliveries.get()
    assert delivery.state == DeliveryState.FAILED  # refused: not retried
    assert "refused: localhost resolves to 127.0.0.1" in delivery.last_error
    assert "loopback or private" in delivery.last_error


def test_the_same_name_is_called_with_the_allow_setting(receiver):
    channel("webhook", f"http://localhost:{receiver.port}/hook")
    open_incident()
    run_tasks()
    assert call_due() == 1 and len(receiver.requests) == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/",
        "http://[fd00:ec2::254]/",
        "http://100.100.100.200/",
        "http://224.0.0.1/",
        "http://0.0.0.0:8080/",
    ],
)
def test_link_local_metadata_multicast_and_unspecified_are_refused_even_when_allowed(settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    with pytest.raises(ValidationError, match="cannot be called"):
        check_url(url)


def test_a_url_already_stored_is_checked_again_when_called(receiver, settings):
    # A URL given when the rules were looser, or a row written by hand.
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    hook = Subscriber.objects.create(
        kind="webhook", url="http://169.254.169.254/", confirmed_at="2026-01-01T00:00Z"
    )
    open_incident()
    run_tasks()
    call_due()
    assert "refused" in Delivery.objects.get(subscriber=hook).last_error


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("127.0.0.1", False),
        ("::1", False),
        ("::ffff:127.0.0.1", False),
        ("10.0.0.5", False),
        ("192.168.1.1", False),
        ("172.16.0.1", False),
        ("100.64.0.1", False),
        ("93.184.215.14", True),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
    ],
)
def test_which_addresses_are_called(address, allowed):
    assert (address_refusal(address, allow_private=False) is None) is allowed
    if not allowed:  # loopback and private ranges: with the setting only
        assert address_refusal(address, allow_private=True) is None


@pytest.mark.parametrize(
    "url",
    ["ftp://example.org/", "http://user:pw@example.org/", "https:///x", "http://a b/", "x" * 3000],
)
def test_urls_that_are_not_http_are_refused_when_given(url):
    with pytest.raises(ValidationError):
        check_url(url)
