"""The public read path: rendered once per change, served without the database."""

import gzip
import re
import sys

import brotli
import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from hypothesis import example, given
from hypothesis import strategies as st

from incidents import services
from incidents.models import Component, IncidentUpdate
from public_store import warming
from worker import runner as worker

from .conftest import ago, later, one_tick, open_incident
from .strategies import HOSTILE_TEXT

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


@pytest.fixture
def posted(db, network):
    return open_incident(title="Cable cut", component_changes={network: "major_outage"})


@pytest.fixture
def two_pages_of_posts(posted):
    """Enough posts for /?page=2 to exist."""
    for n in range(20):
        services.update_create(incident=posted.incident, status="identified", body=f"Still {n}.")
    return posted


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


@pytest.mark.django_db(transaction=True)
def test_with_the_database_down_every_public_url_serves_the_last_state_with_a_note(
    client, public_store, two_pages_of_posts, database_outage
):
    posted = two_pages_of_posts
    urls = [*PUBLIC_URLS, posted.incident.get_absolute_url()]
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


@pytest.mark.django_db
def test_a_host_not_allowed_gets_400_on_public_pages_as_on_the_admin(client, public_store, posted):
    urls = ["/", "/api/v2/summary.json", "/history.rss", posted.incident.get_absolute_url()]
    for url in urls:
        assert client.get(url).status_code == 200  # stored
    for url in [*urls, "/admin/"]:
        for method in (client.get, client.head):
            response = method(url, headers={"Host": "evil.example"})
            assert response.status_code == 400, url
            assert b"Cable cut" not in response.content


# Accept-Encoding as RFC 9110 §12.5.3 reads it -> the coding the answer must have.
ACCEPT_ENCODING = {
    None: "identity",  # no preference: curl and scripts that cannot decode get plain bytes
    "": "identity",
    "gzip": "gzip",
    "gzip;q=0": "identity",
    "gzip; q=0, br;q=0.000": "identity",
    "br;q=0, gzip": "gzip",
    "gzip, br": "br",
    "br;q=0.5, gzip;q=0.8": "gzip",
    "br ; Q=0.1, gzip;q=0.2, identity;q=0.3": "identity",
    "zbr": "identity",
    "xgzip, brotli, gzip2": "identity",
    "GZIP": "gzip",
    "x-gzip": "gzip",
    "*": "br",
    "*;q=0, gzip": "gzip",
    "*, br;q=0": "gzip",
    "identity;q=0, gzip;q=0.001": "gzip",
    "identity;q=0, *;q=0": "identity",  # nothing acceptable: the page still answers
    "gzip;q=2, br;q=0.5x": "identity",  # not q-values: as if not listed
    "deflate, gzip;q=0.5": "gzip",
}
ETAG_SUFFIX = {"identity": "", "gzip": "-gz", "br": "-br"}
DECODE = {"identity": lambda body: body, "gzip": gzip.decompress, "br": brotli.decompress}


def _accepting(accept_encoding):
    return {} if accept_encoding is None else {"Accept-Encoding": accept_encoding}


@pytest.mark.django_db
@pytest.mark.parametrize("accept_encoding", ACCEPT_ENCODING)
def test_the_coding_follows_accept_encoding_and_each_has_its_own_etag(
    client, public_store, posted, accept_encoding
):
    coding = ACCEPT_ENCODING[accept_encoding]
    for url in ["/", "/api/v2/summary.json"]:
        plain = client.get(url)
        response = client.get(url, headers=_accepting(accept_encoding))
        assert response.get("Content-Encoding", "identity") == coding, url
        assert DECODE[coding](response.content) == plain.content
        assert response["ETag"] == plain["ETag"][:-1] + ETAG_SUFFIX[coding] + '"'
        assert response["Vary"] == "Accept-Encoding"
        head = client.head(url, headers=_accepting(accept_encoding))
        assert head["Content-Length"] == str(len(response.content))
        assert head["ETag"] == response["ETag"]


# Pieces of Accept-Encoding headers, glued together at random.
ACCEPT_ENCODING_PIECES = st.sampled_from(
    [
        "gzip",
        "br",
        "identity",
        "*",
        "x-gzip",
        "zbr",
        ";q=0",
        ";q=1",
        ";q=0.5",
        ";q=",
        ";q",
        "; q = 0",
        ";q=1.5",
        ";level=1",
        ",",
        ", ",
        ";",
        "=",
        " ",
        "\t",
        "GZIP",
        "Br",
    ]
)


@pytest.mark.django_db
@given(accept_encoding=st.one_of(HOSTILE_TEXT, st.lists(ACCEPT_ENCODING_PIECES).map("".join)))
@example(accept_encoding=";q=0, ,;;, q=1")
def test_any_accept_encoding_gets_a_page_in_a_coding_it_names(
    client, public_store, posted, accept_encoding
):
    plain = client.get("/").content
    response = client.get("/", headers={"Accept-Encoding": accept_encoding})
    assert response.status_code == 200
    coding = response.get("Content-Encoding", "identity")
    assert DECODE[coding](response.content) == plain
    assert coding == "identity" or coding in accept_encoding.lower() or "*" in accept_encoding


@pytest.mark.django_db
@pytest.mark.parametrize("coding", ["identity", "gzip", "br"])
def test_a_304_is_for_the_coding_asked_for(client, public_store, posted, coding):
    etags = {c: client.get("/", headers={"Accept-Encoding": c})["ETag"] for c in ETAG_SUFFIX}
    assert len(set(etags.values())) == 3

    def revalidate(*tags):
        return client.get(
            "/", headers={"Accept-Encoding": coding, "If-None-Match": ", ".join(tags)}
        )

    mine = revalidate(etags[coding])
    assert mine.status_code == 304 and mine["ETag"] == etags[coding]
    assert revalidate(f"W/{etags[coding]}").status_code == 304
    # A cache holding every coding sends all their tags: the 304 names the one to use.
    every = revalidate(*etags.values())
    assert every.status_code == 304 and every["ETag"] == etags[coding]
    for other in set(ETAG_SUFFIX) - {coding}:
        response = revalidate(etags[other])  # a copy in another coding is not this one
        assert response.status_code == 200 and response["ETag"] == etags[coding]
        assert response.get("Content-Encoding", "identity") == coding


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


# The store cannot be bypassed or filled: only the query parameters a view reads are
# keyed on, a bad value is refused before anything is rendered, and only GET and HEAD
# (and what a view declares it answers itself) reach a public page.


@pytest.fixture
def file_store(settings, tmp_path, public_store):
    """The store as one machine's web processes share it by default: files on disk."""
    directory = tmp_path / "store"
    backend = "django.core.cache.backends.filebased.FileBasedCache"
    settings.CACHES = settings.CACHES | {"public": {"BACKEND": backend, "LOCATION": str(directory)}}
    public_store.stored_copies = lambda: len(list(directory.glob("*.djcache")))
    return public_store


def every_public_url(incident, component):
    """Every URL of a public view in the URLconf, so that a view added later is covered."""
    urls = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif getattr(pattern.callback, "public_page", None):
                urls.append(prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns)
    ids = {"incidents/": incident.public_id, "components/": component.public_id}
    return [
        "/"
        + next(
            (url.replace("<slug:public_id>", i) for p, i in ids.items() if url.startswith(p)), url
        )
        for url in urls
    ]


PAGED_URLS = ["/", "/history", "/api/v2/incidents.json", "/api/v2/scheduled-maintenances.json"]
JUNK_PAGES = ["abc", "0", "-1", "", "1.5", "1e3", "١", "１", "100001", "9" * 30, "2 ", "\x00"]
JUNK_QUERIES = [
    *({"page": junk} for junk in JUNK_PAGES),
    {"per_page": "0"},
    {"per_page": "101"},
    {"per_page": "all"},
    {"page": ["1", "2"]},
]


@pytest.mark.django_db
def test_a_bad_page_value_is_a_400_that_renders_and_stores_nothing(
    client, file_store, posted, django_assert_num_queries
):
    for url in PAGED_URLS:
        client.get(url)
    stored = file_store.stored_copies()
    for url in PAGED_URLS:
        for query in JUNK_QUERIES:
            if "per_page" in query and not url.startswith("/api/"):
                continue
            with django_assert_num_queries(0):
                response = client.get(url, query)
            assert response.status_code == 400, (url, query)
    assert file_store.stored_copies() == stored


@pytest.mark.django_db
def test_a_page_past_the_last_is_a_404_and_is_not_stored(client, file_store, posted):
    for url in PAGED_URLS:
        client.get(url)
    stored = file_store.stored_copies()
    for url in PAGED_URLS:
        for page in ["2", "3", "99999", "100000"]:
            assert client.get(url, {"page": page}).status_code == 404, (url, page)
    assert file_store.stored_copies() == stored


@pytest.mark.django_db
def test_the_first_page_however_written_is_the_one_stored_copy(
    client, file_store, posted, django_assert_num_queries
):
    for url in PAGED_URLS:
        plain = client.get(url)
        stored = file_store.stored_copies()
        for query in ["page=1", "page=01", "page=000000001", "page=1&utm_source=x"]:
            with django_assert_num_queries(0):
                response = client.get(f"{url}?{query}")
            assert response.content == plain.content and response["ETag"] == plain["ETag"]
        assert file_store.stored_copies() == stored
    plain = client.get("/api/v2/incidents.json")
    with django_assert_num_queries(0):
        assert client.get("/api/v2/incidents.json?per_page=50&page=1").content == plain.content


@pytest.mark.django_db
def test_views_that_page_nothing_ignore_page_parameters(
    client, file_store, posted, network, django_assert_num_queries
):
    urls = set(every_public_url(posted.incident, network)) - set(PAGED_URLS)
    assert len(urls) >= 15
    for url in urls:
        plain = client.get(url)
        assert plain.status_code == 200, url
        stored = file_store.stored_copies()
        with django_assert_num_queries(0):
            for query in [{"page": "2"}, {"page": "abc"}, {"per_page": "7", "page": "0"}]:
                response = client.get(url, query)
                assert response.status_code == 200 and response.content == plain.content, url
        assert file_store.stored_copies() == stored


@pytest.mark.django_db
def test_methods_other_than_get_and_head_get_405_without_a_query(
    file_store, posted, network, django_assert_num_queries
):
    client = Client(enforce_csrf_checks=True)  # as a browser or script without a token
    urls = every_public_url(posted.incident, network)
    for url in urls:
        client.get(url)
    stored = file_store.stored_copies()
    for url in urls:
        for method in ["TRACE", "OPTIONS", "PUT", "DELETE", "PATCH", "POST", "PROPFIND"]:
            if url == "/subscribe" and method == "POST":
                continue  # a sign-up, tested in test_subscribe_views
            with django_assert_num_queries(0):
                response = client.generic(method, url)
            if url.startswith("/api/v2/") or url.endswith((".rss", ".atom", ".svg", ".ics")):
                assert response["Access-Control-Allow-Origin"] == "*"
                if method == "OPTIONS":  # the CORS preflight
                    assert response.status_code == 204, url
                    continue
            assert response.status_code == 405, (method, url)
            assert "GET" in response["Allow"] and b"Cable cut" not in response.content
    assert file_store.stored_copies() == stored


@pytest.mark.django_db
def test_a_head_renders_the_same_stored_copy_as_a_get(client, file_store, posted):
    for url in ["/", "/subscribe", "/api/v2/summary.json"]:
        head = client.head(url)  # nothing stored yet: the HEAD renders it
        assert head.status_code == 200 and head.content == b"", url
        assert client.get(url)["ETag"] == head["ETag"]


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
