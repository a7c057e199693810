"""`/` stays light however many incidents alerts open: a busy day names its first few
incidents and links to the rest, on /history?day=."""

import datetime
import gzip
import re
import zoneinfo

import pytest
from django.utils import timezone

from bench.busy_page import add_busy_history
from incidents import services

from .conftest import open_incident
from .test_public_pages import bars, h1_count

pytestmark = pytest.mark.django_db


def busy_day(component, count, *, day, hour=1, every=60):
    """`count` incidents of twenty minutes on `component`, one `every` minutes from
    `hour` on `day` (the page's time zone), oldest first."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
    updates = []
    for n in range(count):
        at = start + datetime.timedelta(minutes=every * n)
        update = open_incident(
            title=f"Probe failure {n}",
            component_changes={component: "major_outage"},
            published_at=at,
        )
        services.update_create(
            incident=update.incident,
            status="resolved",
            body="Back.",
            published_at=at + datetime.timedelta(minutes=20),
            component_changes={component: "operational"},
        )
        updates.append(update)
    return [update.incident for update in updates]


def past_day(html, day):
    past = html.split('id="past-heading"')[1].split("</section>")[0]
    return past.split(f'<time datetime="{day.isoformat()}">')[1].split('<div class="past-day">')[0]


def test_a_busy_day_lists_its_first_three_incidents_and_links_to_the_rest(client, network):
    day = timezone.localdate() - datetime.timedelta(days=2)
    incidents = busy_day(network, 5, day=day)
    listed = past_day(client.get("/").content.decode(), day)
    titles = re.findall(r'<h4 class="past-incident[^"]*"><a href="[^"]+">([^<]+)</a>', listed)
    assert titles == ["Probe failure 4", "Probe failure 3", "Probe failure 2"]  # newest first
    assert incidents[4].get_absolute_url() in listed
    assert incidents[1].get_absolute_url() not in listed
    assert f'<a href="/history?day={day.isoformat()}">and 2 more incidents that day</a>' in listed


def test_a_quiet_day_has_no_link_to_more(client, network):
    day = timezone.localdate() - datetime.timedelta(days=2)
    busy_day(network, 3, day=day)
    listed = past_day(client.get("/").content.decode(), day)
    assert len(re.findall(r'class="past-incident', listed)) == 3
    assert "more incident" not in listed


def test_a_busy_days_bar_names_three_incidents_and_links_to_the_day(client, network):
    day = timezone.localdate() - datetime.timedelta(days=1)
    incidents = busy_day(network, 5, day=day)
    status, text = bars(client.get("/").content.decode(), "Network")[-2]
    assert status == "major_outage"
    named = ", ".join(
        f'<a href="{incident.get_absolute_url()}">{incident.title}</a>'
        for incident in reversed(incidents[2:])
    )
    assert text.endswith(
        f'; 5 incidents: {named} <a href="/history?day={day.isoformat()}">and 2 more</a>'
    )


def test_a_bar_escapes_what_an_incident_title_holds(client, network):
    day = timezone.localdate() - datetime.timedelta(days=1)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(3)))
    open_incident(
        title='<script>alert(1)</script> & "R&D"',
        component_changes={network: "major_outage"},
        published_at=start,
    )
    html = client.get("/").content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;R&amp;D&quot;" in html


def test_the_history_of_one_day_lists_the_incidents_that_began_that_day(client, settings, network):
    settings.TIME_ZONE = "Asia/Tokyo"  # UTC+9: a day there starts at 15:00 UTC the day before
    zone = zoneinfo.ZoneInfo("Asia/Tokyo")
    day = timezone.now().astimezone(zone).date() - datetime.timedelta(days=3)
    incidents = busy_day(network, 27, day=day, hour=0)  # 00:00 to 02:00 the next day there
    before = busy_day(network, 1, day=day - datetime.timedelta(days=1), hour=23)
    first = client.get("/history", {"day": day.isoformat()})
    html = first.content.decode()
    assert first.status_code == 200 and h1_count(html) == 1
    assert f'<time datetime="{day.isoformat()}">{day:%-d %B %Y}</time></h1>' in html
    listed = re.findall(r'<a href="/incidents/[^"]+">(Probe failure \d+)</a>', html)
    assert listed == [f"Probe failure {n}" for n in range(23, -1, -1)]  # 24 that day, then
    assert before[0].get_absolute_url() not in html  # the day before, and the next day's are not
    assert client.get("/history", {"day": day.isoformat(), "page": "2"}).status_code == 404
    assert incidents[24].get_absolute_url() not in html
    next_day = client.get("/history", {"day": (day + datetime.timedelta(days=1)).isoformat()})
    assert incidents[26].get_absolute_url() in next_day.content.decode()


def test_a_day_of_history_pages_keep_the_day(client, network):
    day = timezone.localdate() - datetime.timedelta(days=3)
    busy_day(network, 26, day=day, hour=0, every=30)
    html = client.get("/history", {"day": day.isoformat()}).content.decode()
    assert f'rel="next" href="?day={day.isoformat()}&amp;page=2"' in html
    second = client.get("/history", {"day": day.isoformat(), "page": "2"}).content.decode()
    assert f'rel="prev" href="?day={day.isoformat()}&amp;page=1"' in second
    assert len(re.findall(r'<a href="/incidents/', second)) == 1


JUNK_DAYS = [
    "2026-02-30",
    "2026-13-01",
    "26-11-06",
    "2026-11-6",
    "2026/11/06",
    "20261106",
    " 2026-11-06",
    "2026-11-06 ",
    "２０２６-11-06",
    "1969-12-31",
    "9999-12-31",
    "",
    "today",
    "2026-11-06T00:00",
    "\x00",
]


@pytest.fixture
def file_store(settings, tmp_path, public_store):
    """The store as one machine's web processes share it by default: files on disk."""
    directory = tmp_path / "store"
    backend = "django.core.cache.backends.filebased.FileBasedCache"
    settings.CACHES = settings.CACHES | {"public": {"BACKEND": backend, "LOCATION": str(directory)}}
    public_store.stored_copies = lambda: len(list(directory.glob("*.djcache")))
    return public_store


def test_a_bad_day_is_a_400_that_reads_and_stores_nothing(
    client, file_store, posted, django_assert_num_queries
):
    client.get("/history")
    stored = file_store.stored_copies()
    for junk in [*JUNK_DAYS, ["2026-11-06", "2026-11-07"]]:
        with django_assert_num_queries(0):
            response = client.get("/history", {"day": junk})
        assert response.status_code == 400, junk
        assert "day must be a date written YYYY-MM-DD" in response.content.decode()
    assert file_store.stored_copies() == stored


def test_a_day_without_incidents_is_a_404_and_is_not_stored(client, file_store, posted):
    client.get("/history")
    stored = file_store.stored_copies()
    quiet = timezone.localdate() - datetime.timedelta(days=40)
    for day in [quiet, timezone.localdate() + datetime.timedelta(days=1)]:
        assert client.get("/history", {"day": day.isoformat()}).status_code == 404
    assert file_store.stored_copies() == stored


def test_a_day_with_incidents_is_stored_once_however_asked(client, file_store, posted):
    client.get("/history")
    stored = file_store.stored_copies()
    day = timezone.localdate().isoformat()
    first = client.get("/history", {"day": day, "utm_source": "mail"})
    assert first.status_code == 200 and posted.incident.title in first.content.decode()
    again = client.get(f"/history?day={day}&page=1")
    assert again["ETag"] == first["ETag"]
    assert file_store.stored_copies() == stored + 1


@pytest.mark.slow
def test_forty_incidents_a_day_for_ninety_days_keep_the_page_under_50_kb_gzipped(
    client, capsys, django_assert_max_num_queries
):
    from incidents.demo import load_demo

    load_demo()
    add_busy_history(per_day=40, days=90)  # what `python -m bench busy_page` measures
    with django_assert_max_num_queries(12):  # as many as a quiet page
        html = client.get("/").content
    size = len(gzip.compress(html, compresslevel=6))
    with capsys.disabled():
        print(f"\n/ with 40 incidents a day for 90 days: {size / 1000:.1f} KB gzipped")
    assert size < 50_000
    assert b"more incidents that day</a>" in html and b"more</a></span>" in html
