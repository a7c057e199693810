"""The public store while the database is unreachable: the last state, marked out of
date; the rest a clear 503; everything back by itself."""

import gzip
import re

import pytest
from django.test import Client
from django.urls import reverse

from worker import runner as worker

from .conftest import one_tick
from .test_public_store import PUBLIC_URLS


@pytest.mark.django_db(transaction=True)
def test_with_the_database_down_every_public_url_serves_the_last_state_with_a_note(
    client, public_store, two_pages_of_posts, database_outage
):
    posted = two_pages_of_posts
    incident = posted.incident
    urls = [
        *PUBLIC_URLS,
        incident.get_absolute_url(),
        f"/api/v2/incidents/{incident.public_id}.json",
    ]
    fresh = {url: client.get(url) for url in urls}
    assert all(response.status_code == 200 for response in fresh.values())
    public_store.invalidate()  # a change since: every stored copy is stale
    database_outage.start()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["X-Status-Page-Stale"] == "database unavailable"
    home = client.get("/").content.decode()
    assert "This page may be out of date." in home and "Cable cut" in home
    assert "Subscriptions are paused" in home and 'action="/subscribe"' not in home
    assert len(re.findall(r"<h1[\s>]", home)) == 1
    assert client.get("/api/v2/summary.json").content == fresh["/api/v2/summary.json"].content


@pytest.mark.django_db(transaction=True)
def test_the_note_shows_as_soon_as_the_worker_finds_the_database_down(
    client, public_store, posted, database_outage
):
    client.get("/")
    database_outage.start()
    worker.run_periodic_jobs(one_tick())  # the heartbeat fails: the outage is known
    page = client.get("/")
    assert page.status_code == 200 and "This page may be out of date." in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_with_the_database_down_the_rest_answers_a_clear_503(
    public_store, db, database_outage, admin_user
):
    client = Client(raise_request_exception=False)  # as a real server: the 503 handler answers
    client.force_login(admin_user)  # sessions live in the database
    database_outage.start()
    admin = client.get("/admin/")
    assert admin.status_code == 503 and "The admin is unavailable" in admin.content.decode()
    signup = client.post(reverse("subscribers:subscribe"), {"email": "ada@example.org"})
    assert signup.status_code == 503 and "Subscriptions are paused" in signup.content.decode()
    never_rendered = client.get("/incidents/neverrendered")
    assert never_rendered.status_code == 503
    assert "Temporarily unavailable" in never_rendered.content.decode()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json()["database"]["ok"] is False


@pytest.mark.django_db(transaction=True)
def test_when_the_database_is_back_everything_resumes_by_itself(
    client, public_store, posted, database_outage
):
    client.get("/")
    public_store.invalidate()
    database_outage.start()
    assert "out of date" in client.get("/").content.decode()
    database_outage.end()
    worker._worker_id = "test-worker"
    worker.run_periodic_jobs(one_tick())  # the worker's next round finds the database again
    page = client.get("/")
    assert page.status_code == 200 and "out of date" not in page.content.decode()
    assert "X-Status-Page-Stale" not in page


@pytest.mark.django_db(transaction=True)
def test_a_browser_holding_the_out_of_date_copy_gets_the_fresh_one_when_the_database_is_back(
    client, public_store, posted, database_outage
):
    client.get("/")
    public_store.invalidate()
    database_outage.start()
    stale = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert b"out of date" in gzip.decompress(stale.content)
    database_outage.end()
    public_store.mark_database_up()
    again = client.get("/", headers={"Accept-Encoding": "gzip", "If-None-Match": stale["ETag"]})
    assert again.status_code == 200 and b"out of date" not in gzip.decompress(again.content)
