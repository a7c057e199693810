"""A worker killed mid-work: its successor takes over its claims within 5 seconds (its
heartbeat stopped), not after the 60-second lease; mail and webhook calls alike."""

import os
import signal
import time

import pytest

from subscribers.models import Delivery, DeliveryState

from .conftest import channel, open_incident
from .http_receiver import HTTPReceiver
from .test_delivery_workers import add_followers, start_worker, stop, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def held_by_the_dead():
    return set(
        Delivery.objects.filter(state=DeliveryState.SENDING).values_list("claimed_by", flat=True)
    )


def take_over(smtp_sink, tmp_path, dead):
    """Start a successor; seconds until nothing is held by the dead worker any more."""
    started = time.monotonic()
    second = start_worker(smtp_sink, tmp_path / "worker.log", lease=60)
    try:
        wait_for(
            lambda: (
                not Delivery.objects.filter(
                    state=DeliveryState.SENDING, claimed_by__in=dead
                ).exists()
            ),
            30,
            "the claims to be given back",
        )
    except BaseException:
        stop(second)  # never leave a worker behind to take later tests' tasks
        raise
    return second, time.monotonic() - started


def test_a_restarted_worker_resumes_mail_claims_within_5_seconds(smtp_sink, tmp_path):
    add_followers(100)
    first = start_worker(smtp_sink, tmp_path / "worker.log", lease=60)
    seen = []

    def kill_at_the_10th(address):
        seen.append(address)
        if len(seen) == 10:
            os.kill(first.pid, signal.SIGKILL)

    smtp_sink.on_rcpt = kill_at_the_10th
    open_incident()
    first.wait(timeout=60)
    smtp_sink.on_rcpt = None
    dead = held_by_the_dead()
    assert dead, "the worker should have died holding claims"
    second, taken_over = take_over(smtp_sink, tmp_path, dead)
    try:
        wait_for(lambda: smtp_sink.count >= 100, 60, "every mail")
    finally:
        stop(second)
    assert taken_over < 5, f"took {taken_over:.1f} s"
    assert set(smtp_sink.copies_per_recipient().values()) == {1}


def test_a_restarted_worker_resumes_webhook_claims_within_5_seconds(smtp_sink, tmp_path, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    hanging = HTTPReceiver(delay=8).start()
    try:
        for n in range(5):
            channel("webhook", hanging.url(f"/{n}"))
        first = start_worker(smtp_sink, tmp_path / "worker.log", lease=60)
        open_incident()
        wait_for(lambda: len(hanging.requests) == 5, 30, "the calls to be made")
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        hanging.delay = 0
        dead = held_by_the_dead()
        assert dead, "the worker should have died holding claims"
        second, taken_over = take_over(smtp_sink, tmp_path, dead)
        try:
            wait_for(
                lambda: Delivery.objects.filter(state=DeliveryState.SENT).count() == 5,
                20,
                "every call made again",
            )
        finally:
            stop(second)
    finally:
        hanging.stop()
    assert taken_over < 5, f"took {taken_over:.1f} s"
    ids = [r.headers["webhook-id"] for r in hanging.requests]
    assert len(ids) == 10 and len(set(ids)) == 5  # a repeat carries the same id
