"""The public store: every public response rendered once per change, served without the
database."""

import gzip
import sys

import brotli
import pytest
from django.http import QueryDict

from incidents import services
from incidents.models import Component, IncidentUpdate
from public_store import warming

from .conftest import ago, later, open_incident

PUBLIC_URLS = [
    "/",
    "/?page=2",
    "/history",
    "/history.rss",
    "/history.atom",
    "/badge.svg",
    "/maintenance.ics",
    "/subscribe",
    "/api/v2/",
    "/api/v2/summary.json",
    "/api/v2/incidents.json",
    "/api/v2/uptime.json",
]


def committed(django_capture_on_commit_callbacks, action):
    """Run a write as if its transaction committed (tests never commit)."""
    with django_capture_on_commit_callbacks(execute=True):
        return action()


@pytest.mark.django_db
def test_stored_public_pages_are_served_without_any_query(
    client, public_store, two_pages_of_posts, django_assert_num_queries
):
    posted = two_pages_of_posts
    urls = [*PUBLIC_URLS, posted.incident.get_absolute_url()]
    for url in urls:
        assert client.get(url).status_code == 200, url
    for url in urls:
        with django_assert_num_queries(0):
            assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_unknown_query_parameters_do_not_bypass_the_store(
    client, public_store, posted, django_assert_num_queries
):
    client.get("/")
    with django_assert_num_queries(0):
        assert client.get("/?utm_source=mail&x=1").status_code == 200


@pytest.mark.django_db
def test_warming_renders_the_busiest_urls_before_anyone_asks(
    client, public_store, posted, django_assert_num_queries
):
    assert warming.warm() >= 15
    with django_assert_num_queries(0):
        for url in [
            "/",
            "/api/v2/summary.json",
            "/history.rss",
            posted.incident.get_absolute_url(),
        ]:
            assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_conditional_requests_get_304_and_head_gets_no_body(client, public_store, posted):
    first = client.get("/")
    assert first["Cache-Control"] == (
        "public, max-age=0, s-maxage=2, stale-while-revalidate=30, stale-if-error=86400"
    )
    assert client.get("/", headers={"If-None-Match": first["ETag"]}).status_code == 304
    assert client.get("/", headers={"If-None-Match": f"W/{first['ETag']}"}).status_code == 304
    since = client.get("/", headers={"If-Modified-Since": first["Last-Modified"]})
    assert since.status_code == 304 and since["ETag"] == first["ETag"]
    assert client.get("/", headers={"If-None-Match": '"other"'}).status_code == 200
    head = client.head("/")
    assert head.status_code == 200 and head.content == b""
    assert head["Content-Length"] == first["Content-Length"]


@pytest.mark.django_db
def test_html_and_json_are_compressed_when_the_client_accepts_it(client, public_store, posted):
    for url in ["/", "/api/v2/summary.json"]:
        plain = client.get(url).content
        gzipped = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
        assert gzipped["Content-Encoding"] == "gzip" and gzipped["Vary"] == "Accept-Encoding"
        assert gzip.decompress(gzipped.content) == plain
        assert len(gzipped.content) < len(plain) / 2
        br = client.get(url, headers={"Accept-Encoding": "gzip, br"})
        assert br["Content-Encoding"] == "br" and brotli.decompress(br.content) == plain


def _second_post(incident, network):
    return services.update_create(incident=incident, status="identified", body="Found the break.")


# Each public change: (what to prepare first, the change itself).
CHANGES = {
    "a new post": (None, _second_post),
    "an edited post": (
        None,
        lambda incident, network: services.update_edit(
            update=incident.updates.get(), body="Found the break."
        ),
    ),
    "a deleted post": (
        _second_post,
        lambda incident, network, prepared: services.update_delete(update=prepared),
    ),
    "an edited incident": (
        None,
        lambda incident, network: services.incident_edit(incident=incident, title="Renamed"),
    ),
    "a deleted incident": (
        None,
        lambda incident, network: services.incident_delete(incident=incident),
    ),
    "a component status change": (
        None,
        lambda incident, network: services.component_set_status(
            component=network, status="degraded_performance"
        ),
    ),
    "a new component": (
        None,
        lambda incident, network: services.component_save(component=Component(name="Storage")),
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("change", CHANGES)
def test_every_public_change_refreshes_the_stored_pages(
    client, public_store, posted, network, django_capture_on_commit_callbacks, change
):
    prepare, act = CHANGES[change]
    arguments = (posted.incident, network)
    if prepare:
        arguments += (prepare(*arguments),)
    urls = ["/", "/api/v2/summary.json", "/api/v2/incidents.json"]
    before = {url: client.get(url).content for url in urls}
    committed(django_capture_on_commit_callbacks, lambda: act(*arguments))
    for url in urls:
        assert client.get(url).content != before[url], url


@pytest.mark.django_db
def test_a_deleted_post_disappears_from_the_stored_pages(
    client, public_store, posted, django_capture_on_commit_callbacks
):
    wrong = services.update_create(
        incident=posted.incident, status="identified", headline="Posted to the wrong page", body="x"
    )
    urls = ["/", "/history.rss", "/history.atom", "/api/v2/incidents.json"]
    urls.append(posted.incident.get_absolute_url())
    assert all("Posted to the wrong page" in client.get(url).content.decode() for url in urls)
    committed(django_capture_on_commit_callbacks, lambda: services.update_delete(update=wrong))
    assert not any("Posted to the wrong page" in client.get(url).content.decode() for url in urls)


@pytest.mark.django_db
def test_a_future_post_appears_when_it_goes_live(
    client, public_store, db, django_capture_on_commit_callbacks
):
    future = open_incident(title="Planned work", published_at=later(minutes=5))
    assert "Planned work" not in client.get("/").content.decode()
    IncidentUpdate.objects.filter(pk=future.pk).update(published_at=ago(seconds=1))
    committed(django_capture_on_commit_callbacks, services.updates_release_due)
    assert "Planned work" in client.get("/").content.decode()


@pytest.mark.django_db
def test_an_unreachable_store_only_makes_the_site_dynamic(client, settings, posted):
    unreachable = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
    settings.CACHES = settings.CACHES | {"public": unreachable}
    for url in ["/", "/api/v2/summary.json", posted.incident.get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 200 and b"Cable cut" in response.content


@pytest.mark.django_db
def test_stored_pages_are_rendered_again_after_a_while_even_with_no_change(
    client, public_store, db, settings
):
    # A post dated a minute ahead becomes visible with time alone; with no worker running
    # to notice, the store still picks it up once its copy of / is old enough.
    future = open_incident(title="Planned work", published_at=later(minutes=1))
    assert "Planned work" not in client.get("/").content.decode()
    IncidentUpdate.objects.filter(pk=future.pk).update(published_at=ago(seconds=1))
    assert "Planned work" not in client.get("/").content.decode()  # the stored copy
    settings.PUBLIC_REFRESH_SECONDS = 0
    assert "Planned work" in client.get("/").content.decode()


class OldEntry:
    """A stored copy's class as an earlier version of the code named it."""


@pytest.mark.django_db
def test_a_copy_stored_by_another_version_is_rendered_again(
    client, public_store, posted, monkeypatch
):
    # After an upgrade the shared store still holds copies pickled with classes that are
    # gone; reading one must not fail the page for every visitor.
    public_store.cache.set(public_store.key_of("/", QueryDict()), OldEntry())
    monkeypatch.delattr(sys.modules[__name__], "OldEntry")
    response = client.get("/")
    assert response.status_code == 200 and "Cable cut" in response.content.decode()
    assert client.get("/").status_code == 200  # and the copy stored now is readable
