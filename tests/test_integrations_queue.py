"""An integration's deliveries are applied one at a time, in the order received: while
one is being applied, the others wait in the queue (202) and the worker applies them."""

import pytest
from django.core.cache import cache
from django_tasks_db.models import DBTaskResult

from incidents import services
from incidents.models import Component, Incident
from integrations.models import AlertPayload
from integrations.services import grouping, payloads_apply_due
from integrations.services.receiving import apply_queued

from .alerts import integration, payload, resolved, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(db):
    return services.component_save(component=Component(name="Web servers"))


def busy(integration_):
    """Another process is applying this integration's deliveries."""
    key = f"integrations:applying:{integration_.pk}"
    assert cache.add(key, 1)
    return lambda: cache.delete(key)


def test_while_another_delivery_is_applied_alerts_wait_and_are_applied_in_order(client, web):
    integration_, token = integration(auto_publish=True, hold_down=0)
    done = busy(integration_)
    body = payload("alertmanager-firing")
    for sent in [body, resolved(body)]:
        response = send(client, token, sent)
        assert response.status_code == 202 and "queued" in response.json()["result"]
    assert not Incident.objects.exists()
    assert payloads_apply_due() == 0  # still busy: the one applying goes on with the queue
    done()
    assert payloads_apply_due() == 2
    incident = Incident.objects.get()
    assert incident.status == "resolved"  # opened, then resolved: in order
    outcomes = list(AlertPayload.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes[0].startswith("published") and outcomes[1] == "resolved the incident"
    assert not AlertPayload.objects.filter(applied_at__isnull=True).exists()


def test_a_delivery_behind_a_queue_waits_its_turn(client, web):
    integration_, token = integration(auto_publish=True, hold_down=0)
    done = busy(integration_)
    body = payload("alertmanager-firing")
    send(client, token, body)
    done()  # nobody applies, but the queue is not empty: the next one joins it
    assert send(client, token, resolved(body)).status_code == 202
    assert not Incident.objects.exists()
    payloads_apply_due()
    assert Incident.objects.get().status == "resolved"


def test_a_queued_delivery_has_the_worker_called(client, web, django_capture_on_commit_callbacks):
    integration_, token = integration(auto_publish=True, hold_down=0)
    done = busy(integration_)
    with django_capture_on_commit_callbacks(execute=True):
        send(client, token, payload("alertmanager-firing"))
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "integrations.services.receiving.apply_queued"
    assert queued.args_kwargs["args"] == [integration_.pk]
    done()
    assert apply_queued.call(integration_.pk) == 1
    assert Incident.objects.public().count() == 1


def test_a_fault_in_one_queued_delivery_does_not_hold_up_the_rest(client, web, monkeypatch):
    integration_, token = integration(auto_publish=True, hold_down=0)
    done = busy(integration_)
    send(client, token, {"not": "alertmanager's"} | payload("alertmanager-firing"))
    send(client, token, payload("alertmanager-firing"))
    done()
    real, calls = grouping.batch_apply, []

    def failing_once(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a bug")
        return real(**kwargs)

    monkeypatch.setattr("integrations.services.receiving.batch_apply", failing_once)
    assert payloads_apply_due() == 2
    first, second = AlertPayload.objects.order_by("id")
    assert "could not be applied: RuntimeError('a bug')" in first.outcome
    assert second.outcome.startswith("published") and Incident.objects.count() == 1


def test_a_malformed_body_is_refused_at_once_even_behind_a_queue(client, web):
    integration_, token = integration()
    done = busy(integration_)
    response = send(client, token, b"{")
    assert response.status_code == 400 and "Invalid JSON" in response.json()["error"]
    done()
    assert payloads_apply_due() == 0


def test_a_storm_wakes_the_worker_once(client, web, django_capture_on_commit_callbacks):
    integration_, token = integration()
    done = busy(integration_)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            assert send(client, token, payload("alertmanager-firing")).status_code == 202
    assert DBTaskResult.objects.count() == 1  # one task applies the whole queue
    done()
    assert apply_queued.call(integration_.pk) == 5
