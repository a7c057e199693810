"""Accessibility in a real browser: axe-core finds nothing, the keyboard reaches everything."""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from incidents import services
from incidents.demo import load_demo
from incidents.models import Component, Incident
from subscribers.tokens import manage_token

from ..conftest import follower, later, open_incident
from ..test_busy_page import busy_day

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def public_pages(transactional_db):
    load_demo()
    # Under way, so that incident cards, badges and a coloured banner are checked too.
    email = Component.objects.get(name="Email")
    open_incident(
        title="Mail delays", impact="minor", component_changes={email: "degraded_performance"}
    )
    open_incident(
        title="Mailbox migration",
        kind="maintenance",
        status="scheduled",
        body="Planned.",
        scheduled_for=later(days=2),
        scheduled_until=later(days=2, hours=2),
    )
    incident = Incident.objects.get(title="Server reboot and database recovery")
    services.postmortem_save(
        incident=incident, body="## Root cause\n\nThe database did *not* exit cleanly."
    )
    services.postmortem_publish(incident=incident)
    busy = timezone.localdate() - datetime.timedelta(days=2)
    busy_day(Component.objects.get(name="Network"), 5, day=busy)  # "and 2 more" links
    manage = reverse("subscribers:manage", args=[manage_token(follower())])
    return {
        "status page": "/",
        "incident": incident.get_absolute_url(),
        "history": reverse("history"),
        "history of a day": f"{reverse('history')}?day={busy.isoformat()}",
        "follow": reverse("subscribers:subscribe"),
        "manage or leave": manage,
    }


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_axe_finds_no_violations_on_the_public_pages(open_page, public_pages, color_scheme):
    page, axe = open_page(color_scheme=color_scheme), Axe()
    reports = []
    for name, path in public_pages.items():
        page.goto(path)
        results = axe.run(page)
        if results.violations_count:
            reports.append(f"{name} ({path}): {results.generate_report()}")
    assert not reports, "\n\n".join(reports)


def test_axe_finds_no_violations_in_an_open_uptime_tooltip(open_page, public_pages):
    for color_scheme in ["light", "dark"]:
        page = open_page(color_scheme=color_scheme)
        page.goto("/")
        page.locator(".bar-major_outage").first.hover()
        results = Axe().run(page, context=".uptime")
        assert results.violations_count == 0, results.generate_report()


def focus_style(locator):
    return locator.evaluate(
        "element => { const style = getComputedStyle(element);"
        " return [style.outlineStyle, parseFloat(style.outlineWidth)]; }"
    )


def test_the_skip_link_is_the_first_stop_and_moves_the_keyboard_to_the_content(page, public_pages):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_text("Skip to content")
    expect(skip).to_be_in_viewport()
    style, width = focus_style(skip)
    assert style != "none" and width >= 2
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")
    assert page.evaluate("document.activeElement.closest('header') === null")


def test_every_keyboard_stop_on_the_status_page_is_visible_and_outlined(page, public_pages):
    page.goto("/")
    stops = []
    for _ in range(200):
        page.keyboard.press("Tab")
        focused = page.locator(":focus")
        if not focused.count():
            break  # past the last stop, back to the browser
        # Each element once: tabbing on from the last stop starts over.
        label = focused.evaluate(
            "e => e.dataset.seen ? null : (e.dataset.seen = 'yes', e.outerHTML.slice(0, 80))"
        )
        if label is None:
            break
        stops.append(label)
        box = focused.bounding_box()
        assert box and box["width"] > 4 and box["height"] > 4, f"invisible stop: {label}"
        style, width = focus_style(focused)
        assert style != "none" and width >= 2, f"no focus outline: {label}"
    assert len(stops) > 20
    assert any("/incidents/" in stop for stop in stops)
    assert any("<input" in stop for stop in stops) and any("<button" in stop for stop in stops)
