"""The admin's home lists what an operator uses first, and the rest last, readably."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


class AppList(HTMLParser):
    """The app sections of a page, in order, with their models' names (the standard
    library's HTML parser reads the page, not a pattern of ours)."""

    def __init__(self):
        super().__init__()
        self.apps, self.reading = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "caption" or (tag == "th" and ("scope", "row") in attrs):
            self.reading, self.text = tag, ""

    def handle_data(self, data):
        if self.reading:
            self.text += data

    def handle_endtag(self, tag):
        if tag == self.reading == "caption":
            self.apps.append((self.text.strip(), []))
        elif tag == self.reading == "th":
            self.apps[-1][1].append(self.text.strip())
        if tag == self.reading:
            self.reading = None


def captions(html):
    parser = AppList()
    parser.feed(html[html.index('id="content-main"') :])
    return parser.apps


def test_the_home_lists_incidents_then_followers_then_integrations_then_the_rest(admin_client):
    html = admin_client.get(reverse("admin:index")).text
    apps = captions(html)
    names = [name for name, _ in apps]
    assert names[:4] == [
        "Incidents",
        "Followers",
        "Monitoring integrations",
        "Authentication and Authorization",
    ]
    assert names[4:] == ["Background tasks", "Log-in attempts", "Two-factor devices"]
    models = dict(apps)
    assert models["Incidents"] == [
        "Incidents",
        "Incident updates",
        "Components",
        "Component groups",
        "Incident templates",
        "Audit trail",
    ]
    assert models["Followers"][0] == "Followers"
    assert models["Monitoring integrations"][:2] == ["Integrations", "Awaiting approval"]


def test_an_operator_sees_the_same_order_without_what_they_may_not_use(operator_client):
    names = [name for name, _ in captions(operator_client.get(reverse("admin:index")).text)]
    assert names == ["Incidents", "Followers", "Monitoring integrations"]


def test_the_sidebar_follows_the_same_order(admin_client):
    html = admin_client.get(reverse("admin:incidents_incident_changelist")).text
    sidebar = html[html.index('id="nav-sidebar"') :]
    assert (
        sidebar.index("Incidents") < sidebar.index("Followers") < sidebar.index("Log-in attempts")
    )


def test_the_apps_operators_never_use_keep_their_urls_under_readable_names(admin_client):
    for label, name in [
        ("axes", "Log-in attempts"),
        ("otp_totp", "Two-factor devices"),
        ("django_tasks_database", "Background tasks"),
    ]:
        response = admin_client.get(reverse("admin:app_list", args=[label]))
        assert response.status_code == 200
        assert f"<h1>{name} administration</h1>" in response.text
