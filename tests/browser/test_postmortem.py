"""An operator writes an incident's postmortem in the admin and publishes it; the public
page shows it (issue 12). At desktop and phone widths; axe checks both pages."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from incidents import services
from incidents.models import Component

from ..conftest import open_incident
from .conftest import DESKTOP, PHONE, log_in_as_operator, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.usefixtures("operator_with_password")
@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_an_operator_publishes_a_postmortem_and_the_public_page_shows_it(open_page, width):
    web = services.component_save(component=Component(name="Web servers"))
    incident = open_incident(
        title="Web servers unreachable", component_changes={web: "major_outage"}
    ).incident
    services.update_create(incident=incident, status="resolved", body="Fixed.")
    admin, public = open_page(width=width), open_page(width=width)
    log_in_as_operator(admin)

    admin.goto(f"/admin/incidents/incident/{incident.pk}/change/")
    fieldset = admin.locator("fieldset", has=admin.get_by_role("heading", name="Postmortem"))
    expect(fieldset).to_be_visible()
    results = Axe().run(admin, context="fieldset.postmortem")
    assert results.violations_count == 0, results.generate_report()
    fieldset.get_by_label("Postmortem text").fill("## Root cause\n\nA **power** supply failed.")
    admin.get_by_label("Publish postmortem").check()
    screenshot(admin, f"admin-postmortem-{width}")
    admin.get_by_role("button", name="Save", exact=True).click()
    expect(admin.locator(".messagelist")).to_contain_text("The postmortem is published.")

    public.goto(incident.get_absolute_url())
    section = public.get_by_role("region", name="Postmortem")
    expect(section.get_by_role("heading", name="Root cause")).to_be_visible()
    expect(section.locator("strong")).to_have_text("power")
    results = Axe().run(public)
    assert results.violations_count == 0, results.generate_report()
