import datetime
import json

import pytest
from django.utils import timezone

from subscribers.models import Delivery, DeliveryKind
from worker.models import WorkerHeartbeat

from .conftest import ago, follower


@pytest.fixture
def worker_alive(db):
    return WorkerHeartbeat.objects.create(worker_id="test-worker", last_seen=timezone.now())


def health(client, **params):
    response = client.get("/healthz", params)
    return response.status_code, json.loads(response.content)


@pytest.mark.django_db
def test_healthy_when_database_worker_and_mail_are(client, worker_alive):
    status, body = health(client)
    assert status == 200 and body["status"] == "ok"
    assert body["database"]["ok"] and body["worker"]["ok"] and body["mail"]["ok"]
    assert body["worker"]["last_seen_seconds_ago"] < 5
    assert body["mail"]["oldest_pending_seconds"] == 0


@pytest.mark.django_db
def test_health_check_responses_are_never_cached(client, worker_alive):
    assert "no-cache" in client.get("/healthz")["Cache-Control"]


@pytest.mark.django_db
def test_no_worker_is_reported(client):
    status, body = health(client)
    assert status == 503
    assert body["worker"]["ok"] is False and "run_worker" in body["worker"]["error"]


@pytest.mark.django_db
def test_a_worker_that_stopped_checking_in_is_reported(client):
    WorkerHeartbeat.objects.create(worker_id="gone", last_seen=ago(minutes=5))
    status, body = health(client)
    assert status == 503 and body["worker"]["last_seen_seconds_ago"] >= 300


@pytest.mark.django_db
def test_mail_waiting_too_long_is_reported_with_its_age(client, worker_alive):
    subscriber = follower()
    Delivery.objects.create(
        subscriber=subscriber, kind=DeliveryKind.CONFIRMATION, next_attempt_at=ago(minutes=20)
    )
    status, body = health(client)
    assert status == 503 and body["mail"]["ok"] is False
    assert body["mail"]["oldest_pending_seconds"] >= 20 * 60 and body["mail"]["pending"] == 1


@pytest.mark.django_db
def test_mail_waiting_for_a_retry_later_is_not_an_alarm(client, worker_alive):
    subscriber = follower()
    later = timezone.now() + datetime.timedelta(minutes=5)
    Delivery.objects.create(
        subscriber=subscriber, kind=DeliveryKind.CONFIRMATION, next_attempt_at=later
    )
    status, body = health(client)
    assert status == 200 and body["mail"]["pending"] == 1


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_database_is_503_and_says_so(client, database_outage):
    database_outage.start()
    status, body = health(client)
    assert status == 503
    assert body["database"] == {"ok": False, "error": "the database is unreachable"}
    assert health(client, check="web") == (200, {"status": "ok", "web": {"ok": True}})
    database_outage.end()
    WorkerHeartbeat.objects.create(worker_id="w", last_seen=timezone.now())
    assert health(client)[0] == 200
