"""A webhook from the public /subscribe page: confirmed by mail to its contact address,
like an email follower; the confirmation page shows its signing secret."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from standardwebhooks.webhooks import Webhook

from subscribers.models import Subscriber

from .conftest import call_due, open_incident, run_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_webhook_signs_up_confirms_by_mail_and_gets_posts(client, receiver, smtp_sink):
    response = client.post(
        reverse("subscribers:subscribe"),
        {"email": "ops@example.org", "webhook_url": receiver.url()},
    )
    assert response.status_code == 302
    run_tasks()
    hook = Subscriber.objects.get()
    assert hook.kind == "webhook" and hook.email == "ops@example.org" and not hook.is_confirmed
    [mail] = smtp_sink.to("ops@example.org")
    text = mail.get_body(("plain",)).get_content()
    assert receiver.url() in text
    open_incident(title="Before confirming")
    run_tasks()
    call_due()
    assert receiver.requests == []  # nothing before the confirmation

    confirm = re.search(r"http://\S+/subscribe/confirm/\S+", text).group(0)
    page = Client().post(confirm.replace("http://127.0.0.1:8000", "")).content.decode()
    hook.refresh_from_db()
    assert hook.is_confirmed and hook.secret in page
    open_incident(title="After confirming")
    run_tasks()
    call_due()
    [request] = receiver.requests
    assert Webhook(hook.secret).verify(request.body, request.headers)["incident"]["name"] == (
        "After confirming"
    )


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "http://169.254.169.254/", "ftp://x.example/", "x" * 2100]
)
def test_a_bad_webhook_url_is_a_400_and_records_nothing(client, url):
    response = client.post(
        reverse("subscribers:subscribe"), {"email": "ops@example.org", "webhook_url": url}
    )
    assert response.status_code == 400
    assert not Subscriber.objects.exists()
