"""An operator handles an outage from the admin; the public page follows every step."""

import pytest
from playwright.sync_api import expect

from incidents import services
from incidents.models import Component

from .conftest import log_in_as_operator

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def components(transactional_db):
    return [
        services.component_save(component=Component(name="Web servers", position=0)),
        services.component_save(component=Component(name="Email", position=1)),
    ]


def expect_public_page(page, *, banner, web_servers, post=None, active=True):
    page.goto("/")
    expect(page.locator(".banner")).to_have_text(banner)
    web = page.locator(".component", has=page.get_by_text("Web servers", exact=True))
    expect(web.locator(".component-status")).to_have_text(web_servers)
    active_incidents = page.get_by_role("region", name="Active incidents")
    expect(active_incidents).to_have_count(1 if active else 0)
    if post:
        expect(page.locator(".timeline .post").first).to_contain_text(post)


def post_update(admin, *, status, headline, body, web_servers=None):
    admin.goto("/admin/incidents/incident/")
    admin.get_by_role("link", name="Post update").click()
    admin.get_by_label("Status").select_option(status)
    admin.get_by_label("Headline").fill(headline)
    admin.get_by_label("Message").fill(body)
    if web_servers:
        admin.get_by_label("Web servers").select_option(web_servers)
    admin.get_by_role("button", name="Post update").click()
    expect(admin.locator(".messagelist")).to_contain_text("Posted an update")


def test_an_operator_opens_an_incident_and_posts_updates_until_it_is_resolved(
    open_page, operator_with_password, components
):
    admin, public = open_page(), open_page()
    log_in_as_operator(admin)

    admin.locator("tr.model-incident").get_by_role("link", name="Add").click()
    admin.get_by_label("Title").fill("Web servers unreachable")
    admin.get_by_label("Impact").select_option("major")
    admin.get_by_label("Status").select_option("investigating")
    admin.get_by_label("Message").fill("We are **looking into it**.")
    admin.get_by_label("Web servers").select_option("major_outage")
    admin.get_by_role("button", name="Open incident").click()
    expect(admin.locator(".messagelist")).to_contain_text("Opened “Web servers unreachable”")
    expect_public_page(
        public,
        banner="Partial System Outage",
        web_servers="Major outage",
        post="We are looking into it.",
    )
    expect(public.locator(".incident-card strong")).to_have_text("looking into it")

    post_update(
        admin,
        status="identified",
        headline="Power supply replaced",
        body="Servers are booting.",
        web_servers="partial_outage",
    )
    expect_public_page(
        public,
        banner="Partial System Outage",
        web_servers="Partial outage",
        post="Power supply replaced",
    )

    post_update(
        admin,
        status="resolved",
        headline="All servers back",
        body="Everything works again.",
        web_servers="operational",
    )
    expect_public_page(
        public,
        banner="All Systems Operational",
        web_servers="Operational",
        post="All servers back",
        active=False,
    )
    public.locator(".timeline").get_by_role("link", name="All servers back").click()
    expect(public.get_by_role("heading", level=1)).to_have_text("Web servers unreachable")
    expect(public.locator(".post")).to_have_count(3)
