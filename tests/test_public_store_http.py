"""The public store over HTTP: hosts, content codings and their ETags, and no way to
bypass the store or fill it (query values, methods)."""

import gzip
import re

import brotli
import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver
from hypothesis import example, given
from hypothesis import strategies as st

from .conftest import later, open_incident
from .strategies import HOSTILE_TEXT


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


@pytest.fixture
def maintenance(db):
    return open_incident(
        title="Switch swap",
        kind="maintenance",
        status="scheduled",
        scheduled_for=later(days=1),
        scheduled_until=later(days=1, hours=1),
    ).incident


def every_public_url(incident, component, maintenance):
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
    # The API's parameters by name: /api/v2/incidents/<str:incident_id>.json.
    named = {"incident_id": incident.public_id, "maintenance_id": maintenance.public_id}
    return [
        "/"
        + re.sub(
            r"<str:(\w+)>",
            lambda match: named[match[1]],
            next(
                (url.replace("<slug:public_id>", i) for p, i in ids.items() if url.startswith(p)),
                url,
            ),
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
    client, file_store, posted, network, maintenance, django_assert_num_queries
):
    urls = set(every_public_url(posted.incident, network, maintenance)) - set(PAGED_URLS)
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
    file_store, posted, network, maintenance, django_assert_num_queries
):
    client = Client(enforce_csrf_checks=True)  # as a browser or script without a token
    urls = every_public_url(posted.incident, network, maintenance)
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
