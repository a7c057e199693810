import re

import pytest
from django.urls import reverse

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
        services.update_post(
            incident=incident.incident, status="identified", headline=f"post {n}", body="x",
            published_at=ago(hours=30 - n),
        )  # fmt: skip
    first = client.get("/").content.decode()
    headlines = re.findall(r">post (\d+)<", first)
    assert headlines == [str(n) for n in range(24, 4, -1)]
    assert 'rel="next" href="?page=2">Older posts' in first
    second = client.get("/?page=2").content.decode()
    assert re.findall(r">post (\d+)<", second) == ["4", "3", "2", "1", "0"]
    assert "Newer posts" in second and "Older posts" not in second


def test_bad_page_numbers_do_not_fail(client, db):
    open_incident()
    for page in ["0", "-1", "abc", "99999", "1e9", ""]:
        assert client.get("/", {"page": page}).status_code == 200
        assert client.get("/history", {"page": page}).status_code == 200


def test_untitled_post_is_titled_with_incident_and_status(client):
    open_incident(title="Network problem", headline="")
    assert "Network problem: Investigating" in client.get("/").content.decode()


def test_active_incidents_and_maintenance_are_pinned(client, network):
    open_incident(title="Resolved long ago", published_at=ago(days=3))
    services.update_post(
        incident=open_incident(title="Old", published_at=ago(days=3)).incident,
        status="resolved", body="done", published_at=ago(days=2),
    )  # fmt: skip
    open_incident(title="Database slow", status="identified")
    open_incident(
        title="Kernel upgrade", kind="maintenance", status="scheduled",
        scheduled_for=later(days=1), scheduled_until=later(days=1, hours=1),
    )  # fmt: skip
    html = client.get("/").content.decode()
    active = html.split('id="active-heading"')[1].split("</section>")[0]
    maintenance = html.split('id="maintenance-heading"')[1].split("</section>")[0]
    assert "Database slow" in active and "Resolved long ago" in active and "Old" not in active
    assert "Kernel upgrade" in maintenance


def test_drafts_and_future_posts_are_invisible_everywhere(client):
    visible = open_incident(title="Visible")
    draft = open_incident(title="Secret draft", is_draft=True)
    future = open_incident(title="Future post", published_at=later(hours=2))
    services.update_post(
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
    services.update_post(
        incident=first.incident, status="resolved", body="All good.",
        component_changes={network: "operational"}, published_at=ago(minutes=5),
    )  # fmt: skip
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
    with django_assert_max_num_queries(8):
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
    from statuspage.views import server_error

    response = server_error(None)
    html = response.content.decode()
    assert response.status_code == 500
    assert (
        "Something went wrong" in html and settings.STATUS_PAGE_NAME in html and h1_count(html) == 1
    )


def test_url_names_resolve(db):
    assert reverse("home") == "/"
    assert reverse("history") == "/history"
