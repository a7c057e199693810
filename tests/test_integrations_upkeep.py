"""`manage.py add_integration`, the worker's jobs (hold-downs released on time, history
pruned) and /healthz reporting integrations that fell silent."""

import datetime
import io
import json
import re
from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

import health
from incidents import services
from incidents.models import Component, Incident
from integrations import services as integration_services
from integrations.models import AlertGroup, Integration, IntegrationEvent
from integrations.services import groups_release_due
from worker import jobs
from worker.models import WorkerHeartbeat

from .alerts import integration, payload, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(db):
    return services.component_save(component=Component(name="Web servers"))


def add_integration(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("add_integration", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_add_integration_prints_the_address_to_configure(client, web):
    url, said = add_integration(
        "uptime-kuma", "Kuma", "--auto-publish", "--hold-down", "0", "--component", "web servers"
    )
    created = Integration.objects.get()
    assert (created.kind, created.auto_publish, created.hold_down) == ("uptime-kuma", True, 0)
    assert created.component == web
    assert url.startswith("http://127.0.0.1:8000/integrations/") and "shown only now" in said
    token = urlsplit(url).path.rsplit("/", 1)[1]
    assert send(client, token, payload("uptime-kuma-down")).status_code == 200
    assert Incident.objects.get().title == "Mail server is down"


def test_add_integration_defaults_to_drafts_and_a_two_minute_hold_down(web):
    add_integration("alertmanager", "Prometheus", "--expected-interval", "300")
    created = Integration.objects.get()
    assert (created.auto_publish, created.hold_down, created.expected_interval) == (
        False,
        120,
        300,
    )
    assert created.rate_limit == 600
    add_integration("generic", "Storm", "--rate-limit", "12000")
    assert Integration.objects.get(name="Storm").rate_limit == 12000


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["generic", "Scripts", "--component", "Billing"], "No component named “Billing”"),
        (["generic", "Scripts", "--hold-down", "-1"], "--hold-down must be 0 or more"),
        (["generic", "Scripts", "--expected-interval", "0"], "--expected-interval must be"),
        (["generic", "Scripts", "--rate-limit", "0"], "--rate-limit must be 1 or more"),
        (["generic", "Bad\nname"], "name: A line break (U+000A) is not allowed here."),
        (["nagios", "Scripts"], "invalid choice: 'nagios'"),
    ],
)
def test_add_integration_refuses_bad_input_in_one_line(web, args, error):
    with pytest.raises(CommandError, match=re.escape(error)):
        add_integration(*args)
    assert not Integration.objects.exists()


def test_add_integration_refuses_a_name_taken(web):
    add_integration("generic", "Scripts")
    with pytest.raises(CommandError, match="already exists"):
        add_integration("generic", "Scripts")


def test_the_worker_releases_held_down_alerts_every_second(client, web):
    [job] = [job for job in jobs.schedule() if job.function == groups_release_due]
    assert job.every == datetime.timedelta(seconds=1)
    _, token = integration(auto_publish=True, hold_down=60)
    send(client, token, payload("alertmanager-firing"))
    AlertGroup.objects.update(firing_since=timezone.now() - datetime.timedelta(seconds=61))
    job.run(now=0)
    assert Incident.objects.public().count() == 1


def test_old_history_is_pruned_and_what_matters_kept(client, web):
    assert integration_services.history_prune in jobs.registered()
    integration_, token = integration(auto_publish=True, hold_down=60)
    body = payload("alertmanager-firing")
    send(client, token, body)
    body["status"] = "resolved"
    for alert in body["alerts"]:
        alert["status"] = "resolved"
    send(client, token, body)  # within the hold-down: a group without an incident
    month_ago = timezone.now() - datetime.timedelta(days=31)
    IntegrationEvent.objects.update(at=month_ago)
    AlertGroup.objects.update(updated_at=month_ago)
    integration_services.history_prune()
    assert not IntegrationEvent.objects.exists() and not AlertGroup.objects.exists()
    assert integration_.payloads.count() == 2  # a week old, not yet


@pytest.fixture
def worker_alive(db):
    return WorkerHeartbeat.objects.create(worker_id="w", last_seen=timezone.now())


def healthz(client):
    response = client.get("/healthz")
    return response.status_code, json.loads(response.content)


def test_healthz_reports_an_integration_silent_longer_than_expected(client, web, worker_alive):
    assert "integrations" in health._checks
    _, token = integration(name="Prometheus", expected_interval=300)
    integration(name="Kuma", kind="uptime-kuma")  # no interval expected: never reported
    Integration.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))
    status, body = healthz(client)
    assert status == 503 and not body["integrations"]["ok"]
    assert "Prometheus (nothing for 60 min)" in body["integrations"]["error"]
    assert "Kuma" not in body["integrations"]["error"]
    send(client, token, payload("alertmanager-watchdog"))  # the always-firing alert
    status, body = healthz(client)
    assert status == 200 and body["integrations"] == {"ok": True}


def test_a_paused_integration_is_not_reported_silent(client, web, worker_alive):
    integration(expected_interval=60, is_active=False)
    Integration.objects.update(created_at=timezone.now() - datetime.timedelta(hours=1))
    assert healthz(client)[0] == 200
