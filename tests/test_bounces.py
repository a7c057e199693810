"""Bounces and complaints suppress a follower: reported by an email service provider
through django-anymail's tracking webhooks (the providers' documented payloads, posted
to our endpoint as they would post them), or refused by an SMTP server at RCPT."""

import base64
import hashlib
import hmac
import json
import time

import pytest
from django.core import mail
from django.test import Client

from subscribers.models import Delivery, DeliveryState, Subscriber

from .conftest import follower, open_incident, run_tasks

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "anymail:s3cret-webhook-password"


@pytest.fixture
def email_provider(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": "key-mailgun"}
    settings.MAILERS = {"default": {"BACKEND": "anymail.backends.test.EmailBackend"}}


def post(provider_name, payload, auth=SECRET, **headers):
    extra = {}
    if auth:
        extra["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(auth.encode()).decode()
    return Client().post(
        f"/anymail/{provider_name}/tracking/",
        json.dumps(payload),
        content_type="application/json",
        **extra,
        **headers,
    )


def postmark(record_type, kind, email):
    """Postmark's documented bounce / spam complaint webhook body."""
    return {
        "RecordType": record_type,
        "MessageStream": "outbound",
        "ID": 4323372036854775807,
        "Type": kind,
        "TypeCode": {"HardBounce": 1, "SoftBounce": 4096, "SpamComplaint": 512}[kind],
        "Name": "Hard bounce",
        "Tag": "Test",
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Metadata": {"a_key": "a_value"},
        "ServerID": 23,
        "Description": "The server was unable to deliver your message (ex: unknown user).",
        "Details": "Test bounce details",
        "Email": email,
        "From": "sender@example.com",
        "BouncedAt": "2019-11-05T16:33:54.9070259Z",
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": True,
        "Subject": "Test subject",
        "Content": "<Full dump of bounce>",
    }


def mailgun_failed(email, severity="permanent", key="key-mailgun"):
    """Mailgun's documented "failed" event, signed as Mailgun signs it."""
    timestamp, token = str(int(time.time())), "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0"
    signature = hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()
    return {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature},
        "event-data": {
            "event": "failed",
            "id": "G9Bn5sl1TC6nu79C8C0bwg",
            "timestamp": 1521233195.375624,
            "log-level": "error",
            "severity": severity,
            "reason": "bounce",
            "recipient": email,
            "recipient-domain": email.split("@")[1],
            "message": {
                "headers": {
                    "to": f"Alice <{email}>",
                    "message-id": "20130503182626.18666.16540@mail.example.com",
                    "from": "Bob <bob@example.com>",
                    "subject": "Test permanent_fail webhook",
                },
                "attachments": [],
                "size": 111,
            },
            "delivery-status": {
                "attempt-no": 1,
                "message": "",
                "code": 550,
                "description": "No such mailbox",
                "session-seconds": 0.0,
            },
            "flags": {"is-routed": False, "is-authenticated": True, "is-test-mode": False},
            "tags": [],
            "user-variables": {},
        },
    }


def test_mail_goes_through_the_provider_with_our_headers(email_provider):
    follower("ada@example.org")
    open_incident(title="Cable cut")
    run_tasks()
    [sent] = mail.outbox
    assert sent.to == ["ada@example.org"] and sent.subject.endswith("] Cable cut")
    assert sent.extra_headers["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/unsub")
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sent.extra_headers["List-Id"] and sent.extra_headers["Message-ID"]
    assert sent.anymail_status.status == {"sent"}
    assert Delivery.objects.get().state == DeliveryState.SENT


def test_a_postmark_hard_bounce_suppresses_the_follower(email_provider):
    ada = follower("ada@example.org")
    response = post("postmark", postmark("Bounce", "HardBounce", "ada@example.org"))
    assert response.status_code == 200
    ada.refresh_from_db()
    assert ada.suppressed_at and ada.suppressed_reason.startswith("hard bounce: Postmark")
    open_incident()
    run_tasks()
    assert mail.outbox == []  # kept, marked, no more mail
    assert Subscriber.objects.filter(email="ada@example.org").exists()


def test_a_postmark_spam_complaint_suppresses_the_follower(email_provider):
    ada = follower("ada@example.org")
    post("postmark", postmark("SpamComplaint", "SpamComplaint", "ada@example.org"))
    ada.refresh_from_db()
    assert ada.suppressed_reason.startswith("complaint")


def test_soft_bounces_suppress_after_three_in_a_row(email_provider):
    ada = follower("ada@example.org")
    for _ in range(2):
        post("postmark", postmark("Bounce", "SoftBounce", "ada@example.org"))
    ada.refresh_from_db()
    assert ada.soft_bounces == 2 and ada.suppressed_at is None
    post("postmark", postmark("Bounce", "SoftBounce", "ada@example.org"))
    ada.refresh_from_db()
    assert ada.suppressed_at and "3 soft bounces" in ada.suppressed_reason


def test_a_mailgun_permanent_failure_suppresses_the_follower(email_provider):
    ada = follower("ada@example.org")
    assert post("mailgun", mailgun_failed("ada@example.org"), auth=SECRET).status_code == 200
    ada.refresh_from_db()
    assert ada.suppressed_reason.startswith("hard bounce: Mailgun")


def test_a_mailgun_event_with_a_bad_signature_is_refused(email_provider):
    ada = follower("ada@example.org")
    response = post("mailgun", mailgun_failed("ada@example.org", key="forged"))
    assert response.status_code == 400
    ada.refresh_from_db()
    assert ada.suppressed_at is None


def test_events_without_the_webhook_password_are_refused(email_provider):
    ada = follower("ada@example.org")
    payload = postmark("Bounce", "HardBounce", "ada@example.org")
    assert post("postmark", payload, auth=None).status_code == 400
    assert post("postmark", payload, auth="anymail:wrong").status_code == 400
    ada.refresh_from_db()
    assert ada.suppressed_at is None


def test_without_a_webhook_secret_the_endpoint_does_not_exist(settings):
    settings.ANYMAIL = {}
    follower("ada@example.org")
    payload = postmark("Bounce", "HardBounce", "ada@example.org")
    assert post("postmark", payload, auth=None).status_code == 404
    assert Subscriber.objects.get().suppressed_at is None


def test_an_smtp_refusal_at_rcpt_suppresses_the_follower(smtp_sink):
    follower("ada@example.org")
    follower("bob@example.org")
    smtp_sink.rcpt_reply = lambda address: "550 5.1.1 No such mailbox" if "ada" in address else None
    open_incident()
    run_tasks()
    ada = Subscriber.objects.get(email="ada@example.org")
    assert ada.suppressed_at and "550 5.1.1" in ada.suppressed_reason
    assert Subscriber.objects.get(email="bob@example.org").suppressed_at is None
    assert len(smtp_sink.to("bob@example.org")) == 1
