"""A visitor reads the status page in a real browser, at phone and desktop widths."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from incidents.demo import load_demo

from .conftest import DESKTOP, PHONE, TABLET, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(transactional_db):
    load_demo()


def test_a_visitor_reads_the_status_page_and_follows_a_post_to_its_incident(
    demo, page, live_server
):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(settings.STATUS_PAGE_NAME)
    expect(page.locator(".banner")).to_have_text("All Systems Operational")
    network = page.locator(".component", has=page.get_by_text("Network", exact=True))
    expect(network.locator(".component-status")).to_have_text("Operational")
    expect(network.get_by_role("listitem")).to_have_count(90)
    expect(network.locator(".bar-major_outage")).to_have_count(1)
    past = page.get_by_role("region", name="Past incidents")
    expect(past.get_by_role("heading", level=3)).to_have_count(15)
    expect(past.get_by_text("No incidents reported.")).to_have_count(13)

    page.locator(".timeline").get_by_role("link", name="Network restored").click()
    expect(page).to_have_url(re.compile(r"/incidents/[a-z0-9]+#update-[a-z0-9]+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Network problem")
    expect(page.locator(":target")).to_contain_text("Full network connectivity has been restored.")

    origin = live_server.url
    assert any(url.endswith(".css") for url in page.requested)
    assert [url for url in page.requested if not url.startswith(origin + "/")] == []


def test_a_bar_tells_its_day_on_hover_and_its_incident_links_work(demo, page):
    page.goto("/")
    network = page.get_by_role("list", name="Network: uptime day by day")
    outage_day = network.locator(".bar-major_outage")
    tip = outage_day.locator(".tip")
    assert tip.bounding_box()["width"] <= 1  # visually hidden until pointed at
    outage_day.hover()
    expect(tip).to_contain_text(re.compile(r"^\d+ \w{3} 20\d\d: \d+\.\d\d% uptime, major outage"))
    assert tip.bounding_box()["width"] > 200
    # As a hand would: straight down from the bar onto the tooltip, then along to the link.
    bar, link = outage_day.bounding_box(), tip.get_by_role("link").bounding_box()
    link_y = link["y"] + link["height"] / 2
    page.mouse.move(bar["x"] + bar["width"] / 2, link_y, steps=10)
    page.mouse.move(link["x"] + link["width"] / 2, link_y, steps=10)
    page.mouse.down()
    page.mouse.up()
    expect(page.get_by_role("heading", level=1)).to_have_text("Network problem")


@pytest.mark.parametrize(("width", "days"), [(PHONE, 30), (TABLET, 60), (DESKTOP, 90)])
def test_narrow_screens_show_fewer_days_and_never_scroll_sideways(demo, open_page, width, days):
    page = open_page(width=width)
    page.goto("/")
    bars = page.get_by_role("list", name="Email: uptime day by day").get_by_role("listitem")
    assert bars.evaluate_all("bars => bars.filter(bar => bar.checkVisibility()).length") == days
    legend = page.locator(".component", has=page.get_by_text("Email", exact=True))
    expect(legend.locator(".uptime-legend")).to_have_text(
        re.compile(rf"^\s*{days} days ago\s+100% uptime\s+Today\s*$"), use_inner_text=True
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_page_reads_the_same_without_javascript(demo, open_page):
    page = open_page(java_script_enabled=False)
    page.goto("/")
    expect(page.locator(".banner")).to_have_text("All Systems Operational")
    expect(page.locator(".bar")).to_have_count(4 * 90)
    first = page.locator(".timeline time").first
    expect(first).to_have_text(re.compile(r"^\d+ \w{3} 20\d\d, \d\d:\d\d UTC$"))
    assert not [url for url in page.requested if url.endswith(".js")]


def test_times_are_shown_in_the_visitors_time_zone_with_the_page_time_as_title(
    demo, open_page, settings
):
    assert settings.TIME_ZONE == "UTC"
    page = open_page(timezone_id="Asia/Tokyo")
    page.goto("/")
    time = page.locator(".timeline time").first
    expect(time).to_have_text(re.compile(r"^\d+ \w{3} 20\d\d, \d\d:\d\d GMT\+9$"))
    expect(time).to_have_attribute("title", re.compile(r"^\d+ \w{3} 20\d\d, \d\d:\d\d UTC$"))
    short = page.locator(".past-incidents time.medium").first
    expect(short).to_have_text(re.compile(r"^\d+ \w{3}, \d\d:\d\d GMT\+9$"))
    # Days are the page's days: a day's heading is not rewritten.
    expect(page.locator(".past-day h3 time").first).not_to_have_attribute("title", re.compile("."))


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_screenshots_of_the_status_page(demo, open_page, width, color_scheme):
    page = open_page(width=width, color_scheme=color_scheme)
    page.goto("/")
    path = screenshot(page, f"home-{width}-{color_scheme}")
    assert path.stat().st_size > 10_000
