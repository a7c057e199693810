"""The admin: the company's own channels added at once, suppressed followers visible,
secrets rotated, delivery counts of every channel per post."""

import pytest
from django.urls import reverse

from subscribers.models import Subscriber

from .conftest import call_due, channel, follower, open_incident, run_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_operator_adds_the_company_slack_channel(admin_client, network):
    response = admin_client.post(
        reverse("admin:subscribers_subscriber_add"),
        {
            "kind": "slack",
            "url": "https://hooks.slack.example/services/T0/B0/x",
            "email": "ops@example.org",
            "components": [network.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    slack = Subscriber.objects.get(kind="slack")
    assert slack.is_confirmed and slack.email == "ops@example.org"
    assert list(slack.components.all()) == [network]


def test_a_bad_url_in_the_admin_is_a_form_error(admin_client):
    response = admin_client.post(
        reverse("admin:subscribers_subscriber_add"),
        {"kind": "webhook", "url": "http://169.254.169.254/", "email": ""},
    )
    assert response.status_code == 200 and "cannot be called" in response.content.decode()
    assert not Subscriber.objects.exists()


def test_suppressed_followers_are_listed_with_the_reason(admin_client):
    from subscribers import services

    ada = follower("ada@example.org")
    services.subscriber_suppress(subscriber=ada, reason="hard bounce: 550 no such user")
    follower("bob@example.org")
    url = reverse("admin:subscribers_subscriber_changelist") + "?sending=suppressed"
    html = admin_client.get(url).content.decode()
    assert "ada@example.org" in html and "550 no such user" in html
    assert "bob@example.org" not in html


def test_rotating_a_secret_from_the_admin_keeps_the_old_one_for_a_day(admin_client):
    hook = channel("webhook", "https://hooks.example.org/x")
    old = hook.secret
    admin_client.post(
        reverse("admin:subscribers_subscriber_changelist"),
        {"action": "rotate_secret", "_selected_action": [hook.pk]},
    )
    hook.refresh_from_db()
    assert hook.secret != old and hook.signing_secrets() == [hook.secret, old]


def test_per_post_counts_cover_every_channel(admin_client, receiver, smtp_sink):
    follower("ada@example.org")
    channel("webhook", receiver.url("/a"))
    channel("slack", receiver.url("/b"))
    open_incident()
    run_tasks()
    call_due()
    html = admin_client.get(reverse("admin:subscribers_notification_changelist")).content
    assert b"email 1/1, slack 1/1, webhook 1/1" in html
    assert b'<td class="field-sent">3</td>' in html
