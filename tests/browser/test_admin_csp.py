"""The admin and the public pages in a real browser (Chromium) under the Content Security
Policy: every page works and the browser reports no violation."""

import contextlib

import pytest
from django.contrib.auth.models import User

from incidents import services
from incidents.models import AuditEntry, Component, Incident

from ..conftest import follower, open_incident

pytestmark = pytest.mark.django_db(transaction=True)
# What the browser reports when the policy blocks something; a page's own script sees it
# as a `securitypolicyviolation` event, which this script (run before the page's, and
# exempt from the policy) records.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
    (e) => window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline")));
"""


@pytest.fixture
def site(live_server):
    return live_server.url


class Page:
    """A browser tab that remembers every console message and policy violation."""

    def __init__(self, browser, base):
        self.base = base
        self.tab = browser.new_page()
        self.tab.add_init_script(RECORD_VIOLATIONS)
        self.console = []
        self.violations = []
        self.tab.on("console", lambda message: self.console.append(message.text))

    def open(self, path):
        self._collect()
        response = self.tab.goto(self.base + path)
        assert response.status in (200, 404), (path, response.status)
        self.tab.wait_for_load_state("load")
        return response

    def _collect(self):
        with contextlib.suppress(Exception):  # no page loaded yet
            self.violations += self.tab.evaluate("window.__violations || []")

    def problems(self):
        self._collect()
        csp_console = [m for m in self.console if "Content Security Policy" in m]
        return csp_console + self.violations


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.org", "a long test password")


def log_in(page, username="root", password="a long test password"):
    page.open("/admin/login/")
    page.tab.fill("#id_username", username)
    page.tab.fill("#id_password", password)
    page.tab.click("input[type=submit]")
    page.tab.wait_for_url(page.base + "/admin/")


def test_the_admin_works_under_the_policy_with_no_violation(browser, site, superuser, network):
    update = open_incident(component_changes={network: "major_outage"}, author=superuser)
    incident = update.incident
    follower()
    page = Page(browser, site)
    log_in(page)
    for path in [
        "/admin/",
        f"/admin/incidents/incident/{incident.pk}/change/",
        f"/admin/incidents/incident/{incident.pk}/delete/",
        "/admin/incidents/component/",
        f"/admin/incidents/component/{network.pk}/change/",
        "/admin/incidents/component/add/",
        "/admin/incidents/componentgroup/add/",
        "/admin/incidents/incident/?status__exact=investigating",
        "/admin/incidents/auditentry/",
        f"/admin/incidents/auditentry/{AuditEntry.objects.first().pk}/change/",
        "/admin/subscribers/subscriber/",
        "/admin/auth/user/add/",
        f"/admin/auth/user/{superuser.pk}/change/",
        f"/admin/auth/user/{superuser.pk}/password/",
    ]:
        page.open(path)
    # The date and time widgets: their scripts add shortcuts and open a calendar.
    page.open(f"/admin/incidents/incidentupdate/{update.pk}/change/")
    page.tab.click(".datetimeshortcuts a:has-text('Today')")
    page.tab.click("#calendarlink0")
    page.tab.click("#calendarbox0 td.nonday + td a, #calendarbox0 td a >> nth=0")
    assert not page.tab.locator("#calendarbox0").is_visible()  # a day picked closes it
    page.tab.click("#clocklink0")
    page.tab.click("#clockbox0 a:has-text('Noon')")
    assert page.tab.input_value("#id_published_at_1") == "12:00:00"
    # The two-list selector of a follower's components is built by script.
    page.open(f"/admin/subscribers/subscriber/{follower('bo@example.org').pk}/change/")
    assert page.tab.locator("#id_components_from").is_visible()
    page.open("/admin/subscribers/subscriber/import/")
    page.tab.set_input_files(
        "input[type=file]",
        files=[{"name": "f.csv", "mimeType": "text/csv", "buffer": b"email\ncy@example.org\n"}],
    )
    page.tab.check("#id_dry_run")
    page.tab.click("input.default")
    assert "1" in page.tab.locator(".messagelist").inner_text()  # counted, not imported
    page.open("/admin/two-factor/")
    qr_width = page.tab.eval_on_selector(".two-factor-qr img", "img => img.naturalWidth")
    assert qr_width > 0  # the QR code image loaded
    assert page.problems() == []


def test_the_custom_forms_post_through_the_browser(browser, site, superuser, network):
    page = Page(browser, site)
    log_in(page)
    page.open("/admin/incidents/incident/add/")
    page.tab.fill("#id_title", "Network problem")
    page.tab.fill("#id_body", "We are *looking* into it.")
    page.tab.select_option(f"#id_component_{network.pk}", "major_outage")
    page.tab.click("input[name=_preview]")
    assert page.tab.locator(".post-preview em").inner_text() == "looking"
    page.tab.click("input.default")
    page.tab.wait_for_url(site + "/admin/incidents/incident/")
    incident = Incident.objects.get()
    page.open(f"/admin/incidents/incident/{incident.pk}/post-update/")
    page.tab.select_option("#id_status", "resolved")
    page.tab.fill("#id_body", "Fixed.")
    page.tab.select_option(f"#id_component_{network.pk}", "operational")
    page.tab.click("input.default")
    page.tab.wait_for_url(site + "/admin/incidents/incident/")
    assert Incident.objects.get().status == "resolved"
    assert Component.objects.get(pk=network.pk).status == "operational"
    assert page.problems() == []


def test_public_pages_show_without_any_violation(browser, site, network):
    update = open_incident(component_changes={network: "major_outage"}, body="*Cable* cut.")
    services.update_create(incident=update.incident, status="identified", body="Found it.")
    page = Page(browser, site)
    for path in [
        "/",
        update.incident.get_absolute_url(),
        "/history",
        "/subscribe",
        "/api/v2/",
        "/badge.svg",
        "/admin/login/",
        "/no-such-page",
    ]:
        page.open(path)
    # The stylesheet applied: the banner has its colour from statuspage.css.
    page.open("/")
    colour = page.tab.eval_on_selector(".banner", "e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(207, 34, 46)"  # .banner.indicator-critical
    assert page.problems() == []


def test_the_lockout_page_shows_without_any_violation(browser, site, settings):
    settings.AXES_FAILURE_LIMIT = 1
    page = Page(browser, site)
    page.open("/admin/login/")
    page.tab.fill("#id_username", "nobody")
    page.tab.fill("#id_password", "wrong")
    page.tab.click("input[type=submit]")
    assert page.tab.locator("h1").inner_text() == "Too many failed log-ins"
    assert page.problems() == []


def test_a_violation_would_be_noticed(browser, site, superuser):
    # The checks above can fail: inline code, which the policy forbids, is reported.
    page = Page(browser, site)
    log_in(page)
    page.open("/admin/")
    for inject in [
        lambda: page.tab.add_style_tag(content="body { color: red }"),
        lambda: page.tab.add_script_tag(content="window.injected = 1"),
    ]:
        with contextlib.suppress(Exception):  # Playwright may notice the block itself
            inject()
    assert page.tab.evaluate("window.injected") is None
    problems = page.problems()
    assert any("style-src" in p for p in problems) and any("script-src" in p for p in problems)
