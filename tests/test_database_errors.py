"""A request's own database error (a bad value, a broken constraint, a lock) is answered
for that request alone; only an unreachable database is an outage, which every visitor
sees as "this page may be out of date".

The faults are real queries the database rejects (tests/database_faults.py); a real
outage (the database at a wrong address) is in test_public_store_outage.py and test_healthz.py.
"""

import sqlite3
from contextlib import contextmanager, nullcontext

import pytest
from django.db import connection
from django.test import Client

from subscribers import services
from subscribers.models import Subscriber
from worker import jobs
from worker import runner as worker

from . import database_faults
from .conftest import one_tick, open_incident

pytestmark = [pytest.mark.urls("tests.database_faults"), pytest.mark.django_db(transaction=True)]
STALE_NOTE = "This page may be out of date."


@pytest.fixture(params=list(database_faults.FAULTS))
def fault(request, db):
    name = request.param
    if connection.vendor not in database_faults.FAULTS[name]:
        pytest.skip(f"{name} is not a fault on {connection.vendor}")
    database_faults.raised.clear()
    yield name
    connection.close()  # a test that failed may leave a connection the server dropped


@contextmanager
def sqlite_write_lock():
    """Another process holds SQLite's write lock; we wait for it briefly, not 20 s."""
    options = connection.settings_dict["OPTIONS"]
    saved = dict(options)
    holder = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    connection.close()
    options["timeout"] = 0.2
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        connection.close()
        options.clear()
        options.update(saved)


def provoke(fault, action):
    with sqlite_write_lock() if fault == "database-locked" else nullcontext():
        result = action()
    _, expected = database_faults.FAULTS[fault][connection.vendor]
    assert type(database_faults.raised[-1]) is expected  # the fault we meant, for real
    return result


def assert_everything_is_current(client, title):
    """Pages fresh (a new post shows at once), the follow form there, sign-ups open."""
    open_incident(title=title)
    page = client.get("/")
    assert page.status_code == 200 and "X-Status-Page-Stale" not in page
    html = page.content.decode()
    assert title in html and STALE_NOTE not in html
    assert 'action="/subscribe"' in html and "Subscriptions are paused" not in html
    signup = client.post("/subscribe", {"email": "ada@example.org"})
    assert signup.status_code == 302
    services.sign_ups_process_due()  # what the worker does with the sign-up
    assert Subscriber.objects.filter(email="ada@example.org").exists()


@pytest.mark.parametrize("route", ["fault", "public-fault"])
def test_a_requests_own_database_error_is_a_500_for_it_alone(public_store, network, fault, route):
    client = Client(raise_request_exception=False)  # as a real server: the 500 handler answers
    open_incident(title="Cable cut")
    assert "Cable cut" in client.get("/").content.decode()  # stored
    response = provoke(fault, lambda: client.get(f"/{route}/{fault}"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert_everything_is_current(Client(), "Power restored")


@pytest.fixture
def failing_job():
    """A periodic job beside the worker's own, which meets the fault."""
    jobs.register(database_faults.failing_job, every=60)
    yield database_faults.failing_job
    jobs.unregister(database_faults.failing_job)


def test_a_jobs_own_database_error_is_not_an_outage(public_store, network, fault, failing_job):
    client = Client()
    client.get("/")
    failing_job.fault = fault
    worker._worker_id = "test-worker"
    provoke(fault, lambda: worker.run_periodic_jobs(one_tick()))
    assert_everything_is_current(client, "Power restored")


@pytest.mark.skipif("connection.vendor != 'postgresql'")
# The rate limit's key for this address is longer than memcached allows, which only warns
# (pytest makes that warning an error); the stores this project uses take any key.
@pytest.mark.filterwarnings("ignore::django.core.cache.backends.base.CacheKeyWarning")
def test_an_address_that_grows_when_lower_cased_pauses_nothing(public_store, network):
    # "İ" lower-cases to two characters: 254 of them become more than the column holds,
    # a DataError on PostgreSQL (until sign-up refuses or shortens such an address).
    domain = "a" * 63 + "." + "b" * 63 + "." + "c" * 57 + ".org"
    address = "İ" * 64 + "@" + domain
    assert len(address) == 254 and len(address.lower()) > 254
    client = Client(raise_request_exception=False)
    client.get("/")
    response = client.post("/subscribe", {"email": address})
    assert response.status_code in (302, 400, 500)
    assert "Subscriptions are paused" not in response.content.decode()
    assert_everything_is_current(client, "Power restored")


# Every path that meets the database -> how it meets it during an outage.
OUTAGE_FINDERS = {
    "a public page": lambda client: client.get("/history"),
    "a sign-up (the 500 handler)": lambda client: client.post("/subscribe", {"email": "a@b.cd"}),
    "the worker": lambda client: worker.run_periodic_jobs(one_tick()),
    "/healthz": lambda client: client.get("/healthz"),
}


@pytest.mark.parametrize("finder", OUTAGE_FINDERS)
def test_a_real_outage_is_still_found_by_every_path(public_store, network, database_outage, finder):
    client = Client(raise_request_exception=False)
    worker._worker_id = "test-worker"
    open_incident(title="Cable cut")
    assert STALE_NOTE not in client.get("/").content.decode()  # stored, and current
    database_outage.start()
    OUTAGE_FINDERS[finder](client)
    page = client.get("/").content.decode()
    assert STALE_NOTE in page and "Cable cut" in page and "Subscriptions are paused" in page
