import datetime
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import Component

from .conftest import ago, later, open_incident

pytestmark = pytest.mark.django_db


def h1_count(html):
    return len(re.findall(r"<h1[\s>]", html))


def test_home_shows_banner_components_and_timeline(client, web, database, network):
    update = open_incident(component_changes={network: "major_outage"}, body="Cable **cut**.")
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Partial System Outage" in html
    assert 'class="banner indicator-major"' in html
    assert "Servers" in html and "Web servers" in html and "Database" in html
    assert 'status-major_outage"><span class="dot" aria-hidden="true"></span>Major outage' in html
    assert "Active incidents" in html
    assert "<strong>cut</strong>" in html
    assert update.incident.get_absolute_url() in html


def test_all_operational_page_says_so(client, web):
    html = client.get("/").content.decode()
    assert "All Systems Operational" in html
    assert "Active incidents" not in html


def test_timeline_is_newest_first_and_paginated_by_twenty(client):
    incident = open_incident(title="Long one", headline="post 0", published_at=ago(hours=30))
    for n in range(1, 25):
        services.update_create(
            incident=incident.incident,
            status="identified",
            headline=f"post {n}",
            body="x",
            published_at=ago(hours=30 - n),
        )
    first = client.get("/").content.decode()
    headlines = re.findall(r">post (\d+)<", first)
    assert headlines == [str(n) for n in range(24, 4, -1)]
    assert 'rel="next" href="?page=2">Older posts' in first
    second = client.get("/?page=2").content.decode()
    assert re.findall(r">post (\d+)<", second) == ["4", "3", "2", "1", "0"]
    assert "Newer posts" in second and "Older posts" not in second


def test_bad_page_numbers_are_a_400_and_pages_past_the_last_a_404(client, db):
    open_incident()
    for url in ["/", "/history"]:
        for page in ["0", "-1", "abc", "1e9", ""]:
            response = client.get(url, {"page": page})
            assert response.status_code == 400
            assert "page must be a whole number from 1 to 100000" in response.content.decode()
        assert client.get(url, {"page": "2"}).status_code == 404
        assert client.get(url, {"page": "99999"}).status_code == 404
        hostile = client.get(url, {"page": "<script>alert(1)</script>"}).content.decode()
        assert "<script>alert" not in hostile and h1_count(hostile) == 1


def test_untitled_post_is_titled_with_incident_and_status(client):
    open_incident(title="Network problem", headline="")
    assert "Network problem: Investigating" in client.get("/").content.decode()


def test_active_incidents_and_maintenance_are_pinned(client, network):
    open_incident(title="Resolved long ago", published_at=ago(days=3))
    services.update_create(
        incident=open_incident(title="Old", published_at=ago(days=3)).incident,
        status="resolved",
        body="done",
        published_at=ago(days=2),
    )
    open_incident(title="Database slow", status="identified")
    open_incident(
        title="Kernel upgrade",
        kind="maintenance",
        status="scheduled",
        scheduled_for=later(days=1),
        scheduled_until=later(days=1, hours=1),
    )
    html = client.get("/").content.decode()
    active = html.split('id="active-heading"')[1].split("</section>")[0]
    maintenance = html.split('id="maintenance-heading"')[1].split("</section>")[0]
    assert "Database slow" in active and "Resolved long ago" in active and "Old" not in active
    assert "Kernel upgrade" in maintenance


def test_drafts_and_future_posts_are_invisible_everywhere(client):
    visible = open_incident(title="Visible")
    draft = open_incident(title="Secret draft", is_draft=True)
    future = open_incident(title="Future post", published_at=later(hours=2))
    services.update_create(
        incident=visible.incident, status="identified", body="Hidden follow-up", is_draft=True
    )
    for url in ["/", "/history", visible.incident.get_absolute_url()]:
        html = client.get(url).content.decode()
        assert "Secret draft" not in html and "Future post" not in html
        assert "Hidden follow-up" not in html
    assert client.get(draft.incident.get_absolute_url()).status_code == 404
    assert client.get(future.incident.get_absolute_url()).status_code == 404


def test_incident_page_shows_all_updates_components_and_duration(client, network):
    first = open_incident(component_changes={network: "major_outage"}, published_at=ago(minutes=95))
    services.update_create(
        incident=first.incident,
        status="resolved",
        body="All good.",
        component_changes={network: "operational"},
        published_at=ago(minutes=5),
    )
    response = client.get(first.incident.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "Looking into it." in html and "All good." in html
    assert html.index("All good.") < html.index("Looking into it.")
    assert "Network" in html
    assert "1 h 30 min" in html
    assert f'id="update-{first.public_id}"' in html


def test_unknown_incident_is_a_styled_404(client, db):
    response = client.get("/incidents/doesnotexist")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and "statuspage" in html and h1_count(html) == 1


def test_history_is_grouped_by_month(client):
    open_incident(title="Recent", published_at=ago(days=1))
    open_incident(title="Older", published_at=ago(days=70))
    html = client.get("/history").content.decode()
    months = re.findall(r'<h2 id="month-\d+">([^<]+)</h2>', html)
    assert len(months) >= 2
    assert html.index("Recent") < html.index("Older")


def test_times_are_iso_in_time_elements_with_the_zone_named(client, settings):
    settings.TIME_ZONE = "Europe/London"
    open_incident()
    html = client.get("/").content.decode()
    match = re.search(r'<time datetime="([^"]+)">([^<]+)</time>', html)
    assert match
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d", match.group(1))
    assert match.group(2).endswith(("GMT", "BST"))


@pytest.mark.parametrize(
    ("body", "forbidden"),
    [
        ("<script>alert(1)</script>", "<script>alert"),
        ("[click](javascript:alert(1))", 'href="javascript:'),
        ('<img src=x onerror="alert(1)">', "<img"),
        ("<a href='x' onclick='alert(1)'>x</a>", "<a href='x'"),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", 'href="data:'),
    ],
)
def test_markdown_never_lets_script_through(client, body, forbidden):
    update = open_incident(body=body)
    for url in ["/", update.incident.get_absolute_url()]:
        html = client.get(url).content.decode()
        assert forbidden not in html


def test_every_public_page_has_exactly_one_h1_and_landmarks(client, network):
    update = open_incident(body="# A heading in a post")
    for url in ["/", "/?page=2", "/history", update.incident.get_absolute_url(), "/nope"]:
        html = client.get(url).content.decode()
        assert h1_count(html) == 1, url
        assert "<main" in html and "<header" in html and "<footer" in html and "<nav" in html
        assert 'href="#main"' in html  # skip link


def test_home_query_count_does_not_grow_with_posts(client, django_assert_max_num_queries, network):
    for n in range(30):
        open_incident(title=f"Incident {n}", component_changes={network: "degraded_performance"})
    # Components, uptime (3), pinned incidents (3), past incidents (2), timeline (2), followers.
    with django_assert_max_num_queries(12):
        client.get("/")
    with django_assert_max_num_queries(6):
        client.get("/history")


def test_favicon_and_stylesheet_are_linked(client, db):
    html = client.get("/").content.decode()
    assert 'rel="icon"' in html and "statuspage" in html and ".css" in html


def test_hidden_components_are_not_shown(client, network):
    services.component_save(component=Component(name="Internal billing", is_hidden=True))
    assert "Internal billing" not in client.get("/").content.decode()


def test_server_error_page_is_styled_and_needs_no_database(client, settings):
    from public_store.outage import server_error

    response = server_error(None)
    html = response.content.decode()
    assert response.status_code == 500
    assert (
        "Something went wrong" in html and settings.STATUS_PAGE_NAME in html and h1_count(html) == 1
    )


def test_url_names_resolve(db):
    assert reverse("home") == "/"
    assert reverse("history") == "/history"


def bars(html, component_name):
    """One component's daily bars on `/`, oldest first: (worst status, the bar's text)."""
    listing = html.split(f'aria-label="{component_name}: uptime day by day">')[1]
    listing = listing.split("</ol>")[0]
    return re.findall(r'<li class="bar bar-([a-z_]+)"><span class="tip">(.*?)</span></li>', listing)


def test_each_component_has_ninety_daily_bars_with_date_uptime_and_incidents(
    client, settings, network
):
    settings.TIME_ZONE = "UTC"
    yesterday = timezone.now().replace(hour=10, minute=0) - datetime.timedelta(days=1)
    first = open_incident(component_changes={network: "major_outage"}, published_at=yesterday)
    services.update_create(
        incident=first.incident,
        status="resolved",
        body="Back.",
        published_at=yesterday + datetime.timedelta(hours=1),
        component_changes={network: "operational"},
    )
    days = bars(client.get("/").content.decode(), "Network")
    assert len(days) == 90
    day = f"{yesterday:%-d %b %Y}"
    url = first.incident.get_absolute_url()
    assert days[-2] == (
        "major_outage",
        f"<b>{day}</b>: 95.83% uptime, major outage; "
        f'1 incident: <a href="{url}">Network problem</a>',
    )
    assert days[-1][0] == "operational" and days[-1][1].endswith(": 100% uptime")
    # Counting starts with the first recorded change: the days before it have no data.
    assert days[0] == (
        "none",
        f"<b>{yesterday - datetime.timedelta(days=88):%-d %b %Y}</b>: no data",
    )


def test_the_uptime_of_each_period_is_given_in_text(client, network):
    network.start_date = timezone.localdate() - datetime.timedelta(days=100)
    services.component_save(component=network)
    first = open_incident(component_changes={network: "partial_outage"}, published_at=ago(days=45))
    services.update_create(
        incident=first.incident,
        status="resolved",
        body="Back.",
        published_at=ago(days=45) + datetime.timedelta(hours=10),
        component_changes={network: "operational"},
    )
    html = client.get("/").content.decode()
    periods = dict(re.findall(r'<span class="w(\d+)">([\d.]+)% uptime</span>', html))
    assert set(periods) == {"30", "60", "90"}
    assert html.count('<span class="w30">100% uptime</span>') == 1
    assert 99 < float(periods["60"]) < float(periods["90"]) < 100
    assert re.search(r'<span class="w90">90 days ago</span>', html)


def test_uptime_is_never_rounded_up_to_a_perfect_hundred():
    from incidents.templatetags.status_tags import percent

    assert percent(1.0) == "100%"
    assert percent(0.99999) == "99.99%"
    assert percent(0.958333) == "95.83%"
    assert percent(None) == "no data"


def test_past_incidents_give_fifteen_days_newest_first_in_the_page_time_zone(client, settings):
    settings.TIME_ZONE = "Asia/Tokyo"  # UTC+9: 20:00 UTC is 05:00 the next day there
    zone = zoneinfo.ZoneInfo("Asia/Tokyo")
    today = timezone.now().astimezone(zone).date()
    evening = datetime.datetime.combine(
        today - datetime.timedelta(days=4), datetime.time(20), datetime.UTC
    )
    late = open_incident(title="Late outage", headline="Slow pages", published_at=evening)
    services.update_create(
        incident=late.incident,
        status="resolved",
        headline="Fixed",
        published_at=evening + datetime.timedelta(hours=1),
    )
    open_incident(title="Too old", published_at=ago(days=20))
    html = client.get("/").content.decode()
    past = html.split('id="past-heading"')[1].split("</section>")[0]
    days = re.findall(r'<h3><time datetime="([\d-]+)">', past)
    assert days == [(today - datetime.timedelta(days=n)).isoformat() for n in range(15)]
    assert past.count("No incidents reported.") == 14
    late_day = past.split(f'datetime="{(today - datetime.timedelta(days=3)).isoformat()}"')[1]
    late_day = late_day.split("<h3>")[0]
    assert late.incident.get_absolute_url() in late_day
    assert re.search(r"Resolved</span> Fixed .*Investigating</span> Slow pages", late_day, re.S)
    assert "Too old" not in past
    assert html.index('id="past-heading"') < html.index('id="timeline-heading"')


def test_public_pages_have_no_inline_styles_or_scripts(client, network):
    # A strict Content-Security-Policy (no 'unsafe-inline') must be able to cover them.
    update = open_incident(component_changes={network: "major_outage"})
    for url in ["/", "/history", update.incident.get_absolute_url(), "/subscribe", "/nope"]:
        html = client.get(url).content.decode()
        assert not re.search(r"<[^>]*\sstyle=", html), url
        assert not re.search(r"<[^>]*\son[a-z]+=", html), url
        assert "<style" not in html, url
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
        assert scripts, url
        for attributes, body in scripts:
            assert "src=" in attributes and " defer" in attributes and not body.strip(), url


def test_a_script_offers_local_times_and_the_page_zone_stays_in_the_text(client, settings):
    settings.TIME_ZONE = "Europe/Paris"
    open_incident()
    html = client.get("/").content.decode()
    assert re.search(r'<script src="/static/localtime\.[0-9a-f]+\.js" defer></script>', html)
    assert re.search(
        r'<time class="medium" datetime="[^"]+">\d+ \w{3}, \d\d:\d\d CES?T</time>', html
    )
