import xml.etree.ElementTree as ET

import feedparser
import pytest
from django.conf import settings

from incidents import services
from incidents.models import IncidentUpdate

from .conftest import ago, later, open_incident

pytestmark = pytest.mark.django_db

FEEDS = [("/history.rss", "rss20"), ("/history.atom", "atom10")]
ATOM = "{http://www.w3.org/2005/Atom}"


def parsed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    return response, feed


@pytest.fixture
def posts(network):
    first = open_incident(
        title="Network problem",
        body="Cable **cut**.",
        published_at=ago(hours=2),
        component_changes={network: "major_outage"},
    )
    resolved = services.update_create(
        incident=first.incident,
        status="resolved",
        headline="Network restored",
        body="All good.",
        published_at=ago(hours=1),
    )
    open_incident(title="Secret draft", is_draft=True)
    open_incident(title="Future post", published_at=later(hours=1))
    services.update_create(incident=first.incident, status="resolved", body="Draft", is_draft=True)
    return first, resolved


@pytest.mark.parametrize(("url", "version"), FEEDS)
def test_feed_is_valid_with_one_entry_per_published_update(client, posts, url, version):
    response, feed = parsed(client, url)
    assert response["Content-Type"].startswith(
        "application/rss+xml" if version == "rss20" else "application/atom+xml"
    )
    assert feed.version == version
    assert len(feed.entries) == IncidentUpdate.objects.published().count() == 2
    assert feed.feed.title == f"{settings.STATUS_PAGE_NAME}: incident history"
    assert feed.feed.link == f"{settings.SITE_URL}/"


@pytest.mark.parametrize(("url", "version"), FEEDS)
def test_entries_are_titled_linked_dated_and_carry_the_sanitized_body(client, posts, url, version):
    first, resolved = posts
    _, feed = parsed(client, url)
    newest, oldest = feed.entries
    assert newest.title == "Network restored"
    assert oldest.title == "Network problem: Investigating"
    assert (
        newest.link
        == f"{settings.SITE_URL}{first.incident.get_absolute_url()}#update-{resolved.public_id}"
    )
    assert oldest.link.endswith(f"#update-{first.public_id}")
    assert newest.id != oldest.id
    assert newest.published_parsed[:5] == resolved.published_at.utctimetuple()[:5]
    assert "<strong>cut</strong>" in oldest.summary
    assert newest.tags[0].term == "Resolved"


@pytest.mark.parametrize(("url", "version"), FEEDS)
def test_drafts_and_future_posts_stay_out_of_the_feeds(client, posts, url, version):
    body = client.get(url).content.decode()
    assert "Secret draft" not in body and "Future post" not in body and "Draft" not in body


def test_script_in_a_post_never_reaches_a_feed(client, db):
    open_incident(body="<script>alert(1)</script>[x](javascript:alert(1))")
    for url, _ in FEEDS:
        _, feed = parsed(client, url)
        assert "<script" not in feed.entries[0].summary
        assert 'href="javascript:' not in feed.entries[0].summary


def test_feeds_hold_the_latest_hundred_posts_newest_first(client, db):
    incident = open_incident(headline="post 0", published_at=ago(hours=200)).incident
    for n in range(1, 105):
        services.update_create(
            incident=incident,
            status="identified",
            headline=f"post {n}",
            body="x",
            published_at=ago(hours=200 - n),
            confirmed=True,  # history, built post by post
        )
    for url, _ in FEEDS:
        _, feed = parsed(client, url)
        assert [e.title for e in feed.entries] == [f"post {n}" for n in range(104, 4, -1)]


@pytest.mark.parametrize(("url", "version"), FEEDS)
def test_an_empty_feed_is_valid_and_stable(client, db, url, version):
    first, feed = parsed(client, url)
    assert feed.entries == []
    assert client.get(url).content == first.content


def test_every_page_advertises_both_feeds(client, posts):
    first, _ = posts
    for url in ["/", "/history", first.incident.get_absolute_url(), "/api/v2/", "/nope"]:
        html = client.get(url).content.decode()
        assert 'rel="alternate" type="application/rss+xml"' in html, url
        assert 'rel="alternate" type="application/atom+xml"' in html, url
        assert 'href="/history.rss"' in html and 'href="/history.atom"' in html


def test_a_post_without_a_message_has_no_empty_summary_or_description(client, db):
    incident = open_incident(title="Quiet", headline="Network restored", body="").incident
    services.update_create(incident=incident, status="resolved", headline="Done", body="  ")
    open_incident(title="Loud", body="Cable **cut**.")
    rss = ET.fromstring(client.get("/history.rss").content)
    items = {i.findtext("title"): i for i in rss.iter("item")}
    assert items["Network restored"].find("description") is None
    assert items["Done"].find("description") is None
    assert "<strong>cut</strong>" in items["Loud: Investigating"].findtext("description")
    atom = ET.fromstring(client.get("/history.atom").content)
    entries = {e.findtext(f"{ATOM}title"): e for e in atom.iter(f"{ATOM}entry")}
    assert entries["Network restored"].find(f"{ATOM}summary") is None
    assert entries["Done"].find(f"{ATOM}summary") is None
    assert entries["Loud: Investigating"].findtext(f"{ATOM}summary")
    for element in [*rss.iter("description"), *atom.iter(f"{ATOM}summary")]:
        assert (element.text or "").strip(), ET.tostring(element)
    for url, _ in FEEDS:
        _, feed = parsed(client, url)
        assert {e.title for e in feed.entries} >= {"Network restored", "Done"}
