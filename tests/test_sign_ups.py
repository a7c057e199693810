"""Sign-ups are recorded by the request and acted on by the worker, exactly once, even
when its task is lost or runs twice."""

import threading

import pytest
from django.db import connection
from django.test import Client

from subscribers import services
from subscribers.models import Delivery, DeliveryKind, SignUp, Subscriber
from worker import jobs

from .conftest import run_tasks


def confirmations():
    return Delivery.objects.filter(kind=DeliveryKind.CONFIRMATION).count()


@pytest.mark.django_db
def test_a_sign_up_is_acted_on_once_however_often_it_is_processed(network):
    sign_up = services.sign_up_record(email="Ada@Example.org", components=[network])
    assert [services.sign_up_process(sign_up_id=sign_up.pk) for _ in range(2)] == [True, False]
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "ada@example.org" and not subscriber.is_confirmed
    assert list(subscriber.components.all()) == [network]
    assert confirmations() == 1 and not SignUp.objects.exists()


@pytest.mark.django_db
def test_a_lost_task_only_delays_the_sign_up():
    # Tests never commit, so the task queued on commit is never queued: as if lost.
    services.sign_up_record(email="ada@example.org")
    assert services.sign_ups_process_due in jobs.registered()
    assert services.sign_ups_process_due() == 1
    assert Subscriber.objects.filter(email="ada@example.org").exists() and confirmations() == 1


@pytest.mark.django_db
def test_components_deleted_in_the_meantime_are_left_out(network, web):
    from incidents import services as incident_services

    sign_up = services.sign_up_record(email="ada@example.org", components=[network, web])
    incident_services.component_delete(component=web)
    services.sign_up_process(sign_up_id=sign_up.pk)
    assert list(Subscriber.objects.get().components.all()) == [network]


@pytest.mark.django_db(transaction=True)
def test_the_task_and_the_periodic_job_together_send_one_confirmation(smtp_sink):
    assert Client().post("/subscribe", {"email": "ada@example.org"}).status_code == 302
    services.sign_ups_process_due()  # the periodic job comes first
    run_tasks()  # the task finds nothing left to do; the mail goes out
    assert len(smtp_sink.to("ada@example.org")) == 1 and confirmations() == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_act_on_a_sign_up_once():
    sign_ups = [services.sign_up_record(email=f"f{n}@example.org") for n in range(20)]
    results = []

    def worker():
        try:
            results.extend(services.sign_up_process(sign_up_id=s.pk) for s in sign_ups)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 20 and results.count(False) == 20
    assert Subscriber.objects.count() == 20 and confirmations() == 20
