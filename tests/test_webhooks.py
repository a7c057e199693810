"""Webhooks end to end: a real HTTP server receives them; signatures are checked with
the Standard Webhooks reference library (standardwebhooks), not with our code."""

import json

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from incidents import services as incident_services
from subscribers import services
from subscribers.models import Delivery, DeliveryState, Subscriber
from subscribers.sending import deliveries_kick

from .conftest import call_due, channel, open_incident, run_tasks
from .http_receiver import HTTPReceiver

pytestmark = pytest.mark.django_db(transaction=True)


def verified(request, secret):
    """The body, as a receiver sees it once the signature checks out."""
    return Webhook(secret).verify(request.body, request.headers)


def due_now():
    Delivery.objects.filter(state=DeliveryState.PENDING).update(next_attempt_at=timezone.now())


def test_a_post_is_sent_in_statuspage_shape_and_signed(receiver, network):
    hook = channel("webhook", receiver.url())
    posted = open_incident(title="Cable cut", component_changes={network: "major_outage"})
    run_tasks()
    assert call_due() == 2  # the post, and the component's change
    incident_call = next(r for r in receiver.requests if b'"incident"' in r.body)
    body = verified(incident_call, hook.secret)
    assert set(body) == {"meta", "page", "incident"}
    assert body["meta"]["unsubscribe"].startswith("http://127.0.0.1:8000/unsubscribe/")
    assert body["page"]["status_indicator"] == "critical"  # a major outage
    incident = body["incident"]
    assert incident["id"] == posted.incident.public_id and incident["name"] == "Cable cut"
    [update] = incident["incident_updates"]
    assert update["status"] == "investigating"
    assert update["affected_components"][0]["new_status"] == "major_outage"
    assert incident_call.headers["content-type"] == "application/json"
    assert incident_call.headers["webhook-id"].startswith("msg_")


def test_a_component_status_change_is_sent_as_a_component_update(receiver, network):
    hook = channel("webhook", receiver.url())
    incident_services.component_set_status(component=network, status="partial_outage")
    run_tasks()
    call_due()
    [request] = receiver.requests
    body = verified(request, hook.secret)
    assert set(body) == {"meta", "page", "component_update", "component"}
    assert body["component_update"]["old_status"] == "operational"
    assert body["component_update"]["new_status"] == "partial_outage"
    assert body["component_update"]["component_id"] == network.public_id
    assert body["component"]["id"] == network.public_id
    assert body["component"]["status"] == "partial_outage"


def test_a_forged_or_altered_call_fails_verification(receiver):
    hook = channel("webhook", receiver.url())
    open_incident()
    run_tasks()
    call_due()
    [request] = receiver.requests
    with pytest.raises(WebhookVerificationError):
        Webhook(hook.secret).verify(request.body.replace(b"Looking", b"Lookin'"), request.headers)
    other = services.subscriber_rotate_secret(subscriber=channel("webhook", receiver.url("/b")))
    with pytest.raises(WebhookVerificationError):
        verified(request, other.secret)


def test_retries_carry_one_webhook_id_and_one_success_ends_them(receiver):
    receiver.respond = lambda request, n: (503, {}) if n <= 2 else (200, {})
    hook = channel("webhook", receiver.url())
    open_incident()
    run_tasks()
    for _ in range(4):
        call_due()
        due_now()
    assert len(receiver.requests) == 3
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    assert [verified(r, hook.secret) for r in receiver.requests]  # each attempt signed anew
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_error) == (DeliveryState.SENT, 3, "")


def test_the_first_retry_comes_within_30_seconds_with_jitter(receiver):
    receiver.respond = lambda request, n: (500, {})
    channel("webhook", receiver.url())
    open_incident()
    run_tasks()
    call_due()
    delivery = Delivery.objects.get()
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert delivery.state == DeliveryState.PENDING and 10 < wait <= 30
    assert delivery.last_error.startswith("HTTP 500")


def test_retry_after_is_honoured(receiver):
    receiver.respond = lambda request, n: (429, {"retry-after": "120"})
    channel("webhook", receiver.url())
    open_incident()
    run_tasks()
    call_due()
    delivery = Delivery.objects.get()
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert delivery.state == DeliveryState.PENDING and 115 < wait <= 120


@pytest.mark.parametrize("status", [400, 401, 404, 410])
def test_other_client_errors_fail_at_once(receiver, status):
    receiver.respond = lambda request, n: (status, {})
    channel("webhook", receiver.url())
    open_incident()
    run_tasks()
    call_due()
    due_now()
    call_due()
    assert len(receiver.requests) == 1
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.FAILED and f"HTTP {status}" in delivery.last_error


def test_redirects_are_not_followed(receiver):
    target = HTTPReceiver().start()
    receiver.respond = lambda request, n: (307, {"location": target.url()})
    try:
        channel("webhook", receiver.url())
        open_incident()
        run_tasks()
        call_due()
    finally:
        target.stop()
    assert len(receiver.requests) == 1 and not target.requests
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.FAILED and "not followed" in delivery.last_error


def test_one_slow_receiver_does_not_hold_up_the_others(receiver, monkeypatch):
    from subscribers.channels import transport

    monkeypatch.setattr(transport, "TOTAL_TIMEOUT", 1.0)
    slow = HTTPReceiver(delay=3).start()
    try:
        channel("webhook", slow.url())
        for n in range(20):
            channel("webhook", receiver.url(f"/{n}"))
        open_incident()
        run_tasks()
        assert call_due() == 20
    finally:
        slow.stop()
    assert len(receiver.requests) == 20
    late = Delivery.objects.get(subscriber__url=slow.url())
    assert late.state == DeliveryState.PENDING and "within 1 s" in late.last_error


def test_a_follower_failing_for_a_day_is_disabled_and_its_contact_told_once(receiver, smtp_sink):
    receiver.respond = lambda request, n: (500, {})
    hook = channel("webhook", receiver.url(), email="ops@example.org")
    open_incident()
    run_tasks()
    call_due()
    hook.refresh_from_db()
    assert hook.failing_since and not hook.suppressed_at  # failing, not for long yet
    Subscriber.objects.filter(pk=hook.pk).update(
        failing_since=timezone.now() - timezone.timedelta(hours=25)
    )
    due_now()
    call_due()
    hook.refresh_from_db()
    assert hook.suppressed_at and "failed for 24 h" in hook.suppressed_reason
    open_incident(title="Another")  # no more calls, no second notice
    run_tasks()
    call_due()
    deliveries_kick()  # the worker's periodic look for due mail
    run_tasks()
    assert len(receiver.requests) == 2
    [notice] = smtp_sink.to("ops@example.org")
    assert "stopped calling" in notice["Subject"]
    assert receiver.url() in notice.get_body(("plain",)).get_content()
    assert "HTTP 500" in notice.get_body(("plain",)).get_content()


def test_a_success_clears_the_failing_mark(receiver):
    receiver.respond = lambda request, n: (500, {}) if n == 1 else (200, {})
    hook = channel("webhook", receiver.url())
    open_incident()
    run_tasks()
    call_due()
    due_now()
    call_due()
    hook.refresh_from_db()
    assert hook.failing_since is None and hook.suppressed_at is None


def test_a_rotated_secret_still_verifies_with_the_old_one_for_a_day(receiver):
    hook = channel("webhook", receiver.url())
    old = hook.secret
    hook = services.subscriber_rotate_secret(subscriber=hook)
    open_incident()
    run_tasks()
    call_due()
    [request] = receiver.requests
    assert verified(request, hook.secret) == verified(request, old)
    Subscriber.objects.filter(pk=hook.pk).update(previous_secret_until=timezone.now())
    open_incident(title="Later")
    run_tasks()
    call_due()
    verified(receiver.requests[1], hook.secret)
    with pytest.raises(WebhookVerificationError):
        verified(receiver.requests[1], old)


def test_every_event_reaches_each_follower_once(receiver, network):
    for n in range(30):
        channel("webhook", receiver.url(f"/{n}"))
    open_incident(component_changes={network: "major_outage"})
    run_tasks()
    run_tasks()
    call_due()
    call_due()
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert len(ids) == 60 and len(set(ids)) == 60
    assert json.loads(receiver.requests[0].body)["meta"]
