"""`manage.py add_subscriber`: any kind, active at once; a webhook's secret printed."""

import io

import pytest
from django.core.management import CommandError, call_command
from standardwebhooks.webhooks import Webhook

from subscribers.models import Subscriber

from .conftest import call_due, open_incident, run_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def add(*args):
    out = io.StringIO()
    call_command("add_subscriber", *args, stdout=out)
    return out.getvalue()


def test_a_webhook_added_from_the_shell_is_active_and_its_secret_verifies(receiver, network):
    out = add("webhook", receiver.url(), "--component", "Network", "--email", "ops@example.org")
    secret = out.split("Signing secret: ")[1].strip()
    hook = Subscriber.objects.get()
    assert hook.is_confirmed and hook.email == "ops@example.org" and not hook.all_components
    open_incident(component_changes={network: "major_outage"})
    run_tasks()
    call_due()
    assert Webhook(secret).verify(receiver.requests[0].body, receiver.requests[0].headers)


def test_an_email_follower_from_the_shell_needs_no_confirmation():
    add("email", "Ada@Example.org")
    assert Subscriber.objects.get().is_confirmed


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["webhook", "ftp://example.org/"], "http:// or https://"),
        (["slack", "https://hooks.example.org/x", "--component", "Nope"], "No component"),
        (["email", "not an address"], "valid email"),
    ],
)
def test_bad_input_is_a_one_line_error(args, error, network):
    with pytest.raises(CommandError, match=error):
        add(*args)
    assert not Subscriber.objects.exists()


def test_the_same_url_twice_is_refused():
    add("slack", "https://hooks.example.org/x")
    with pytest.raises(CommandError, match="already follows"):
        add("slack", "https://hooks.example.org/x")
