"""The operator's admin pages in a real browser at 1280 and 390 px: "Post update" on
screen, no sideways scrolling, and axe-core finds nothing."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from incidents import services
from incidents.models import Component, IncidentTemplate

from ..alerts import integration
from ..conftest import later, open_incident
from .conftest import DESKTOP, PHONE

pytestmark = pytest.mark.django_db(transaction=True)
HEIGHTS = {DESKTOP: 800, PHONE: 844}


@pytest.fixture
def outage(transactional_db):
    network = services.component_save(component=Component(name="Network", position=0))
    services.component_save(component=Component(name="Email", position=1))
    services.template_save(
        template=IncidentTemplate(
            name="Network down",
            title="Network unreachable",
            status="investigating",
            body="We are looking into it.",
        ),
        component_statuses={network: "major_outage"},
    )
    # A long title and a maintenance, as a busy list has them.
    open_incident(
        title="Customers in the eastern region cannot reach the control panel or the API at all",
        impact="major",
        component_changes={network: "major_outage"},
    )
    open_incident(
        title="Mailbox migration",
        kind="maintenance",
        status="scheduled",
        scheduled_for=later(days=2),
        scheduled_until=later(days=2, hours=2),
    )
    return open_incident(title="Network problem").incident


@pytest.fixture
def logged_in(open_page, live_server):
    """open_page(width) -> a page whose browser is logged in to the admin."""
    user = User.objects.create_superuser("olivia", password="correct horse battery")
    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value

    def logged_in(width, **context_options):
        page = open_page(width=width, **context_options)
        page.set_viewport_size({"width": width, "height": HEIGHTS[width]})
        page.context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
        return page

    return logged_in


def operator_pages(incident):
    monitor, _ = integration()
    return {
        "home": reverse("admin:index"),
        "incident list": reverse("admin:incidents_incident_changelist"),
        "open an incident": reverse("admin:incidents_incident_add"),
        "schedule a maintenance": reverse("admin:incidents_incident_add_maintenance"),
        "post update": reverse("admin:incidents_incident_post_update", args=[incident.pk]),
        "incident page": reverse("admin:incidents_incident_change", args=[incident.pk]),
        "template list": reverse("admin:incidents_incidenttemplate_changelist"),
        "template page": reverse(
            "admin:incidents_incidenttemplate_change", args=[IncidentTemplate.objects.get().pk]
        ),
        "two-factor": reverse("admin:two_factor"),
        "import followers": reverse("admin:subscribers_import"),
        "replace a token": reverse("admin:integrations_integration_rotate", args=[monitor.pk]),
    }


def sideways_overflow(page):
    """How many pixels the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def on_screen(page, locator):
    """The element lies inside the window as it opens: no scrolling either way."""
    box = locator.bounding_box()
    viewport = page.viewport_size
    assert page.evaluate("[window.scrollX, window.scrollY]") == [0, 0]
    return (
        box is not None
        and box["x"] >= 0
        and box["x"] + box["width"] <= viewport["width"]
        and box["y"] + box["height"] <= viewport["height"]
    )


def test_post_update_is_on_screen_in_the_incident_list_at_1280(logged_in, outage):
    page = logged_in(DESKTOP)
    page.goto(reverse("admin:incidents_incident_changelist"))
    buttons = page.locator("#result_list").get_by_role("link", name="Post update")
    expect(buttons).to_have_count(3)
    for i in range(3):
        assert on_screen(page, buttons.nth(i)), buttons.nth(i).bounding_box()
    # The table fits its box: nothing of it hides behind a scroll bar.
    assert page.evaluate(
        "(() => { const box = document.querySelector('#changelist .results');"
        " return box.scrollWidth <= box.clientWidth; })()"
    )


def test_post_update_and_resolve_are_on_the_incidents_own_page(logged_in, outage):
    page = logged_in(DESKTOP)
    page.goto(reverse("admin:incidents_incident_change", args=[outage.pk]))
    tools = page.locator(".object-tools")
    post_update = tools.get_by_role("link", name="Post update")
    assert on_screen(page, post_update)
    tools.get_by_role("link", name="Resolve").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Post an update: {outage}")
    expect(page.get_by_label("Status")).to_have_value("resolved")


def test_a_template_fills_in_the_open_form_without_javascript(logged_in, outage):
    page = logged_in(DESKTOP, java_script_enabled=False)
    page.goto(reverse("admin:incidents_incident_changelist"))
    page.locator(".object-tools").get_by_role("link", name="Open an incident").click()
    page.get_by_label("Template:", exact=True).select_option(label="Network down")
    page.get_by_role("button", name="Use template").click()
    expect(page.get_by_label("Title")).to_have_value("Network unreachable")
    expect(page.get_by_label("Network:", exact=True)).to_have_value("major_outage")
    expect(page.get_by_label("Message:", exact=True)).to_have_value("We are looking into it.")
    page.get_by_role("button", name="Open incident").click()
    expect(page.locator(".messagelist")).to_contain_text("Opened “Network unreachable”")


@pytest.mark.parametrize(
    ("width", "color_scheme"), [(DESKTOP, "light"), (PHONE, "light"), (DESKTOP, "dark")]
)
def test_the_operators_pages_fit_the_window_and_axe_finds_nothing(
    logged_in, outage, width, color_scheme
):
    page, axe = logged_in(width, color_scheme=color_scheme), Axe()
    overflowing, reports = [], []
    for name, path in operator_pages(outage).items():
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        if (extra := sideways_overflow(page)) > 0:
            overflowing.append(f"{name} ({path}): {extra}px too wide")
        results = axe.run(page)
        if results.violations_count:
            reports.append(f"{name} ({path}): {results.generate_report()}")
    assert not overflowing, overflowing
    assert not reports, "\n\n".join(reports)


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_our_admin_pages_use_the_admins_own_markup(logged_in, outage, width):
    page = logged_in(width)
    monitor, _ = integration()
    for path, has_fields in [
        (reverse("admin:incidents_incident_add"), True),
        (reverse("admin:incidents_incident_post_update", args=[outage.pk]), True),
        (reverse("admin:two_factor"), True),
        (reverse("admin:subscribers_import"), True),
        (reverse("admin:integrations_integration_rotate", args=[monitor.pk]), False),
    ]:
        page.goto(path)
        crumbs = page.get_by_role("navigation", name="Breadcrumbs").locator("ol.breadcrumbs li")
        expect(crumbs.first).to_have_text("Home")
        expect(crumbs.last).to_have_attribute("aria-current", "page")
        assert any(url.endswith(".css") and "/admin/css/forms" in url for url in page.requested), (
            path
        )
        if has_fields:
            expect(page.locator("fieldset.module.aligned .form-row").first).to_be_visible()
