"""Browser tests: Playwright for Python driving Debian's Chromium against a live server.

One browser for all the tests of this package, a fresh context (cookies, viewport,
colour scheme, time zone) for each page a test opens. Playwright never downloads a
browser here: `.ci/run` installs Debian's `chromium`.
"""

import importlib
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# As root Chromium needs --no-sandbox; the other two keep it off the network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update"]
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
PHONE, TABLET, DESKTOP = 390, 768, 1280


@pytest.fixture(scope="package")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"No Chromium at {CHROMIUM}: `apt-get install -y chromium` (.ci/run does).")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread, next to which Django
    # refuses ORM calls (the test's own set-up and checks) unless told it is safe.
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


def _no_static_handler(application):
    return application


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, serving static files the production way.

    Its default static handler looks files up in the source directories, where the
    hashed names of the manifest storage do not exist; WhiteNoise (in MIDDLEWARE)
    serves the collected files instead, with their real headers.
    """
    from django.test.testcases import LiveServerThread
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer(request.config.getvalue("liveserver") or "localhost", start=False)
    default = server.thread
    server.thread = LiveServerThread(
        default.host,
        _no_static_handler,
        connections_override=default.connections_override,
        port=default.port,
    )
    server.thread.daemon = True
    server.start()
    yield server
    server.stop()


@pytest.fixture
def open_page(browser, live_server):
    """open_page(width=, color_scheme=, ...) -> a page in a new context on the live server.

    Every URL the page requests is recorded in `page.requested`; a request to any other
    origin (a font, a script, an analytics beacon) fails the test.
    """
    contexts, pages = [], []

    def open_page(width=DESKTOP, color_scheme="light", **context_options):
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": width, "height": 900},
            color_scheme=color_scheme,
            **context_options,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.requested = []
        page.on("request", lambda request: page.requested.append(request.url))
        pages.append(page)
        return page

    yield open_page
    for context in contexts:
        context.close()
    origin = live_server.url + "/"
    elsewhere = [url for page in pages for url in page.requested if not url.startswith(origin)]
    assert not elsewhere, f"requests to other origins: {elsewhere}"


@pytest.fixture
def page(open_page):
    return open_page()


def screenshot(page, name):
    """Keep a full-page screenshot under test-artifacts/ (CI keeps it as an artifact)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


OPERATOR_PASSWORD = "correct horse battery staple"
# What an operator may do, as the staff app's migrations grant it.
OPERATOR_GRANTS = [
    ("staff.migrations.0001_operators", "OPERATOR_PERMISSIONS"),
    ("staff.migrations.0002_operators_integrations", "INTEGRATION_PERMISSIONS"),
    ("staff.migrations.0003_operators_incident_templates", "TEMPLATE_PERMISSIONS"),
]


@pytest.fixture
def operator_with_password(transactional_db):
    """olivia, a staff user in the "Operators" group. Transactional tests empty the
    database after each test, the group its migrations made with it: give it back."""
    from django.contrib.auth.models import Group, Permission, User

    operators, _ = Group.objects.get_or_create(name="Operators")
    for module, name in OPERATOR_GRANTS:
        for app_label, models in getattr(importlib.import_module(module), name).items():
            for model, actions in models.items():
                operators.permissions.add(
                    *Permission.objects.filter(
                        content_type__app_label=app_label,
                        codename__in=[f"{action}_{model}" for action in actions],
                    )
                )
    user = User.objects.create_user("olivia", password=OPERATOR_PASSWORD, is_staff=True)
    user.groups.add(operators)
    return user


def log_in_as_operator(page):
    """Log `page` in to the admin as operator_with_password's olivia, by the form."""
    page.goto("/admin/")
    page.get_by_label("Username").fill("olivia")
    page.get_by_label("Password").fill(OPERATOR_PASSWORD)
    page.get_by_role("button", name="Log in").click()
