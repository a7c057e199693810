"""The public pages are valid HTML: the Nu Html Checker (vnu.jar from npm, on Java)."""

import datetime
import json
import shutil
import subprocess

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.demo import load_demo
from incidents.models import Component, Incident
from public_store.mirrors import rewriting
from subscribers.tokens import confirm_token, manage_token

from .conftest import follower, later, open_incident
from .test_busy_page import busy_day

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
VNU = settings.BASE_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def public_pages():
    load_demo()
    email = Component.objects.get(name="Email")
    open_incident(title="Mail delays", component_changes={email: "partial_outage"})
    open_incident(
        title="Mailbox migration",
        kind="maintenance",
        status="scheduled",
        body="Planned.",
        scheduled_for=later(days=2),
        scheduled_until=later(days=2, hours=2),
    )
    from subscribers import services as followers

    pending = followers.subscriber_subscribe(email="eve@example.org")
    incident = Incident.objects.get(title="Server reboot and database recovery")
    services.postmortem_save(
        incident=incident, body="## Root cause\n\nThe database did *not* exit cleanly."
    )
    services.postmortem_publish(incident=incident)
    busy = timezone.localdate() - datetime.timedelta(days=2)
    busy_day(Component.objects.get(name="Network"), 5, day=busy)  # "and 2 more" links
    return {
        "home": "/",
        "home-page-2": "/?page=2",
        "incident": incident.get_absolute_url(),
        "history": reverse("history"),
        "history-of-a-day": f"{reverse('history')}?day={busy.isoformat()}",
        "bad-day": "/history?day=%3Cb%3E",
        "subscribe": reverse("subscribers:subscribe"),
        "thanks": reverse("subscribers:thanks"),
        "confirm": reverse("subscribers:confirm", args=[confirm_token(pending)]),
        "manage": reverse("subscribers:manage", args=[manage_token(follower())]),
        "api-docs": reverse("api_docs"),
        "not-found": "/no/such/page",
        "page-past-the-last": "/history?page=999",
        "bad-page-number": "/?page=%3Cb%3E",
    }


def mirrored(body, url):
    body = rewriting.rewrite_links(body, url, {"/": "/", "/history": "/history/"})
    return rewriting.with_notice(rewriting.as_mirrored_page(body), timezone.now())


def nu_html_checker(paths):
    """The checker's errors for these files: one JVM for all of them."""
    java = shutil.which("java")
    if not java or not VNU.is_file():
        pytest.fail(f"Needs Java and {VNU}: run `make test` (npm ci), or `npm ci` yourself.")
    run = subprocess.run(
        [java, "-jar", str(VNU), "--format", "json", "--errors-only", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return json.loads(run.stderr)["messages"]


def test_the_public_pages_have_no_html_errors(client, tmp_path, public_store):
    files = []
    for name, url in public_pages().items():
        response = client.get(url)
        assert response.status_code in (200, 400, 404), url
        files.append(tmp_path / f"{name}.html")
        files[-1].write_bytes(response.content)
    # As a mirror publishes them, and with posts made while the database was down.
    for name, url in {"mirrored-home": "/", "mirrored-subscribe": "/subscribe"}.items():
        files.append(tmp_path / f"{name}.html")
        files[-1].write_bytes(mirrored(client.get(url).content, url))
    incident = Incident.objects.get(title="Mail delays")
    services.journal_post(incident_id=incident.public_id, status="identified", body="**Found**")
    services.journal_post(title="Power failure", status="investigating", headline="On UPS")
    for name, url in {"journal-home": "/", "journal-incident": incident.get_absolute_url()}.items():
        files.append(tmp_path / f"{name}.html")
        files[-1].write_bytes(client.get(url).content)
        assert b"Posted while our systems were degraded" in files[-1].read_bytes()
    errors = [
        f"{message['url'].rsplit('/', 1)[-1]}:{message.get('lastLine')}: {message['message']}"
        for message in nu_html_checker(files)
    ]
    assert not errors, "\n".join(errors)


def test_the_checker_does_find_errors(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<!doctype html><html lang=en><title>x</title><p><div>block in p</span>")
    assert nu_html_checker([page])
