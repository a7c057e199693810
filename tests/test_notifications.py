"""Mail to followers, end to end, through a real SMTP server and the real task worker."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from incidents import services as incident_services
from incidents.models import Component
from subscribers import services
from subscribers.models import Delivery, DeliveryState, Subscriber

from .conftest import ago, follower, later, open_incident, run_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def link(message, pattern):
    text = message.get_body(("plain",)).get_content()
    return re.search(rf"https?://[^\s]+{pattern}[^\s]*", text).group(0)


def path_of(url):
    return re.sub(r"^https?://[^/]+", "", url)


def test_subscribe_confirm_notify_and_unsubscribe(client, smtp_sink, network):
    # Sign up: a confirmation mail with a signed link.
    client.post(reverse("subscribers:subscribe"), {"email": "ada@example.org"})
    run_tasks()
    [confirmation] = smtp_sink.to("ada@example.org")
    assert "Confirm" in confirmation["Subject"]
    confirm_url = link(confirmation, "/subscribe/confirm/")
    assert not Subscriber.objects.confirmed().exists()

    # Confirm: only the button's POST does it.
    Client().get(path_of(confirm_url))
    assert not Subscriber.objects.confirmed().exists()
    Client().post(path_of(confirm_url))
    assert Subscriber.objects.confirmed().count() == 1

    # A post: one mail, with the post, the incident link, unsubscribe headers.
    first = open_incident(title="Network problem", component_changes={network: "major_outage"})
    run_tasks()
    [_, post_mail] = smtp_sink.to("ada@example.org")
    assert post_mail["Subject"] == "[Example Hosting Status] Network problem"
    text = post_mail.get_body(("plain",)).get_content()
    html = post_mail.get_body(("html",)).get_content()
    assert "Looking into it." in text and "<p>Looking into it.</p>" in html
    assert first.incident.get_absolute_url() in text and first.incident.get_absolute_url() in html
    unsubscribe_url = post_mail["List-Unsubscribe"].strip("<>")
    assert post_mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe_url in text and unsubscribe_url in html
    assert post_mail["Message-ID"] and not post_mail["In-Reply-To"]

    # A follow-up threads under the first mail.
    incident_services.update_create(incident=first.incident, status="identified", body="Cable cut.")
    run_tasks()
    follow_up = smtp_sink.to("ada@example.org")[-1]
    assert follow_up["In-Reply-To"] == post_mail["Message-ID"]
    assert follow_up["References"] == post_mail["Message-ID"]
    assert follow_up["Message-ID"] != post_mail["Message-ID"]

    # One-click unsubscribe, as a mail client does it: no cookie, no CSRF token.
    response = Client(enforce_csrf_checks=True).post(
        path_of(unsubscribe_url), {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    incident_services.update_create(incident=first.incident, status="resolved", body="Fixed.")
    run_tasks()
    assert len(smtp_sink.to("ada@example.org")) == 3


def test_unconfirmed_followers_get_no_posts(smtp_sink):
    services.subscriber_subscribe(email="pending@example.org")
    follower("confirmed@example.org")
    open_incident()
    run_tasks()
    assert [m["Subject"] for m in smtp_sink.to("pending@example.org")] == [
        "Confirm that you want to follow Example Hosting Status"
    ]
    assert len(smtp_sink.to("confirmed@example.org")) == 1


def test_followers_of_some_components_get_only_posts_about_them(smtp_sink, network, web, group):
    follower("all@example.org")
    follower("network@example.org", components=[network])
    follower("servers@example.org", groups=[group])
    open_incident(title="Network down", component_changes={network: "major_outage"})
    open_incident(title="Web slow", component_changes={web: "degraded_performance"})
    # A component added to the group later is covered by the group.
    storage = incident_services.component_save(component=Component(name="Storage", group=group))
    open_incident(title="Storage full", component_changes={storage: "partial_outage"})
    open_incident(title="General notice")  # affects no component: everyone
    run_tasks()

    def titles(address):
        return sorted(m["Subject"].split("] ")[1].split(":")[0] for m in smtp_sink.to(address))

    assert titles("all@example.org") == [
        "General notice",
        "Network down",
        "Storage full",
        "Web slow",
    ]
    assert titles("network@example.org") == ["General notice", "Network down"]
    assert titles("servers@example.org") == ["General notice", "Storage full", "Web slow"]


def test_backdated_drafts_and_future_posts_are_not_mailed_until_published(smtp_sink):
    follower()
    open_incident(title="Old history", published_at=ago(days=30))
    draft = open_incident(title="Draft", is_draft=True)
    future = open_incident(title="Later", published_at=later(seconds=2))
    run_tasks()
    assert smtp_sink.count == 0
    incident_services.update_edit(update=draft, is_draft=False)
    type(future).objects.filter(pk=future.pk).update(published_at=ago(seconds=1))
    incident_services.updates_release_due()
    run_tasks()
    assert sorted(m["Subject"] for m in smtp_sink.messages_for_all()) == [
        "[Example Hosting Status] Draft",
        "[Example Hosting Status] Later",
    ]


def test_notify_flag_off_sends_nothing(smtp_sink):
    follower()
    open_incident(notify=False)
    run_tasks()
    assert smtp_sink.count == 0


def test_temporary_refusals_are_retried_and_delivered_once(settings, smtp_sink):
    settings.DELIVERY_RETRY_DELAYS = [0]
    seen = set()

    def refuse_first_try(envelope):
        key = tuple(envelope.rcpt_tos)
        if key not in seen:
            seen.add(key)
            return "451 4.3.0 Try again later"
        return None

    smtp_sink.refuse = refuse_first_try  # refused after the DATA, past our commit point
    for n in range(5):
        follower(f"f{n}@example.org")
    open_incident()
    run_tasks()
    assert smtp_sink.refused == 5
    assert set(smtp_sink.copies_per_recipient().values()) == {1}
    assert len(smtp_sink.copies_per_recipient()) == 5
    assert set(Delivery.objects.values_list("state", "attempts")) == {(DeliveryState.SENT, 2)}


def test_permanent_refusals_are_failed_with_the_error(smtp_sink):
    smtp_sink.refuse = lambda envelope: "550 5.1.1 No such mailbox"
    follower()
    open_incident()
    run_tasks()
    delivery = Delivery.objects.get(notification__isnull=False)
    assert delivery.state == DeliveryState.FAILED
    assert "550" in delivery.last_error and "No such mailbox" in delivery.last_error


def test_retries_stop_after_the_retry_period(settings, smtp_sink):
    settings.DELIVERY_RETRY_DELAYS = [0]
    settings.DELIVERY_RETRY_FOR = ago(seconds=0) - ago(seconds=0)  # zero: no retry period left
    smtp_sink.refuse = lambda envelope: "421 4.7.0 Slow down"
    follower()
    open_incident()
    run_tasks()
    delivery = Delivery.objects.get(notification__isnull=False)
    assert delivery.state == DeliveryState.FAILED and "421" in delivery.last_error


def test_an_unreachable_mail_server_keeps_mail_pending(settings, smtp_sink):
    smtp_sink.stop()
    follower()
    open_incident()
    run_tasks()
    delivery = Delivery.objects.get(notification__isnull=False)
    assert delivery.state == DeliveryState.PENDING and delivery.attempts == 1
    assert "ConnectionRefusedError" in delivery.last_error


def test_a_deleted_post_is_not_mailed(smtp_sink):
    follower()
    update = open_incident()
    incident_services.update_delete(update=update)
    run_tasks()
    assert smtp_sink.count == 0
