"""An operator resolves from the admin: "Resolve" pre-selects what comes back and says so;
a date that rewrites the past is posted only once confirmed."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from incidents import services
from incidents.models import Component, Incident

from .conftest import DESKTOP, PHONE, log_in_as_operator, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def outage(transactional_db):
    web = services.component_save(component=Component(name="Web servers", position=0))
    services.component_save(component=Component(name="Email", position=1))
    return services.incident_open(
        title="Web servers unreachable",
        status="investigating",
        body="Looking into it.",
        component_changes={web: "major_outage"},
    ).incident


def logged_in(open_page, width):
    admin = open_page(width=width)
    log_in_as_operator(admin)
    return admin


def axe_violations(page):
    results = Axe().run(page)
    return results.generate_report() if results.violations_count else ""


@pytest.mark.usefixtures("operator_with_password")
@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_resolve_preselects_what_comes_back_and_restores_it(open_page, outage, width):
    admin = logged_in(open_page, width)
    admin.goto("/admin/incidents/incident/")
    row = admin.locator("#result_list tbody tr", has_text="Web servers unreachable")
    expect(row.locator("td.field-visibility")).to_have_text("Public")
    row.get_by_role("link", name="Post update").click()
    admin.get_by_role("link", name="Resolve", exact=True).click()
    expect(admin.get_by_label("Status")).to_have_value("resolved")
    expect(admin.get_by_label("Web servers")).to_have_value("operational")
    expect(admin.get_by_label("Email")).to_have_value("")
    changes = admin.locator("fieldset .component-changes")
    expect(changes).to_contain_text("Web servers: major outage → operational")
    admin.get_by_label("Message").fill("All servers are back.")
    admin.get_by_role("button", name="Preview").click()
    preview = admin.locator(".module", has=admin.get_by_role("heading", name="Preview"))
    expect(preview).to_contain_text("All servers are back.")
    expect(preview).to_contain_text("Web servers: major outage → operational")
    assert not axe_violations(admin)
    if width == DESKTOP:
        screenshot(admin, "admin-resolve-form")
    admin.get_by_role("button", name="Post update").click()
    expect(admin.locator(".messagelist")).to_have_text(
        "Posted an update to “Web servers unreachable”."
    )
    assert Component.objects.get(name="Web servers").status == "operational"
    assert Incident.objects.get().status == "resolved"


@pytest.mark.usefixtures("operator_with_password")
def test_a_date_before_the_incident_is_posted_only_once_confirmed(open_page, outage):
    admin = logged_in(open_page, DESKTOP)
    admin.goto(f"/admin/incidents/incident/{outage.pk}/post-update/")
    admin.get_by_label("Status").select_option("identified")
    admin.get_by_label("Message").fill("Found it, weeks ago.")
    admin.get_by_label("Published at").fill("2020-01-01T10:00")
    admin.get_by_role("button", name="Post update").click()
    expect(admin.locator(".confirm-date .errornote")).to_contain_text("before the incident started")
    assert outage.updates.count() == 1  # nothing saved yet
    assert not axe_violations(admin)
    admin.get_by_label("Yes, post it dated 2020-01-01 10:00 UTC").check()
    admin.get_by_role("button", name="Post update").click()
    expect(admin.locator(".messagelist")).to_contain_text("Posted an update")
    assert outage.updates.count() == 2
